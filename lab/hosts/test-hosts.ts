// Real Debian bookworm hosts for the host-hardening tests, each with its own sshd on port 22 of its
// own address. A host is namespaces, not a VM: `unshare --mount --pid --net --uts --ipc` runs
// host-init.sh as its PID 1, which mounts an overlay (the shared base built by
// scripts/build-test-hosts.sh as the read-only lower dir, a temp folder as the upper dir), applies
// the host's variant and starts sshd in a chroot. A veth pair joins the host (10.231.<n>.2) to the
// test netns (10.231.<n>.1, see test-netns.ts); the machine's own netns never sees either end.
// PID 1 holds a pipe from this process (the lifeline), so a host dies with the test that started it.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { copyFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { testNetns, type TestNetns } from './test-netns.ts'

export { inTestNetns, runInTestNetns, testNetns, type TestNetns } from './test-netns.ts'

const run = promisify(execFile)
const HERE = fileURLToPath(new URL('.', import.meta.url))
const REPO = fileURLToPath(new URL('../../', import.meta.url))
export const BUILD_SCRIPT = join(REPO, 'scripts/build-test-hosts.sh')

/**
 * The hosts, each differing from `hardened` in exactly one property (lab/hosts/variants/<name>.sh):
 * - `hardened`: every property in its hardened state;
 * - `outdated-package`: vigil-probe-demo 1.0 installed while 1.1 waits in the Debian-Security archive;
 * - `no-unattended-upgrades`: the unattended-upgrades package is purged;
 * - `no-audit-rules`: no auditd rules file, and a stand-in auditctl printing a recorded empty rule set (`No rules`);
 * - `second-uid0`: a second UID 0 account, `toor`;
 * - `empty-password`: the account `alice` has an empty password field;
 * - `firewall-open`: no nftables ruleset (inbound traffic accepted).
 * - `unencrypted-disk`: lsblk (a stand-in printing a real output) shows / on a plain disk;
 * - `no-time-sync`: chronyc (a stand-in printing a real output) reports the clock not synchronised.
 */
export const TEST_HOST_VARIANTS = [
  'hardened',
  'outdated-package',
  'no-unattended-upgrades',
  'no-audit-rules',
  'second-uid0',
  'empty-password',
  'firewall-open',
  'unencrypted-disk',
  'no-time-sync',
] as const
export type TestHostVariant = (typeof TEST_HOST_VARIANTS)[number]

export interface TestHostKey {
  /** e.g. `ssh-ed25519` */
  type: string
  /** the public key as in known_hosts: `ssh-ed25519 AAAA…` */
  key: string
  /** `SHA256:…`, as ssh-keygen -l prints it */
  fingerprint: string
}

export interface TestHost {
  variant: TestHostVariant
  /** the host's hostname */
  name: string
  /** 10.231.<n>.2, reachable from the test netns only */
  address: string
  port: 22
  user: 'vigil'
  /** the vigil user's ed25519 private key (0600, in the build cache) */
  privateKeyFile: string
  /** the host's public host keys (every host shares the base's) */
  hostKeys: TestHostKey[]
  /** known_hosts lines pinning hostKeys to address */
  knownHosts: string
  /** the test netns the host is connected to: run clients with inTestNetns() or nsenter --net=netnsPath */
  netnsPid: number
  netnsPath: string
  /** PID (in the machine's PID namespace) of the host's PID 1: `nsenter -t <pid1> …` enters the host */
  pid1: number
  /** the host's folder (overlay upper, work and mount point); removed by stop() */
  dir: string
  /** PID 1's and sshd's output so far */
  log(): string
  /** ends the host (every process, mount and the veth pair) and removes its folder. Safe to call twice. */
  stop(): Promise<void>
}

export interface StartTestHostOptions {
  /** hostname (default `vigil-<variant>`) */
  name?: string
  /** the test netns to connect to (default: this process's, from testNetns()) */
  netns?: TestNetns
  /** give up when sshd is not listening after this long (default 30 s) */
  timeoutMs?: number
}

export interface TestHostBase {
  cacheDir: string
  lowerDir: string
  privateKeyFile: string
  hostKeys: TestHostKey[]
}

/** Where scripts/build-test-hosts.sh puts the base (`$VIGIL_TEST_HOSTS_CACHE` or .cache/test-hosts/). */
export function testHostCacheDir(): string {
  return process.env.VIGIL_TEST_HOSTS_CACHE ?? join(REPO, '.cache/test-hosts')
}

/** Runs scripts/build-test-hosts.sh (a no-op when the base is up to date); rejects with its output. */
export async function buildTestHostBase(timeoutMs = 15 * 60_000): Promise<string> {
  try {
    const { stdout, stderr } = await run('bash', [BUILD_SCRIPT], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 })
    return `${stdout}${stderr}`
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(`${BUILD_SCRIPT} failed: ${e.message}\n${(e.stdout ?? '').slice(-2000)}${(e.stderr ?? '').slice(-4000)}`)
  }
}

/** The built base; throws, saying what to run, when it is missing. */
export function testHostBase(): TestHostBase {
  const cacheDir = testHostCacheDir()
  const lowerDir = join(cacheDir, 'lower')
  const privateKeyFile = join(cacheDir, 'client_key')
  if (!existsSync(join(lowerDir, 'usr/sbin/sshd')) || !existsSync(privateKeyFile)) {
    throw new Error(`no test host base in ${cacheDir}: run scripts/build-test-hosts.sh as root`)
  }
  const keysDir = join(cacheDir, 'host-keys')
  const hostKeys = readdirSync(keysDir)
    .filter((f) => f.endsWith('.pub'))
    .sort()
    .map((f) => {
      const [type, blob] = readFileSync(join(keysDir, f), 'utf8').trim().split(/\s+/)
      const digest = createHash('sha256').update(Buffer.from(blob!, 'base64')).digest('base64').replace(/=+$/, '')
      return { type: type!, key: `${type} ${blob}`, fingerprint: `SHA256:${digest}` }
    })
  return { cacheDir, lowerDir, privateKeyFile, hostKeys }
}

// hosts of this process: their subnet index and what the exit handler must end
const usedIndexes = new Set<number>()
const live = new Set<{ child: ChildProcess; dir: string }>()

function takeIndex(): number {
  for (let i = 1; i <= 254; i++) {
    if (!usedIndexes.has(i)) {
      usedIndexes.add(i)
      return i
    }
  }
  throw new Error('startTestHost: 254 hosts already running in this process')
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined, failed: () => string | undefined): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const why = failed()
    if (why) throw new Error(why)
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`${what} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** PID 1 of the host: unshare's forked child, once it is in a network namespace of its own. */
function hostPid1(unsharePid: number): number | undefined {
  try {
    const child = childOf(unsharePid)
    if (!child) return undefined
    return readlinkSync(`/proc/${child}/ns/net`) !== readlinkSync('/proc/self/ns/net') ? Number(child) : undefined
  } catch {
    return undefined
  }
}

function childOf(pid: number): string | undefined {
  const list = `/proc/${pid}/task/${pid}/children`
  if (existsSync(list)) return readFileSync(list, 'utf8').trim().split(' ')[0] || undefined
  // kernels without CONFIG_PROC_CHILDREN: the process whose parent is `pid` (field 4 of stat)
  return readdirSync('/proc').find((p) => {
    if (!/^\d+$/.test(p)) return false
    try {
      return readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1] === String(pid)
    } catch {
      return false
    }
  })
}

export async function startTestHost(variant: TestHostVariant, opts: StartTestHostOptions = {}): Promise<TestHost> {
  if (!TEST_HOST_VARIANTS.includes(variant)) throw new Error(`startTestHost: unknown variant ${JSON.stringify(variant)}`)
  const base = testHostBase()
  const netns = opts.netns ?? (await testNetns())
  const timeoutMs = opts.timeoutMs ?? 30_000
  const name = opts.name ?? `vigil-${variant}`
  const index = takeIndex()
  const address = `10.231.${index}.2`
  const veth = `vh${index}`
  const dir = await mkdtemp(join(tmpdir(), `vigil-test-host-${variant}-`))
  for (const d of ['upper', 'work', 'root']) await mkdir(join(dir, d))
  await copyFile(join(HERE, 'baseline.sh'), join(dir, 'baseline.sh'))
  await copyFile(join(HERE, 'variants', `${variant}.sh`), join(dir, 'variant.sh'))
  // the stand-in programs and the real outputs they print, for baseline.sh (README "Host checks")
  await cp(join(HERE, 'stand-ins'), join(dir, 'stand-ins'), { recursive: true })
  for (const f of ['disk-encryption', 'time-sync']) await cp(join(REPO, 'test/host/fixtures', f), join(dir, 'stand-ins', f), { recursive: true })

  const child = spawn(
    'unshare',
    ['--mount', '--pid', '--net', '--uts', '--ipc', '--fork', '--kill-child', 'sh', join(HERE, 'host-init.sh'), name, base.lowerDir, dir],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  const entry = { child, dir }
  live.add(entry)
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  // a closed lifeline makes writes fail with EPIPE after stop(); nothing to report then
  child.stdin!.on('error', () => {})
  let spawnError: Error | undefined
  child.once('error', (err) => (spawnError = err))
  const exited = () =>
    spawnError
      ? `unshare could not start: ${spawnError.message}`
      : child.exitCode !== null || child.signalCode !== null
        ? `test host ${variant} exited (${child.exitCode ?? child.signalCode}) while starting:\n${output.slice(-3000)}`
        : undefined

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // deleting one end deletes both, now, rather than when the kernel gets round to the dead netns
      await run('nsenter', [`--net=${netns.path}`, '--', 'ip', 'link', 'del', veth]).catch(() => {})
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        child.stdin!.end()
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await gone
        clearTimeout(timer)
      }
      live.delete(entry)
      usedIndexes.delete(index)
      await rm(dir, { recursive: true, force: true })
    })()
    return stopped
  }

  try {
    const pid1 = await waitFor(`the host's PID 1 did not appear`, timeoutMs, () => hostPid1(child.pid!), exited)
    await run('nsenter', [`--net=${netns.path}`, '--', 'ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', `/proc/${pid1}/ns/net`])
    await run('nsenter', [`--net=${netns.path}`, '--', 'sh', '-c', `ip addr add 10.231.${index}.1/30 dev ${veth} && ip link set ${veth} up`])
    await run('nsenter', ['-t', String(pid1), '-n', '--', 'sh', '-c', `ip addr add ${address}/30 dev eth0 && ip link set eth0 up`])
    await waitFor(`sshd of test host ${variant} was not listening`, timeoutMs, () => (/Server listening on 0\.0\.0\.0 port 22\b/.test(output) ? true : undefined), exited)
    return {
      variant,
      name,
      address,
      port: 22,
      user: 'vigil',
      privateKeyFile: base.privateKeyFile,
      hostKeys: base.hostKeys,
      knownHosts: base.hostKeys.map((k) => `${address} ${k.key}\n`).join(''),
      netnsPid: netns.pid,
      netnsPath: netns.path,
      pid1,
      dir,
      log: () => output,
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

// best effort on a normal exit: killing unshare kills PID 1 (--kill-child), and with it the host
process.once('exit', () => {
  for (const { child, dir } of live) {
    if (child.exitCode === null) child.kill('SIGKILL')
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // the lifeline has already ended the host; a leftover folder in the temp dir is harmless
    }
  }
})

// the check mounts an overlay in a throw-away mount namespace, as a host does (it also loads the
// overlay module when the kernel has it as one)
const OVERLAY_CHECK = 'd=$(mktemp -d) && mkdir "$d/l" "$d/u" "$d/w" "$d/m" && mount -t overlay overlay -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m"; r=$?; umount "$d/m" 2>/dev/null; rm -rf "$d"; exit $r'

/** Why test hosts cannot run on this machine (not root, no namespaces, no overlay mounts), if they cannot. */
export function testHostsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: the test hosts need namespaces, overlay mounts and veth pairs'
  const probe = spawnSync('unshare', ['--mount', '--pid', '--net', '--uts', '--ipc', '--fork', 'true'], { timeout: 10_000 })
  if (probe.error || probe.status !== 0) return `unshare cannot make namespaces here: ${probe.error?.message ?? probe.stderr.toString().trim()}`
  const overlay = spawnSync('unshare', ['--mount', 'sh', '-c', OVERLAY_CHECK], { timeout: 10_000 })
  if (overlay.status !== 0) return `no overlay mount in the temp folder: ${overlay.stderr.toString().trim()}`
  return undefined
}
