// The observe stage: every planned target is probed once, concurrently, under a global socket bound
// and a per-host bound. A probe that throws becomes a recorded probe error, never a crashed run.
import pLimit, { type LimitFunction } from 'p-limit'
import type { ObserveContext, TargetKind, TargetObservation } from '../checks/types.ts'
import type { AnyTarget, Inventory } from './inventory.ts'
import { resolveNames } from './resolve-names.ts'

export interface ProbeError {
  kind: 'timeout' | 'unreachable' | 'protocol' | 'internal' | 'interrupted'
  message: string
}

export type StoredObservation = TargetObservation & {
  tags: string[]
  /** set when the probe itself failed; the judges then report `error` without looking at `data` */
  probeError?: ProbeError
  /** how the target's name was resolved (once per run, before any connection) */
  resolved?: { name: string; address: string; source: 'hosts-file' | 'dns' }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Probe = (target: any, ctx: ObserveContext) => Promise<unknown>

// Loaded on first use: a TLS-only run never loads ssh2 or the AWS SDK.
const PROBES: Record<TargetKind, () => Promise<Probe>> = {
  tls: async () => (await import('../checks/tls/probe.ts')).observeTls,
  ssh: async () => (await import('../checks/ssh/probe.ts')).observeSsh,
  keyDir: async () => (await import('../checks/ssh/probe.ts')).observeKeyDir,
  aws: async () => (await import('../checks/aws/probe.ts')).observeAws,
}

/** Where each kind's probe lives, named in every finding's provenance. */
export const PROBE_MODULES: Record<TargetKind, string> = {
  tls: 'checks/tls/probe.ts (observeTls)',
  ssh: 'checks/ssh/probe.ts (observeSsh)',
  keyDir: 'checks/ssh/probe.ts (observeKeyDir)',
  aws: 'checks/aws/probe.ts (observeAws)',
}

export interface PlannedTarget {
  entry: AnyTarget
  needs: Set<string>
}

/**
 * The connection bounds: at most `concurrency` operations at once in the run, `perHost` at once to
 * one host, and new operations to one host started no faster than `perHostRate` per second (spaced
 * evenly: a fleet scan never bursts at one server). Loopback hosts (a local lab, a sidecar) are not
 * rate-limited; their concurrency bounds still hold.
 */
export function makeLimiter(concurrency: number, perHost: number, perHostRate = Infinity): ObserveContext['limit'] {
  const global = pLimit(concurrency)
  const hosts = new Map<string, { slots: LimitFunction; nextAt: number }>()
  const gap = Number.isFinite(perHostRate) && perHostRate > 0 ? 1000 / perHostRate : 0
  // per-host slot first, then a global one: a host never holds global slots while queued behind itself
  return (host, fn) => {
    let h = hosts.get(host)
    if (!h) {
      h = { slots: pLimit(perHost), nextAt: 0 }
      hosts.set(host, h)
    }
    const entry = h
    return entry.slots(async () => {
      if (gap && !isLoopback(host)) {
        const now = performance.now()
        const at = Math.max(now, entry.nextAt)
        entry.nextAt = at + gap
        if (at > now) await new Promise((r) => setTimeout(r, Math.ceil(at - now)))
      }
      return global(fn)
    })
  }
}

export interface ObserveOptions {
  onProgress?: (done: number, total: number, target: string) => void
  /** aborted on interruption: no new probe operation starts; in-flight ones get `graceMs` to finish */
  signal?: AbortSignal
  /** how long in-flight probes may finish after an interruption (default: one operation timeout, at most 3 s) */
  graceMs?: number
  /**
   * Called with each observation as its probe finishes (plan index first). When given, the returned
   * observations carry no `data`: the caller has stored it (a fleet's raw observations are not held in memory).
   */
  onObservation?: (index: number, observation: StoredObservation) => void
  /**
   * Called once, just before the first probe operation (a connection, an API call) starts: the run
   * loads what it needs only later (Cucumber, the step library) from here, after its first connection.
   */
  onFirstOperation?: () => void
}

/** A target probe's connect host: the inventory's `address` when given, else its `host`. */
function connectName(entry: AnyTarget): string | undefined {
  return entry.kind === 'tls' || entry.kind === 'ssh' ? (entry.target.address ?? entry.target.host) : undefined
}

class Interrupted extends Error {}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

export async function observeAll(inv: Inventory, planned: PlannedTarget[], opts: ObserveOptions = {}): Promise<StoredObservation[]> {
  const { signal } = opts
  const graceMs = opts.graceMs ?? Math.min(inv.settings.timeoutMs, 3000)
  const bounded = makeLimiter(inv.settings.concurrency, inv.settings.perHost, inv.settings.perHostRate)
  const results: (StoredObservation | undefined)[] = planned.map(() => undefined)
  const cutShort = new Set<number>()
  // resolves once the run is interrupted and the grace period is over
  const graceOver = new Promise<void>((resolve) => {
    if (!signal) return
    const after = () => setTimeout(resolve, graceMs).unref()
    if (signal.aborted) after()
    else signal.addEventListener('abort', after, { once: true })
  })
  const interruptedObservation = (i: number, why: string): StoredObservation => {
    const { entry, needs } = planned[i]!
    const at = new Date().toISOString()
    return { target: entry.target.name, kind: entry.kind, tags: entry.target.tags, startedAt: at, finishedAt: at, durationMs: 0, parts: [...needs].sort(), data: null, probeError: { kind: 'interrupted', message: why } }
  }
  const reason = () => `the run was interrupted (${String(signal?.reason ?? 'signal')}) before this target was observed`

  // every distinct name once, concurrently, timed out like a connection
  const names = [...new Set(planned.map((p) => connectName(p.entry)).filter((n): n is string => !!n))]
  const resolving = resolveNames(names, { timeoutMs: inv.settings.timeoutMs, concurrency: inv.settings.concurrency, nameservers: inv.settings.nameservers })
  const resolved = await Promise.race([resolving, graceOver.then(() => undefined)])
  if (!resolved) return planned.map((_, i) => interruptedObservation(i, reason()))

  let done = 0
  let operating = false
  let over = false
  // At most `concurrency` targets are being probed at once, and at most twice `perHost` on one host
  // (more could not be served: one host takes `perHost` operations at a time). Operations are bounded
  // anyway; without these bounds every target would start at once and hold its half-made observation
  // until the per-host queues reached its last operation: memory would grow with the fleet and
  // nothing would reach the disk before the end.
  const inFlight = pLimit(inv.settings.concurrency)
  const perHostTargets = new Map<string, LimitFunction>()
  const admit = <T>(entry: AnyTarget, task: () => Promise<T>): Promise<T> => {
    const name = connectName(entry)
    if (!name) return inFlight(task)
    const r = resolved.get(name)
    const host = r && 'address' in r ? r.address : name
    let slots = perHostTargets.get(host)
    if (!slots) perHostTargets.set(host, (slots = pLimit(2 * inv.settings.perHost)))
    // the host's slot first: a target queued behind its own host holds no run-wide slot
    return slots(() => inFlight(task))
  }
  const tasks = planned.map(({ entry, needs }, i) => admit(entry, async () => {
    const started = new Date()
    // an operation asked for after the interruption is refused, and the target is then not counted as observed
    const limit: ObserveContext['limit'] = (host, fn) => {
      if (signal?.aborted) {
        cutShort.add(i)
        return Promise.reject(new Interrupted(reason()))
      }
      return bounded(host, () => {
        if (signal?.aborted) {
          cutShort.add(i)
          throw new Interrupted(reason())
        }
        if (!operating) {
          operating = true
          opts.onFirstOperation?.()
        }
        return fn()
      })
    }
    const ctx: ObserveContext = { needs, timeoutMs: inv.settings.timeoutMs, extraCaPems: inv.trust.extraCaPems, limit }
    let data: unknown = null
    let probeError: ProbeError | undefined
    const name = connectName(entry)
    const resolution = name ? resolved.get(name) : undefined
    if (resolution && 'error' in resolution) probeError = { kind: 'unreachable', message: resolution.error }
    else if (signal?.aborted) cutShort.add(i)
    else {
      try {
        const probe = await PROBES[entry.kind]()
        // the probe connects to the resolved address; `host` stays the SNI / host-key name
        const target = resolution ? { ...entry.target, address: resolution.address } : entry.target
        data = await probe(target, ctx)
      } catch (e) {
        const err = e as Error & { kind?: string }
        const kind = (['timeout', 'unreachable', 'protocol'] as const).find((k) => k === err.kind) ?? 'internal'
        probeError = { kind, message: err.message || String(e) }
      }
    }
    const finished = new Date()
    // a probe that ends after observeAll has returned (an interruption's grace was over) is not part of the run
    if (over) return
    done++
    opts.onProgress?.(done, planned.length, entry.target.name)
    const observation: StoredObservation = {
      target: entry.target.name,
      kind: entry.kind,
      tags: entry.target.tags,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      parts: [...needs].sort(),
      ...(resolution && 'address' in resolution && resolution.source !== 'literal' ? { resolved: { name: name!, address: resolution.address, source: resolution.source } } : {}),
      data,
      ...(probeError ? { probeError } : {}),
    }
    if (opts.onObservation) {
      opts.onObservation(i, observation)
      observation.data = null
    }
    results[i] = observation
  }))
  await Promise.race([Promise.all(tasks), graceOver])
  over = true
  // a probe refused an operation by the interruption, or still running after the grace period: not observed
  return results.map((r, i) => (r && !cutShort.has(i) ? r : interruptedObservation(i, reason())))
}
