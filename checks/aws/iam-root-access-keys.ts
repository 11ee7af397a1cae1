// aws.iam.root-access-keys — the root user has no active access key.
import type { CheckDefinition } from '../types.ts'
import { judgeCredentialReport, noRootRow, ROOT_USER } from './credential-report.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'

export const iamRootAccessKeys: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.iam.root-access-keys',
  kinds: ['aws'],
  title: 'The root user has no active access key',
  description: 'the credential report shows an active access key (1 or 2) for the root user (no root row = error)',
  params: [],
  severity: {
    level: 'critical',
    reason: "A root access key is a long-lived secret that works without MFA and carries the root user's unlimited power, which no IAM policy can restrict.",
  },
  population: 'the root user (its credential-report row)',
  needs: [AWS_PARTS.credentialReport],
  judge(obs) {
    const expected = { rootActiveAccessKeys: 0 }
    return judgeCredentialReport({
      obs,
      rows: (all) => all.filter((r) => r.user === ROOT_USER),
      whenEmpty: noRootRow(obs, expected),
      // never reached: without the root row `whenEmpty` answers (error), the root user always exists
      emptySummary: () => 'the credential report has no <root_account> row',
      expected,
      failNoun: 'root user with active access keys',
      passSummary: () => 'the root user has no active access key',
      decide(r) {
        const active = [1, 2].filter((n) => r[`access_key_${n}_active`] === 'true')
        if (active.length === 0) return undefined
        return {
          why: `root access key ${active.join(' and ')} active`,
          // one offender per key slot: a second root key is a new problem
          aspects: active.map((n) => ({ aspect: `access-key-${n}`, why: `root access key ${n} is active` })),
          activeKeys: active.map((n) => ({ key: n, lastRotated: r[`access_key_${n}_last_rotated`], lastUsed: r[`access_key_${n}_last_used_date`] })),
        }
      },
    })
  },
}
