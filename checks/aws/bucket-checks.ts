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
    responses,
    responsesDescription: `${j.api} response per bucket`,
    passSummary: j.passSummary(selected.length),
    failNoun: j.failNoun,
    facts: j.facts,
  })
}
