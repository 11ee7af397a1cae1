// The test hosts of lab/hosts/ are what the host-hardening checks will be judged against, so each
// variant must really differ from `hardened` in its one property, seen the way Vigil will see it:
// over SSH, as the vigil user with sudo, from the test netns. Also: the hosts are reachable from the
// test netns only, and a stopped (or orphaned) host leaves no process, mount or veth behind.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  TEST_HOST_VARIANTS,
  buildTestHostBase,
  inTestNetns,
  runInTestNetns,
  startTestHost,
  testNetns,
  type TestHost,
  type TestHostVariant,
  type TestNetns,
  testHostsUnavailable,
} from '../../lab/hosts/test-hosts.ts'

const skip = testHostsUnavailable()
if (skip) console.warn(`test/host/test-hosts.test.ts skipped: ${skip}`)

interface Observation {
  /** packages `apt-get -s upgrade` would install */
  pendingUpdates: string[]
  /** dpkg's status of unattended-upgrades, `absent` when dpkg does not know it */
  unattendedUpgrades: string
  /** files watched by -w rules in /etc/audit/rules.d/ */
  auditWatches: string[]
  uid0Accounts: string[]
  emptyPasswordAccounts: string[]
  /** policy of the nftables input hook, null when no chain hooks input */
  inputPolicy: string | null
  /** mount points lsblk -J shows under a crypt device, and under none (the stand-in's recorded output) */
  lsblkMounts: { encrypted: string[]; plain: string[] }
  /** chronyc -c tracking's leap status (the stand-in's recorded output) */
  chronyLeap: string
}

const HARDENED: Observation = {
  pendingUpdates: [],
  unattendedUpgrades: 'installed',
  // the -w watches of 50-vigil.rules (sshd_config is watched by an -a rule, not listed here)
  auditWatches: ['/etc/passwd', '/etc/shadow', '/etc/sudoers', '/etc/group', '/etc/gshadow', '/etc/sudoers.d', '/var/log/lastlog', '/var/run/faillock', '/var/log/wtmp', '/var/log/btmp'],
  uid0Accounts: ['root'],
  emptyPasswordAccounts: [],
  inputPolicy: 'drop',
  lsblkMounts: { encrypted: ['/'], plain: ['/boot'] },
  chronyLeap: 'Normal',
}
const EXPECTED: Record<TestHostVariant, Observation> = {
  hardened: HARDENED,
  'outdated-package': { ...HARDENED, pendingUpdates: ['vigil-probe-demo'] },
  'no-unattended-upgrades': { ...HARDENED, unattendedUpgrades: 'absent' },
  'no-audit-rules': { ...HARDENED, auditWatches: [] },
  'second-uid0': { ...HARDENED, uid0Accounts: ['root', 'toor'] },
  'empty-password': { ...HARDENED, emptyPasswordAccounts: ['alice'] },
  'firewall-open': { ...HARDENED, inputPolicy: null },
  'unencrypted-disk': { ...HARDENED, lsblkMounts: { encrypted: [], plain: ['/'] } },
  'no-time-sync': { ...HARDENED, chronyLeap: 'Not synchronised' },
}

// one SSH session per host; sections keep the outputs apart. Account names only, never hashes.
const PROBE = [
  "echo '## apt'; apt-get -s upgrade 2>/dev/null | grep '^Inst ' || true",
  "echo '## unattended'; dpkg-query -W -f='${db:Status-Status}\\n' unattended-upgrades 2>/dev/null || echo absent",
  "echo '## audit'; sudo -n sh -c 'cat /etc/audit/rules.d/*.rules' | grep '^-w' || true",
  "echo '## uid0'; getent passwd | awk -F: '$3==0{print $1}'",
  "echo '## empty'; sudo -n awk -F: '$2==\"\"{print $1}' /etc/shadow",
  "echo '## nft'; sudo -n nft list ruleset",
  "echo '## lsblk'; lsblk -J",
  "echo '## chrony'; chronyc -c tracking | awk -F, '{print $NF}'",
].join('\n')

let netns: TestNetns
let hosts: TestHost[] = []
let work: string

interface SshResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a script on the host with the real ssh client, from the test netns, host keys pinned. */
async function sshRun(host: TestHost, script: string): Promise<SshResult> {
  const knownHosts = join(work, `known_hosts-${host.variant}`)
  await writeFile(knownHosts, host.knownHosts)
  const [cmd, args] = inTestNetns('ssh', [
    '-F', '/dev/null',
    '-i', host.privateKeyFile,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=10',
    '-p', String(host.port),
    `${host.user}@${host.address}`,
    'sh -s',
  ])
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdin.end(script)
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)))
  return { code, stdout, stderr }
}

function sections(stdout: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  let current = ''
  for (const line of stdout.split('\n')) {
    const m = /^## (\w+)$/.exec(line)
    if (m) out[(current = m[1]!)] = []
    else if (current && line.trim()) out[current]!.push(line)
  }
  return out
}

function observe(stdout: string): Observation {
  const s = sections(stdout)
  const policy = /hook input priority [^;]+; policy (\w+);/.exec((s.nft ?? []).join('\n'))
  return {
    pendingUpdates: (s.apt ?? []).map((l) => l.split(' ')[1]!),
    unattendedUpgrades: (s.unattended ?? []).join(' '),
    auditWatches: (s.audit ?? []).map((l) => l.split(/\s+/)[1]!),
    uid0Accounts: s.uid0 ?? [],
    emptyPasswordAccounts: s.empty ?? [],
    inputPolicy: policy?.[1] ?? null,
    lsblkMounts: lsblkMounts((s.lsblk ?? []).join('\n')),
    chronyLeap: (s.chrony ?? []).join(' '),
  }
}

/** mount points of `lsblk -J` (snaps on loop devices aside) below a crypt device or not */
function lsblkMounts(json: string): { encrypted: string[]; plain: string[] } {
  const out = { encrypted: [] as string[], plain: [] as string[] }
  type Dev = { type: string; mountpoints?: (string | null)[]; children?: Dev[] }
  const walk = (d: Dev, crypt: boolean) => {
    const c = crypt || d.type === 'crypt'
    if (d.type !== 'loop') for (const m of d.mountpoints ?? []) if (m) (c ? out.encrypted : out.plain).push(m)
    for (const k of d.children ?? []) walk(k, c)
  }
  for (const d of (JSON.parse(json) as { blockdevices: Dev[] }).blockdevices) walk(d, false)
  out.plain.sort()
  return out
}

/** Every namespace inode of a process, to find any process still in one of them later. */
function namespacesOf(pid: number): string[] {
  return ['net', 'pid', 'mnt', 'uts', 'ipc'].map((ns) => readlinkSync(`/proc/${pid}/ns/${ns}`))
}

/** PIDs of processes in any of the given namespaces. */
function processesIn(namespaces: string[]): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    for (const ns of ['net', 'pid', 'mnt', 'uts', 'ipc']) {
      try {
        if (namespaces.includes(readlinkSync(`/proc/${entry}/ns/${ns}`))) {
          found.push(Number(entry))
          break
        }
      } catch {
        // the process ended while we looked
      }
    }
  }
  return found
}

function vethOf(host: TestHost): string {
  return `vh${host.address.split('.')[2]}`
}

async function linksInTestNetns(): Promise<string> {
  return (await runInTestNetns('ip', ['-br', 'link'])).stdout
}

describe.skipIf(skip)(`test hosts (lab/hosts)${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const observed = new Map<TestHostVariant, SshResult>()

  beforeAll(async () => {
    // the base: built once per machine (about 20 s with a mirror), then a stamp check
    await buildTestHostBase()
    work = await mkdtemp(join(tmpdir(), 'vigil-test-hosts-'))
    netns = await testNetns()
    const started = Date.now()
    hosts = await Promise.all(TEST_HOST_VARIANTS.map((v) => startTestHost(v)))
    console.log(`test hosts: ${hosts.length} started in ${Date.now() - started} ms`)
    const results = await Promise.all(hosts.map((h) => sshRun(h, PROBE)))
    hosts.forEach((h, i) => observed.set(h.variant, results[i]!))
  }, 15 * 60_000)

  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()))
    await netns?.stop()
    if (work) await rm(work, { recursive: true, force: true })
  }, 60_000)

  test.each(TEST_HOST_VARIANTS)('%s differs from hardened in its one property only', (variant) => {
    const result = observed.get(variant)!
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(observe(result.stdout)).toEqual(EXPECTED[variant])
    if (variant === 'outdated-package') {
      // what apt and unattended-upgrades see: 1.1 from the Debian-Security archive over 1.0
      expect(sections(result.stdout).apt).toEqual([expect.stringMatching(/^Inst vigil-probe-demo \[1\.0\] \(1\.1 Debian-Security:12\/\S+ \[all\]\)$/)])
    }
  })

  test('each host has its own hostname and address, and pins to the built host keys', async () => {
    const names = await Promise.all(hosts.map((h) => sshRun(h, 'hostname; ip -4 -br addr show eth0')))
    names.forEach((r, i) => {
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(`vigil-${hosts[i]!.variant}\n`)
      expect(r.stdout).toContain(`${hosts[i]!.address}/30`)
    })
    // a wrong pin is refused: the ssh client really checks the host key
    const [host] = hosts
    const other = join(work, 'other_host_key')
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]).status).toBe(0)
    const wrong = { ...host!, knownHosts: `${host!.address} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n` }
    const refused = await sshRun(wrong, 'true')
    expect(refused.code).toBe(255)
    expect(refused.stderr).toMatch(/host key|HOST IDENTIFICATION/i)
  })

  test("the machine's own netns has no 10.231.* address or route and cannot reach a host", async () => {
    const own = spawnSync('sh', ['-c', 'ip -br addr; ip route; ip -br link'], { encoding: 'utf8' })
    expect(own.status).toBe(0)
    expect(own.stdout).not.toContain('10.231.')
    expect(own.stdout).not.toMatch(/^vh\d+/m)

    const banner = (host: string) =>
      new Promise<string>((resolve) => {
        const s = connect({ host, port: 22 })
        const timer = setTimeout(() => (s.destroy(), resolve('timeout')), 2_000)
        s.once('data', (d) => (clearTimeout(timer), s.destroy(), resolve(d.toString('latin1').split('\r\n')[0]!)))
        s.once('error', (e: NodeJS.ErrnoException) => (clearTimeout(timer), resolve(e.code ?? e.message)))
      })
    const fromMachine = await Promise.all(hosts.map((h) => banner(h.address)))
    for (const r of fromMachine) expect(r).not.toMatch(/^SSH-/)

    // the same connection from the test netns (node itself running there) gets the banner
    const script = `const s = require('node:net').connect({ host: ${JSON.stringify(hosts[0]!.address)}, port: 22 });
      s.once('data', (d) => { console.log(d.toString('latin1').split('\\r\\n')[0]); s.destroy() });
      s.once('error', (e) => { console.log(e.code); process.exitCode = 1 })`
    const fromTestNetns = await runInTestNetns(process.execPath, ['-e', script])
    expect(fromTestNetns.stdout).toMatch(/^SSH-2\.0-OpenSSH_9\.2p1 Debian/)
    const testSide = await runInTestNetns('ip', ['-br', 'addr'])
    for (const h of hosts) expect(testSide.stdout).toContain(`${h.address.replace(/\.2$/, '.1')}/30`)
  })

  test('stop() leaves no process, mount, veth or folder of the host behind', async () => {
    const host = await startTestHost('hardened', { name: 'vigil-stop-check' })
    const namespaces = namespacesOf(host.pid1)
    expect(processesIn(namespaces).length).toBeGreaterThanOrEqual(2) // PID 1 and sshd at least
    expect(await linksInTestNetns()).toMatch(new RegExp(`^${vethOf(host)}@`, 'm'))

    await host.stop()

    expect(processesIn(namespaces)).toEqual([])
    expect(existsSync(`/proc/${host.pid1}`) && namespacesOf(host.pid1).some((ns) => namespaces.includes(ns))).toBe(false)
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(host.dir)
    expect(await linksInTestNetns()).not.toMatch(new RegExp(`^${vethOf(host)}@`, 'm'))
    expect(spawnSync('ip', ['-br', 'link'], { encoding: 'utf8' }).stdout).not.toMatch(/^vh\d+/m)
    expect(existsSync(host.dir)).toBe(false)
    await host.stop() // twice is fine
  })

  test('a host dies with the process that started it, even when that process is SIGKILLed', async () => {
    const module = fileURLToPath(new URL('../../lab/hosts/test-hosts.ts', import.meta.url))
    const script = `import { startTestHost } from ${JSON.stringify(module)}
      const h = await startTestHost('hardened', { name: 'vigil-orphan' })
      const { readlinkSync } = await import('node:fs')
      const ns = ['net', 'pid', 'mnt', 'uts', 'ipc'].map((n) => readlinkSync('/proc/' + h.pid1 + '/ns/' + n))
      console.log(JSON.stringify({ dir: h.dir, netnsPid: h.netnsPid, ns: [...ns, readlinkSync(h.netnsPath)] }))
      process.kill(process.pid, 'SIGKILL')`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 })
    expect(child.signal).toBe('SIGKILL')
    const orphan = JSON.parse(child.stdout.trim()) as { dir: string; netnsPid: number; ns: string[] }
    try {
      // the lifelines (PID 1's stdin, the netns holder's stdin) closed with the process
      const until = Date.now() + 10_000
      while (processesIn(orphan.ns).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
      expect(processesIn(orphan.ns)).toEqual([])
    } finally {
      // the upper dir is the one thing a killed process cannot remove
      await rm(orphan.dir, { recursive: true, force: true })
    }
  })
})
