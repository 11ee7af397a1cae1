// How every AWS check turns per-resource decisions into one verdict per account: failed when any
// resource offends (each named by ARN with the decisive facts), error when nothing offends but some
// resource could not be read, not-applicable when the population was enumerated and holds nothing
// to judge (no bucket, no selected bucket, no console user, no access key, no principal — never a
// vacuous pass), passed otherwise. Evidence always carries the API calls made and the population
// counts, so an auditor sees the whole population was enumerated, empty or not.
//
// Offender ids (Verdict.offenders, what the pull-request gate compares run against run): the ARN of
// the offending resource, or `<arn>#<aspect>` for each independent way one resource offends (a key
// slot, an escalation path, a Block Public Access flag), so a change that adds a second problem to a
// resource that already had one still shows as new. `#`, not `/`: `arn:aws:s3:::b/acl` would read as
// an object ARN and `…:user/alice/access-key-1` as a user under the path /alice/. Aspects are fixed
// names (flag, path, service, credential slot, policy name), never counts, dates or free text; the
// list is sorted by id, so the order of the observation does not matter. An error names what could not be decided: the undetermined ARNs, or
// `account` when the account or a whole part could not be read.
import type { ErrorKind, EvidenceItem, Offender as VerdictOffender, Severity, Verdict } from '../types.ts'
import type { AwsObservation, BucketObservation, Fetched, PartError } from './observation.ts'

/** One of several independent ways a resource offends; its offender id is `<arn>#<aspect>`. */
export interface OffenderAspect {
  /** stable name: a flag, a path, a service, a credential slot, a policy name — never a count or a time */
  aspect: string
  /** one line: why this aspect offends */
  why: string
  /** when this aspect is worse (or milder) than the check's default severity */
  severity?: Severity
}

export interface OffenderFacts {
  /** why this resource fails, one line */
  why: string
  /**
   * the independent ways this resource offends, each its own offender id (`<arn>#<aspect>`);
   * absent: the resource is one offender, its ARN the id. Not repeated in `observed.offenders`.
   */
  aspects?: OffenderAspect[]
  /** when this resource is worse (or milder) than the check's default severity (without aspects) */
  severity?: Severity
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

/** Offender id of one aspect of a resource. */
export function aspectId(arn: string, aspect: string): string {
  return `${arn}#${aspect}`
}

/** Verdict.offenders of a failed account verdict: one per resource, or one per aspect of it; sorted by id. */
export function offenderList(offenders: Offender[]): VerdictOffender[] {
  const out: VerdictOffender[] = []
  for (const o of offenders) {
    if (o.aspects?.length) for (const a of o.aspects) out.push({ id: aspectId(o.arn, a.aspect), why: a.why, ...(a.severity ? { severity: a.severity } : {}) })
    else out.push({ id: o.arn, why: o.why, ...(o.severity ? { severity: o.severity } : {}) })
  }
  return uniqueSorted(out)
}

/** Verdict.offenders of an error verdict: what could not be decided, sorted by ARN. */
export function undeterminedList(undetermined: Undetermined[]): VerdictOffender[] {
  return uniqueSorted(undetermined.map((u) => ({ id: u.arn, why: `could not be decided: ${u.error.message}` })))
}

/** The whole-account offender of an error verdict that decided nothing. */
export function accountOffender(why: string): VerdictOffender[] {
  return [{ id: 'account', why }]
}

// code-point order (not locale order), so the list is the same on every machine; one entry per id
function uniqueSorted(list: VerdictOffender[]): VerdictOffender[] {
  const byId = new Map<string, VerdictOffender>()
  for (const o of list) {
    const seen = byId.get(o.id)
    if (!seen) byId.set(o.id, o)
    else if (!seen.why.split('; ').includes(o.why)) byId.set(o.id, { ...seen, why: `${seen.why}; ${o.why}` })
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

export function accountVerdict(obs: AwsObservation, d: AccountDecision): Verdict {
  const account = obs.identity.ok ? obs.identity.value.account : undefined
  const observed: Record<string, unknown> = {
    account,
    population: d.population,
    offenders: d.offenders.map(({ aspects: _aspects, ...facts }) => facts),
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
      offenders: offenderList(d.offenders),
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
      offenders: undeterminedList(d.undetermined),
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
    evidence: obs?.apiCalls ? [apiCallsEvidence(obs)] : [],
    offenders: accountOffender(summary),
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
