// Starts real OpenSSH sshd processes on 127.0.0.1 for the lab and the tests: per-instance folder,
// configuration and host keys made with ssh-keygen, a free port, and a stop() that ends exactly that
// process by its PID. Profiles describe servers Vigil should pass (`hardened`) and fail (`legacy`).
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { freePort } from '../free-port.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const SSHD = '/usr/sbin/sshd'

export type LabSshdProfile = 'hardened' | 'legacy' | 'default'

export interface LabSshdOptions {
  profile: LabSshdProfile
  /** folder for config, host keys and logs; a new temp folder when absent */
  dir?: string
  /** host keys to generate, e.g. `ed25519`, `rsa:3072`, `rsa:2048`, `ecdsa:256`, `dsa` */
  hostKeys?: string[]
  /** more sshd_config lines; they come FIRST, so they win over the profile (sshd keeps the first value) */
  extraConfig?: string[]
  /** authorized_keys content for every user (AuthorizedKeysFile points into the folder) */
  authorizedKeys?: string
  port?: number
}

export interface LabHostKey {
  type: string
  file: string
  fingerprint: string
}

export interface LabSshd {
  port: number
  pid: number
  dir: string
  configFile: string
  hostKeys: LabHostKey[]
  /** sshd's stderr so far (it runs with -e) */
  log(): string
  stop(): Promise<void>
}

const PROFILES: Record<LabSshdProfile, { hostKeys: string[]; config: string[] }> = {
  hardened: {
    hostKeys: ['ed25519'],
    config: [
      'KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org',
      'Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes128-ctr',
      'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com',
      'HostKeyAlgorithms ssh-ed25519',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin no',
    ],
  },
  legacy: {
    hostKeys: ['rsa:2048', 'dsa', 'ecdsa:256', 'ed25519'],
    config: [
      'KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1',
      'Ciphers +aes128-cbc,aes256-cbc,3des-cbc',
      'MACs +hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,umac-64@openssh.com',
      'HostKeyAlgorithms +ssh-rsa,ssh-dss',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication yes',
      'PermitRootLogin yes',
    ],
  },
  default: { hostKeys: ['ed25519', 'rsa:3072'], config: [] },
}


async function fingerprintOf(pubFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { timeout: 10_000 })
  return stdout.split(' ')[1]!
}

async function waitForBanner(port: number, child: ChildProcess, deadlineMs: number, log: () => string): Promise<void> {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${log().slice(-800)}`)
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port })
      const t = setTimeout(() => (s.destroy(), resolve(false)), 500)
      s.once('data', (d) => (clearTimeout(t), s.destroy(), resolve(d.toString('latin1').startsWith('SSH-'))))
      s.once('error', () => (clearTimeout(t), resolve(false)))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`sshd on port ${port} did not answer within ${deadlineMs} ms: ${log().slice(-800)}`)
}

export async function startLabSshd(opts: LabSshdOptions): Promise<LabSshd> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'vigil-sshd-')))
  await mkdir(dir, { recursive: true })
  // the audit user reads authorized_keys as itself: the folder must be traversable
  await chmod(dir, 0o755)
  await mkdir('/run/sshd', { recursive: true })
  const profile = PROFILES[opts.profile]
  const hostKeys: LabHostKey[] = []
  for (const spec of opts.hostKeys ?? profile.hostKeys) {
    const [type, bits] = spec.split(':')
    const file = join(dir, `ssh_host_${type}${bits ? `_${bits}` : ''}_key`)
    await rm(file, { force: true })
    await rm(`${file}.pub`, { force: true })
    await run('ssh-keygen', ['-q', '-t', type!, ...(bits ? ['-b', bits] : []), '-N', '', '-C', `vigil-lab-${type}`, '-f', file], { timeout: 60_000 })
    hostKeys.push({ type: type!, file, fingerprint: await fingerprintOf(`${file}.pub`) })
  }
  const authFile = join(dir, 'authorized_keys')
  await writeFile(authFile, opts.authorizedKeys ?? '', { mode: 0o644 })
  const port = opts.port ?? (await freePort())
  const configFile = join(dir, 'sshd_config')
  const lines = [
    ...(opts.extraConfig ?? []),
    ...profile.config,
    `ListenAddress 127.0.0.1:${port}`,
    ...hostKeys.map((k) => `HostKey ${k.file}`),
    `AuthorizedKeysFile ${authFile}`,
    'PidFile none',
    'StrictModes no',
    'UsePAM no',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    // the tests open many short connections from one address
    'MaxStartups 100:30:200',
    'PerSourceMaxStartups none',
  ]
  await writeFile(configFile, lines.join('\n') + '\n', { mode: 0o644 })
  let stderr = ''
  const child = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 1_000_000) stderr += d.toString()
  })
  const log = () => stderr
  try {
    await waitForBanner(port, child, 10_000, log)
  } catch (e) {
    child.kill('SIGKILL')
    throw e
  }
  return {
    port,
    pid: child.pid!,
    dir,
    configFile,
    hostKeys,
    log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => (child.kill('SIGKILL'), resolve()), 3000)
        child.once('exit', () => (clearTimeout(t), resolve()))
        child.kill('SIGTERM')
      })
    },
  }
}
