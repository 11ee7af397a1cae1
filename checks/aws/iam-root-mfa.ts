// aws.iam.root-mfa — the root user has an MFA device (credential report row <root_account>).
import type { CheckDefinition } from '../types.ts'
import { judgeCredentialReport, noRootRow, ROOT_USER } from './credential-report.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'

export const iamRootMfa: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.iam.root-mfa',
  kinds: ['aws'],
  title: 'The root user has MFA',
  description: 'the credential report shows no MFA device for the root user (no root row = error, never a pass)',
  params: [],
  severity: {
    level: 'critical',
    reason: 'The root user is beyond every IAM policy and can close the account or take it over; without MFA its password alone grants all of that.',
  },
  population: 'the root user (its credential-report row)',
  needs: [AWS_PARTS.credentialReport],
  judge(obs) {
    const expected = { rootMfaActive: true }
    return judgeCredentialReport({
      obs,
      rows: (all) => all.filter((r) => r.user === ROOT_USER),
      whenEmpty: noRootRow(obs, expected),
      // never reached: without the root row `whenEmpty` answers (error), the root user always exists
      emptySummary: () => 'the credential report has no <root_account> row',
      expected,
      failNoun: 'root user without MFA',
      passSummary: () => 'the root user has MFA',
      decide: (r) => (r.mfa_active === 'true' ? undefined : { why: 'root user has no MFA device', mfa_active: r.mfa_active }),
    })
  },
}
