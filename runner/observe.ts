// The observe stage: every planned target is probed once, concurrently, under a global socket bound
// and a per-host bound. A probe that throws becomes a recorded probe error, never a crashed run.
import pLimit, { type LimitFunction } from 'p-limit'
import type { ObserveContext, TargetKind, TargetObservation } from '../checks/types.ts'
import type { AnyTarget, Inventory } from './inventory.ts'

export interface ProbeError {
  kind: 'timeout' | 'unreachable' | 'protocol' | 'internal'
  message: string
}

export type StoredObservation = TargetObservation & {
  tags: string[]
  /** set when the probe itself failed; the judges then report `error` without looking at `data` */
  probeError?: ProbeError
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

export function makeLimiter(concurrency: number, perHost: number): ObserveContext['limit'] {
  const global = pLimit(concurrency)
  const hosts = new Map<string, LimitFunction>()
  // per-host slot first, then a global one: a host never holds global slots while queued behind itself
  return (host, fn) => {
    let h = hosts.get(host)
    if (!h) {
      h = pLimit(perHost)
      hosts.set(host, h)
    }
    return h(() => global(fn))
  }
}

export async function observeAll(
  inv: Inventory,
  planned: PlannedTarget[],
  onProgress?: (done: number, total: number, target: string) => void,
): Promise<StoredObservation[]> {
  const limit = makeLimiter(inv.settings.concurrency, inv.settings.perHost)
  let done = 0
  return Promise.all(
    planned.map(async ({ entry, needs }) => {
      const started = new Date()
      const ctx: ObserveContext = {
        needs,
        timeoutMs: inv.settings.timeoutMs,
        extraCaPems: inv.trust.extraCaPems,
        limit,
      }
      let data: unknown = null
      let probeError: ProbeError | undefined
      try {
        const probe = await PROBES[entry.kind]()
        data = await probe(entry.target, ctx)
      } catch (e) {
        const err = e as Error & { kind?: string }
        const kind = (['timeout', 'unreachable', 'protocol'] as const).find((k) => k === err.kind) ?? 'internal'
        probeError = { kind, message: err.message || String(e) }
      }
      const finished = new Date()
      done++
      onProgress?.(done, planned.length, entry.target.name)
      const obs: StoredObservation = {
        target: entry.target.name,
        kind: entry.kind,
        tags: entry.target.tags,
        startedAt: started.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
        parts: [...needs].sort(),
        data,
        ...(probeError ? { probeError } : {}),
      }
      return obs
    }),
  )
}
