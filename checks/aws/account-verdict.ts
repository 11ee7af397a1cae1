// How every AWS check turns per-resource decisions into one verdict per account: failed when any
// resource offends (each named by ARN with the decisive facts), error when nothing offends but some
// resource could not be read, not-applicable when the population was enumerated and holds nothing
// to judge (no bucket, no selected bucket, no console user, no access key, no principal — never a
// vacuous pass), passed otherwise. Evidence always carries the API calls made and the population
// counts, so an auditor sees the whole population was enumerated, empty or not.
import type { ErrorKind, EvidenceItem, Verdict } from '../types.ts'
import type { AwsObservation, BucketObservation, Fetched, PartError } from './observation.ts'

export interface OffenderFacts {
  /** why this resource fails, one line */
  why: string
  [fact: string]: unknown
}

export interface Offender extends OffenderFacts {
  arn: string
}

export interface Undetermined {
  arn: string
  error: PartError
}

export interface AccountDecision {
  expected: Record<string, unknown>
  offenders: Offender[]
  undetermined: Undetermined[]
  /** resources judged, e.g. `{ buckets: 12 }` */
  population: Record<string, unknown>
  /**
   * how many members of the check's population were judged (offenders and undetermined included);
   * 0 with nothing undetermined = the population was observed and is empty: `not-applicable`
   */
  judged: number
  /** why there is nothing to judge, one line (used when `judged` is 0), e.g. `no bucket in us-east-1` */
  emptySummary: string
  /** raw API material the decision was made from */
  responses: unknown
  /** what the responses are, one line */
  responsesDescription: string
  passSummary: string
  /** noun for the failure summary, e.g. `bucket(s) without default encryption` */
  failNoun: string
  /** extra decisive facts (account-level settings, notes) */
  facts?: Record<string, unknown>
}

export function apiCallsEvidence(obs: AwsObservation): EvidenceItem {
  const calls = obs.apiCalls.reduce((n, c) => n + c.calls, 0)
  return { kind: 'api-calls', description: `${calls} AWS API call(s) made while observing this account`, data: obs.apiCalls }
}

export function accountVerdict(obs: AwsObservation, d: AccountDecision): Verdict {
  const account = obs.identity.ok ? obs.identity.value.account : undefined
  const observed: Record<string, unknown> = {
    account,
    population: d.population,
    offenders: d.offenders,
    ...(d.undetermined.length ? { undetermined: d.undetermined } : {}),
    ...(d.facts ?? {}),
  }
  const evidence: EvidenceItem[] = [
    { kind: 'api-response', description: d.responsesDescription, mediaType: 'application/json', data: d.responses },
    apiCallsEvidence(obs),
    { kind: 'population', description: 'resources enumerated and judged', data: d.population },
  ]
  const actual = { offending: d.offenders.map((o) => o.arn), undetermined: d.undetermined.map((u) => u.arn) }
  const base = { expected: d.expected, actual, observed, evidence }
  if (d.offenders.length) {
    const list = d.offenders.slice(0, 3).map((o) => `${o.arn} (${o.why})`)
    return {
      ...base,
      status: 'failed',
      summary: `${d.offenders.length} ${d.failNoun}: ${list.join('; ')}${d.offenders.length > 3 ? '; …' : ''}${d.undetermined.length ? ` (${d.undetermined.length} could not be read)` : ''}`,
    }
  }
  if (d.undetermined.length) {
    const kinds = new Set(d.undetermined.map((u) => u.error.kind))
    const errorKind: ErrorKind = kinds.size === 1 ? [...kinds][0]! : 'inconclusive'
    return {
      ...base,
      status: 'error',
      errorKind,
      summary: `${d.undetermined.length} resource(s) could not be read: ${d.undetermined[0]!.arn}: ${d.undetermined[0]!.error.message}`,
    }
  }
  if (d.judged === 0) return { ...base, status: 'not-applicable', summary: d.emptySummary }
  return { ...base, status: 'passed', summary: d.passSummary }
}

/** Error verdict for an account whose identity or a needed part was not observed. */
export function partFailure(obs: AwsObservation, part: Fetched<unknown> | undefined, partName: string): Verdict | undefined {
  const err = (kind: ErrorKind, summary: string): Verdict => ({
    status: 'error',
    errorKind: kind,
    summary,
    expected: {},
    actual: {},
    observed: {},
    evidence: obs.apiCalls ? [apiCallsEvidence(obs)] : [],
  })
  if (!obs || !obs.identity) return err('not-observed', 'no AWS observation for this account')
  if (!obs.identity.ok) return err(obs.identity.error.kind, `the account could not be identified: ${obs.identity.error.message}`)
  if (!part) return err('not-observed', `the observation part ${partName} was not collected`)
  if (!part.ok) return err(part.error.kind, `${partName} could not be read: ${part.error.message}`)
  return undefined
}

/** Buckets of an observed S3 part, or the error verdict. */
export function bucketsOf(obs: AwsObservation): { buckets: BucketObservation[]; population: Record<string, unknown>; undetermined: Undetermined[] } | Verdict {
  const bad = partFailure(obs, obs.s3, 'aws.s3 (ListBuckets)')
  if (bad) return bad
  const s3 = (obs.s3 as { ok: true; value: NonNullable<AwsObservation['s3']> extends Fetched<infer T> ? T : never }).value
  const partition = obs.identity.ok ? obs.identity.value.partition : 'aws'
  return {
    buckets: s3.buckets,
    population: {
      buckets: s3.buckets.length,
      bucketsListed: s3.buckets.length + s3.outOfScope.length + s3.unlocated.length,
      outOfScope: s3.outOfScope,
      listBucketsPages: s3.listPages,
      regions: obs.regions,
    },
    undetermined: s3.unlocated.map((u) => ({ arn: `arn:${partition}:s3:::${u.name}`, error: u.error })),
  }
}

export function isVerdict(x: unknown): x is Verdict {
  return !!x && typeof x === 'object' && 'status' in x && 'summary' in x
}

/** One bucket field, or the undetermined entry when it could not be read / was not collected. */
export function field<T>(b: BucketObservation, f: Fetched<T> | undefined, name: string): { value: T } | { undetermined: Undetermined } {
  if (!f) return { undetermined: { arn: b.arn, error: { kind: 'not-observed', message: `${name} was not collected` } } }
  if (!f.ok) return { undetermined: { arn: b.arn, error: f.error } }
  return { value: f.value }
}
