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
  severity: {
    level: 'medium',
    reason: 'An old access key has had longer to leak through code, logs or laptops and keeps working until rotated; the exposure grows with age but needs a leak to be exploited.',
  },
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
        if (old.length === 0) return undefined
        const said = (k: (typeof old)[number]) => `key ${k.key} ${k.ageDays === undefined ? 'has no rotation date' : `is ${k.ageDays} days old`}`
        return {
          why: old.map(said).join(', '),
          // one offender per key slot (the credential report's numbering; it has no key id), never the age
          aspects: old.map((k) => ({ aspect: `access-key-${k.key}`, why: `access ${said(k)}` })),
          keys: old,
        }
      },
    })
  },
}
