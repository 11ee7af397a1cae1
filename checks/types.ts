// The contract between the three stages of a run:
//   observe  -> a probe returns an Observation (data, including failures as data)
//   judge    -> a check's pure `judge` turns (observation, parameters) into a Verdict
//   report   -> the runner wraps a Verdict into a Finding (reports/model.ts)
// Nothing in checks/ imports Cucumber; nothing in steps/ opens a socket.

/**
 * Outcome a check can reach by itself. `skipped` and `waived` are decided by the runner.
 * - `passed`: the population was observed, was not empty, and every member complied;
 * - `failed`: at least one member of the population did not comply;
 * - `error`: the population (or a part of it) could not be observed, so nothing can be said;
 * - `not-applicable`: the population was observed and is empty (no bucket selected, no key found,
 *   no protocol accepted under which suites could be judged). Never a pass: a control whose every
 *   finding is not applicable is untested.
 */
export type VerdictStatus = 'passed' | 'failed' | 'error' | 'not-applicable'

/** Why a check could not decide; only set when status is `error`. */
export type ErrorKind =
  | 'unreachable' // connection refused, DNS failure, reset before anything useful
  | 'timeout' // the peer did not answer within the budget
  | 'protocol' // the peer answered garbage or something we cannot parse
  | 'hostkey-mismatch' // SSH host key differs from the pinned fingerprint
  | 'access-denied' // credentials lack permission for a needed read
  | 'inconclusive' // the observation exists but cannot decide this check
  | 'not-observed' // the observation the check needs was not collected
  | 'interrupted' // the run was interrupted (signal, budget) before this target was observed

/** How bad a failure of a check is; `critical` first. The gate's `--min-severity` and SARIF levels read it. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info'
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info']

/**
 * One thing that makes a verdict fail (or could not be decided), with an id that survives routine
 * change, so a run can be compared with another: an ARN, `TLSv1.0`, `TLSv1.2/TLS_RSA_WITH_3DES_EDE_CBC_SHA`,
 * a certificate as chain position + subject + public-key hash (a renewal with the same defect is
 * the same offender), a key file's path, an algorithm name. Never a line number, a count or a time.
 */
export interface Offender {
  id: string
  /** one line a person can read: why this offends */
  why: string
  /** when this offender is worse (or milder) than the check's default, e.g. an already expired certificate */
  severity?: Severity
}

/** One piece of raw material that supports a verdict. */
export interface EvidenceItem {
  /** short machine name, e.g. `pem-chain`, `client-hello`, `kexinit`, `api-response` */
  kind: string
  /** one line a person can read */
  description: string
  mediaType?: string
  /** JSON data, or a string (PEM, text) */
  data: unknown
}

export interface Verdict {
  status: VerdictStatus
  /** one line a person can read: why this status */
  summary: string
  errorKind?: ErrorKind
  /** what the policy requires, as data (e.g. `{ minDaysLeft: 30 }`) */
  expected: Record<string, unknown>
  /** what was found, as data (e.g. `{ daysLeft: 12, certificate: 'CN=…' }`) */
  actual: Record<string, unknown>
  /** decisive facts as data (days left, accepted protocols, suites by protocol, key bits, …) */
  observed: Record<string, unknown>
  /** raw material (PEM chain, hello/response summaries, API responses) */
  evidence: EvidenceItem[]
  /**
   * `failed`: every offender; `error`: what could not be decided (the undetermined resources, or the
   * whole target). The runner adds one for a verdict that names none.
   */
  offenders?: Offender[]
}

/** Description of one check parameter, shown by `vigil checks` and documented in the README. */
export interface ParamSpec {
  name: string
  description: string
  default: unknown
}

/** Kinds of inventory target. A check applies to exactly one kind. */
export type TargetKind = 'tls' | 'ssh' | 'keyDir' | 'aws'

/** Time the judge should treat as "now": the observation's collection time, so verdicts re-derive offline. */
export interface JudgeContext {
  now: Date
}

export interface CheckDefinition<Obs = unknown, P = Record<string, unknown>> {
  /** stable public id, e.g. `tls.forward-secrecy` */
  id: string
  /** target kinds it applies to (most checks: one; `ssh.keys.*` judge SSH servers and key folders) */
  kinds: readonly TargetKind[]
  title: string
  /** what makes it fail, in one or two sentences */
  description: string
  params: ParamSpec[]
  /** default severity of a failure, and why (a scenario's `@severity:<level>` tag overrides it) */
  severity: { level: Severity; reason: string }
  /**
   * What the check judges, in a few words ("accepted protocol versions", "selected buckets", "private
   * keys found"): the population that must be non-empty for a `passed`. Empty = `not-applicable`.
   */
  population: string
  /** observation parts the check needs; the planner asks probes for their union */
  needs: string[]
  /** pure: no I/O, no clock (use ctx.now) */
  judge(observation: Obs, params: P, ctx: JudgeContext): Verdict
}

/** Helper for judges that cannot decide. */
export function errorVerdict(errorKind: ErrorKind, summary: string, observed: Record<string, unknown> = {}): Verdict {
  return { status: 'error', errorKind, summary, expected: {}, actual: {}, observed, evidence: [] }
}

/** Helper for judges whose population was observed and is empty: never a pass. */
export function notApplicableVerdict(summary: string, observed: Record<string, unknown> = {}, evidence: EvidenceItem[] = []): Verdict {
  return { status: 'not-applicable', summary, expected: {}, actual: {}, observed, evidence }
}

/** What a probe gets besides its target. */
export interface ObserveContext {
  /** observation parts to collect (union of the selected checks' `needs`) */
  needs: ReadonlySet<string>
  /** per network operation budget, ms */
  timeoutMs: number
  /** PEM certificates trusted in addition to the system roots (inventory `trust.extraCaFiles`) */
  extraCaPems: string[]
  /** runs `fn` under the global and per-host connection bounds */
  limit<T>(host: string, fn: () => Promise<T>): Promise<T>
}

/** One target's observations, as stored in `observations.json` and in the evidence bundle. */
export interface TargetObservation<T = unknown> {
  target: string
  kind: TargetKind
  startedAt: string
  finishedAt: string
  durationMs: number
  parts: string[]
  data: T
}
