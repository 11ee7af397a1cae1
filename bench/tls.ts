// `npm run bench:tls` — times a full TLS policy run (`vigil run --tags @tls`: plan → observe →
// Cucumber judge → results.json) over K local endpoints, then sslscan over the same endpoints, in
// the same run on the same machine.
//
//   node bench/tls.ts [--endpoints 200] [--sslscan-parallel 20] [--no-sslscan | --sslscan-live-only]
//                     [--timeout-ms 3000] [--concurrency 200] [--per-host 5] [--json FILE] [--keep]
//
// The endpoints live in a child process (bench/tls-endpoints.ts), so the servers' CPU is never
// counted as the scanner's; that process also counts, server side, every TCP connection each
// scanner opened per endpoint. Dead and silent ports are part of the fleet on purpose: each should
// cost Vigil one refusal or one timeout.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { run } from '../runner/run.ts'
import type { StoredObservation } from '../runner/observe.ts'
import type { TlsObservation } from '../checks/tls/observation.ts'
import type { BenchEndpoint, EndpointProfile, FleetReady } from './tls-endpoints.ts'

const ENDPOINTS_SCRIPT = fileURLToPath(new URL('./tls-endpoints.ts', import.meta.url))
const SSLSCAN = '/usr/bin/sslscan'
const GNU_TIME = '/usr/bin/time'

interface Options {
  endpoints: number
  sslscanParallel: number
  sslscan: boolean
  /** leave dead and silent ports out of the sslscan pass (its silent-port cost is ~31 s each) */
  sslscanLiveOnly: boolean
  timeoutMs: number
  concurrency: number
  perHost: number
  /** hard cap per sslscan process: a scanner that hangs is killed and reported, never waited on forever */
  sslscanCapMs: number
  json?: string
  keep: boolean
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      endpoints: { type: 'string', default: '200' },
      'sslscan-parallel': { type: 'string', default: '20' },
      'no-sslscan': { type: 'boolean', default: false },
      'sslscan-live-only': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string', default: '3000' },
      concurrency: { type: 'string', default: '200' },
      'per-host': { type: 'string', default: '5' },
      'sslscan-cap-s': { type: 'string', default: '180' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(
      'usage: node bench/tls.ts [--endpoints 200] [--sslscan-parallel 20] [--no-sslscan | --sslscan-live-only] [--timeout-ms 3000]\n' +
        '                         [--concurrency 200] [--per-host 5] [--sslscan-cap-s 180] [--json FILE] [--keep]\n',
    )
    process.exit(0)
  }
  const int = (name: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer ${min}..${max}, got ${v}`)
    return n
  }
  return {
    endpoints: int('endpoints', values.endpoints, 1, 5000),
    sslscanParallel: int('sslscan-parallel', values['sslscan-parallel'], 1, 500),
    sslscan: !values['no-sslscan'],
    sslscanLiveOnly: values['sslscan-live-only'],
    timeoutMs: int('timeout-ms', values['timeout-ms'], 100, 120_000),
    concurrency: int('concurrency', values.concurrency, 1, 2000),
    perHost: int('per-host', values['per-host'], 1, 64),
    sslscanCapMs: int('sslscan-cap-s', values['sslscan-cap-s'], 1, 3600) * 1000,
    ...(values.json ? { json: values.json } : {}),
    keep: values.keep,
  }
}

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// The endpoint fleet (child process)

interface Fleet {
  ready: FleetReady
  child: ChildProcess
  request<T>(cmd: string): Promise<T>
  stop(): Promise<void>
}

function startFleet(count: number, dir: string): Promise<Fleet> {
  const child = spawn(process.execPath, [ENDPOINTS_SCRIPT, '--count', String(count), '--dir', dir], { stdio: ['pipe', 'pipe', 'pipe'] })
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
          return JSON.parse(await nextLine(10_000)) as T
        },
      }
    },
    async (e: unknown) => {
      await stop()
      throw e
    },
  )
}

// Every child this benchmark starts, so an error or Ctrl-C never leaves one behind. sslscan runs
// under GNU time in its own process group (`group`), so a kill reaches sslscan itself too.
const children = new Map<ChildProcess, { group: boolean }>()
function track(child: ChildProcess, group = false): void {
  children.set(child, { group })
  child.once('exit', () => children.delete(child))
}
function kill(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    if (children.get(child)?.group) process.kill(-child.pid, 'SIGKILL')
    else if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  } catch {
    // already gone
  }
}
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

// ---------------------------------------------------------------------------------------------
// Measurements

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

type Counts = Record<string, number>
async function serverCounts(fleet: Fleet): Promise<Counts> {
  return (await fleet.request<{ counts: Counts }>('counts')).counts
}
async function serverCpuMs(fleet: Fleet): Promise<number> {
  const { cpu } = await fleet.request<{ cpu: { user: number; system: number } }>('cpu')
  return (cpu.user + cpu.system) / 1000
}

type Reachability = 'live' | 'dead' | 'silent'
const reachability = (p: EndpointProfile): Reachability => (p === 'dead' || p === 'silent' ? p : 'live')

// ---------------------------------------------------------------------------------------------
// Vigil

interface VigilFigures {
  wallMs: number
  stagesMs: { loadPolicies: number; observe: number; judgeAndReport: number }
  endpointsPerSecond: number
  cpuMs: { user: number; system: number }
  rss: { beforeMb: number; peakMb: number }
  /** peaks sampled every 50 ms during the run (MiB): what the RSS is made of */
  sampledPeakMb: { rss: number; heapUsed: number; external: number }
  serverCpuMs: number
  scenarios: number
  totals: Record<string, number>
  findings: number
  /** raw hellos + full handshakes per live endpoint (from the observation stats) */
  handshakes: Spread
  rawHellos: Spread
  fullHandshakes: Spread
  /** hellos + handshakes spent on each dead / silent port (the goal: exactly one) */
  unreachableAttempts: { dead: Spread | undefined; silent: Spread | undefined }
  /** TCP connections per endpoint, counted by the servers */
  serverConnections: Record<Reachability, Spread | undefined>
  /** observe time per endpoint */
  endpointMs: Record<Reachability, Spread | undefined>
  /** profile → check ids that failed / errored on every endpoint of that profile */
  byProfile: Record<string, { endpoints: number; failed: string[]; error: string[] }>
  /** the probe's own connection count disagrees with the servers' count on these endpoints */
  connectionMismatches: string[]
}

async function benchVigil(fleet: Fleet, endpoints: BenchEndpoint[], dir: string, opts: Options): Promise<VigilFigures> {
  const config = join(dir, 'vigil.yaml')
  writeFileSync(
    config,
    `# written by bench/tls.ts\n` +
      stringify({
        trust: { extraCaFiles: [fleet.ready.caCert] },
        settings: { timeoutMs: opts.timeoutMs, concurrency: opts.concurrency, perHost: opts.perHost },
        targets: { tls: endpoints.map((e) => ({ name: e.name, host: fleet.ready.host, address: '127.0.0.1', port: e.port, tags: [e.profile] })) },
      }),
  )
  await fleet.request('reset')
  const serverCpu0 = await serverCpuMs(fleet)
  const rssBefore = process.resourceUsage().maxRSS
  const sampled = { rss: 0, heapUsed: 0, external: 0 }
  const sample = () => {
    const m = process.memoryUsage()
    sampled.rss = Math.max(sampled.rss, m.rss)
    sampled.heapUsed = Math.max(sampled.heapUsed, m.heapUsed)
    sampled.external = Math.max(sampled.external, m.external)
  }
  const sampler = setInterval(sample, 50)
  const marks: Record<string, number> = {}
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const outcome = await run({
    config,
    out: join(dir, 'vigil-results'),
    tags: '@tls',
    onStage: (m) => {
      if (m.startsWith('observing')) marks.observe ??= performance.now()
      else if (m === 'judging') marks.judge ??= performance.now()
    },
  })
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  clearInterval(sampler)
  sample()
  const peak = process.resourceUsage().maxRSS
  const serverCpu = (await serverCpuMs(fleet)) - serverCpu0
  const counts = await serverCounts(fleet)

  const stored = JSON.parse(readFileSync(outcome.files.observations, 'utf8')) as { targets: StoredObservation[] }
  const byName = new Map(endpoints.map((e) => [e.name, e]))
  const hand: number[] = []
  const raw: number[] = []
  const full: number[] = []
  const conns: Record<Reachability, number[]> = { live: [], dead: [], silent: [] }
  const times: Record<Reachability, number[]> = { live: [], dead: [], silent: [] }
  const mismatches: string[] = []
  const attempts: Record<'dead' | 'silent', number[]> = { dead: [], silent: [] }
  for (const o of stored.targets) {
    const ep = byName.get(o.target)!
    const r = reachability(ep.profile)
    const stats = (o.data as TlsObservation | null)?.stats
    times[r].push(o.durationMs)
    const served = counts[String(ep.port)] ?? 0
    conns[r].push(served)
    if (!stats) continue
    if (r === 'live') {
      raw.push(stats.rawHellos)
      full.push(stats.fullHandshakes)
      hand.push(stats.rawHellos + stats.fullHandshakes)
    } else attempts[r].push(stats.rawHellos + stats.fullHandshakes)
    // a dead port has no server to count; a refused connect is not a connection
    if (r !== 'dead' && stats.connections !== served) mismatches.push(`${o.target}: probe says ${stats.connections}, server saw ${served}`)
  }

  const byProfile: VigilFigures['byProfile'] = {}
  const profileOf = (target: string) => byName.get(target)!.profile
  const statusSets = new Map<string, Map<string, Set<string>>>() // profile → checkId → statuses
  for (const e of endpoints) byProfile[e.profile] ??= { endpoints: 0, failed: [], error: [] }
  for (const e of endpoints) byProfile[e.profile]!.endpoints++
  for (const f of outcome.results.findings) {
    const p = profileOf(f.target)
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

  const observeStart = marks.observe ?? t0
  const judgeStart = marks.judge ?? observeStart
  const n = endpoints.length
  const { waived: _w, ...totals } = outcome.results.totals as Record<string, number>
  return {
    wallMs,
    stagesMs: { loadPolicies: observeStart - t0, observe: judgeStart - observeStart, judgeAndReport: t0 + wallMs - judgeStart },
    endpointsPerSecond: n / (wallMs / 1000),
    cpuMs: { user: cpu.user / 1000, system: cpu.system / 1000 },
    rss: { beforeMb: rssBefore / 1024, peakMb: peak / 1024 },
    sampledPeakMb: { rss: sampled.rss / 2 ** 20, heapUsed: sampled.heapUsed / 2 ** 20, external: sampled.external / 2 ** 20 },
    serverCpuMs: serverCpu,
    scenarios: new Set(outcome.results.findings.map((f) => `${f.policy}:${f.scenarioLine}`)).size,
    totals,
    findings: outcome.results.findings.length,
    handshakes: spread(hand)!,
    rawHellos: spread(raw)!,
    fullHandshakes: spread(full)!,
    unreachableAttempts: { dead: spread(attempts.dead), silent: spread(attempts.silent) },
    serverConnections: { live: spread(conns.live), dead: spread(conns.dead), silent: spread(conns.silent) },
    endpointMs: { live: spread(times.live), dead: spread(times.dead), silent: spread(times.silent) },
    byProfile,
    connectionMismatches: mismatches,
  }
}

// ---------------------------------------------------------------------------------------------
// sslscan

interface SslscanFigures {
  version: string
  endpoints: number
  parallel: number
  timeoutS: number
  wallMs: number
  endpointsPerSecond: number
  cpuMs: number
  serverCpuMs: number
  peakRssMbPerProcess?: number
  perHostMs: Record<Reachability, Spread | undefined>
  serverConnections: Record<Reachability, Spread | undefined>
  killed: string[]
  failedToRun: string[]
  /** profile → what sslscan reported for it (first endpoint of the profile) */
  byProfile: Record<string, { protocols: string[]; acceptedCiphers: number; groups: number; error?: string }>
}

interface SslscanRun {
  ep: BenchEndpoint
  ms: number
  xml: string
  exit: number | null
  killed: boolean
  maxRssKb?: number
}

function sslscanOne(ep: BenchEndpoint, host: string, capMs: number, timeDir: string | undefined): Promise<SslscanRun> {
  const args = ['--no-colour', `--sni-name=${host}`, '--xml=-', `127.0.0.1:${ep.port}`]
  const timeFile = timeDir ? join(timeDir, `${ep.port}.time`) : undefined
  const [bin, argv] = timeFile ? [GNU_TIME, ['-f', '%M', '-o', timeFile, SSLSCAN, ...args]] : [SSLSCAN, args]
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    track(child, true)
    let xml = ''
    // sslscan's XML for one host is a few KiB; keep a bounded prefix whatever it prints
    child.stdout!.on('data', (b: Buffer) => {
      if (xml.length < 1 << 20) xml += b.toString('utf8')
    })
    child.stderr!.resume()
    let killed = false
    const cap = setTimeout(() => {
      killed = true
      kill(child)
    }, capMs)
    const done = (exit: number | null) => {
      clearTimeout(cap)
      let maxRssKb: number | undefined
      if (timeFile && existsSync(timeFile)) maxRssKb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)) || undefined
      resolve({ ep, ms: performance.now() - started, xml, exit, killed, ...(maxRssKb ? { maxRssKb } : {}) })
    }
    child.once('error', () => done(null))
    child.once('close', (code) => done(code))
  })
}

async function benchSslscan(fleet: Fleet, endpoints: BenchEndpoint[], dir: string, opts: Options): Promise<SslscanFigures> {
  const version = /\b(\d+\.\d+\.\d+)\b/.exec(execFileSync(SSLSCAN, ['--version'], { encoding: 'utf8', timeout: 10_000 }))?.[1] ?? 'unknown'
  const timeDir = existsSync(GNU_TIME) ? dir : undefined
  await fleet.request('reset')
  const serverCpu0 = await serverCpuMs(fleet)
  const cpu0 = childrenCpuMs()
  const t0 = performance.now()
  const runs: SslscanRun[] = []
  let next = 0
  // a fixed pool of workers, like testssl.sh's mass mode (`--mode parallel`, MAX_PARALLEL)
  await Promise.all(
    Array.from({ length: Math.min(opts.sslscanParallel, endpoints.length) }, async () => {
      while (next < endpoints.length) {
        const ep = endpoints[next++]!
        runs.push(await sslscanOne(ep, fleet.ready.host, opts.sslscanCapMs, timeDir))
      }
    }),
  )
  const wallMs = performance.now() - t0
  const cpuMs = childrenCpuMs() - cpu0
  const serverCpu = (await serverCpuMs(fleet)) - serverCpu0
  const counts = await serverCounts(fleet)

  const perHost: Record<Reachability, number[]> = { live: [], dead: [], silent: [] }
  const conns: Record<Reachability, number[]> = { live: [], dead: [], silent: [] }
  const byProfile: SslscanFigures['byProfile'] = {}
  for (const r of runs) {
    const kind = reachability(r.ep.profile)
    perHost[kind].push(r.ms)
    conns[kind].push(counts[String(r.ep.port)] ?? 0)
    if (!byProfile[r.ep.profile]) {
      const protocols = [...r.xml.matchAll(/<protocol type="(\w+)" version="([\d.]+)" enabled="1"/g)].map((m) => `${m[1]}${m[2]}`)
      const error = /<error><!\[CDATA\[(.*?)\]\]><\/error>/s.exec(r.xml)?.[1]
      byProfile[r.ep.profile] = {
        protocols,
        acceptedCiphers: (r.xml.match(/<cipher status="(?:accepted|preferred)"/g) ?? []).length,
        groups: (r.xml.match(/<group /g) ?? []).length,
        ...(error ? { error } : {}),
      }
    }
  }
  const rss = runs.map((r) => r.maxRssKb).filter((x): x is number => x !== undefined)
  return {
    version,
    endpoints: endpoints.length,
    parallel: opts.sslscanParallel,
    timeoutS: 3,
    wallMs,
    endpointsPerSecond: endpoints.length / (wallMs / 1000),
    cpuMs,
    serverCpuMs: serverCpu,
    ...(rss.length ? { peakRssMbPerProcess: Math.max(...rss) / 1024 } : {}),
    perHostMs: { live: spread(perHost.live), dead: spread(perHost.dead), silent: spread(perHost.silent) },
    serverConnections: { live: spread(conns.live), dead: spread(conns.dead), silent: spread(conns.silent) },
    killed: runs.filter((r) => r.killed).map((r) => r.ep.name),
    failedToRun: runs.filter((r) => !r.killed && r.exit !== 0).map((r) => `${r.ep.name} (exit ${r.exit})`),
    byProfile,
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const f0 = (n: number) => n.toFixed(0)
const f1 = (n: number) => n.toFixed(1)
const sp = (s: Spread | undefined, fmt = f1) => (s ? `${fmt(s.mean)} (min ${fmt(s.min)}, p50 ${fmt(s.p50)}, max ${fmt(s.max)})` : '—')

function machine() {
  const c = cpus()
  return {
    cpus: availableParallelism(),
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    memGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    openssl: process.versions.openssl,
  }
}

function report(opts: Options, fleet: FleetReady, v: VigilFigures, s: SslscanFigures | undefined): string {
  const m = machine()
  const mix = Object.entries(
    fleet.endpoints.reduce<Record<string, number>>((acc, e) => ((acc[e.profile] = (acc[e.profile] ?? 0) + 1), acc), {}),
  )
    .map(([p, n]) => `${n} ${p}`)
    .join(', ')
  const out: string[] = []
  const row = (k: string, vigil: string, sslscan?: string) => out.push(`  ${k.padEnd(34)} ${vigil.padEnd(44)} ${sslscan ?? ''}`.trimEnd())
  out.push('')
  out.push(`TLS benchmark — ${fleet.endpoints.length} endpoints on 127.0.0.1 (${mix})`)
  out.push(`machine: ${m.cpus} CPU (${m.cpuModel}), ${m.memGb} GiB, Linux ${m.kernel}, Node ${m.node} (OpenSSL ${m.openssl})${s ? `, sslscan ${s.version}` : ''}`)
  out.push(`fleet started in ${(fleet.startMs / 1000).toFixed(1)} s in its own process (pid ${fleet.pid}); its CPU is not counted below as the scanner's`)
  out.push(
    `Vigil: vigil run --tags @tls, ${v.scenarios} scenarios, timeoutMs ${opts.timeoutMs}, concurrency ${opts.concurrency}, perHost ${opts.perHost} (every endpoint is on 127.0.0.1, so perHost bounds the whole run)`,
  )
  if (s) out.push(`sslscan: ${SSLSCAN} --no-colour --sni-name=… --xml=- 127.0.0.1:PORT, ${s.parallel} at a time, its default --timeout=${s.timeoutS}s, ${opts.sslscanLiveOnly ? `live endpoints only (${s.endpoints})` : 'dead and silent ports included'}`)
  out.push('')
  row('', 'Vigil', s ? 'sslscan' : undefined)
  row('wall time', `${f1(v.wallMs / 1000)} s`, s && `${f1(s.wallMs / 1000)} s`)
  row('endpoints / second', f1(v.endpointsPerSecond), s && f1(s.endpointsPerSecond))
  row(
    '  of which',
    `policies ${f1(v.stagesMs.loadPolicies / 1000)} s, observe ${f1(v.stagesMs.observe / 1000)} s, judge+report ${f1(v.stagesMs.judgeAndReport / 1000)} s`,
  )
  row('scanner CPU (user+sys)', `${f1((v.cpuMs.user + v.cpuMs.system) / 1000)} s`, s && `${f1(s.cpuMs / 1000)} s (all sslscan processes)`)
  row('server CPU caused', `${f1(v.serverCpuMs / 1000)} s`, s && `${f1(s.serverCpuMs / 1000)} s`)
  row(
    'peak memory (RSS)',
    `${f0(v.rss.peakMb)} MiB (one process; ${f0(v.rss.beforeMb)} MiB before run)`,
    s && (s.peakRssMbPerProcess ? `${f1(s.peakRssMbPerProcess)} MiB per process × ${s.parallel} at once` : 'not measured (no GNU time)'),
  )
  row('  sampled peaks', `heap ${f0(v.sampledPeakMb.heapUsed)} MiB, external ${f0(v.sampledPeakMb.external)} MiB`)
  row('per live endpoint: start→end (ms)', sp(v.endpointMs.live, f0), s && sp(s.perHostMs.live, f0))
  row('per dead port: time (ms)', sp(v.endpointMs.dead, f0), s && sp(s.perHostMs.dead, f0))
  row('per silent port: time (ms)', sp(v.endpointMs.silent, f0), s && sp(s.perHostMs.silent, f0))
  row('handshakes per live endpoint', sp(v.handshakes), s && '—')
  row('  raw hellos', sp(v.rawHellos))
  row('  full handshakes (node:tls, HTTP)', sp(v.fullHandshakes))
  row('attempts per dead / silent port', `${sp(v.unreachableAttempts.dead, f0)} / ${sp(v.unreachableAttempts.silent, f0)}`)
  row('TCP connections per live endpoint*', sp(v.serverConnections.live), s && sp(s.serverConnections.live))
  row('TCP connections per silent port*', sp(v.serverConnections.silent), s && sp(s.serverConnections.silent))
  row('findings', `${v.findings} (${Object.entries(v.totals).map(([k, n]) => `${n} ${k}`).join(', ')})`, s && 'none (a report to read, no verdicts)')
  out.push('  * counted by the servers themselves. Vigil probes every endpoint at once under one perHost bound, so its start→end time per')
  out.push('    endpoint includes queueing; each sslscan process scans one endpoint alone.')
  out.push('')
  out.push('What each checks: Vigil — protocols, cipher suites (weak / non-FS / outside Mozilla intermediate), DH and EC group sizes, certificate expiry,')
  out.push('  trust, hostname, key size and signature, and HSTS over HTTP, judged as policy verdicts with evidence. sslscan — protocols, every cipher suite,')
  out.push('  key-exchange groups, certificate (no trust or hostname verdict), fallback SCSV, renegotiation, compression, Heartbleed; no HSTS, no verdicts.')
  if (s) {
    if (s.killed.length) out.push(`sslscan processes killed at the ${opts.sslscanCapMs / 1000} s cap: ${s.killed.join(', ')}`)
    if (s.failedToRun.length) out.push(`sslscan exited non-zero: ${s.failedToRun.join(', ')}`)
  }
  out.push('')
  out.push('By endpoint kind:')
  for (const [p, r] of Object.entries(v.byProfile)) {
    const vigil = [r.failed.length ? `failed ${r.failed.join(' ')}` : r.error.length ? 'nothing failed' : 'all passed', ...(r.error.length ? [`error ${r.error.join(' ')}`] : [])].join('; ')
    const ss = s?.byProfile[p]
    const sslscan = ss
      ? ss.error
        ? `sslscan: ${ss.error}`
        : `sslscan: ${ss.protocols.join(' ') || 'no protocol enabled'}, ${ss.acceptedCiphers} suites, ${ss.groups} groups`
      : ''
    out.push(`  ${`${p} ×${r.endpoints}`.padEnd(18)} Vigil: ${vigil}`)
    if (sslscan) out.push(`  ${''.padEnd(18)} ${sslscan}`)
  }
  if (v.connectionMismatches.length)
    out.push(`\nVigil's own connection counts differ from the servers' on ${v.connectionMismatches.length} endpoint(s): ${v.connectionMismatches.slice(0, 5).join('; ')}`)
  return out.join('\n')
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const opts = parseOptions()
  if (opts.sslscan && !existsSync(SSLSCAN)) throw new UsageError(`${SSLSCAN} not found: install it (apt-get install sslscan) or pass --no-sslscan`)
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-tls-'))
  if (!opts.keep) scratchDir = dir
  let fleet: Fleet | undefined
  try {
    process.stderr.write(`bench: starting ${opts.endpoints} endpoints in a child process …\n`)
    fleet = await startFleet(opts.endpoints, join(dir, 'pki'))
    const endpoints = fleet.ready.endpoints
    process.stderr.write(`bench: fleet up in ${(fleet.ready.startMs / 1000).toFixed(1)} s; running vigil (tags @tls) …\n`)
    const vigil = await benchVigil(fleet, endpoints, dir, opts)
    process.stderr.write(`bench: vigil done in ${(vigil.wallMs / 1000).toFixed(1)} s\n`)
    let sslscan: SslscanFigures | undefined
    if (opts.sslscan) {
      process.stderr.write(`bench: running sslscan, ${opts.sslscanParallel} at a time …\n`)
      const scanned = opts.sslscanLiveOnly ? endpoints.filter((e) => reachability(e.profile) === 'live') : endpoints
      sslscan = await benchSslscan(fleet, scanned, dir, opts)
    }
    process.stdout.write(`${report(opts, fleet.ready, vigil, sslscan)}\n`)
    if (opts.json)
      writeFileSync(opts.json, JSON.stringify({ options: opts, machine: machine(), fleet: { endpoints: endpoints.length, startMs: fleet.ready.startMs }, vigil, sslscan }, null, 2) + '\n')
    return 0
  } finally {
    await fleet?.stop()
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
