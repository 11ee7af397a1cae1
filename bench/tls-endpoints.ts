// The benchmark's endpoint fleet, run as its own process so the servers' CPU never counts as
// Vigil's (or sslscan's): `node bench/tls-endpoints.ts --count 200 --dir DIR`.
//
// Prints one JSON line on stdout once every endpoint listens ({ ready, host, caCert, endpoints }),
// then answers commands on stdin, one per line, each with one JSON line:
//   `counts`      → { counts: { "<port>": TCP connections accepted since the last reset } }
//   `cpu`         → { cpu: { user, system } } microseconds this process has used
//   `reset`       → { ok: true } and the connection counters start again from zero
//   `watch <pid>` → { ok: true, pid }: at the next connection a server accepts from process <pid>,
//                   read what that process has spent so far from /proc/<pid>/stat (see
//                   FirstConnection); replaces an earlier watch
//   `startup`     → { startup: FirstConnection | null } for the current watch (null: no connection yet)
// It stops every server and exits when stdin closes (so it never outlives the benchmark) or on
// SIGTERM/SIGINT.
//
// Connections are counted server side through the `net.server.socket` diagnostics channel, which
// every net.Server (https included) publishes to: an independent count of what each scanner opened.
// The same hook times a scanner's start-up without its help: CPU and wall time it had used when its
// first connection reached a server (`watch`).
import { execFileSync } from 'node:child_process'
import { subscribe } from 'node:diagnostics_channel'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import type { Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { generateLabPki, type LabPki } from '../lab/tls/certificates.ts'
import { INTERMEDIATE_CIPHERS, hardened } from '../lab/tls/lab-fleet.ts'
import { deadPort, startNodeTlsServer, startSilentServer, type NodeTlsServerOptions, type RunningServer } from '../lab/tls/servers.ts'

export type EndpointProfile =
  | 'hardened'
  | 'ecdsa-tls13'
  | 'static-rsa'
  | 'mixed-fs'
  | 'no-hsts'
  | 'legacy-tls10'
  | 'dhe-1024'
  | 'expiring'
  | 'dead'
  | 'silent'

export interface BenchEndpoint {
  name: string
  profile: EndpointProfile
  port: number
}

export interface FleetReady {
  ready: true
  pid: number
  /** SNI / certificate name of every TLS endpoint; they all listen on 127.0.0.1 */
  host: string
  caCert: string
  endpoints: BenchEndpoint[]
  startMs: number
}

/** The most endpoints one fleet serves (each listening server holds a file descriptor). */
export const MAX_ENDPOINTS = 10_000

/**
 * What a watched process (`watch <pid>`) had spent when the first connection after the watch
 * reached any server, read from /proc/<pid>/stat at that moment by this process, so the figure does
 * not depend on the watched program's cooperation. Linux only.
 */
export interface FirstConnection {
  pid: number
  /** the port that accepted the connection */
  port: number
  /** Date.now() here when it was accepted */
  at: number
  /** clock ticks per second (`getconf CLK_TCK`): the kernel counts CPU and start time in ticks, 10 ms at 100 Hz */
  clkTck: number
  /** CPU (ms) of the process itself (every thread), and of the children it had waited for (cutime, cstime: e.g. `git`) */
  cpuMs: { user: number; system: number; childrenUser: number; childrenSystem: number }
  /** seconds since the process started: /proc/uptime minus its starttime (tick resolution) */
  sinceStartS: number
  /** connections already accepted since the last `reset` when the watch began: the real first one may have been missed */
  earlierConnections: number
  /** connections from other processes accepted after the watch began and before this one (not the watched process's) */
  foreignConnections: number
  /** false: this process could not look at <pid>'s sockets, so the connection was taken as its without checking */
  ownerChecked: boolean
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100
  } catch {
    return 100
  }
}

/** /proc/<pid>/stat: fields after the `(comm)` one, so field N of proc(5) is index N − 3. */
function procStat(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/**
 * Whether the client end of a loopback connection (from `clientPort` to `serverPort`) is a socket
 * process `pid` holds: /proc/net/tcp{,6} gives that socket's inode, /proc/<pid>/fd the process's
 * sockets. 'unknown' when <pid>'s descriptors cannot be read. Other programs on the machine may
 * connect to the fleet's ports (they are ephemeral ones, which another test may think free).
 */
function clientOwnedBy(pid: number, clientPort: number, serverPort: number): 'yes' | 'no' | 'unknown' {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0')
  // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode"
  const entry = new RegExp(`^\\s*\\d+: [0-9A-F]+:${hex(clientPort)} [0-9A-F]+:${hex(serverPort)} (?:\\S+\\s+){6}(\\d+)`, 'm')
  let inode: string | undefined
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      inode = entry.exec(readFileSync(file, 'utf8'))?.[1]
    } catch {
      // no IPv6
    }
    if (inode) break
  }
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return 'unknown'
  }
  // inode 0: the client has closed its end already, which the watched scanner does not do before its hello
  if (!inode || inode === '0') return 'no'
  const socket = `socket:[${inode}]`
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === socket
    } catch {
      return false
    }
  })
    ? 'yes'
    : 'no'
}

function firstConnection(pid: number, port: number, clkTck: number, earlierConnections: number): Omit<FirstConnection, 'foreignConnections' | 'ownerChecked'> {
  const at = Date.now()
  const f = procStat(pid)
  const uptimeS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0])
  const ms = (i: number) => (Number(f[i]) * 1000) / clkTck
  return {
    pid,
    port,
    at,
    clkTck,
    // utime 14, stime 15, cutime 16, cstime 17, starttime 22
    cpuMs: { user: ms(11), system: ms(12), childrenUser: ms(13), childrenSystem: ms(14) },
    sinceStartS: Math.round((uptimeS - Number(f[19]) / clkTck) * 1000) / 1000,
    earlierConnections,
  }
}

/** The soft limit on open files (`ulimit -n`), from /proc/self/limits; undefined when unknown or unlimited. */
export function openFilesLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

const serverOptions: Record<Exclude<EndpointProfile, 'dead' | 'silent'>, (pki: LabPki) => NodeTlsServerOptions> = {
  hardened: (pki) => hardened(pki, 'good'),
  'ecdsa-tls13': (pki) => hardened(pki, 'good-ecdsa', { minVersion: 'TLSv1.3' }),
  // TLS 1.2 with static-RSA key exchange only: no forward secrecy at all
  'static-rsa': (pki) => hardened(pki, 'good', { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA' }),
  'mixed-fs': (pki) => hardened(pki, 'good', { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256' }),
  'no-hsts': (pki) => hardened(pki, 'good', { http: { hsts: null } }),
  'legacy-tls10': (pki) => hardened(pki, 'good', { minVersion: 'TLSv1', ciphers: `${INTERMEDIATE_CIPHERS}:AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0` }),
  'dhe-1024': (pki) =>
    hardened(pki, 'good', { ciphers: `${INTERMEDIATE_CIPHERS}:DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0`, dhparam: pki.dhParams.dh1024 }),
  expiring: (pki) => hardened(pki, 'expiring'),
}

/**
 * Live endpoints cycle through this pattern (25 slots): mostly hardened servers, as a real fleet
 * would be, with every kind of defect the policies look for represented.
 */
const LIVE_PATTERN: EndpointProfile[] = [
  ...Array<EndpointProfile>(15).fill('hardened'),
  'ecdsa-tls13', 'ecdsa-tls13', 'static-rsa', 'static-rsa', 'mixed-fs', 'mixed-fs', 'no-hsts', 'legacy-tls10', 'dhe-1024', 'expiring',
]

/** Profiles for `count` endpoints: 1.5 % dead and 1.5 % silent (at least one each), the rest live. */
export function fleetProfiles(count: number, deadShare = 0.015): EndpointProfile[] {
  const unreachable = count >= 10 ? Math.max(1, Math.round(count * deadShare)) : 0
  const live = count - 2 * unreachable
  const out: EndpointProfile[] = []
  for (let i = 0; i < live; i++) out.push(LIVE_PATTERN[i % LIVE_PATTERN.length]!)
  for (let i = 0; i < unreachable; i++) out.push('dead', 'silent')
  return out
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '200' }, dir: { type: 'string' } } })
  const count = Number(values.count)
  if (!Number.isInteger(count) || count < 1 || count > MAX_ENDPOINTS) throw new Error(`--count must be an integer 1..${MAX_ENDPOINTS}, got ${values.count}`)
  if (!values.dir) throw new Error('--dir is required')
  // one descriptor per listening server, plus the scanners' connections and some for Node itself
  const fdLimit = openFilesLimit()
  if (fdLimit !== undefined && fdLimit < count + 512)
    throw new Error(`${count} endpoints need more open files than \`ulimit -n\` allows here (${fdLimit}): raise it to at least ${count + 512}`)
  const clkTck = clockTicks()

  const counts = new Map<number, number>()
  let watch: { pid: number; earlier: number; foreign: number; first?: FirstConnection; error?: string } | undefined
  subscribe('net.server.socket', (message) => {
    const socket = (message as { socket: Socket }).socket
    const port = socket.localPort
    if (port === undefined) return
    counts.set(port, (counts.get(port) ?? 0) + 1)
    if (watch && !watch.first && !watch.error) {
      try {
        // the figures first, at the moment of the connection; then whose connection it is
        const seen = firstConnection(watch.pid, port, clkTck, watch.earlier)
        const owner = socket.remotePort === undefined ? 'unknown' : clientOwnedBy(watch.pid, socket.remotePort, port)
        if (owner === 'no') watch.foreign++
        else watch.first = { ...seen, foreignConnections: watch.foreign, ownerChecked: owner === 'yes' }
      } catch (e) {
        watch.error = `could not read /proc/${watch.pid}/stat: ${(e as Error).message}`
      }
    }
  })

  const started = performance.now()
  const pki = await generateLabPki(values.dir)
  const servers: RunningServer[] = []
  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= Promise.all(servers.map((s) => s.stop())).then(() => undefined))
  const exit = (code: number) => void stop().finally(() => process.exit(code))
  process.once('SIGTERM', () => exit(0))
  process.once('SIGINT', () => exit(0))

  const endpoints: BenchEndpoint[] = []
  try {
    const profiles = fleetProfiles(count)
    // started one at a time: each server reads its PEM files synchronously anyway
    for (const [i, profile] of profiles.entries()) {
      let port: number
      if (profile === 'dead') port = await deadPort()
      else {
        const s = profile === 'silent' ? await startSilentServer() : await startNodeTlsServer(serverOptions[profile](pki))
        servers.push(s)
        port = s.port
      }
      endpoints.push({ name: `ep-${String(i).padStart(4, '0')}-${profile}`, profile, port })
    }
  } catch (e) {
    await stop()
    throw e
  }
  // a dead port was released right after binding; something else may take it later, which the
  // benchmark reports (its connection count would not stay at zero)
  const ready: FleetReady = { ready: true, pid: process.pid, host: pki.host, caCert: pki.caCert, endpoints, startMs: Math.round(performance.now() - started) }
  process.stdout.write(`${JSON.stringify(ready)}\n`)

  const rl = createInterface({ input: process.stdin })
  rl.on('line', (line) => {
    const cmd = line.trim()
    if (cmd === 'counts') process.stdout.write(`${JSON.stringify({ counts: Object.fromEntries(counts) })}\n`)
    else if (cmd === 'cpu') process.stdout.write(`${JSON.stringify({ cpu: process.cpuUsage() })}\n`)
    else if (cmd === 'reset') {
      counts.clear()
      process.stdout.write(`${JSON.stringify({ ok: true })}\n`)
    } else if (/^watch \d+$/.test(cmd)) {
      const pid = Number(cmd.slice('watch '.length))
      watch = { pid, earlier: [...counts.values()].reduce((a, b) => a + b, 0), foreign: 0 }
      process.stdout.write(`${JSON.stringify({ ok: true, pid })}\n`)
    } else if (cmd === 'startup')
      process.stdout.write(`${JSON.stringify({ startup: watch?.first ?? null, ...(watch?.error ? { error: watch.error } : {}) })}\n`)
    else process.stdout.write(`${JSON.stringify({ error: `unknown command ${JSON.stringify(cmd)}` })}\n`)
  })
  rl.on('close', () => exit(0))
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    process.stderr.write(`tls-endpoints: ${(e as Error)?.stack ?? String(e)}\n`)
    process.exit(1)
  })
}
