// aws.cloudtrail.integrity — every multi-region trail that is logging keeps tamper-evident, protected
// logs: log file validation on, encrypted with a KMS key (KmsKeyId), and delivered to an S3 bucket
// that is not public (the aws.s3.public-policy decision, reused on that bucket) and has versioning
// or object lock enabled. The bucket is judged from the S3 observation of this account: a bucket
// that is not in the account (or outside the target's regions) cannot be read, so the trail is
// undetermined (error, with the reason) unless it already offends on validation or encryption.
import type { CheckDefinition } from '../types.ts'
import { accountVerdict, isVerdict, partFailure, type OffenderAspect, type Offender, type Undetermined } from './account-verdict.ts'
import { AWS_PARTS, type AwsObservation, type BucketObservation, type PartError, type S3Observation } from './observation.ts'
import type { JudgeContext } from '../types.ts'
import { regionalItems } from './regional-checks.ts'
import { s3PublicPolicy } from './s3-public-policy.ts'

type BucketDecision = { aspects: OffenderAspect[]; facts: Record<string, unknown> } | { error: PartError }

/** Whether the trail's bucket is public and whether it keeps versions or locks objects. */
function judgeBucket(obs: AwsObservation, name: string, ctx: JudgeContext): BucketDecision {
  const bad = partFailure(obs, obs.s3, 'aws.s3 (ListBuckets)')
  if (bad) return { error: { kind: bad.errorKind ?? 'inconclusive', message: `the trail's bucket ${name} could not be judged: ${bad.summary}` } }
  const s3 = (obs.s3 as { ok: true; value: S3Observation }).value
  const b = s3.buckets.find((x) => x.name === name)
  if (!b) {
    const out = s3.outOfScope.find((x) => x.name === name)
    if (out) return { error: { kind: 'inconclusive', message: `the trail's bucket ${name} is in ${out.region}, outside the target's regions: its protection was not read` } }
    const lost = s3.unlocated.find((x) => x.name === name)
    if (lost) return { error: lost.error }
    return { error: { kind: 'inconclusive', message: `the trail's bucket ${name} is not in this account (ListBuckets does not return it): whether it is public and versioned cannot be read` } }
  }
  const aspects: OffenderAspect[] = []
  const facts: Record<string, unknown> = {}
  const pub = s3PublicPolicy.judge({ ...obs, s3: { ok: true, value: { ...s3, buckets: [b], outOfScope: [], unlocated: [] } } }, {}, ctx)
  if (pub.status === 'error') return { error: { kind: pub.errorKind ?? 'inconclusive', message: `public access of ${name}: ${pub.summary}` } }
  if (pub.status === 'failed') aspects.push({ aspect: 'bucket-public', why: `the log bucket ${name} is public (${(pub.offenders ?? []).map((o) => o.why).join('; ')})` })
  const kept = retention(b)
  if ('error' in kept) return kept
  facts.bucket = { name, versioning: kept.versioning, objectLock: kept.objectLock }
  if (!kept.protected) aspects.push({ aspect: 'bucket-versioning', why: `the log bucket ${name} has neither versioning nor object lock enabled` })
  return { aspects, facts }
}

function retention(b: BucketObservation): { protected: boolean; versioning?: string; objectLock?: string } | { error: PartError } {
  const versioning = b.versioning?.ok ? (b.versioning.value.status ?? 'never enabled') : undefined
  const lockResp = b.objectLock?.ok ? (b.objectLock.value.configured ? ((b.objectLock.value.response ?? {}) as { ObjectLockEnabled?: string }) : {}) : undefined
  const objectLock = lockResp ? (lockResp.ObjectLockEnabled ?? 'not enabled') : undefined
  if (versioning === 'Enabled' || objectLock === 'Enabled') return { protected: true, ...(versioning ? { versioning } : {}), ...(objectLock ? { objectLock } : {}) }
  const missing = !b.versioning ? { kind: 'not-observed' as const, message: `GetBucketVersioning of ${b.name} was not collected` } : !b.versioning.ok ? b.versioning.error : !b.objectLock ? { kind: 'not-observed' as const, message: `GetObjectLockConfiguration of ${b.name} was not collected` } : !b.objectLock.ok ? b.objectLock.error : undefined
  if (missing) return { error: missing }
  return { protected: false, ...(versioning ? { versioning } : {}), ...(objectLock ? { objectLock } : {}) }
}

export const cloudtrailIntegrity: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.cloudtrail.integrity',
  kinds: ['aws'],
  title: 'CloudTrail logs are validated, encrypted and kept in a protected bucket',
  description:
    "a multi-region logging trail has log file validation off, is not encrypted with a KMS key, or delivers to an S3 bucket that is public or has neither versioning nor object lock (a bucket outside the account or the target's regions is undetermined: error with the reason)",
  params: [],
  severity: {
    level: 'medium',
    reason: 'Audit logs that can be read by outsiders, or altered or deleted without trace, cannot serve as evidence of what happened in the account.',
  },
  population: 'multi-region CloudTrail trails that are logging',
  needs: [AWS_PARTS.cloudtrailTrails, AWS_PARTS.s3Policy, AWS_PARTS.s3Acl, AWS_PARTS.s3PublicAccessBlock, AWS_PARTS.s3Versioning, AWS_PARTS.s3ObjectLock],
  judge(obs, _params, ctx) {
    const got = regionalItems(obs, obs.cloudtrail, 'aws.cloudtrail.trails (DescribeTrails)', 'cloudtrail', 'trails')
    if (isVerdict(got)) return got
    const offenders: Offender[] = []
    const undetermined: Undetermined[] = [...got.undetermined]
    const responses: Record<string, unknown> = {}
    const outside: string[] = []
    let judged = 0
    for (const t of got.items) {
      if (t.trail.IsMultiRegionTrail !== true) {
        outside.push(t.arn)
        continue
      }
      if (!t.status || !t.status.ok) {
        undetermined.push({ arn: t.arn, error: t.status ? t.status.error : { kind: 'not-observed', message: 'GetTrailStatus was not collected' } })
        continue
      }
      if (!t.status.value.isLogging) {
        outside.push(t.arn)
        continue
      }
      judged++
      responses[t.arn] = { DescribeTrails: t.trail }
      const aspects: OffenderAspect[] = []
      if (t.trail.LogFileValidationEnabled !== true) aspects.push({ aspect: 'log-file-validation', why: 'log file validation is off' })
      if (!t.trail.KmsKeyId) aspects.push({ aspect: 'kms', why: 'logs are not encrypted with a KMS key' })
      const bucket = t.trail.S3BucketName ? judgeBucket(obs, t.trail.S3BucketName, ctx) : { aspects: [], facts: {} }
      const facts = 'error' in bucket ? { bucketUndetermined: bucket.error.message } : bucket.facts
      if (!('error' in bucket)) aspects.push(...bucket.aspects)
      if (aspects.length) offenders.push({ arn: t.arn, region: t.homeRegion, why: aspects.map((a) => a.why).join('; '), aspects, ...facts })
      else if ('error' in bucket) undetermined.push({ arn: t.arn, error: bucket.error })
    }
    return accountVerdict(obs, {
      expected: { logFileValidation: true, kmsEncrypted: true, bucketPublic: false, bucketVersioningOrObjectLock: true },
      offenders,
      undetermined,
      population: { ...got.population, trailsJudged: judged, notMultiRegionOrNotLogging: outside.length },
      judged,
      emptySummary: `no multi-region trail is logging (${got.items.length} trail(s) listed): nothing to judge here; aws.cloudtrail.enabled fails such an account`,
      responses,
      responsesDescription: 'DescribeTrails per judged trail (bucket settings: the S3 observation of this account)',
      passSummary: `all ${judged} multi-region logging trail(s) validate log files, encrypt with KMS and deliver to a non-public bucket with versioning or object lock`,
      failNoun: 'trail(s) whose logs are not validated, encrypted or protected',
      facts: outside.length ? { notJudged: outside } : {},
    })
  },
}
