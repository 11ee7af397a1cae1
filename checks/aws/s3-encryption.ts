// aws.s3.encryption — every bucket has a default encryption configuration; with `kms`, SSE-KMS or
// DSSE-KMS, and with `kms: <key>`, that customer-managed key. Since 2023 AWS encrypts objects with
// SSE-S3 even without a configuration (Prowler deprecated its check as "always passing"); here a
// bucket without one fails and is reported as relying on the implicit SSE-S3 default, so the
// auditor sees an explicit, reviewable choice is missing.
import type { CheckDefinition } from '../types.ts'
import { judgeBuckets } from './bucket-checks.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'

export interface S3EncryptionParams {
  /** false: any algorithm; true: aws:kms or aws:kms:dsse; a string: that key (ARN, key id or alias ARN) */
  kms?: boolean | string
}

interface Rule {
  ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string }
  BucketKeyEnabled?: boolean
}

function keyMatches(configured: string | undefined, wanted: string): boolean {
  if (!configured) return false
  if (configured === wanted) return true
  // a key id matches its ARN (`arn:aws:kms:region:acct:key/<id>`)
  const tail = (s: string) => s.replace(/^arn:aws[a-z-]*:kms:[^:]*:\d*:/, '')
  return tail(configured) === tail(wanted) || configured.endsWith(`/${wanted}`) || wanted.endsWith(`/${configured}`)
}

export const s3Encryption: CheckDefinition<AwsObservation, S3EncryptionParams> = {
  id: 'aws.s3.encryption',
  kinds: ['aws'],
  title: 'S3 buckets have an explicit default encryption configuration',
  description:
    'a bucket has no default encryption configuration (reported as relying on the implicit SSE-S3 default), or — with `kms` — does not use SSE-KMS/DSSE-KMS, or not the named customer-managed key',
  params: [{ name: 'kms', description: 'false: any algorithm; true: require aws:kms or aws:kms:dsse; a key ARN/id: require that key', default: false }],
  severity: {
    level: 'medium',
    reason: 'Since January 2023 S3 encrypts new objects with SSE-S3 even without a configuration, so a failure means an unreviewed or weaker-than-required key choice (no KMS key control or key-use audit trail), not plaintext data at rest.',
  },
  population: "buckets in the target's regions",
  needs: [AWS_PARTS.s3Encryption],
  judge(obs, { kms = false }) {
    return judgeBuckets({
      obs,
      read: (b) => b.encryption,
      api: 'GetBucketEncryption',
      expected: { defaultEncryption: 'configured', ...(kms ? { algorithm: ['aws:kms', 'aws:kms:dsse'] } : {}), ...(typeof kms === 'string' ? { kmsKey: kms } : {}) },
      failNoun: kms ? 'bucket(s) not encrypted as required with KMS' : 'bucket(s) without a default encryption configuration',
      passSummary: (n) => `all ${n} bucket(s) have a default encryption configuration${kms ? ' using KMS' : ''}`,
      decide(v) {
        if (!v.configured)
          return { why: 'no default encryption configuration; objects get only the implicit SSE-S3 (AES256) default', effective: 'implicit SSE-S3', configured: false }
        const rules = ((v.response as { Rules?: Rule[] } | undefined)?.Rules ?? []).map((r) => ({
          algorithm: r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
          kmsKey: r.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID,
          bucketKey: r.BucketKeyEnabled ?? false,
        }))
        if (!rules.some((r) => r.algorithm)) return { why: 'the encryption configuration has no default algorithm', rules }
        if (!kms) return undefined
        const kmsRules = rules.filter((r) => r.algorithm === 'aws:kms' || r.algorithm === 'aws:kms:dsse')
        if (kmsRules.length === 0) return { why: `default encryption is ${rules.map((r) => r.algorithm).join(', ')}, not SSE-KMS or DSSE-KMS`, rules }
        if (typeof kms === 'string' && !kmsRules.some((r) => keyMatches(r.kmsKey, kms)))
          return {
            why: kmsRules.some((r) => !r.kmsKey || /alias\/aws\/s3$/.test(r.kmsKey))
              ? 'uses the AWS-managed key aws/s3, not the named customer-managed key'
              : `uses KMS key ${kmsRules.map((r) => r.kmsKey).join(', ')}, not ${kms}`,
            rules,
          }
        return undefined
      },
    })
  },
}
