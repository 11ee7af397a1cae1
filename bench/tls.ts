// `npm run bench:tls` — issue "Fleet scale": Vigil, `sslscan --no-groups` ×16 and default `sslscan`
// ×16 over the same local endpoints in one run, at each fleet size, with the same figures for each
// tool, then every target of the issue marked met or not met.
//
//   node bench/tls.ts [--endpoints 200,1000] [--vigil-only-at 5000] [--sslscan-parallel 16]
//                     [--no-sslscan | --sslscan-live-only] [--timeout-ms 3000] [--concurrency 200]
//                     [--per-host 5] [--sslscan-cap-s 180] [--vigil-cap-s 1800] [--cold-cache]
//                     [--json FILE] [--keep]
//
// Each tool runs as its own process, as a user runs it, and is measured from outside:
// - Vigil: `node bin/vigil.mjs run --config … --out … --tags @tls --concurrency … --per-host …
//   --timeout …` (`node` being the Node 24 running this bench), under GNU time: wall, user+sys CPU and
//   peak RSS come from the kernel's rusage of that process and of every child it waited for (the
//   `git` calls that find the policy repository); GNU time's own CPU is not in them.
// - sslscan: one process per endpoint, 16 at a time (a fixed pool of workers, like testssl.sh's mass
//   mode), each under GNU time; client CPU is the kernel's sum over every process (this bench's
//   cutime+cstime) minus GNU time's own cost, calibrated at the start of the run.
// The endpoints live in yet another process (bench/tls-endpoints.ts): its CPU is never a scanner's,
// it counts server side every TCP connection each tool opened per endpoint, and it reads Vigil's CPU
// from /proc/<pid>/stat when Vigil's first connection arrives (start-up, planning included).
// Dead and silent ports are part of the fleet on purpose: each should cost Vigil one refusal or one
// timeout.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import type { StoredObservation } from '../runner/observe.ts'
import type { TlsObservation } from '../checks/tls/observation.ts'
import type { Finding } from '../reports/model.ts'
import { MAX_ENDPOINTS, openFilesLimit, type BenchEndpoint, type EndpointProfile, type FirstConnection, type FleetReady } from './tls-endpoints.ts'
import { GNU_TIME, REPO, TIME_FORMAT, UsageError, VIGIL_BIN, children, commonValues, COMMON_OPTIONS, intFlag, kill, machine, track, vigilNodeFlags } from './bench-support.ts'

const ENDPOINTS_SCRIPT = fileURLToPath(new URL('./tls-endpoints.ts', import.meta.url))
const SSLSCAN = '/usr/bin/sslscan'
/** GNU time's report: elapsed s, user s, system s, max RSS KiB (the last line of its -o file) */
/** sizes are decimal: 1 MB = 10^6 bytes (RSS too), the stricter reading of the issue's "MB" */
const MB = 1e6

/** Issue "Fleet scale": what Vigil must reach, at `size` endpoints unless said otherwise. */
const TARGETS = {
  size: 1000,
  cpuPerEndpointMs: 7,
  /** sslscan --no-groups ×16 client CPU per endpoint ÷ Vigil's, in the same run */
  cpuRatioVsNoGroups: 2.5,
  startupCpuS: 0.3,
  /** connections per live endpoint today (README, 200 endpoints): no more than that */
  connectionsPerLive: 20.0,
  peakRssMb: 300,
  /** peak RSS at `rssGrowthAt` ÷ peak RSS at `size` */
  rssGrowth: 1.3,
  rssGrowthAt: 5000,
  reportHtmlMb: 10,
  resultsJsonMb: 25,
}

interface Options {
  /** fleet sizes scanned by every tool */
  sizes: number[]
  /** fleet sizes scanned by Vigil alone */
  vigilOnlyAt: number[]
  sslscanParallel: number
  sslscan: boolean
  /** leave dead and silent ports out of the sslscan passes (each silent port costs sslscan ~31 s, in parallel with the rest) */
  sslscanLiveOnly: boolean
  timeoutMs: number
  concurrency: number
  perHost: number
  /** hard cap per sslscan process: a scanner that hangs is killed and reported, never waited on forever */
  sslscanCapMs: number
  /** the same for a whole Vigil run */
  vigilCapMs: number
  /** every Vigil run compiles its TypeScript afresh (an empty compile cache), like a first run in a new container */
  coldCache: boolean
  json?: string
  keep: boolean
}

const USAGE = `usage: node bench/tls.ts [options]

Runs Vigil, then \`sslscan --no-groups\` and default \`sslscan\` (one process per endpoint, N at a
time), over the same local endpoints at each size, and prints per tool wall time, client CPU,
CPU before the first connection (Vigil), peak RSS, connections and server CPU per endpoint, the
ratios, and every target of issue "Fleet scale" met or not met.

  --endpoints LIST        fleet sizes scanned by all three tools, comma-separated (default 200,1000)
  --vigil-only-at LIST    fleet sizes scanned by Vigil alone, e.g. 5000 (default none)
  --no-sslscan            Vigil alone at every size
  --sslscan-parallel N    sslscan processes at once (default 16)
  --sslscan-live-only     sslscan skips the dead and silent ports (default: it scans the same
                          endpoints as Vigil; each silent port costs it ~31 s, in parallel)
  --timeout-ms MS         Vigil's --timeout (default 3000; sslscan keeps its own 3 s default)
  --concurrency N         Vigil's --concurrency (default 200)
  --per-host N            Vigil's --per-host (default 5; every endpoint is on 127.0.0.1, so this
                          bounds the whole run)
  --sslscan-cap-s S       kill an sslscan process after S seconds (default 180)
  --vigil-cap-s S         kill a Vigil run after S seconds (default 1800)
  --cold-cache            no warm-up run, and every Vigil run starts with an empty Node compile
                          cache and an empty inventory parse cache (default: before each size, one
                          untimed run of the same inventory that probes one endpoint (--targets)
                          warms both, as on any run after the first with the inventory unchanged)
  --json FILE             also write every figure as JSON
  --keep                  keep the scratch folder (Vigil's output at each size)
  -h, --help              this text
`

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      endpoints: { type: 'string', default: '200,1000' },
      'vigil-only-at': { type: 'string', default: '' },
      'sslscan-parallel': { type: 'string', default: '16' },
      'no-sslscan': { type: 'boolean', default: false },
      'sslscan-live-only': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '200' },
      'sslscan-cap-s': { type: 'string', default: '180' },
      'vigil-cap-s': { type: 'string', default: '1800' },
      'cold-cache': { type: 'boolean', default: false },
      ...COMMON_OPTIONS,
    },
  })
  const common = commonValues(values, USAGE)
  const int = intFlag
  const list = (name: string, v: string | undefined) => [...new Set((v ?? '').split(',').filter((s) => s.trim() !== '').map((s) => int(name, s.trim(), 1, MAX_ENDPOINTS)))]
  const sizes = list('endpoints', values.endpoints)
  const vigilOnlyAt = list('vigil-only-at', values['vigil-only-at']).filter((n) => !sizes.includes(n))
  if (sizes.length + vigilOnlyAt.length === 0) throw new UsageError('--endpoints: give at least one size')
  return {
    sizes,
    vigilOnlyAt,
    sslscanParallel: int('sslscan-parallel', values['sslscan-parallel'], 1, 500),
    sslscan: !values['no-sslscan'],
    sslscanLiveOnly: values['sslscan-live-only'],
    concurrency: int('concurrency', values.concurrency, 1, 2000),
    sslscanCapMs: int('sslscan-cap-s', values['sslscan-cap-s'], 1, 3600) * 1000,
    vigilCapMs: int('vigil-cap-s', values['vigil-cap-s'], 10, 24 * 3600) * 1000,
    coldCache: values['cold-cache'],
    ...common,
  }
}


// ---------------------------------------------------------------------------------------------
// The endpoint fleet (child process)

interface Fleet {
  ready: FleetReady
  child: ChildProcess
  request<T>(cmd: string): Promise<T>
  stop(): Promise<void>
}

/**
 * The fleet's command line: one open file per listening server plus the scanners' connections, so
 * at thousands of endpoints its soft `ulimit -n` is raised first (within the hard limit) when short.
 */
function fleetCommand(count: number, dir: string, opts: Options): [string, string[]] {
  const argv = [ENDPOINTS_SCRIPT, '--count', String(count), '--dir', dir]
  const need = count + 2 * Math.max(opts.concurrency, opts.sslscanParallel) + 1024
  const soft = openFilesLimit()
  if (soft === undefined || soft >= need) return [process.execPath, argv]
  const script = `ulimit -n ${need} || { echo "cannot raise ulimit -n to ${need} (hard limit: $(ulimit -Hn))" >&2; exit 1; }; exec "$@"`
  return ['/bin/sh', ['-c', script, 'sh', process.execPath, ...argv]]
}

function startFleet(count: number, dir: string, opts: Options): Promise<Fleet> {
  const [bin, argv] = fleetCommand(count, dir, opts)
  const child = spawn(bin, argv, { stdio: ['pipe', 'pipe', 'pipe'] })
  track(child)
  let stderr = ''
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-4000)))
  const lines = createInterface({ input: child.stdout! })
  const waiting: { resolve(line: string): void; reject(e: Error): void }[] = []
  const pending: string[] = []
  lines.on('line', (line) => {
    const w = waiting.shift()
    if (w) w.resolve(line)
    else pending.push(line)
  })
  child.once('exit', (code, signal) => {
    const err = new Error(`endpoint fleet exited (${code ?? signal}): ${stderr.trim()}`)
    for (const w of waiting.splice(0)) w.reject(err)
  })
  const nextLine = (timeoutMs: number): Promise<string> => {
    const line = pending.shift()
    if (line !== undefined) return Promise.resolve(line)
    if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`endpoint fleet is gone: ${stderr.trim()}`))
    return new Promise((resolve, reject) => {
      const entry = {
        resolve: (l: string) => (clearTimeout(timer), resolve(l)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      }
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(entry), 1)
        reject(new Error(`endpoint fleet did not answer within ${timeoutMs} ms: ${stderr.trim()}`))
      }, timeoutMs)
      waiting.push(entry)
    })
  }
  let stopped: Promise<void> | undefined
  const stop = () =>
    (stopped ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const force = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('exit', () => (clearTimeout(force), resolve()))
      child.stdin!.end() // the fleet stops its servers and exits when its stdin closes
    }))
  return nextLine(120_000 + count * 200).then(
    (line) => {
      const ready = JSON.parse(line) as FleetReady
      if (!ready.ready) throw new Error(`unexpected first line from the endpoint fleet: ${line}`)
      return {
        ready,
        child,
        stop,
        async request<T>(cmd: string): Promise<T> {
          child.stdin!.write(`${cmd}\n`)
          return JSON.parse(await nextLine(30_000)) as T
        },
      }
    },
    async (e: unknown) => {
      await stop()
      throw e
    },
  )
}

type Counts = Record<string, number>

interface ServerSide {
  /** CPU the fleet spent while the tool ran */
  cpuMs: number
  /** TCP connections accepted per port */
  counts: Counts
}

/** Runs `work` with the fleet's counters reset, and returns what the servers saw meanwhile. */
async function serverAccounted<T>(fleet: Fleet, work: () => Promise<T>): Promise<{ result: T; server: ServerSide }> {
  const cpu = async () => {
    const { cpu } = await fleet.request<{ cpu: { user: number; system: number } }>('cpu')
    return (cpu.user + cpu.system) / 1000
  }
  await fleet.request('reset')
  const cpu0 = await cpu()
  const result = await work()
  const cpuMs = (await cpu()) - cpu0
  const { counts } = await fleet.request<{ counts: Counts }>('counts')
  return { result, server: { cpuMs, counts } }
}

// ---------------------------------------------------------------------------------------------
// Child processes

// Every child this benchmark starts, so an error or Ctrl-C never leaves one behind. Scanners run
// under GNU time in their own process group (`group`), so a kill reaches the scanner and its children.
let scratchDir: string | undefined
function killAll(): void {
  for (const c of children.keys()) kill(c)
  if (scratchDir) rmSync(scratchDir, { recursive: true, force: true })
}
process.on('exit', killAll)
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    killAll()
    process.exit(130)
  })

interface Rusage {
  userMs: number
  systemMs: number
  maxRssKb: number
}

interface TimedRun {
  /** the command's exit code (GNU time passes it on); null when it could not run or was killed */
  exit: number | null
  killed: boolean
  /** from spawning GNU time to its exit, measured here */
  wallMs: number
  /** the command's own rusage (and its waited-for children's), as GNU time reports it; 10 ms resolution */
  rusage?: Rusage
  /** the first MiB of its stdout, when captured */
  stdout: string
}

/**
 * Runs `cmd` under GNU time in its own process group, killed after `capMs`. stdout is captured
 * (`'capture'`) or written to a file; stderr lines go to `onStderrLine`; `onSpawn` gets the child
 * (GNU time: the command is its only child) and the performance.now() its wall time counts from.
 */
function timed(
  cmd: string,
  args: string[],
  o: { timeFile: string; capMs: number; stdout: 'capture' | { file: string }; onStderrLine?: (line: string) => void; onSpawn?: (child: ChildProcess, startedAt: number) => void; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<TimedRun> {
  const out = o.stdout === 'capture' ? 'pipe' : openSync(o.stdout.file, 'w')
  const started = performance.now()
  const child = spawn(GNU_TIME, ['-f', TIME_FORMAT, '-o', o.timeFile, cmd, ...args], {
    stdio: ['ignore', out, 'pipe'],
    detached: true,
    ...(o.env ? { env: o.env } : {}),
    ...(o.cwd ? { cwd: o.cwd } : {}),
  })
  if (typeof out === 'number') closeSync(out)
  track(child, true)
  o.onSpawn?.(child, started)
  let stdout = ''
  child.stdout?.on('data', (b: Buffer) => {
    if (stdout.length < 1 << 20) stdout += b.toString('utf8')
  })
  if (o.onStderrLine) createInterface({ input: child.stderr! }).on('line', o.onStderrLine)
  else child.stderr!.resume()
  return new Promise((resolve) => {
    let killed = false
    const cap = setTimeout(() => {
      killed = true
      kill(child)
    }, o.capMs)
    const done = (exit: number | null) => {
      clearTimeout(cap)
      const wallMs = performance.now() - started
      // the last line is the format; a line before it may say the command exited non-zero
      const last = existsSync(o.timeFile) ? readFileSync(o.timeFile, 'utf8').trim().split('\n').at(-1)! : ''
      const [, user, system, rss] = last.split(' ').map(Number)
      const rusage = last && [user, system, rss].every((x) => Number.isFinite(x)) ? { userMs: user! * 1000, systemMs: system! * 1000, maxRssKb: rss! } : undefined
      resolve({ exit: killed ? null : exit, killed, wallMs, ...(rusage ? { rusage } : {}), stdout })
    }
    child.once('error', () => done(null))
    child.once('close', (code) => done(code))
  })
}

/** The pid of `pid`'s first child, once it has one (Linux /proc). */
async function firstChildOf(pid: number, timeoutMs: number): Promise<number | undefined> {
  const file = `/proc/${pid}/task/${pid}/children`
  const until = performance.now() + timeoutMs
  while (performance.now() < until) {
    try {
      const first = readFileSync(file, 'utf8').trim().split(' ')[0]
      if (first) return Number(first)
    } catch {
      return undefined // gone already
    }
    await sleep(1)
  }
  return undefined
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU ms used by reaped children (and theirs) of this process: /proc/self/stat cutime + cstime. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK
}

/**
 * CPU ms GNU time itself spends per command it wraps (fork, exec, wait, write its report), which
 * this process's cutime+cstime includes: N wrapped `/bin/true` minus N bare ones. About 1 ms.
 */
function timeWrapperCostMs(rounds = 200): number {
  const cost = (bin: string, args: string[]) => {
    const c0 = childrenCpuMs()
    for (let i = 0; i < rounds; i++) spawnSync(bin, args, { stdio: 'ignore' })
    return childrenCpuMs() - c0
  }
  const bare = cost('/bin/true', [])
  const wrapped = cost(GNU_TIME, ['-f', TIME_FORMAT, '-o', '/dev/null', '/bin/true'])
  return Math.max(0, (wrapped - bare) / rounds)
}

// ---------------------------------------------------------------------------------------------
// Measurements common to every tool

interface Spread {
  mean: number
  min: number
  max: number
  p50: number
  p95: number
}
function spread(xs: number[]): Spread | undefined {
  if (xs.length === 0) return undefined
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, min: s[0]!, max: s.at(-1)!, p50: q(0.5), p95: q(0.95) }
}

type Reachability = 'live' | 'dead' | 'silent'
const reachability = (p: EndpointProfile): Reachability => (p === 'dead' || p === 'silent' ? p : 'live')
type ByReachability<T> = Record<Reachability, T>
const byReachability = <T>(make: () => T): ByReachability<T> => ({ live: make(), dead: make(), silent: make() })

interface Population {
  endpoints: number
  live: number
  dead: number
  silent: number
}
function population(endpoints: BenchEndpoint[]): Population {
  const p = { endpoints: endpoints.length, live: 0, dead: 0, silent: 0 }
  for (const e of endpoints) p[reachability(e.profile)]++
  return p
}

/** What every tool is measured by. Per-endpoint figures divide by `population.endpoints`, what the tool scanned. */
interface ToolFigures {
  tool: string
  /** how it was run */
  command: string
  population: Population
  wallMs: number
  /** client CPU, user + system */
  cpuMs: number
  /** Vigil: its one process; sslscan: the largest of its processes */
  peakRssMb: number
  /** CPU the endpoint fleet spent serving this tool */
  serverCpuMs: number
  /** TCP connections per endpoint, counted by the servers (a dead port has no server: always 0) */
  connections: ByReachability<Spread | undefined>
  /** start → end per endpoint */
  endpointMs: ByReachability<Spread | undefined>
}

function connectionsByReachability(endpoints: BenchEndpoint[], counts: Counts): ByReachability<Spread | undefined> {
  const conns = byReachability<number[]>(() => [])
  for (const e of endpoints) conns[reachability(e.profile)].push(counts[String(e.port)] ?? 0)
  return { live: spread(conns.live), dead: spread(conns.dead), silent: spread(conns.silent) }
}

const cpuPerEndpointMs = (t: ToolFigures) => t.cpuMs / t.population.endpoints
const serverCpuPerEndpointMs = (t: ToolFigures) => t.serverCpuMs / t.population.endpoints

// ---------------------------------------------------------------------------------------------
// Vigil

interface StartupFigures {
  /** user + system of the Vigil process and of the children it had waited for (git), when its first connection was accepted */
  cpuMs: number
  userMs: number
  systemMs: number
  childrenMs: number
  /** wall time from the process's start (kernel starttime) to that connection */
  sinceProcessStartS: number
  /** wall time from this bench spawning GNU time to that connection (GNU time's own start included) */
  sinceSpawnMs: number
  clkTck: number
  /** connections from other programs on the machine that reached the fleet first (not Vigil's, so skipped) */
  foreignConnectionsSkipped?: number
  /** why the figure may be wrong or is missing */
  problem?: string
}

interface VigilFigures extends ToolFigures {
  exitCode: number
  cpuDetailMs: { user: number; system: number }
  startup: StartupFigures | { problem: string }
  /** spawn → 'loading policies' → 'observing' → 'judging' → exit, from Vigil's own progress lines */
  stagesMs: { startUp: number; policies: number; observe: number; judgeAndReport: number } | undefined
  outputBytes: { reportHtml?: number; resultsJson?: number; observationsJson?: number }
  scenarios?: number
  totals?: Record<string, number>
  findings?: number
  /** raw hellos + full handshakes per live endpoint (from the observation stats) */
  handshakes?: Spread
  rawHellos?: Spread
  fullHandshakes?: Spread
  /** hellos + handshakes spent on each dead / silent port (the goal: exactly one) */
  unreachableAttempts?: { dead: Spread | undefined; silent: Spread | undefined }
  /** profile → check ids that failed / errored on every endpoint of that profile */
  byProfile?: Record<string, { endpoints: number; failed: string[]; error: string[] }>
  /** the probe's own connection count disagrees with the servers' count on these endpoints */
  connectionMismatches?: string[]
  /** parts of the output that were not read (too large, or unreadable) */
  unread: string[]
}

function writeVigilConfig(file: string, fleet: Fleet, endpoints: BenchEndpoint[]): void {
  writeFileSync(
    file,
    `# written by bench/tls.ts\n` +
      stringify({
        trust: { extraCaFiles: [fleet.ready.caCert] },
        targets: { tls: endpoints.map((e) => ({ name: e.name, host: fleet.ready.host, address: '127.0.0.1', port: e.port, tags: [e.profile] })) },
      }),
  )
}

/** The Node flags bin/vigil.mjs's first line runs Vigil with (`#!/usr/bin/env -S node <flags>`): Vigil is measured as it runs. */

function vigilArgs(config: string, out: string, opts: Options): string[] {
  return [...vigilNodeFlags(), VIGIL_BIN, 'run', '--config', config, '--out', out, '--tags', '@tls', '--concurrency', String(opts.concurrency), '--per-host', String(opts.perHost), '--timeout', `${opts.timeoutMs}ms`]
}

function vigilEnv(dir: string, opts: Options): NodeJS.ProcessEnv {
  // the project's compile cache (bin/vigil.mjs turns it on) lives in NODE_COMPILE_CACHE or tmpdir
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.GITHUB_STEP_SUMMARY // Vigil would append its summary to a CI job page
  if (opts.coldCache) {
    env.NODE_COMPILE_CACHE = mkdtempSync(join(dir, 'compile-cache-'))
    env.VIGIL_YAML_CACHE = mkdtempSync(join(dir, 'yaml-cache-'))
  }
  return env
}

/**
 * One untimed run of the measured inventory that probes one endpoint (`--targets`): Node's compile
 * cache holds Vigil's modules and the inventory's parse is kept (core/yaml-cache.ts), as on any run
 * after the first with the inventory unchanged (a nightly run's case).
 */
async function warmUp(fleet: Fleet, config: string, dir: string, opts: Options): Promise<void> {
  const wdir = join(dir, 'warm-up')
  mkdirSync(wdir, { recursive: true })
  const one = fleet.ready.endpoints.find((e) => e.profile === 'hardened') ?? fleet.ready.endpoints[0]!
  const run = await timed(process.execPath, [...vigilArgs(config, join(wdir, 'out'), opts), '--targets', one.name], {
    timeFile: join(wdir, 'time'),
    capMs: 120_000,
    stdout: { file: join(wdir, 'stdout.txt') },
    env: vigilEnv(dir, opts),
    cwd: REPO,
  })
  if (run.exit === null || run.exit > 3) throw new Error(`the warm-up Vigil run failed (exit ${run.exit}); see ${wdir}`)
}

async function measureVigil(fleet: Fleet, config: string, dir: string, opts: Options): Promise<VigilFigures> {
  const endpoints = fleet.ready.endpoints
  const out = join(dir, 'vigil-out')
  const args = vigilArgs(config, out, opts)
  const stderrTail: string[] = []
  const marks: { policies?: number; observe?: number; judge?: number } = {}
  let spawnedAt = 0
  let spawnedEpoch = 0
  let watched: Promise<number | undefined> = Promise.resolve(undefined)

  const { result: run, server } = await serverAccounted(fleet, () =>
    timed(process.execPath, args, {
      timeFile: join(dir, 'vigil.time'),
      capMs: opts.vigilCapMs,
      stdout: { file: join(dir, 'vigil-stdout.txt') },
      env: vigilEnv(dir, opts),
      cwd: REPO,
      onSpawn: (child, startedAt) => {
        spawnedAt = startedAt
        spawnedEpoch = Date.now() - (performance.now() - startedAt)
        // GNU time's only child is Vigil: the fleet reads Vigil's CPU when Vigil's first connection
        // arrives (it checks the client socket is Vigil's). Node takes a few hundred ms to start, so
        // the watch is in place long before that (the fleet says so when not: `earlierConnections`).
        watched = firstChildOf(child.pid!, 5000).then(async (pid) => {
          if (pid !== undefined) await fleet.request(`watch ${pid}`)
          return pid
        })
      },
      // Vigil's progress lines on stderr ("vigil: loading policies", "vigil: observing …", "vigil: judging")
      onStderrLine: (line) => {
        const now = performance.now()
        if (line.startsWith('vigil: loading policies')) marks.policies ??= now
        else if (line.startsWith('vigil: observing')) marks.observe ??= now
        else if (line.startsWith('vigil: judging')) marks.judge ??= now
        stderrTail.push(line)
        if (stderrTail.length > 40) stderrTail.shift()
      },
    }),
  )
  const vigilPid = await watched
  if (run.killed) throw new Error(`Vigil was killed at the ${opts.vigilCapMs / 1000} s cap; its stderr ended with:\n${stderrTail.join('\n')}`)
  // 0 passed, 1 failed, 3 errors: a judged run; anything else is not a run to measure
  if (run.exit === null || ![0, 1, 3].includes(run.exit) || !run.rusage)
    throw new Error(`Vigil exited ${run.exit ?? 'abnormally'}: ${[process.execPath, ...args].join(' ')}\n${stderrTail.join('\n')}`)

  const startup = await startupFigures(fleet, vigilPid, spawnedEpoch)
  const endedAt = spawnedAt + run.wallMs
  const stagesMs =
    marks.policies !== undefined && marks.observe !== undefined && marks.judge !== undefined
      ? { startUp: marks.policies - spawnedAt, policies: marks.observe - marks.policies, observe: marks.judge - marks.observe, judgeAndReport: endedAt - marks.judge }
      : undefined
  const size = (f: string) => (existsSync(join(out, f)) ? statSync(join(out, f)).size : undefined)
  const outputBytes = { reportHtml: size('report.html'), resultsJson: size('results.json'), observationsJson: size('observations.json') }
  const rel = (p: string) => (p.startsWith(dir) ? `<scratch>/${relative(dir, p)}` : p)
  const figures: VigilFigures = {
    tool: 'Vigil',
    command: `node ${args.map((a) => (a === VIGIL_BIN ? relative(REPO, VIGIL_BIN) : rel(a))).join(' ')}`,
    population: population(endpoints),
    wallMs: run.wallMs,
    cpuMs: run.rusage.userMs + run.rusage.systemMs,
    cpuDetailMs: { user: run.rusage.userMs, system: run.rusage.systemMs },
    peakRssMb: (run.rusage.maxRssKb * 1024) / MB,
    serverCpuMs: server.cpuMs,
    connections: connectionsByReachability(endpoints, server.counts),
    endpointMs: byReachability(() => undefined),
    exitCode: run.exit,
    startup,
    stagesMs,
    outputBytes: Object.fromEntries(Object.entries(outputBytes).filter(([, v]) => v !== undefined)),
    unread: [],
  }
  readVigilOutput(figures, out, endpoints, server.counts)
  return figures
}

/** Vigil's start-up as the fleet saw it (`watch`), or why there is no figure. */
async function startupFigures(fleet: Fleet, pid: number | undefined, spawnedEpoch: number): Promise<VigilFigures['startup']> {
  if (pid === undefined) return { problem: "Vigil's pid was not found under GNU time" }
  const { startup: s, error } = await fleet.request<{ startup: FirstConnection | null; error?: string }>('startup')
  if (!s) return { problem: error ?? 'no connection reached a server' }
  if (s.pid !== pid) return { problem: `the fleet watched pid ${s.pid}, not ${pid}` }
  const c = s.cpuMs
  const problems = [
    ...(s.earlierConnections > 0 ? [`${s.earlierConnections} connection(s) arrived before the watch began: the first connection was earlier than measured`] : []),
    ...(s.ownerChecked ? [] : [`the fleet could not check that the first connection was Vigil's`]),
  ]
  return {
    cpuMs: c.user + c.system + c.childrenUser + c.childrenSystem,
    userMs: c.user,
    systemMs: c.system,
    childrenMs: c.childrenUser + c.childrenSystem,
    sinceProcessStartS: s.sinceStartS,
    sinceSpawnMs: s.at - spawnedEpoch,
    clkTck: s.clkTck,
    ...(s.foreignConnections > 0 ? { foreignConnectionsSkipped: s.foreignConnections } : {}),
    ...(problems.length ? { problem: problems.join('; ') } : {}),
  }
}

/** Files larger than this are not parsed by the bench (a JSON string that big strains V8); their figures are left out. */
const MAX_PARSED_BYTES = 400e6

function readJson<T>(file: string, unread: string[]): T | undefined {
  const name = file.split('/').at(-1)!
  try {
    const bytes = statSync(file).size
    if (bytes > MAX_PARSED_BYTES) {
      unread.push(`${name} (${(bytes / MB).toFixed(0)} MB, over the ${MAX_PARSED_BYTES / MB} MB the bench parses)`)
      return undefined
    }
    return JSON.parse(readFileSync(file, 'utf8')) as T
  } catch (e) {
    unread.push(`${name} (${(e as Error).message})`)
    return undefined
  }
}

/**
 * What Vigil found and how it probed, from its output folder: the per-profile verdicts (proof that
 * it did the work), the probe's own hello / handshake / connection counts, and time per endpoint.
 */
function readVigilOutput(v: VigilFigures, out: string, endpoints: BenchEndpoint[], counts: Counts): void {
  const byName = new Map(endpoints.map((e) => [e.name, e]))
  const stored = readJson<{ targets: StoredObservation[] }>(join(out, 'observations.json'), v.unread)
  if (stored) {
    const hand: number[] = []
    const raw: number[] = []
    const full: number[] = []
    const times = byReachability<number[]>(() => [])
    const attempts: Record<'dead' | 'silent', number[]> = { dead: [], silent: [] }
    const mismatches: string[] = []
    for (const o of stored.targets) {
      const ep = byName.get(o.target)
      if (!ep) continue
      const r = reachability(ep.profile)
      times[r].push(o.durationMs)
      const stats = (o.data as TlsObservation | null)?.stats
      if (!stats) continue
      if (r === 'live') {
        raw.push(stats.rawHellos)
        full.push(stats.fullHandshakes)
        hand.push(stats.rawHellos + stats.fullHandshakes)
      } else attempts[r].push(stats.rawHellos + stats.fullHandshakes)
      // a dead port has no server to count; a refused connect is not a connection
      const served = counts[String(ep.port)] ?? 0
      if (r !== 'dead' && stats.connections !== served) mismatches.push(`${o.target}: probe says ${stats.connections}, server saw ${served}`)
    }
    v.endpointMs = { live: spread(times.live), dead: spread(times.dead), silent: spread(times.silent) }
    Object.assign(v, {
      handshakes: spread(hand),
      rawHellos: spread(raw),
      fullHandshakes: spread(full),
      unreachableAttempts: { dead: spread(attempts.dead), silent: spread(attempts.silent) },
      connectionMismatches: mismatches,
    })
  }

  const results = readJson<{ totals: Record<string, number>; findings: Pick<Finding, 'target' | 'checkId' | 'status' | 'policy' | 'scenarioLine'>[] }>(join(out, 'results.json'), v.unread)
  if (!results) return
  const byProfile: NonNullable<VigilFigures['byProfile']> = {}
  for (const e of endpoints) (byProfile[e.profile] ??= { endpoints: 0, failed: [], error: [] }).endpoints++
  const statusSets = new Map<string, Map<string, Set<string>>>() // profile → checkId → statuses
  for (const f of results.findings) {
    const p = byName.get(f.target)?.profile
    if (!p) continue
    const m = statusSets.get(p) ?? new Map<string, Set<string>>()
    statusSets.set(p, m)
    const s = m.get(f.checkId) ?? new Set<string>()
    m.set(f.checkId, s)
    s.add(f.status)
  }
  for (const [p, m] of statusSets)
    for (const [check, s] of [...m].sort(([a], [b]) => a.localeCompare(b))) {
      if (s.has('failed')) byProfile[p]!.failed.push(s.size > 1 ? `${check}(mixed)` : check)
      if (s.has('error')) byProfile[p]!.error.push(s.size > 1 ? `${check}(mixed)` : check)
    }
  const { waived: _w, ...totals } = results.totals
  Object.assign(v, {
    byProfile,
    totals,
    findings: results.findings.length,
    scenarios: new Set(results.findings.map((f) => `${f.policy}:${f.scenarioLine}`)).size,
  })
}

// ---------------------------------------------------------------------------------------------
// sslscan

/** The two ways sslscan is compared: the issue's baseline (`--no-groups`) and its defaults. */
const SSLSCAN_VARIANTS: readonly { name: string; flags: string[] }[] = [
  { name: 'sslscan --no-groups', flags: ['--no-groups'] },
  { name: 'sslscan', flags: [] },
]

interface SslscanFigures extends ToolFigures {
  version: string
  parallel: number
  /** GNU time's own CPU per process, taken out of `cpuMs` */
  wrapperCpuMsPerProcess: number
  /** the largest process's RSS × the processes running at once: what the pool holds at most */
  poolRssMb: number
  killed: string[]
  failedToRun: string[]
  /** profile → what sslscan reported for it (first endpoint of the profile) */
  byProfile: Record<string, { protocols: string[]; acceptedCiphers: number; groups: number; error?: string }>
}

function sslscanVersion(): string {
  const out = execFileSync(SSLSCAN, ['--version'], { encoding: 'utf8', timeout: 10_000 })
  return /\b(\d+\.\d+\.\d+)\b/.exec(out)?.[1] ?? 'unknown'
}

async function measureSslscan(
  fleet: Fleet,
  variant: (typeof SSLSCAN_VARIANTS)[number],
  endpoints: BenchEndpoint[],
  dir: string,
  opts: Options,
  wrapperCpuMs: number,
): Promise<SslscanFigures> {
  const version = sslscanVersion()
  const timeDir = join(dir, `time-${variant.flags.join('') || 'default'}`)
  mkdirSync(timeDir, { recursive: true })
  const argsFor = (ep: BenchEndpoint) => [...variant.flags, '--no-colour', `--sni-name=${fleet.ready.host}`, '--xml=-', `127.0.0.1:${ep.port}`]
  const runs: { ep: BenchEndpoint; run: TimedRun }[] = []

  const { result: measured, server } = await serverAccounted(fleet, async () => {
    // this process has no other child ending meanwhile: the delta is sslscan's, plus GNU time's own
    const cpu0 = childrenCpuMs()
    const t0 = performance.now()
    let next = 0
    // a fixed pool of workers, like testssl.sh's mass mode (`--mode parallel`, MAX_PARALLEL)
    await Promise.all(
      Array.from({ length: Math.min(opts.sslscanParallel, endpoints.length) }, async () => {
        while (next < endpoints.length) {
          const ep = endpoints[next++]!
          runs.push({ ep, run: await timed(SSLSCAN, argsFor(ep), { timeFile: join(timeDir, String(ep.port)), capMs: opts.sslscanCapMs, stdout: 'capture' }) })
        }
      }),
    )
    return { wallMs: performance.now() - t0, cpuMs: childrenCpuMs() - cpu0 - wrapperCpuMs * runs.length }
  })

  const times = byReachability<number[]>(() => [])
  const byProfile: SslscanFigures['byProfile'] = {}
  for (const { ep, run } of runs) {
    times[reachability(ep.profile)].push(run.wallMs)
    if (byProfile[ep.profile]) continue
    const xml = run.stdout
    const protocols = [...xml.matchAll(/<protocol type="(\w+)" version="([\d.]+)" enabled="1"/g)].map((m) => `${m[1]}${m[2]}`)
    const error = /<error><!\[CDATA\[(.*?)\]\]><\/error>/s.exec(xml)?.[1]
    byProfile[ep.profile] = {
      protocols,
      acceptedCiphers: (xml.match(/<cipher status="(?:accepted|preferred)"/g) ?? []).length,
      groups: (xml.match(/<group /g) ?? []).length,
      ...(error ? { error } : {}),
    }
  }
  const peakKb = Math.max(0, ...runs.map((r) => r.run.rusage?.maxRssKb ?? 0))
  const parallel = Math.min(opts.sslscanParallel, endpoints.length)
  return {
    tool: `${variant.name} ×${opts.sslscanParallel}`,
    command: `${SSLSCAN} ${[...variant.flags, '--no-colour', '--sni-name=HOST', '--xml=-', '127.0.0.1:PORT'].join(' ')}, ${opts.sslscanParallel} at a time`,
    population: population(endpoints),
    wallMs: measured.wallMs,
    cpuMs: measured.cpuMs,
    peakRssMb: (peakKb * 1024) / MB,
    serverCpuMs: server.cpuMs,
    connections: connectionsByReachability(endpoints, server.counts),
    endpointMs: { live: spread(times.live), dead: spread(times.dead), silent: spread(times.silent) },
    version,
    parallel,
    wrapperCpuMsPerProcess: wrapperCpuMs,
    poolRssMb: (peakKb * 1024 * parallel) / MB,
    killed: runs.filter((r) => r.run.killed).map((r) => r.ep.name),
    failedToRun: runs.filter((r) => !r.run.killed && r.run.exit !== 0).map((r) => `${r.ep.name} (exit ${r.run.exit})`),
    byProfile,
  }
}

// ---------------------------------------------------------------------------------------------
// One fleet size

interface SizeResult {
  endpoints: number
  /** e.g. "120 hardened, 16 ecdsa-tls13, …" */
  mix: string
  fleet: { pid: number; startMs: number }
  vigil: VigilFigures
  sslscan: SslscanFigures[]
}

async function benchSize(endpoints: number, withSslscan: boolean, dir: string, opts: Options, wrapperCpuMs: number): Promise<SizeResult> {
  const sdir = join(dir, String(endpoints))
  mkdirSync(sdir, { recursive: true })
  process.stderr.write(`bench: starting ${endpoints} endpoints in a child process …\n`)
  const fleet = await startFleet(endpoints, join(sdir, 'pki'), opts)
  try {
    const eps = fleet.ready.endpoints
    process.stderr.write(`bench: fleet up in ${(fleet.ready.startMs / 1000).toFixed(1)} s\n`)
    const config = join(sdir, 'vigil.yaml')
    writeVigilConfig(config, fleet, eps)
    if (!opts.coldCache) {
      process.stderr.write('bench: warming the caches (one untimed Vigil run of this inventory, one endpoint probed) …\n')
      await warmUp(fleet, config, sdir, opts)
    }
    process.stderr.write(`bench: running Vigil over ${eps.length} endpoints …\n`)
    const vigil = await measureVigil(fleet, config, sdir, opts)
    process.stderr.write(`bench: Vigil done in ${(vigil.wallMs / 1000).toFixed(1)} s\n`)
    const sslscan: SslscanFigures[] = []
    if (withSslscan) {
      const scanned = opts.sslscanLiveOnly ? eps.filter((e) => reachability(e.profile) === 'live') : eps
      for (const variant of SSLSCAN_VARIANTS) {
        process.stderr.write(`bench: running ${variant.name} over ${scanned.length} endpoints, ${opts.sslscanParallel} at a time …\n`)
        const s = await measureSslscan(fleet, variant, scanned, sdir, opts, wrapperCpuMs)
        process.stderr.write(`bench: ${variant.name} done in ${(s.wallMs / 1000).toFixed(1)} s\n`)
        sslscan.push(s)
      }
    }
    const mix = Object.entries(eps.reduce<Record<string, number>>((acc, e) => ((acc[e.profile] = (acc[e.profile] ?? 0) + 1), acc), {}))
      .map(([p, n]) => `${n} ${p}`)
      .join(', ')
    return { endpoints: eps.length, mix, fleet: { pid: fleet.ready.pid, startMs: fleet.ready.startMs }, vigil, sslscan }
  } finally {
    await fleet.stop()
    // Vigil's output at 5,000 endpoints is hundreds of MB: gone once measured, unless kept
    if (!opts.keep) rmSync(join(sdir, 'vigil-out'), { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// Targets

interface TargetLine {
  target: string
  measured: string
  /** undefined: not measured in this run */
  met: boolean | undefined
}

/** Every target of the issue, judged at TARGETS.size endpoints, or at the largest size measured when that one was not run. */
function judgeTargets(results: SizeResult[]): TargetLine[] {
  const full = results.filter((r) => r.sslscan.length > 0)
  const pick = (rs: SizeResult[]) => rs.find((r) => r.endpoints === TARGETS.size) ?? rs.at(-1)
  const at = pick(results)
  const cmp = pick(full)
  const where = (r: SizeResult) => (r.endpoints === TARGETS.size ? `at ${r.endpoints}` : `at ${r.endpoints} — the target is for ${TARGETS.size}`)
  const lines: TargetLine[] = []
  const line = (target: string, measured: string, met: boolean | undefined) => lines.push({ target, measured, met })
  if (at) {
    const v = at.vigil
    line(`client CPU per endpoint ≤ ${TARGETS.cpuPerEndpointMs} ms`, `${f1(cpuPerEndpointMs(v))} ms (${where(at)})`, cpuPerEndpointMs(v) <= TARGETS.cpuPerEndpointMs)
    const s = 'cpuMs' in v.startup ? v.startup : undefined
    line(
      `CPU before the first connection ≤ ${TARGETS.startupCpuS} s`,
      s ? `${f2(s.cpuMs / 1000)} s (${where(at)}; ±${f0(1000 / s.clkTck)} ms ticks)` : `not measured: ${v.startup.problem}`,
      s ? s.cpuMs / 1000 <= TARGETS.startupCpuS : undefined,
    )
    const live = v.connections.live
    line(
      `connections per live endpoint ≤ today's ${f1(TARGETS.connectionsPerLive)}`,
      live ? `${f2(live.mean)} (${f0(live.min)}–${f0(live.max)}, ${where(at)})` : 'no live endpoint',
      live ? Number(live.mean.toFixed(1)) <= TARGETS.connectionsPerLive : undefined,
    )
    line(`peak RSS ≤ ${TARGETS.peakRssMb} MB`, `${f0(v.peakRssMb)} MB (${where(at)})`, v.peakRssMb <= TARGETS.peakRssMb)
    const html = v.outputBytes.reportHtml
    const json = v.outputBytes.resultsJson
    line(`report.html ≤ ${TARGETS.reportHtmlMb} MB`, html !== undefined ? `${f1(html / MB)} MB (${where(at)})` : 'not written', html !== undefined ? html / MB <= TARGETS.reportHtmlMb : undefined)
    line(`results.json ≤ ${TARGETS.resultsJsonMb} MB`, json !== undefined ? `${f1(json / MB)} MB (${where(at)})` : 'not written', json !== undefined ? json / MB <= TARGETS.resultsJsonMb : undefined)
  }
  const baseline = cmp?.sslscan.find((s) => s.tool.startsWith(SSLSCAN_VARIANTS[0]!.name))
  if (cmp && baseline) {
    const ratio = cpuPerEndpointMs(baseline) / cpuPerEndpointMs(cmp.vigil)
    line(`client CPU per endpoint ≥ ${TARGETS.cpuRatioVsNoGroups}× better than ${baseline.tool}`, `${f1(ratio)}× (${f1(cpuPerEndpointMs(baseline))} vs ${f1(cpuPerEndpointMs(cmp.vigil))} ms, ${where(cmp)})`, ratio >= TARGETS.cpuRatioVsNoGroups)
  } else line(`client CPU per endpoint ≥ ${TARGETS.cpuRatioVsNoGroups}× better than sslscan --no-groups`, 'not measured (no sslscan in this run)', undefined)
  const base = results.find((r) => r.endpoints === TARGETS.size)
  const big = results.find((r) => r.endpoints === TARGETS.rssGrowthAt)
  if (base && big) {
    const growth = big.vigil.peakRssMb / base.vigil.peakRssMb
    line(`peak RSS at ${TARGETS.rssGrowthAt} ≤ ${TARGETS.rssGrowth}× that at ${TARGETS.size}`, `${f2(growth)}× (${f0(big.vigil.peakRssMb)} / ${f0(base.vigil.peakRssMb)} MB)`, growth <= TARGETS.rssGrowth)
  } else line(`peak RSS at ${TARGETS.rssGrowthAt} ≤ ${TARGETS.rssGrowth}× that at ${TARGETS.size}`, `not measured (needs --endpoints ${TARGETS.size} --vigil-only-at ${TARGETS.rssGrowthAt})`, undefined)
  return lines
}

// ---------------------------------------------------------------------------------------------
// Report

const f0 = (n: number) => n.toFixed(0)
const f1 = (n: number) => n.toFixed(1)
const f2 = (n: number) => n.toFixed(2)
const sp = (s: Spread | undefined, fmt = f1) => (s ? `${fmt(s.mean)} (${fmt(s.min)}–${fmt(s.max)})` : '—')
const popText = (p: Population) => `${p.endpoints}: ${p.live} live${p.dead ? `, ${p.dead} dead` : ''}${p.silent ? `, ${p.silent} silent` : ''}`


function reportSize(r: SizeResult, opts: Options): string[] {
  const v = r.vigil
  const tools: ToolFigures[] = [v, ...r.sslscan]
  const out: string[] = []
  const W = 34
  const row = (k: string, cells: string[]) => out.push(`  ${k.padEnd(44)} ${cells.map((c) => c.padEnd(W)).join(' ')}`.trimEnd())
  const perTool = (k: string, cell: (t: ToolFigures) => string) => row(k, tools.map(cell))
  const ssl = (k: string, cell: (s: SslscanFigures) => string) => row(k, ['', ...r.sslscan.map(cell)])

  out.push('')
  out.push(`── ${r.endpoints} endpoints on 127.0.0.1 (${r.mix})`)
  out.push(`   fleet: pid ${r.fleet.pid}, up in ${f1(r.fleet.startMs / 1000)} s; its CPU is the "server" figures, never a scanner's`)
  out.push(`   Vigil: ${v.command}`)
  for (const s of r.sslscan) out.push(`   ${s.tool}: ${s.command} (sslscan ${s.version})`)
  out.push('')
  perTool('', (t) => t.tool)
  perTool('endpoints scanned', (t) => popText(t.population))
  perTool('wall (s)', (t) => f1(t.wallMs / 1000))
  perTool('client CPU, user+sys (s)', (t) => f2(t.cpuMs / 1000))
  perTool('client CPU per endpoint (ms)', (t) => f2(cpuPerEndpointMs(t)))
  const s = 'cpuMs' in v.startup ? v.startup : undefined
  row('CPU before the first connection (s)', [s ? `${f2(s.cpuMs / 1000)} (${f0(s.userMs)}+${f0(s.systemMs)}+${f0(s.childrenMs)} ms)` : `— ${v.startup.problem}`])
  row('  wall before it (s): process start / spawn', [s ? `${f2(s.sinceProcessStartS)} / ${f2(s.sinceSpawnMs / 1000)}` : '—'])
  perTool('peak RSS (MB)', (t) => ('poolRssMb' in t ? `${f1(t.peakRssMb)} per process (≤${f0((t as SslscanFigures).poolRssMb)} pool)` : f0(t.peakRssMb)))
  perTool('connections per live endpoint (servers)', (t) => sp(t.connections.live))
  perTool('connections per silent port (servers)', (t) => sp(t.connections.silent))
  perTool('server CPU per endpoint (ms)', (t) => f2(serverCpuPerEndpointMs(t)))
  perTool('time per live endpoint, start→end (ms)', (t) => sp(t.endpointMs.live, f0))
  perTool('time per silent port (ms)', (t) => sp(t.endpointMs.silent, f0))
  if (r.sslscan.length) {
    ssl('ratio ÷ Vigil: client CPU per endpoint', (t) => `${f1(cpuPerEndpointMs(t) / cpuPerEndpointMs(v))}×`)
    ssl('ratio ÷ Vigil: connections per live endpoint', (t) => (t.connections.live && v.connections.live ? `${f1(t.connections.live.mean / v.connections.live.mean)}×` : '—'))
    ssl('ratio ÷ Vigil: server CPU per endpoint', (t) => `${f1(serverCpuPerEndpointMs(t) / serverCpuPerEndpointMs(v))}×`)
  }
  out.push('  Vigil probes every endpoint at once under one per-host bound (all are on 127.0.0.1), so its time per endpoint includes')
  out.push('  queueing; each sslscan process scans one endpoint alone. A dead port has no server: no connection is ever counted there.')
  out.push('')
  const b = v.outputBytes
  const mb = (n: number | undefined) => (n === undefined ? '—' : `${f1(n / MB)} MB`)
  out.push(`   Vigil output: report.html ${mb(b.reportHtml)}, results.json ${mb(b.resultsJson)}, observations.json ${mb(b.observationsJson)}`)
  if (v.stagesMs)
    out.push(
      `   Vigil stages (s): start-up ${f2(v.stagesMs.startUp / 1000)}, policies+plan ${f2(v.stagesMs.policies / 1000)}, observe ${f2(v.stagesMs.observe / 1000)}, judge+report ${f2(v.stagesMs.judgeAndReport / 1000)}; CPU user ${f2(v.cpuDetailMs.user / 1000)} s, system ${f2(v.cpuDetailMs.system / 1000)} s; exit ${v.exitCode}`,
    )
  if (v.handshakes)
    out.push(`   Vigil per live endpoint: ${sp(v.handshakes)} hellos+handshakes = ${sp(v.rawHellos)} raw ClientHellos + ${sp(v.fullHandshakes)} full handshakes (node:tls, HTTP)`)
  if (v.unreachableAttempts) out.push(`   Vigil per dead / silent port: ${sp(v.unreachableAttempts.dead, f0)} / ${sp(v.unreachableAttempts.silent, f0)} attempts`)
  if (v.totals) out.push(`   Vigil findings: ${v.findings} over ${v.scenarios} scenarios (${Object.entries(v.totals).map(([k, n]) => `${n} ${k}`).join(', ')})`)
  if (s?.problem) out.push(`   start-up: ${s.problem}`)
  if (s?.foreignConnectionsSkipped) out.push(`   start-up: ${s.foreignConnectionsSkipped} connection(s) from other programs reached the fleet first (not Vigil's: skipped)`)
  // the fleet listens on ephemeral ports: another program on a busy machine may connect to one it believes free
  if (v.connectionMismatches?.length)
    out.push(
      `   Vigil's own connection counts differ from the servers' on ${v.connectionMismatches.length} endpoint(s) (more: another program on this machine connected too): ${v.connectionMismatches.slice(0, 5).join('; ')}`,
    )
  if (v.unread.length) out.push(`   not read from Vigil's output: ${v.unread.join('; ')}`)
  for (const t of r.sslscan) {
    if (t.killed.length) out.push(`   ${t.tool}: killed at the ${opts.sslscanCapMs / 1000} s cap: ${t.killed.join(', ')}`)
    if (t.failedToRun.length) out.push(`   ${t.tool}: exited non-zero: ${t.failedToRun.join(', ')}`)
  }

  // the same work: what Vigil judged per kind of endpoint, and what each sslscan reported for it
  if (v.byProfile) {
    out.push('   By endpoint kind:')
    for (const [p, pr] of Object.entries(v.byProfile)) {
      const verdict = [pr.failed.length ? `failed ${pr.failed.join(' ')}` : pr.error.length ? 'nothing failed' : 'all passed', ...(pr.error.length ? [`error ${pr.error.join(' ')}`] : [])].join('; ')
      out.push(`     ${`${p} ×${pr.endpoints}`.padEnd(18)} Vigil: ${verdict}`)
      for (const t of r.sslscan) {
        const ss = t.byProfile[p]
        if (ss) out.push(`     ${''.padEnd(18)} ${t.tool}: ${ss.error ?? `${ss.protocols.join(' ') || 'no protocol enabled'}, ${ss.acceptedCiphers} suites, ${ss.groups} groups`}`)
      }
    }
  }
  return out
}

function report(results: SizeResult[], targets: TargetLine[], opts: Options, wrapperCpuMs: number | undefined): string {
  const m = machine()
  const out: string[] = []
  out.push('')
  out.push(`TLS benchmark (issue "Fleet scale") — ${results.map((r) => `${r.endpoints}${r.sslscan.length ? '' : ' (Vigil alone)'}`).join(', ')} endpoints`)
  out.push(`machine: ${m.cpus} CPU (${m.cpuModel}), ${m.memGb} GiB, Linux ${m.kernel}, Node ${m.node} (OpenSSL ${m.openssl}), load average ${m.loadAverage.join(' ')} at the end`)
  out.push(`command: node bench/tls.ts ${process.argv.slice(2).join(' ')}`.trimEnd())
  out.push('how: every tool is a child process. Vigil: wall, CPU and peak RSS from GNU time (rusage of Vigil and the children it waited')
  out.push('  for, i.e. git; 10 ms resolution), compile cache and inventory parse cache ' + (opts.coldCache ? 'empty at every run (--cold-cache).' : 'warmed by one untimed run of the same inventory first (one endpoint probed).'))
  out.push('  CPU before the first connection: read by the endpoint fleet from /proc/<Vigil pid>/stat (utime+stime, plus cutime+cstime')
  out.push(`  of reaped children) when the first connection reaches a server; start-up and planning included; ${f0(1000 / CLK_TCK)} ms clock ticks.`)
  if (wrapperCpuMs !== undefined)
    out.push(`  sslscan: one process per endpoint; client CPU = all sslscan processes (kernel cutime+cstime) minus GNU time's own ${f2(wrapperCpuMs)} ms each (calibrated now).`)
  out.push('  Per-endpoint figures divide by the endpoints that tool scanned; connections are counted by the servers; MB = 10^6 bytes.')
  for (const r of results) out.push(...reportSize(r, opts))

  const base = results.find((r) => r.endpoints === TARGETS.size)
  const others = results.filter((r) => r !== base)
  if (base && others.length) {
    out.push('')
    out.push(`Vigil peak RSS ÷ at ${TARGETS.size}: ${others.map((r) => `${r.endpoints} → ${f2(r.vigil.peakRssMb / base.vigil.peakRssMb)}× (${f0(r.vigil.peakRssMb)} MB)`).join(', ')}`)
  }
  out.push('')
  out.push('Targets (issue "Fleet scale"):')
  for (const t of targets) out.push(`  target: ${t.target}; ${t.met === undefined ? t.measured : `measured ${t.measured} → ${t.met ? 'met' : 'NOT MET'}`}`)
  out.push('')
  out.push('What each checks: Vigil — protocols, cipher suites (weak / non-FS / outside Mozilla intermediate), DH and EC group sizes, certificate expiry,')
  out.push('  trust, hostname, key size and signature, and HSTS over HTTP, judged as policy verdicts with evidence. sslscan — protocols, every cipher suite,')
  out.push('  key-exchange groups (not with --no-groups), certificate (no trust or hostname verdict), fallback SCSV, renegotiation, compression, Heartbleed;')
  out.push('  no HSTS, no verdicts.')
  return out.join('\n')
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const opts = parseOptions()
  if (!existsSync(GNU_TIME)) throw new UsageError(`${GNU_TIME} (GNU time) not found: install it (apt-get install time)`)
  const anySslscan = opts.sslscan && opts.sizes.length > 0
  if (anySslscan && !existsSync(SSLSCAN)) throw new UsageError(`${SSLSCAN} not found: install it (apt-get install sslscan) or pass --no-sslscan`)
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-tls-'))
  if (!opts.keep) scratchDir = dir
  try {
    const wrapperCpuMs = anySslscan ? timeWrapperCostMs() : undefined
    const plan = [...opts.sizes.map((n) => ({ n, sslscan: opts.sslscan })), ...opts.vigilOnlyAt.map((n) => ({ n, sslscan: false }))].sort((a, b) => a.n - b.n)
    const results: SizeResult[] = []
    for (const p of plan) results.push(await benchSize(p.n, p.sslscan, dir, opts, wrapperCpuMs ?? 0))
    const targets = judgeTargets(results)
    process.stdout.write(`${report(results, targets, opts, wrapperCpuMs)}\n`)
    if (opts.json)
      writeFileSync(opts.json, JSON.stringify({ options: opts, command: `node bench/tls.ts ${process.argv.slice(2).join(' ')}`.trimEnd(), machine: machine(), clockTicksPerSecond: CLK_TCK, timeWrapperCpuMsPerProcess: wrapperCpuMs, sizes: results, targets }, null, 2) + '\n')
    return 0
  } finally {
    if (opts.keep) process.stderr.write(`bench: kept ${dir}\n`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof UsageError ? e.message : ((e as Error)?.stack ?? String(e))}\n`)
    killAll()
    process.exit(e instanceof UsageError ? 2 : 1)
  },
)
