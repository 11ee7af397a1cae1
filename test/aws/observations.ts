// Hand-made AWS observations shared by the unit suites that judge checks without moto: the account
// as every observation starts, and a bucket with nothing configured.
import type { AwsObservation, BucketObservation } from '../../checks/aws/observation.ts'

/** Account 111122223333 observed as user/vigil in us-east-1 with one ListBuckets call; no part observed yet. */
export function awsAccount(apiCalls: AwsObservation['apiCalls'] = [{ service: 's3', operation: 'ListBuckets', region: 'us-east-1', calls: 1, errors: {} }]): AwsObservation {
  return {
    identity: { ok: true, value: { account: '111122223333', arn: 'arn:aws:iam::111122223333:user/vigil', partition: 'aws' } },
    regions: ['us-east-1'],
    apiCalls,
  }
}

/** A bucket with nothing configured: every per-bucket check fails it. */
export function bareBucket(name: string, region = 'us-east-1'): BucketObservation {
  return {
    name,
    arn: `arn:aws:s3:::${name}`,
    region,
    encryption: { ok: true, value: { configured: false } },
    policy: { ok: true, value: { present: false } },
    publicAccessBlock: { ok: true, value: { present: false } },
    acl: { ok: true, value: { grants: [] } },
    versioning: { ok: true, value: {} },
    logging: { ok: true, value: {} },
    objectLock: { ok: true, value: { configured: false } },
  }
}
