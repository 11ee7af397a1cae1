// The benchmark's endpoint fleet, run as its own process so the servers' CPU never counts as
// Vigil's (or sslscan's): `node bench/tls-endpoints.ts --count 200 --dir DIR`.
//
// Prints one JSON line on stdout once every endpoint listens ({ ready, host, caCert, endpoints }),
// then answers commands on stdin, one per line, each with one JSON line:
//   `counts` → { counts: { "<port>": TCP connections accepted since the last reset } }
//   `cpu`    → { cpu: { user, system } } microseconds this process has used
//   `reset`  → { ok: true } and the connection counters start again from zero
// It stops every server and exits when stdin closes (so it never outlives the benchmark) or on
// SIGTERM/SIGINT.
//
// Connections are counted server side through the `net.server.socket` diagnostics channel, which
// every net.Server (https included) publishes to: an independent count of what each scanner opened.
import { subscribe } from 'node:diagnostics_channel'
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
  if (!Number.isInteger(count) || count < 1 || count > 5000) throw new Error(`--count must be an integer 1..5000, got ${values.count}`)
  if (!values.dir) throw new Error('--dir is required')

  const counts = new Map<number, number>()
  subscribe('net.server.socket', (message) => {
    const port = (message as { socket: Socket }).socket.localPort
    if (port !== undefined) counts.set(port, (counts.get(port) ?? 0) + 1)
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
    } else process.stdout.write(`${JSON.stringify({ error: `unknown command ${JSON.stringify(cmd)}` })}\n`)
  })
  rl.on('close', () => exit(0))
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    process.stderr.write(`tls-endpoints: ${(e as Error)?.stack ?? String(e)}\n`)
    process.exit(1)
  })
}
