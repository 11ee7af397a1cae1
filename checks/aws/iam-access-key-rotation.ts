// aws.iam.access-key-rotation — no active access key (root included) is older than `maxAgeDays`.
import type { CheckDefinition } from '../types.ts'
import { daysBetween, judgeCredentialReport, reportDate } from './credential-report.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'

export interface AccessKeyRotationParams {
  maxAgeDays?: number
}

export const iamAccessKeyRotation: CheckDefinition<AwsObservation, AccessKeyRotationParams> = {
  id: 'aws.iam.access-key-rotation',
  kinds: ['aws'],
  title: 'Access keys are rotated',
  description: 'an active access key was last rotated more than `maxAgeDays` days ago (an active key without a rotation date offends too)',
  params: [{ name: 'maxAgeDays', description: 'oldest acceptable active key, days', default: 90 }],
  population: 'users (root included) with an active access key',
  needs: [AWS_PARTS.credentialReport],
  judge(obs, { maxAgeDays = 90 }, ctx) {
    return judgeCredentialReport({
      obs,
      rows: (all) => all.filter((r) => r.access_key_1_active === 'true' || r.access_key_2_active === 'true'),
      expected: { maxAgeDays },
      failNoun: `user(s) with an active access key older than ${maxAgeDays} days`,
      passSummary: (n) => `every active access key of ${n} user(s) is at most ${maxAgeDays} days old`,
      emptySummary: (all) => `no active access key in the credential report (${all.length} row(s), root included): nothing to judge`,
      decide(r) {
        const old = [1, 2]
          .filter((n) => r[`access_key_${n}_active`] === 'true')
          .map((n) => {
            const d = reportDate(r[`access_key_${n}_last_rotated`])
            return { key: n, lastRotated: r[`access_key_${n}_last_rotated`], ageDays: d ? daysBetween(d, ctx.now) : undefined }
          })
          .filter((k) => k.ageDays === undefined || k.ageDays > maxAgeDays)
        return old.length ? { why: old.map((k) => `key ${k.key} ${k.ageDays === undefined ? 'has no rotation date' : `is ${k.ageDays} days old`}`).join(', '), keys: old } : undefined
      },
    })
  },
}
