// aws.s3.public-access-block — for every bucket, each of the four Block Public Access flags is on at
// the bucket or at the account level (Prowler asks only for two of the four).
import type { CheckDefinition } from '../types.ts'
import { judgeBuckets } from './bucket-checks.ts'
import { AWS_PARTS, type AwsObservation, type PublicAccessBlockFlags } from './observation.ts'

const FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const

export const s3PublicAccessBlock: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.s3.public-access-block',
  kinds: ['aws'],
  title: 'S3 Block Public Access is fully on for every bucket',
  description: 'any of the four Block Public Access flags is off at both the bucket and the account level',
  params: [],
  severity: {
    level: 'high',
    reason: 'Block Public Access is the guardrail that keeps one mistaken ACL or bucket policy from exposing the bucket to the internet; with a flag off at both levels that single mistake is all it takes.',
  },
  population: "buckets in the target's regions",
  needs: [AWS_PARTS.s3PublicAccessBlock],
  judge(obs) {
    const acct = obs.s3AccountPublicAccessBlock
    const account: PublicAccessBlockFlags | undefined = acct?.ok ? (acct.value.config ?? {}) : undefined
    return judgeBuckets({
      obs,
      read: (b) => b.publicAccessBlock,
      api: 'GetPublicAccessBlock',
      expected: { flags: Object.fromEntries(FLAGS.map((f) => [f, true])), level: 'bucket or account' },
      failNoun: 'bucket(s) with Block Public Access flags off',
      passSummary: (n) => `all four Block Public Access flags are on for all ${n} bucket(s)`,
      facts: { accountLevel: acct?.ok ? { present: acct.value.present, ...acct.value.config } : { error: acct?.error ?? 'not collected' } },
      decide(v) {
        const bucket = v.config ?? {}
        const off = FLAGS.filter((f) => !bucket[f] && !account?.[f])
        if (off.length === 0) return undefined
        // the account level could not be read: an off flag may be compensated there, so no decision
        if (!account)
          return { undeterminedBecause: acct && !acct.ok ? acct.error : { kind: 'not-observed', message: 'the account-level Block Public Access setting was not collected' } }
        return {
          why: `${off.join(', ')} off at bucket and account level`,
          // one offender per flag: turning off another flag on an already weak bucket is a new problem
          aspects: off.map((f) => ({ aspect: f, why: `${f} off at bucket and account level` })),
          off,
          bucketLevel: v.present ? bucket : 'none',
        }
      },
    })
  },
}
