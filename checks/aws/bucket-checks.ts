// The shape every per-bucket S3 check shares: read one configuration field of every bucket in scope,
// decide each bucket, and fold the decisions into one account verdict (account-verdict.ts).
import type { Verdict } from '../types.ts'
import { accountVerdict, bucketsOf, field, isVerdict, type Offender, type OffenderFacts, type Undetermined } from './account-verdict.ts'
import type { AwsObservation, BucketObservation, Fetched, PartError } from './observation.ts'

export interface BucketJudgement<T> {
  obs: AwsObservation
  /** which field of the bucket observation to read, and its API name for messages */
  read: (b: BucketObservation) => Fetched<T> | undefined
  api: string
  /** undefined = compliant; otherwise the offender's decisive facts (arn is added) */
  decide: (value: T, b: BucketObservation) => OffenderFacts | undefined | { undeterminedBecause: PartError }
  /** restrict to some buckets (e.g. evidence buckets); others are counted as not selected */
  select?: (b: BucketObservation) => boolean
  /** what `select` keeps, for the not-applicable summary, e.g. `the patterns "*evidence*"` */
  selectedBy?: string
  expected: Record<string, unknown>
  passSummary: (n: number) => string
  failNoun: string
  facts?: Record<string, unknown>
}

export function judgeBuckets<T>(j: BucketJudgement<T>): Verdict {
  const got = bucketsOf(j.obs)
  if (isVerdict(got)) return got
  const offenders: Offender[] = []
  const undetermined: Undetermined[] = [...got.undetermined]
  const responses: Record<string, unknown> = {}
  const selected = j.select ? got.buckets.filter(j.select) : got.buckets
  for (const b of selected) {
    const f = field(b, j.read(b), j.api)
    if ('undetermined' in f) {
      undetermined.push(f.undetermined)
      continue
    }
    responses[b.name] = { region: b.region, [j.api]: f.value }
    const bad = j.decide(f.value, b)
    if (bad && 'undeterminedBecause' in bad) undetermined.push({ arn: b.arn, error: bad.undeterminedBecause as PartError })
    else if (bad) offenders.push({ arn: b.arn, region: b.region, ...(bad as OffenderFacts) })
  }
  return accountVerdict(j.obs, {
    expected: j.expected,
    offenders,
    undetermined,
    population: { ...got.population, ...(j.select ? { bucketsSelected: selected.length } : {}) },
    judged: selected.length,
    emptySummary: emptyBucketsSummary(j.obs, got.buckets.length, got.population, j.select ? (j.selectedBy ?? 'the selection') : undefined),
    responses,
    responsesDescription: `${j.api} response per bucket`,
    passSummary: j.passSummary(selected.length),
    failNoun: j.failNoun,
    facts: j.facts,
  })
}

/** Why no bucket is judged: none in the target's regions, or none the selection keeps. */
export function emptyBucketsSummary(obs: AwsObservation, inRegions: number, population: Record<string, unknown>, selectedBy?: string): string {
  const regions = obs.regions.join(', ')
  const elsewhere = Array.isArray(population.outOfScope) ? population.outOfScope.length : 0
  const also = elsewhere ? `; ${elsewhere} bucket(s) listed outside them were not in scope` : ''
  if (selectedBy && inRegions > 0) return `none of the ${inRegions} bucket(s) in ${regions} matches ${selectedBy}: no bucket to judge`
  return `no bucket in the target's regions (${regions})${selectedBy ? `, so none matches ${selectedBy}` : ''}${also}: nothing to judge`
}
