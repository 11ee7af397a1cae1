// The audit login: one SSH connection authenticated with the inventory's audit key, used to read
// the server's effective sshd configuration and to look for keys under keyPaths over SFTP.
// The host key is checked BEFORE authentication: with a pinned fingerprint, any other key ends the
// connection inside hostVerifier, so not even the public key is offered to an impostor.
import { readFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { homedir } from 'node:os'
import { matchesGlob, posix } from 'node:path'
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2'
import { DEFAULT_KEY_WALK_LIMITS, findKeys, type KeyWalkLimits } from './key-discovery.ts'
import type { KeysObservation, LoginObservation, Part, PartError, SshdConfigObservation } from './observation.ts'
import { errorKindOf } from './handshake.ts'
import { sftpKeyFs } from './sftp-key-fs.ts'
import { withDeadline } from './deadline.ts'
import { parseSshdT, readSshdConfig } from './sshd-config.ts'
import { sshFingerprint } from './wire/key-blob.ts'
import type { Algorithms } from 'ssh2'
import type { HostCommandId } from '../host/commands.ts'
import type { HostObservation } from '../host/observation.ts'
import { runHostCommands } from '../host/run-commands.ts'

export interface AuditLoginOptions {
  host: string
  port: number
  timeoutMs: number
  user: string
  privateKeyFile: string
  /** name of the environment variable holding the key's passphrase */
  passphraseEnv?: string
  /** `SHA256:…`; absent = trust on first use */
  pinnedHostKey?: string
  algorithms?: Algorithms
  wantConfig: boolean
  keyPaths?: string[]
  limits?: KeyWalkLimits
  /** allow-listed host commands to run (checks/host/commands.ts) */
  hostCommands?: { ids: HostCommandId[] }
  /** the login may run `sudo -n` (the inventory's `login.sudo: true`): for sshd -T and the root-only host commands */
  sudo?: boolean
}

export interface AuditLoginResult {
  login: Part<LoginObservation>
  keys?: Part<KeysObservation>
  host?: Part<HostObservation>
  /** fingerprint of the host key the server presented (also on mismatch) */
  seenFingerprint?: string
}

// Finds the configuration file of the daemon that accepted this login: a daemon started with
// `-f other_config` would otherwise be judged by the default file. Walks up the process tree to the
// listener, whose title keeps its command line. Then asks that daemon's binary for the effective
// settings as they apply to root logging in from where this audit connection comes from.
const CONFIG_SCRIPT = `
cfg=/etc/ssh/sshd_config
p=$PPID; i=0
while [ "\${p:-1}" -gt 1 ] 2>/dev/null && [ $i -lt 16 ]; do
  c=$(tr '\\000' ' ' < /proc/$p/cmdline 2>/dev/null)
  case "$c" in *sshd*" -f "*) f=$(printf '%s' "$c" | sed -n 's/.* -f *\\([^ ]*\\).*/\\1/p'); [ -n "$f" ] && cfg=$f ;; esac
  p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$p/status 2>/dev/null); i=$((i+1))
done
echo "VIGIL-CONFIG-FILE $cfg"
a=\${SSH_CONNECTION%% *}
spec="user=root,host=$a,addr=$a"
if [ "$(id -u)" = 0 ]; then /usr/sbin/sshd -T -f "$cfg" -C "$spec" 2>&1
elif [ VIGIL_SUDO = yes ]; then sudo -n /usr/sbin/sshd -T -f "$cfg" -C "$spec" 2>&1
else echo "sshd -T needs root and this login may not use sudo (login.sudo)"; false; fi
echo "VIGIL-EXIT $?"
`

/**
 * The configuration script for this login: a non-root login that may not use sudo (`login.sudo` not
 * true) never runs `sudo`; its configuration files are read over SFTP instead.
 */
const configScript = (sudo: boolean) => CONFIG_SCRIPT.replace('VIGIL_SUDO', sudo ? 'yes' : 'no')

const MAX_EXEC_OUTPUT = 256 * 1024

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? posix.join(homedir(), p.slice(2)) : p
}

function partError(kind: PartError['kind'], message: string): { error: PartError } {
  return { error: { kind, message } }
}

export async function auditLogin(o: AuditLoginOptions): Promise<AuditLoginResult> {
  const wantKeys = !!o.keyPaths?.length
  const wantHost = !!o.hostCommands?.ids.length
  const fail = (e: { error: PartError }, seenFingerprint?: string): AuditLoginResult => ({
    login: e,
    ...(wantKeys ? { keys: e } : {}),
    ...(wantHost ? { host: e } : {}),
    ...(seenFingerprint ? { seenFingerprint } : {}),
  })

  let privateKey: Buffer
  try {
    privateKey = await readFile(expandHome(o.privateKeyFile))
  } catch (e) {
    return fail(partError('inconclusive', `cannot read the audit login's private key file ${o.privateKeyFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`))
  }
  let passphrase: string | undefined
  if (o.passphraseEnv) {
    passphrase = process.env[o.passphraseEnv]
    if (passphrase === undefined) return fail(partError('inconclusive', `environment variable ${o.passphraseEnv} (the audit key's passphrase) is not set`))
  }

  const client = new Client()
  let seen: string | undefined
  let mismatch = false
  const connected = await new Promise<{ error: PartError } | null>((resolve) => {
    const timer = setTimeout(() => resolve(partError('timeout', `audit login to ${o.host}:${o.port} took longer than ${o.timeoutMs} ms`)), o.timeoutMs * 2)
    client.once('ready', () => {
      clearTimeout(timer)
      resolve(null)
    })
    client.on('error', (e: Error & { code?: string; level?: string }) => {
      clearTimeout(timer)
      if (mismatch)
        resolve(partError('hostkey-mismatch', `host key ${seen} presented by ${o.host}:${o.port} is not the pinned ${o.pinnedHostKey}; stopped before authenticating`))
      else if (e.level === 'client-authentication') resolve(partError('access-denied', `the server refused the audit key for user ${o.user}`))
      // ssh2's key parser messages name the format and never echo the passphrase
      else if (/privateKey|passphrase|integrity/i.test(e.message)) resolve(partError('inconclusive', `the audit key ${o.privateKeyFile} could not be used: ${e.message}`))
      else resolve(partError(errorKindOf(e), `audit login to ${o.host}:${o.port}: ${e.message}`))
    })
    client.once('close', () => {
      clearTimeout(timer)
      resolve(partError(mismatch ? 'hostkey-mismatch' : 'unreachable', mismatch ? `host key ${seen} is not the pinned ${o.pinnedHostKey}` : `${o.host}:${o.port} closed the connection during the audit login`))
    })
    try {
      // SFTP is request/response: without TCP_NODELAY every small request waits out delayed ACKs (~40 ms)
      const sock = connect({ host: o.host, port: o.port, noDelay: true })
      sock.on('error', () => {}) // reported through the client
      client.connect({
        sock,
        host: o.host,
        port: o.port,
        username: o.user,
        privateKey,
        ...(passphrase !== undefined ? { passphrase } : {}),
        readyTimeout: o.timeoutMs,
        ...(o.algorithms ? { algorithms: o.algorithms } : {}),
        hostVerifier: (key: Buffer) => {
          seen = sshFingerprint(key)
          if (o.pinnedHostKey && seen !== o.pinnedHostKey) {
            mismatch = true
            return false
          }
          return true
        },
      })
    } catch (e) {
      clearTimeout(timer)
      resolve(partError('inconclusive', `the audit key ${o.privateKeyFile} could not be used: ${(e as Error).message}`))
    }
  })
  privateKey.fill(0)
  passphrase = undefined
  if (connected) {
    client.destroy()
    return fail(connected, seen)
  }

  try {
    let sftp: SFTPWrapper | undefined
    const getSftp = async () => {
      sftp ??= await withDeadline<SFTPWrapper>(o.timeoutMs, 'opening SFTP', (done) => client.sftp((err, s) => done(err, s)))
      return sftp
    }
    const login: LoginObservation = { user: o.user, hostKeyFingerprint: seen! }
    if (o.wantConfig) login.sshdConfig = await readEffectiveConfig(client, getSftp, o.timeoutMs, o.sudo === true)
    let keys: Part<KeysObservation> | undefined
    if (wantKeys) {
      try {
        keys = await findKeys(sftpKeyFs(await getSftp(), o.timeoutMs), 'sftp', o.keyPaths!, o.limits ?? DEFAULT_KEY_WALK_LIMITS)
      } catch (e) {
        keys = partError('protocol', `SFTP key search failed: ${(e as Error).message}`)
      }
    }
    const host = wantHost ? await runHostCommands(client, o.hostCommands!.ids, { sudo: o.sudo === true, root: o.user === 'root', timeoutMs: o.timeoutMs }) : undefined
    return { login, ...(keys ? { keys } : {}), ...(host ? { host } : {}), seenFingerprint: seen }
  } finally {
    client.end()
    client.destroy()
  }
}


function execCapture(client: Client, command: string, timeoutMs: number): Promise<{ out: string; code: number | null }> {
  return withDeadline(timeoutMs, 'running the configuration command', (done) => {
    client.exec(command, (err: Error | undefined, stream: ClientChannel) => {
      if (err) return done(err)
      // stdout only: a stray stderr line from the shell must not split a marker line in two
      let out = ''
      stream.on('data', (d: Buffer) => {
        if (out.length < MAX_EXEC_OUTPUT) out += d.toString('utf8')
      })
      stream.stderr.resume()
      stream.on('close', (code: number | null) => done(null, { out, code }))
    })
  })
}

async function readEffectiveConfig(client: Client, getSftp: () => Promise<SFTPWrapper>, timeoutMs: number, sudo: boolean): Promise<SshdConfigObservation | { error: PartError }> {
  let configFile = '/etc/ssh/sshd_config'
  let fallbackReason: string
  try {
    const { out } = await execCapture(client, configScript(sudo), timeoutMs)
    const found = /^VIGIL-CONFIG-FILE (.+)$/m.exec(out)?.[1]?.trim()
    if (!found) return partError('inconclusive', `the configuration command over the audit login did not report which sshd configuration applies (output: ${JSON.stringify(out.slice(0, 160))})`)
    configFile = found
    const exit = Number(/^VIGIL-EXIT (\d+)$/m.exec(out)?.[1] ?? NaN)
    const body = out.replace(/^VIGIL-(CONFIG-FILE|EXIT) .*$/gm, '')
    const settings = parseSshdT(body)
    if (exit === 0 && 'permitrootlogin' in settings) return { source: 'sshd -T', configFile, filesRead: [], settings, matchBlocks: [] }
    fallbackReason = `sshd -T was not allowed (exit ${Number.isNaN(exit) ? 'unknown' : exit}): ${body.trim().split('\n')[0]?.slice(0, 160) ?? ''}`
  } catch (e) {
    // A timeout says nothing about which daemon accepted us; judging /etc/ssh/sshd_config instead could
    // judge the wrong file, so it is an error. A refused exec (an SFTP-only audit account) falls back.
    if ((e as { code?: string }).code === 'ETIMEDOUT')
      return partError('timeout', `the configuration command over the audit login did not finish: ${(e as Error).message}`)
    fallbackReason = `running sshd -T failed: ${(e as Error).message}; assuming the default ${configFile}`
  }
  try {
    const sftp = await getSftp()
    const io = {
      read: (path: string) =>
        withDeadline<Buffer>(timeoutMs, `reading ${path}`, (done) => sftp.readFile(path, (err, b) => done(err, b))).then((b) => b.subarray(0, MAX_EXEC_OUTPUT).toString('utf8')),
      expand: async (pattern: string) => {
        if (!/[*?[]/.test(pattern)) return [pattern]
        const dir = posix.dirname(pattern)
        const list = await withDeadline<{ filename: string }[]>(timeoutMs, `listing ${dir}`, (done) => sftp.readdir(dir, (err, l) => done(err, l))).catch(() => [])
        return list.map((e) => e.filename).filter((n) => matchesGlob(n, posix.basename(pattern))).sort().map((n) => posix.join(dir, n))
      },
    }
    const read = await readSshdConfig(configFile, io)
    return { source: 'config-files', configFile, filesRead: read.filesRead, settings: read.settings, matchBlocks: read.matchBlocks, conditional: read.conditional, fallbackReason }
  } catch (e) {
    return partError('access-denied', `${fallbackReason}; reading ${configFile} over SFTP failed too: ${(e as Error).message}`)
  }
}
