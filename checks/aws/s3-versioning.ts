// aws.s3.versioning — versioning is `Enabled` on every bucket (Suspended and never-enabled fail).
import type { CheckDefinition } from '../types.ts'
import { judgeBuckets } from './bucket-checks.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'

export const s3Versioning: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.s3.versioning',
  kinds: ['aws'],
  title: 'S3 buckets keep object versions',
  description: 'a bucket whose versioning status is not `Enabled` (never enabled or Suspended)',
  params: [],
  severity: {
    level: 'medium',
    reason: 'Without versioning an overwrite or deletion, accidental or by ransomware, cannot be undone, but no data is exposed.',
  },
  population: "buckets in the target's regions",
  needs: [AWS_PARTS.s3Versioning],
  judge(obs) {
    return judgeBuckets({
      obs,
      read: (b) => b.versioning,
      api: 'GetBucketVersioning',
      expected: { versioning: 'Enabled' },
      failNoun: 'bucket(s) without versioning',
      passSummary: (n) => `versioning is Enabled on all ${n} bucket(s)`,
      decide: (v) => (v.status === 'Enabled' ? undefined : { why: v.status ? `versioning is ${v.status}` : 'versioning was never enabled', versioning: v.status ?? 'never enabled' }),
    })
  },
}
