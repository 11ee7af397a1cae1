// `node bench/starttls.ts` — issue #15 (STARTTLS): what the upgrade costs Vigil per endpoint, next to
// HTTPS endpoints with the same TLS configurations, and how Vigil compares with `testssl.sh -t <proto>`
// on the same servers (verdicts, connections, time).
//
//   node bench/starttls.ts [--kinds smtp,imap,…] [--skip-testssl] [--skip-alone] [--testssl-parallel 2]
//                          [--testssl-cap-s 300] [--timeout-ms 3000] [--per-host 5] [--json FILE] [--keep]
//
// The servers: for every installed STARTTLS kind a `good` and a `weak` real server
// (lab/starttls: Postfix, Dovecot, vsftpd, Prosody, PostgreSQL, MariaDB, slapd), and two HTTPS
// endpoints (`openssl s_server -www`) with the same two TLS configurations. All share one throwaway
// certificate (CN and SAN localhost). In front of every endpoint sits a TCP proxy of this process
// that counts connections, so both tools' connections are counted the same way, server-independent.
// Each tool runs as its own process under GNU time (wall, user+sys CPU of it and every child it
// waited for):
// - Vigil: once over all endpoints, as bin/vigil.mjs runs (`--tags @tls`), after one untimed warm-up run
//   (verdicts, connections, total wall and CPU), then once per endpoint alone (its time without the
//   other endpoints queueing on the same 127.0.0.1 per-host bound: the upgrade's cost);
// - testssl: one process per endpoint, a few at a time, `-p -f -s` (protocols, forward secrecy,
//   cipher categories), `-t <proto>` on the STARTTLS ones.
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { STARTTLS_KINDS, type StarttlsKind } from '../checks/tls/target.ts'
import type { TlsObservation } from '../checks/tls/observation.ts'
import type { StoredObservation } from '../runner/observe.ts'
import type { Finding } from '../reports/model.ts'
import type { PeerConfig, StarttlsPeer, StartPeerOptions } from '../lab/starttls/peer.ts'
import { freePort } from '../lab/free-port.ts'
import { GNU_TIME, REPO, TIME_FORMAT, UsageError, VIGIL_BIN, children, commonValues, COMMON_OPTIONS, intFlag, kill, machine, track, vigilNodeFlags } from './bench-support.ts'

const LAB_STARTTLS = fileURLToPath(new URL('../lab/starttls/', import.meta.url))
const TESTSSL = '/usr/bin/testssl'
const OPENSSL = '/usr/bin/openssl'

/** The checks compared with testssl, and `tls.required` (the upgrade itself). */
const CHECKS = ['tls.required', 'tls.protocols', 'tls.forward-secrecy', 'tls.ciphers.weak'] as const
type CheckId = (typeof CHECKS)[number]
/** The configurations measured (lab/starttls/peer.ts); `plain` offers no TLS to compare. */
const CONFIGS = ['good', 'weak'] as const satisfies readonly PeerConfig[]
type BenchConfig = (typeof CONFIGS)[number]

interface Options {
  kinds?: StarttlsKind[]
  testssl: boolean
  /** also run Vigil over each endpoint alone: time per endpoint without the other endpoints' queueing */
  alone: boolean
  testsslParallel: number
  testsslCapMs: number
  timeoutMs: number
  perHost: number
  json?: string
  keep: boolean
}

const USAGE = `usage: node bench/starttls.ts [options]

Starts a good and a weak server for every installed STARTTLS kind and two HTTPS endpoints with the
same TLS configurations, each behind a connection-counting proxy; runs Vigil once over all of them
and testssl once per endpoint; prints per endpoint the verdicts of both tools, connections and time.

  --kinds LIST            STARTTLS kinds to measure (default: every installed one): ${STARTTLS_KINDS.join(',')}
  --skip-testssl          Vigil alone
  --skip-alone            no Vigil run per endpoint alone (by default one more Vigil run per endpoint
                          measures its time and connections without the other endpoints in flight)
  --testssl-parallel N    testssl processes at once (default 2: the machine has 2 cores)
  --testssl-cap-s S       kill a testssl process after S seconds and report a timeout (default 300)
  --timeout-ms MS         Vigil's --timeout (default 3000)
  --per-host N            Vigil's --per-host (default 5; every endpoint is on 127.0.0.1)
  --json FILE             also write every figure as JSON
  --keep                  keep the scratch folder (certificate, Vigil's output, testssl's JSON)
  -h, --help              this text
`


function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      kinds: { type: 'string' },
      'skip-testssl': { type: 'boolean', default: false },
      'skip-alone': { type: 'boolean', default: false },
      'testssl-parallel': { type: 'string', default: '2' },
      'testssl-cap-s': { type: 'string', default: '300' },
      ...COMMON_OPTIONS,
    },
  })
  const common = commonValues(values, USAGE)
  const int = intFlag
  let kinds: StarttlsKind[] | undefined
  if (values.kinds !== undefined) {
    const asked = values.kinds.split(',').map((s) => s.trim()).filter(Boolean)
    const unknown = asked.filter((k) => !(STARTTLS_KINDS as readonly string[]).includes(k))
    if (unknown.length || asked.length === 0) throw new UsageError(`--kinds: unknown ${unknown.join(', ') || '(empty)'}; known: ${STARTTLS_KINDS.join(', ')}`)
    kinds = [...new Set(asked)] as StarttlsKind[]
  }
  return {
    ...(kinds ? { kinds } : {}),
    testssl: !values['skip-testssl'],
    alone: !values['skip-alone'],
    testsslParallel: int('testssl-parallel', values['testssl-parallel'], 1, 16),
    testsslCapMs: int('testssl-cap-s', values['testssl-cap-s'], 10, 3600) * 1000,
    ...common,
  }
}

// ---------------------------------------------------------------------------------------------
// Clean-up: every child, server and proxy goes, on success, error and Ctrl-C alike

/** asynchronous stops (peers, proxies), newest first */
const stoppers: (() => Promise<void>)[] = []
let scratchDir: string | undefined
let cleaning: Promise<void> | undefined
function cleanUp(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const c of children.keys()) kill(c)
    const all = stoppers.splice(0).reverse()
    await Promise.race([Promise.allSettled(all.map((s) => s())), sleep(20_000)])
    if (scratchDir) rmSync(scratchDir, { recursive: true, force: true })
  })())
}
process.on('exit', () => {
  for (const c of children.keys()) kill(c)
})
let interrupted = false
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    interrupted = true
    process.stderr.write(`bench: ${sig}: stopping every server and proxy …\n`)
    void cleanUp().finally(() => process.exit(130))
  })

// ---------------------------------------------------------------------------------------------
// The STARTTLS peers (lab/starttls), through the index once it exists

interface PeerLab {
  source: string
  installed(): StarttlsKind[]
  start(kind: StarttlsKind, opts: StartPeerOptions): Promise<StarttlsPeer>
}

const MAIL_KINDS = ['smtp', 'submission', 'imap', 'pop3', 'ftp', 'xmpp'] as const satisfies readonly StarttlsKind[]
const DATA_KINDS = ['postgres', 'mysql', 'ldap'] as const satisfies readonly StarttlsKind[]

type Module = Record<string, unknown>
const importLab = async (file: string): Promise<Module | undefined> =>
  existsSync(join(LAB_STARTTLS, file)) ? ((await import(pathToFileURL(join(LAB_STARTTLS, file)).href)) as Module) : undefined

/**
 * lab/starttls/index.ts (`startStarttlsPeer`, `installedStarttlsKinds`) when it exists; until then
 * the two server modules directly, every kind of a module that exists counting as installed.
 */
async function loadPeerLab(): Promise<PeerLab> {
  const index = await importLab('index.ts')
  if (index && typeof index.startStarttlsPeer === 'function' && typeof index.installedStarttlsKinds === 'function') {
    const start = index.startStarttlsPeer as PeerLab['start']
    const installed = index.installedStarttlsKinds as () => StarttlsKind[]
    return { source: 'lab/starttls/index.ts', installed, start }
  }
  const mail = await importLab('mail-servers.ts')
  const data = await importLab('data-servers.ts')
  const startMail = typeof mail?.startMailPeer === 'function' ? (mail.startMailPeer as PeerLab['start']) : undefined
  const startData = typeof data?.startDataPeer === 'function' ? (data.startDataPeer as PeerLab['start']) : undefined
  const isMail = (k: StarttlsKind) => (MAIL_KINDS as readonly string[]).includes(k)
  return {
    source: `lab/starttls/{${[startMail && 'mail-servers', startData && 'data-servers'].filter(Boolean).join(',')}}.ts (no index.ts yet)`,
    installed: () => {
      const mailInstalled = typeof mail?.mailPeerInstalled === 'function' ? (mail.mailPeerInstalled as (k: StarttlsKind) => boolean) : () => true
      return [...(startMail ? MAIL_KINDS.filter((k) => mailInstalled(k)) : []), ...(startData ? DATA_KINDS : [])]
    },
    start: (kind, opts) => {
      const start = isMail(kind) ? startMail : startData
      if (!start) return Promise.reject(new Error(`no lab module starts ${kind}`))
      return start(kind, opts)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Certificate, HTTPS endpoints, proxies

interface Cert {
  certFile: string
  keyFile: string
}

function makeCert(dir: string): Cert {
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  execFileSync(
    OPENSSL,
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '30', '-keyout', keyFile, '-out', certFile],
    { stdio: 'ignore', timeout: 30_000 },
  )
  // the peers copy them; servers that drop privileges before reading must be able to
  chmodSync(keyFile, 0o644)
  return { certFile, keyFile }
}

/** The same two TLS configurations as the lab's peers (lab/starttls/data-servers.ts), for `openssl s_server`. */
const HTTPS_ARGS: Record<BenchConfig, string[]> = {
  good: ['-min_protocol', 'TLSv1.2', '-cipher', 'ECDHE+AESGCM:ECDHE+CHACHA20'],
  weak: ['-min_protocol', 'TLSv1', '-cipher', 'DEFAULT:@SECLEVEL=0'],
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port })
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}

async function startHttps(config: BenchConfig, cert: Cert, dir: string): Promise<{ port: number; software: string; stop(): Promise<void> }> {
  // an OpenSSL config of our own, as the peers have: the system's defaults do not apply
  const conf = join(dir, 'openssl-https.cnf')
  writeFileSync(conf, '# bench/starttls.ts HTTPS endpoint: none of the system OpenSSL defaults\n')
  const version = execFileSync(OPENSSL, ['version'], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ')
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const child = spawn(OPENSSL, ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', cert.certFile, '-key', cert.keyFile, '-www', '-quiet', '-naccept', '1000000', ...HTTPS_ARGS[config]], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, OPENSSL_CONF: conf },
    })
    track(child)
    let err = ''
    child.stderr!.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-2000)))
    const stop = () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
    const deadline = Date.now() + 15_000
    while (child.exitCode === null && Date.now() < deadline && !(await canConnect(port))) await sleep(50)
    if (child.exitCode === null && (await canConnect(port))) return { port, software: `${version} s_server -www`, stop }
    await stop()
    if (attempt >= 3) throw new Error(`openssl s_server (${config}) did not listen: ${err.trim()}`)
  }
}

interface CountingProxy {
  port: number
  /** TCP connections accepted since the last reset */
  count: number
  reset(): void
  stop(): Promise<void>
}

/** A TCP proxy on 127.0.0.1 in front of `upstream`, piping both ways, counting accepted connections. */
function startProxy(upstream: number): Promise<CountingProxy> {
  const open = new Set<Socket>()
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    proxy.count++
    const up = connect({ host: '127.0.0.1', port: upstream, allowHalfOpen: true })
    open.add(client)
    open.add(up)
    const done = () => {
      client.destroy()
      up.destroy()
      open.delete(client)
      open.delete(up)
    }
    client.once('error', done).once('close', done)
    up.once('error', done).once('close', done)
    client.pipe(up)
    up.pipe(client)
  })
  const proxy: CountingProxy = {
    port: 0,
    count: 0,
    reset: () => void (proxy.count = 0),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy()
        server.close(() => resolve())
      }),
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      proxy.port = (server.address() as { port: number }).port
      resolve(proxy)
    })
  })
}

interface Endpoint {
  /** target name in Vigil's inventory */
  name: string
  kind: StarttlsKind | 'https'
  config: BenchConfig
  software: string
  serverPort: number
  proxy: CountingProxy
}

// ---------------------------------------------------------------------------------------------
// Child processes under GNU time

interface TimedRun {
  exit: number | null
  killed: boolean
  wallMs: number
  /** user + system of the command and every child it waited for (GNU time, 10 ms resolution) */
  cpuMs?: number
  maxRssKb?: number
  stderrTail: string
}

function timed(cmd: string, args: string[], o: { timeFile: string; capMs: number; stdoutFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<TimedRun> {
  const out = openSync(o.stdoutFile, 'w')
  const started = performance.now()
  const child = spawn(GNU_TIME, ['-f', TIME_FORMAT, '-o', o.timeFile, cmd, ...args], { stdio: ['ignore', out, 'pipe'], detached: true, ...(o.env ? { env: o.env } : {}), ...(o.cwd ? { cwd: o.cwd } : {}) })
  closeSync(out)
  track(child, true)
  let stderrTail = ''
  child.stderr!.on('data', (b: Buffer) => (stderrTail = (stderrTail + b.toString('utf8')).slice(-4000)))
  return new Promise((resolve) => {
    let killed = false
    const cap = setTimeout(() => {
      killed = true
      kill(child)
    }, o.capMs)
    const done = (exit: number | null) => {
      clearTimeout(cap)
      const wallMs = performance.now() - started
      const last = existsSync(o.timeFile) ? (readFileSync(o.timeFile, 'utf8').trim().split('\n').at(-1) ?? '') : ''
      const [, user, system, rss] = last.split(' ').map(Number)
      const ok = last !== '' && [user, system, rss].every((x) => Number.isFinite(x))
      resolve({ exit: killed ? null : exit, killed, wallMs, ...(ok ? { cpuMs: (user! + system!) * 1000, maxRssKb: rss! } : {}), stderrTail })
    }
    child.once('error', () => done(null))
    child.once('close', (code) => done(code))
  })
}

// ---------------------------------------------------------------------------------------------
// Vigil

type Verdict = 'pass' | 'fail' | 'error' | 'n/a' | '—'

interface VigilEndpoint {
  verdicts: Record<CheckId, Verdict>
  /** tls.forward-secrecy's evidence: all / some / none of the accepted suites are forward-secret */
  fsCoverage?: string
  /** summaries of the findings that did not pass */
  notes: string[]
  /** TCP connections counted by the proxy */
  connections: number
  /** the probe's own count (observation stats.connections) */
  probeConnections?: number
  rawHellos?: number
  fullHandshakes?: number
  /** the probe's time for the endpoint (observation stats.durationMs), with every endpoint in flight */
  durationMs?: number
  upgrade?: string
  /** the same endpoint in a Vigil run of its own */
  alone?: AloneRun
}

interface AloneRun {
  /** the probe's time (stats.durationMs) */
  durationMs?: number
  connections: number
  /** the whole Vigil process: start-up, planning, judging and reports included */
  wallMs: number
  cpuMs: number
}

interface VigilRun {
  command: string
  exitCode: number
  wallMs: number
  cpuMs: number
  peakRssMb: number
  endpoints: Record<string, VigilEndpoint>
}


function vigilArgs(config: string, out: string, opts: Options): string[] {
  return [...vigilNodeFlags(), VIGIL_BIN, 'run', '--config', config, '--out', out, '--tags', '@tls', '--per-host', String(opts.perHost), '--timeout', `${opts.timeoutMs}ms`]
}

function vigilEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.GITHUB_STEP_SUMMARY
  return env
}

function writeVigilConfig(file: string, cert: Cert, endpoints: Endpoint[]): void {
  writeFileSync(
    file,
    `# written by bench/starttls.ts\n` +
      stringify({
        trust: { extraCaFiles: [cert.certFile] },
        targets: {
          tls: endpoints.map((e) => ({
            name: e.name,
            host: 'localhost',
            address: '127.0.0.1',
            port: e.proxy.port,
            tags: [e.kind, e.config],
            ...(e.kind === 'https' ? {} : { starttls: e.kind }),
          })),
        },
      }),
  )
}

async function runVigil(endpoints: Endpoint[], cert: Cert, dir: string, opts: Options, label: string): Promise<{ run: TimedRun; args: string[]; out: string }> {
  const wdir = join(dir, label)
  mkdirSync(wdir, { recursive: true })
  const config = join(wdir, 'vigil.yaml')
  const out = join(wdir, 'out')
  writeVigilConfig(config, cert, endpoints)
  const args = vigilArgs(config, out, opts)
  for (const e of endpoints) e.proxy.reset()
  const run = await timed(process.execPath, args, { timeFile: join(wdir, 'time'), capMs: 600_000, stdoutFile: join(wdir, 'stdout.txt'), env: vigilEnv(), cwd: REPO })
  if (run.killed) throw new Error(`Vigil (${label}) was killed at the 600 s cap:\n${run.stderrTail}`)
  // 0 passed, 1 failed, 3 errors: a judged run
  if (run.exit === null || ![0, 1, 3].includes(run.exit) || run.cpuMs === undefined) throw new Error(`Vigil (${label}) exited ${run.exit ?? 'abnormally'}: ${[process.execPath, ...args].join(' ')}\n${run.stderrTail}`)
  return { run, args, out }
}

const worst = (statuses: Set<string>): Verdict =>
  statuses.has('failed') ? 'fail' : statuses.has('error') || statuses.has('inconclusive') ? 'error' : statuses.has('passed') ? 'pass' : statuses.size ? 'n/a' : '—'

async function measureVigil(endpoints: Endpoint[], cert: Cert, dir: string, opts: Options): Promise<VigilRun> {
  const { run, args, out } = await runVigil(endpoints, cert, dir, opts, 'vigil')
  const counts = Object.fromEntries(endpoints.map((e) => [e.name, e.proxy.count]))
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { findings: Pick<Finding, 'target' | 'checkId' | 'status' | 'summary' | 'actual'>[] }
  const stored = JSON.parse(readFileSync(join(out, 'observations.json'), 'utf8')) as { targets: StoredObservation[] }
  const byTarget: Record<string, VigilEndpoint> = {}
  for (const e of endpoints) {
    const statuses = Object.fromEntries(CHECKS.map((c) => [c, new Set<string>()])) as Record<CheckId, Set<string>>
    const notes = new Set<string>()
    let fsCoverage: string | undefined
    for (const f of results.findings) {
      if (f.target !== e.name || !(CHECKS as readonly string[]).includes(f.checkId)) continue
      statuses[f.checkId as CheckId].add(f.status)
      if (f.status !== 'passed') notes.add(`${f.checkId}: ${f.summary}`)
      if (f.checkId === 'tls.forward-secrecy' && typeof f.actual?.forwardSecrecy === 'string') fsCoverage = f.actual.forwardSecrecy
    }
    const o = stored.targets.find((t) => t.target === e.name)
    const data = o?.data as TlsObservation | null | undefined
    byTarget[e.name] = {
      verdicts: Object.fromEntries(CHECKS.map((c) => [c, worst(statuses[c])])) as Record<CheckId, Verdict>,
      ...(fsCoverage ? { fsCoverage } : {}),
      notes: [...notes],
      connections: counts[e.name] ?? 0,
      ...(data?.stats ? { probeConnections: data.stats.connections, rawHellos: data.stats.rawHellos, fullHandshakes: data.stats.fullHandshakes } : {}),
      ...(data?.stats ? { durationMs: data.stats.durationMs } : o ? { durationMs: o.durationMs } : {}),
      ...(data?.upgrade ? { upgrade: data.upgrade.status } : {}),
    }
  }
  const rel = (p: string) => (p.startsWith(dir) ? `<scratch>/${relative(dir, p)}` : p)
  return {
    command: `node ${args.map((a) => (a === VIGIL_BIN ? relative(REPO, VIGIL_BIN) : rel(a))).join(' ')}`,
    exitCode: run.exit!,
    wallMs: run.wallMs,
    cpuMs: run.cpuMs!,
    peakRssMb: ((run.maxRssKb ?? 0) * 1024) / 1e6,
    endpoints: byTarget,
  }
}

/** One more Vigil run per endpoint, one after another: the upgrade's cost without queueing behind other endpoints. */
async function measureVigilAlone(endpoints: Endpoint[], cert: Cert, dir: string, opts: Options, vigil: VigilRun): Promise<void> {
  for (const e of endpoints) {
    const { run, out } = await runVigil([e], cert, dir, opts, `alone-${e.name}`)
    let durationMs: number | undefined
    try {
      const stored = JSON.parse(readFileSync(join(out, 'observations.json'), 'utf8')) as { targets: StoredObservation[] }
      durationMs = (stored.targets[0]?.data as TlsObservation | null | undefined)?.stats?.durationMs
    } catch {
      // no observation: the figure stays out
    }
    vigil.endpoints[e.name]!.alone = { ...(durationMs !== undefined ? { durationMs } : {}), connections: e.proxy.count, wallMs: run.wallMs, cpuMs: run.cpuMs! }
  }
}

// ---------------------------------------------------------------------------------------------
// testssl

interface TestsslFinding {
  id: string
  severity: string
  finding: string
}

interface TestsslEndpoint {
  command: string
  exit: number | null
  timedOut: boolean
  wallMs: number
  cpuMs?: number
  connections: number
  verdicts: Record<CheckId, Verdict>
  /** the findings the verdicts come from, as testssl wrote them */
  basis: Record<string, string>
  /** scanProblem and other WARN/FATAL lines */
  problems: string[]
  /** "STARTTLS handshake failed" lines on its output: testssl's own upgrade dialogue broke that often */
  failedUpgrades: number
  /** run with --ssl-native (OpenSSL's s_client instead of testssl's sockets) */
  sslNative: boolean
}

/** testssl's `-t` for each kind (submission is SMTP on another port). */
const TESTSSL_PROTO: Record<StarttlsKind, string> = { smtp: 'smtp', submission: 'smtp', imap: 'imap', pop3: 'pop3', ftp: 'ftp', ldap: 'ldap', postgres: 'postgres', mysql: 'mysql', xmpp: 'xmpp' }

/**
 * testssl 3.0 has no socket code for LDAP's StartTLS ("FIXME: LDAP+STARTTLS over sockets not supported
 * yet"): LDAP goes through OpenSSL (`s_client -starttls ldap`) with `--ssl-native`, as it suggests.
 */
const TESTSSL_NATIVE: readonly StarttlsKind[] = ['ldap']

function testsslArgs(e: Endpoint, jsonFile: string): string[] {
  return [
    ...(e.kind === 'https' ? [] : ['-t', TESTSSL_PROTO[e.kind]]),
    ...(e.kind !== 'https' && TESTSSL_NATIVE.includes(e.kind) ? ['--ssl-native'] : []),
    ...(e.kind === 'xmpp' ? ['--xmpphost', 'localhost'] : []),
    '--jsonfile',
    jsonFile,
    '--warnings',
    'off',
    '--color',
    '0',
    '--quiet',
    `--openssl=${OPENSSL}`,
    '-p',
    '-f',
    '-s',
    `127.0.0.1:${e.proxy.port}`,
  ]
}

function testsslVersion(): string {
  try {
    const out = execFileSync(TESTSSL, ['--version'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] })
    return /testssl\S*\s+(\d[\w.-]*)/.exec(out)?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

const offered = (f: string | undefined) => f !== undefined && /^offered/i.test(f.trim())

/**
 * Verdicts comparable with Vigil's, from testssl's findings:
 * - tls.protocols: SSLv2, SSLv3, TLS1 or TLS1_1 offered, or neither TLS1_2 nor TLS1_3 → fail; a TLS version
 *   testssl wrote nothing about (its probe broke: "Fixme: unexpected value …") → undecided;
 * - tls.forward-secrecy: testssl 3.0's `-f` says whether *any* FS suite is offered (`PFS`); the comparable
 *   reading is Vigil's evidence (all/some → offered, none → not), see `agree`;
 * - tls.ciphers.weak: any of cipherlist_NULL, _aNULL, _EXPORT, _LOW (DES, RC2, RC4, 64-bit) or _3DES_IDEA offered → fail;
 * - tls.required: the upgrade worked when testssl got as far as a protocol answer.
 */
function testsslVerdicts(findings: TestsslFinding[]): Pick<TestsslEndpoint, 'verdicts' | 'basis' | 'problems'> {
  const by = new Map(findings.map((f) => [f.id, f]))
  const basis: Record<string, string> = {}
  const get = (id: string) => {
    const f = by.get(id)
    if (f) basis[id] = f.finding
    return f?.finding
  }
  // engine_problem (no GOST engine in the local OpenSSL) is on every run and says nothing about the endpoint
  const problems = findings.filter((f) => f.id === 'scanProblem' || f.severity === 'FATAL' || (f.severity === 'WARN' && f.id !== 'engine_problem')).map((f) => `${f.id} ${f.severity}: ${f.finding}`)
  const protoIds = ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1', 'TLS1_2', 'TLS1_3']
  const protos = Object.fromEntries(protoIds.map((id) => [id, get(id)]))
  const allTls = ['TLS1', 'TLS1_1', 'TLS1_2', 'TLS1_3'].every((id) => protos[id] !== undefined)
  const protocols: Verdict = !allTls ? 'error' : ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1'].some((id) => offered(protos[id])) ? 'fail' : offered(protos.TLS1_2) || offered(protos.TLS1_3) ? 'pass' : 'fail'
  const pfs = get('PFS') ?? get('FS')
  const fs: Verdict = pfs === undefined ? 'error' : offered(pfs) ? 'pass' : 'fail'
  const weakIds = ['cipherlist_NULL', 'cipherlist_aNULL', 'cipherlist_EXPORT', 'cipherlist_LOW', 'cipherlist_3DES_IDEA']
  for (const id of [...weakIds, 'cipherlist_AVERAGE', 'cipherlist_STRONG']) get(id)
  const anyWeak = weakIds.some((id) => by.has(id))
  const weak: Verdict = !anyWeak ? 'error' : weakIds.some((id) => offered(by.get(id)?.finding)) ? 'fail' : 'pass'
  // a FIXME / "not supported" is testssl's own limit, not the server refusing its upgrade
  const refused = problems.some((p) => /starttls|upgrade/i.test(p) && !/FIXME|not supported/i.test(p))
  const required: Verdict = protoIds.some((id) => offered(protos[id])) ? 'pass' : refused ? 'fail' : 'error'
  return { verdicts: { 'tls.required': required, 'tls.protocols': protocols, 'tls.forward-secrecy': fs, 'tls.ciphers.weak': weak }, basis, problems }
}

async function measureTestssl(endpoints: Endpoint[], dir: string, opts: Options): Promise<{ wallMs: number; cpuMs: number; endpoints: Record<string, TestsslEndpoint> }> {
  const tdir = join(dir, 'testssl')
  mkdirSync(tdir, { recursive: true })
  for (const e of endpoints) e.proxy.reset()
  const result: Record<string, TestsslEndpoint> = {}
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: Math.min(opts.testsslParallel, endpoints.length) }, async () => {
      while (next < endpoints.length) {
        const e = endpoints[next++]!
        const jsonFile = join(tdir, `${e.name}.json`)
        const args = testsslArgs(e, jsonFile)
        process.stderr.write(`bench: testssl ${e.name} …\n`)
        // testssl writes its temporary files under TMPDIR; each run gets its own
        const tmp = mkdtempSync(join(tdir, `tmp-${e.name}-`))
        const run = await timed(TESTSSL, args, { timeFile: join(tdir, `${e.name}.time`), capMs: opts.testsslCapMs, stdoutFile: join(tdir, `${e.name}.txt`), env: { ...process.env, TMPDIR: tmp } })
        let findings: TestsslFinding[] = []
        try {
          findings = JSON.parse(readFileSync(jsonFile, 'utf8')) as TestsslFinding[]
        } catch {
          // killed or failed before writing: no verdicts
        }
        const v = testsslVerdicts(findings)
        const text = existsSync(join(tdir, `${e.name}.txt`)) ? readFileSync(join(tdir, `${e.name}.txt`), 'utf8') : ''
        result[e.name] = {
          command: `testssl ${args.map((a) => (a === jsonFile ? 'FILE' : a)).join(' ')}`,
          exit: run.exit,
          timedOut: run.killed,
          wallMs: run.wallMs,
          ...(run.cpuMs !== undefined ? { cpuMs: run.cpuMs } : {}),
          // one endpoint is scanned by one testssl at a time: its proxy's count is this run's
          connections: e.proxy.count,
          ...v,
          failedUpgrades: (text.match(/STARTTLS handshake failed/g) ?? []).length,
          sslNative: args.includes('--ssl-native'),
        }
        process.stderr.write(`bench: testssl ${e.name} done in ${(run.wallMs / 1000).toFixed(1)} s${run.killed ? ' (TIMEOUT)' : ''}\n`)
      }
    }),
  )
  const wallMs = performance.now() - t0
  const cpuMs = Object.values(result).reduce((a, r) => a + (r.cpuMs ?? 0), 0)
  return { wallMs, cpuMs, endpoints: result }
}

// ---------------------------------------------------------------------------------------------
// Report

const LOAD_AT_START = loadavg().map((x) => Number(x.toFixed(2)))
const f0 = (n: number) => n.toFixed(0)
const f1 = (n: number) => n.toFixed(1)
const f2 = (n: number) => n.toFixed(2)
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN)


/** Does testssl's reading agree with Vigil's for this check? FS is compared at testssl's level: is any FS suite offered. */
function agree(check: CheckId, v: VigilEndpoint, t: TestsslEndpoint): boolean | undefined {
  const tv = t.verdicts[check]
  if (tv === 'error' || tv === '—') return undefined
  if (check === 'tls.forward-secrecy') {
    if (!v.fsCoverage) return undefined
    return (v.fsCoverage !== 'none') === (tv === 'pass')
  }
  const vv = v.verdicts[check]
  if (vv === 'error' || vv === '—') return undefined
  return vv === tv
}


interface PerEndpoint {
  connections: number
  /** probe time per endpoint, every endpoint in flight */
  ms: number
  /** probe time per endpoint in a run of its own; that run's wall and CPU */
  aloneMs?: number
  aloneWallS?: number
  aloneCpuS?: number
}

interface Summary {
  vigil: { httpsPerEndpoint: PerEndpoint; starttlsPerEndpoint: PerEndpoint; byKind: Record<string, PerEndpoint> }
  /** per-endpoint means over the runs that completed (`leftOut`: timed out, or stopped by a FATAL of testssl's) */
  testssl?: { httpsPerEndpoint: { connections: number; wallS: number; cpuS: number }; starttlsPerEndpoint: { connections: number; wallS: number; cpuS: number }; leftOut: string[] }
  agreement?: { compared: number; agreed: number; disagreements: string[] }
}

/** a testssl run that did all its work: not killed at the cap, not stopped by a FATAL (e.g. LDAP over sockets in 3.0) */
const completed = (r: TestsslEndpoint) => !r.timedOut && !r.problems.some((p) => / FATAL: /.test(p))

function summarize(endpoints: Endpoint[], vigil: VigilRun, testssl: Awaited<ReturnType<typeof measureTestssl>> | undefined): Summary {
  const https = endpoints.filter((e) => e.kind === 'https')
  const st = endpoints.filter((e) => e.kind !== 'https')
  const vper = (es: Endpoint[]): PerEndpoint => {
    const vs = es.map((e) => vigil.endpoints[e.name]!)
    const alone = vs.flatMap((v) => (v.alone ? [v.alone] : []))
    return {
      connections: mean(vs.map((v) => v.connections)),
      ms: mean(vs.map((v) => v.durationMs ?? NaN)),
      ...(alone.length ? { aloneMs: mean(alone.map((a) => a.durationMs ?? NaN)), aloneWallS: mean(alone.map((a) => a.wallMs / 1000)), aloneCpuS: mean(alone.map((a) => a.cpuMs / 1000)) } : {}),
    }
  }
  const byKind: Record<string, PerEndpoint> = {}
  for (const k of new Set(endpoints.map((e) => e.kind))) byKind[k] = vper(endpoints.filter((e) => e.kind === k))
  const s: Summary = { vigil: { httpsPerEndpoint: vper(https), starttlsPerEndpoint: vper(st), byKind } }
  if (testssl) {
    const tper = (es: Endpoint[]) => {
      const rs = es.map((e) => testssl.endpoints[e.name]!).filter(completed)
      return { connections: mean(rs.map((r) => r.connections)), wallS: mean(rs.map((r) => r.wallMs / 1000)), cpuS: mean(rs.map((r) => (r.cpuMs ?? NaN) / 1000)) }
    }
    s.testssl = { httpsPerEndpoint: tper(https), starttlsPerEndpoint: tper(st), leftOut: endpoints.filter((e) => !completed(testssl.endpoints[e.name]!)).map((e) => e.name) }
    let compared = 0
    let agreed = 0
    const disagreements: string[] = []
    for (const e of endpoints) {
      const t = testssl.endpoints[e.name]
      if (!t) continue
      for (const c of CHECKS) {
        const a = agree(c, vigil.endpoints[e.name]!, t)
        if (a === undefined) continue
        compared++
        if (a) agreed++
        else disagreements.push(`${e.name} ${c}: Vigil ${vigil.endpoints[e.name]!.verdicts[c]}${c === 'tls.forward-secrecy' ? ` (FS ${vigil.endpoints[e.name]!.fsCoverage})` : ''}, testssl ${t.verdicts[c]} (${Object.entries(t.basis).filter(([id]) => relevantIds(c).includes(id)).map(([id, f]) => `${id}: ${f}`).join('; ')})`)
      }
    }
    s.agreement = { compared, agreed, disagreements }
  }
  return s
}

function relevantIds(c: CheckId): string[] {
  switch (c) {
    case 'tls.protocols':
    case 'tls.required':
      return ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1', 'TLS1_2', 'TLS1_3']
    case 'tls.forward-secrecy':
      return ['PFS', 'FS']
    case 'tls.ciphers.weak':
      return ['cipherlist_NULL', 'cipherlist_aNULL', 'cipherlist_EXPORT', 'cipherlist_LOW', 'cipherlist_3DES_IDEA']
  }
}

function report(endpoints: Endpoint[], vigil: VigilRun, testssl: Awaited<ReturnType<typeof measureTestssl>> | undefined, s: Summary, ctx: { labSource: string; testsslVersion?: string; notStarted: string[]; opts: Options }): string {
  const m = machine()
  const out: string[] = []
  out.push('')
  out.push(`STARTTLS benchmark (issue #15) — ${endpoints.length} endpoints: ${endpoints.filter((e) => e.kind !== 'https').length} STARTTLS, ${endpoints.filter((e) => e.kind === 'https').length} HTTPS`)
  out.push(`machine: ${m.cpus} CPU (${m.cpuModel}), ${m.memGb} GiB, Linux ${m.kernel}, Node ${m.node} (OpenSSL ${m.openssl}), load average ${LOAD_AT_START.join(' ')} at the start, ${m.loadAverage.join(' ')} at the end`)
  out.push(`command: node bench/starttls.ts ${process.argv.slice(2).join(' ')}`.trimEnd())
  out.push(`peers: ${ctx.labSource}; HTTPS: openssl s_server -www with the same good / weak TLS settings; one certificate (CN/SAN localhost) for all`)
  if (ctx.notStarted.length) out.push(`not measured: ${ctx.notStarted.join('; ')}`)
  out.push(`Vigil: ${vigil.command} (compile cache warmed by one untimed run)`)
  if (testssl) out.push(`testssl ${ctx.testsslVersion}: testssl [-t PROTO] [--xmpphost localhost] [--ssl-native for ldap] --jsonfile FILE --warnings off --color 0 --quiet --openssl=${OPENSSL} -p -f -s 127.0.0.1:PORT, ${ctx.opts.testsslParallel} at a time, ${ctx.opts.testsslCapMs / 1000} s cap`)
  out.push('connections: counted by a TCP proxy in front of every endpoint (the same for both tools); CPU: user+sys of the tool and its children (GNU time)')
  out.push('verdicts: required / protocols / fs / weak = tls.required, tls.protocols, tls.forward-secrecy (Vigil: mode all; evidence all/some/none), tls.ciphers.weak;')
  out.push('  testssl: protocols from SSLv2…TLS1_3, fs from PFS (any FS suite offered), weak from cipherlist_NULL/aNULL/EXPORT/LOW/3DES_IDEA, required = it got a protocol answer.')
  out.push('  "=" both tools agree, "≠" they disagree, "?" one could not decide; fs is compared at testssl\'s level: is any forward-secret suite offered.')
  out.push('')
  const head = ['endpoint', 'software', 'Vigil required/protocols/fs/weak', 'testssl same', 'agree', 'Vigil conns', 'Vigil ms all/alone', 'testssl conns', 'testssl wall s', 'testssl CPU s']
  const rows: string[][] = [head]
  for (const e of endpoints) {
    const v = vigil.endpoints[e.name]!
    const t = testssl?.endpoints[e.name]
    const vcell = CHECKS.map((c) => (c === 'tls.forward-secrecy' ? `${v.verdicts[c]}(${v.fsCoverage ?? '?'})` : v.verdicts[c])).join(' ')
    const tcell = t ? (t.timedOut ? 'TIMEOUT' : CHECKS.map((c) => t.verdicts[c]).join(' ')) : '—'
    const acell = t && !t.timedOut ? CHECKS.map((c) => ({ true: '=', false: '≠', undefined: '?' })[String(agree(c, v, t)) as 'true' | 'false' | 'undefined']).join('') : '—'
    rows.push([
      e.name,
      e.software.length > 22 ? `${e.software.slice(0, 21)}…` : e.software,
      vcell,
      tcell,
      acell,
      `${v.connections}${v.probeConnections !== undefined && v.probeConnections !== v.connections ? ` (${v.probeConnections})` : ''}`,
      `${v.durationMs !== undefined ? f0(v.durationMs) : '—'}/${v.alone?.durationMs !== undefined ? f0(v.alone.durationMs) : '—'}`,
      t ? String(t.connections) : '—',
      t ? f1(t.wallMs / 1000) : '—',
      t?.cpuMs !== undefined ? f1(t.cpuMs / 1000) : '—',
    ])
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const r of rows) out.push(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd())
  out.push('')
  const vs = s.vigil
  const h = vs.httpsPerEndpoint
  const st = vs.starttlsPerEndpoint
  out.push('Vigil per endpoint, HTTPS vs STARTTLS (the upgrade\'s cost):')
  out.push(`  connections            ${f1(h.connections)} vs ${f1(st.connections)}`)
  out.push(`  ms, all endpoints at once (--per-host ${ctx.opts.perHost}, all on 127.0.0.1: queueing included)   ${f0(h.ms)} vs ${f0(st.ms)}`)
  if (h.aloneMs !== undefined && st.aloneMs !== undefined) {
    out.push(`  ms, each endpoint in a Vigil run of its own   ${f0(h.aloneMs)} vs ${f0(st.aloneMs)} (${f2(st.aloneMs / h.aloneMs)}×; ${f2(h.aloneMs / h.connections)} vs ${f2(st.aloneMs / st.connections)} ms per connection)`)
    out.push(`  that run's wall / CPU (start-up, planning, reports included)   ${f2(h.aloneWallS!)} / ${f2(h.aloneCpuS!)} s vs ${f2(st.aloneWallS!)} / ${f2(st.aloneCpuS!)} s`)
  }
  out.push(`  by kind (connections, ms all${h.aloneMs !== undefined ? '/alone' : ''}): ${Object.entries(vs.byKind).map(([k, x]) => `${k} ${f1(x.connections)}, ${f0(x.ms)}${x.aloneMs !== undefined ? `/${f0(x.aloneMs)}` : ''}`).join('; ')}`)
  out.push(`Vigil total: wall ${f1(vigil.wallMs / 1000)} s, CPU ${f2(vigil.cpuMs / 1000)} s (${f0(vigil.cpuMs / endpoints.length)} ms per endpoint), peak RSS ${f0(vigil.peakRssMb)} MB, exit ${vigil.exitCode}`)
  if (testssl && s.testssl) {
    const ts = s.testssl
    out.push(
      `testssl per endpoint: HTTPS ${f1(ts.httpsPerEndpoint.connections)} connections, ${f1(ts.httpsPerEndpoint.wallS)} s wall, ${f1(ts.httpsPerEndpoint.cpuS)} s CPU; STARTTLS ${f1(ts.starttlsPerEndpoint.connections)} connections, ${f1(ts.starttlsPerEndpoint.wallS)} s wall, ${f1(ts.starttlsPerEndpoint.cpuS)} s CPU` +
        (ts.leftOut.length ? ` (left out, incomplete: ${ts.leftOut.join(', ')})` : ''),
    )
    out.push(
      `testssl total: wall ${f1(testssl.wallMs / 1000)} s (${ctx.opts.testsslParallel} at a time; ${f1(Object.values(testssl.endpoints).reduce((a, r) => a + r.wallMs, 0) / 1000)} s one after another), CPU ${f1(testssl.cpuMs / 1000)} s` +
        ` — ${f0(testssl.wallMs / vigil.wallMs)}× Vigil's wall, ${f0(testssl.cpuMs / vigil.cpuMs)}× its CPU`,
    )
    const a = s.agreement!
    out.push(`verdicts compared: ${a.compared}, agreed ${a.agreed}, disagreed ${a.disagreements.length}`)
    for (const d of a.disagreements) out.push(`  ≠ ${d}`)
    for (const e of endpoints) {
      const t = testssl.endpoints[e.name]!
      if (t.timedOut) out.push(`  ${e.name}: testssl killed at the ${ctx.opts.testsslCapMs / 1000} s cap (timeout)`)
      if (t.sslNative) out.push(`  ${e.name}: testssl ran with --ssl-native (its protocol answers come from OpenSSL ${execFileSync(OPENSSL, ['version'], { encoding: 'utf8' }).split(' ')[1]}'s s_client)`)
      if (t.failedUpgrades) out.push(`  ${e.name}: testssl's own STARTTLS dialogue failed ${t.failedUpgrades} times ("STARTTLS handshake failed" on its output): its verdicts rest on the handshakes that got through`)
      else if (t.exit !== 0) out.push(`  ${e.name}: testssl exited ${t.exit}`)
      for (const p of t.problems.slice(0, 3)) out.push(`  ${e.name}: testssl ${p}`)
    }
  }
  for (const e of endpoints) {
    const v = vigil.endpoints[e.name]!
    if (v.probeConnections !== undefined && v.probeConnections !== v.connections) out.push(`  ${e.name}: Vigil's probe counted ${v.probeConnections} connections, the proxy ${v.connections}`)
    for (const n of v.notes.filter((n) => !/tls\.(forward-secrecy|protocols):/.test(n) || e.config === 'good')) out.push(`  ${e.name}: Vigil ${n}`)
  }
  return out.join('\n')
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const opts = parseOptions()
  if (!existsSync(GNU_TIME)) throw new UsageError(`${GNU_TIME} (GNU time) not found: install it (apt-get install time)`)
  if (!existsSync(OPENSSL)) throw new UsageError(`${OPENSSL} not found`)
  if (opts.testssl && !existsSync(TESTSSL)) throw new UsageError(`${TESTSSL} not found: install it (apt-get install testssl.sh) or pass --skip-testssl`)
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-starttls-'))
  // servers that drop privileges (postgres, dovecot, …) read the certificate from here
  chmodSync(dir, 0o755)
  if (!opts.keep) scratchDir = dir
  const lab = await loadPeerLab()
  const installed = lab.installed()
  const kinds = opts.kinds ?? installed
  const notStarted: string[] = kinds.filter((k) => !installed.includes(k)).map((k) => `${k} (not installed / no lab module)`)
  const cert = makeCert(dir)
  const endpoints: Endpoint[] = []
  const addEndpoint = async (kind: Endpoint['kind'], config: BenchConfig, serverPort: number, software: string) => {
    const proxy = await startProxy(serverPort)
    stoppers.push(proxy.stop)
    endpoints.push({ name: `${kind}-${config}`, kind, config, software, serverPort, proxy })
  }

  process.stderr.write(`bench: peers from ${lab.source}\n`)
  for (const config of CONFIGS) {
    const h = await startHttps(config, cert, dir)
    stoppers.push(h.stop)
    await addEndpoint('https', config, h.port, h.software)
  }
  // two servers at a time: PostgreSQL and MariaDB take seconds to come up on 2 cores
  const jobs = kinds.filter((k) => installed.includes(k)).flatMap((kind) => CONFIGS.map((config) => ({ kind, config })))
  let nextJob = 0
  const started: { kind: StarttlsKind; config: BenchConfig; peer: StarttlsPeer }[] = []
  await Promise.all(
    [0, 1].map(async () => {
      while (nextJob < jobs.length) {
        const { kind, config } = jobs[nextJob++]!
        const t0 = performance.now()
        try {
          const peer = await lab.start(kind, { config, cert, timeoutMs: 120_000 })
          stoppers.push(() => peer.stop())
          started.push({ kind, config, peer })
          process.stderr.write(`bench: ${kind}-${config} up (${peer.software}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
        } catch (e) {
          notStarted.push(`${kind}-${config} (${(e as Error).message.split('\n')[0]})`)
          process.stderr.write(`bench: ${kind}-${config} did not start: ${(e as Error).message}\n`)
        }
      }
    }),
  )
  // the inventory's order: HTTPS first, then the kinds as STARTTLS_KINDS lists them
  started.sort((a, b) => STARTTLS_KINDS.indexOf(a.kind) - STARTTLS_KINDS.indexOf(b.kind) || CONFIGS.indexOf(a.config) - CONFIGS.indexOf(b.config))
  for (const s of started) await addEndpoint(s.kind, s.config, s.peer.port, s.peer.software)

  process.stderr.write('bench: warming the compile cache (one untimed Vigil run over one HTTPS endpoint) …\n')
  await runVigil(endpoints.slice(0, 1), cert, dir, opts, 'warm-up')
  process.stderr.write(`bench: running Vigil over ${endpoints.length} endpoints …\n`)
  const vigil = await measureVigil(endpoints, cert, dir, opts)
  process.stderr.write(`bench: Vigil done in ${(vigil.wallMs / 1000).toFixed(1)} s\n`)
  if (opts.alone) {
    process.stderr.write(`bench: Vigil over each endpoint alone (${endpoints.length} runs) …\n`)
    await measureVigilAlone(endpoints, cert, dir, opts, vigil)
  }
  const version = opts.testssl ? testsslVersion() : undefined
  const testssl = opts.testssl ? await measureTestssl(endpoints, dir, opts) : undefined
  const summary = summarize(endpoints, vigil, testssl)
  const ctx = { labSource: lab.source, ...(version ? { testsslVersion: version } : {}), notStarted, opts }
  process.stdout.write(`${report(endpoints, vigil, testssl, summary, ctx)}\n`)
  if (opts.json)
    writeFileSync(
      opts.json,
      JSON.stringify(
        {
          options: opts,
          command: `node bench/starttls.ts ${process.argv.slice(2).join(' ')}`.trimEnd(),
          machine: { ...machine(), loadAverageAtStart: LOAD_AT_START },
          peers: lab.source,
          testsslVersion: version,
          notStarted,
          endpoints: endpoints.map((e) => ({ name: e.name, kind: e.kind, config: e.config, software: e.software, vigil: vigil.endpoints[e.name], testssl: testssl?.endpoints[e.name] })),
          vigil: { command: vigil.command, exitCode: vigil.exitCode, wallMs: vigil.wallMs, cpuMs: vigil.cpuMs, peakRssMb: vigil.peakRssMb },
          testssl: testssl ? { wallMs: testssl.wallMs, cpuMs: testssl.cpuMs, parallel: opts.testsslParallel } : undefined,
          summary,
        },
        null,
        2,
      ) + '\n',
    )
  if (opts.keep) process.stderr.write(`bench: kept ${dir}\n`)
  return 0
}

main().then(
  async (code) => {
    await cleanUp()
    process.exit(code)
  },
  async (e: unknown) => {
    // a child killed by the interruption fails its step: the signal handler reports and exits
    if (interrupted) return
    process.stderr.write(`bench: ${e instanceof UsageError ? e.message : ((e as Error)?.stack ?? String(e))}\n`)
    await cleanUp()
    process.exit(e instanceof UsageError ? 2 : 1)
  },
)
