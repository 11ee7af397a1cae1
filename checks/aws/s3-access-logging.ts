// aws.s3.access-logging — server access logging delivers to a target bucket for every bucket.
import type { CheckDefinition } from '../types.ts'
import { judgeBuckets } from './bucket-checks.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'

export const s3AccessLogging: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.s3.access-logging',
  kinds: ['aws'],
  title: 'S3 buckets record server access logs',
  description: 'a bucket with server access logging off (no LoggingEnabled target bucket)',
  params: [],
  severity: {
    level: 'medium',
    reason: 'Without server access logs, who read or changed objects cannot be reconstructed after an incident; it weakens detection and investigation, not access control.',
  },
  population: "buckets in the target's regions",
  needs: [AWS_PARTS.s3Logging],
  judge(obs) {
    return judgeBuckets({
      obs,
      read: (b) => b.logging,
      api: 'GetBucketLogging',
      expected: { serverAccessLogging: 'on' },
      failNoun: 'bucket(s) without server access logging',
      passSummary: (n) => `server access logging is on for all ${n} bucket(s)`,
      decide: (v) => (v.loggingEnabled?.TargetBucket ? undefined : { why: 'server access logging is off' }),
    })
  },
}
