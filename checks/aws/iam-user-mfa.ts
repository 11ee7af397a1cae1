// aws.iam.user-mfa — every IAM user with a console password has an MFA device.
import type { CheckDefinition } from '../types.ts'
import { judgeCredentialReport, noUserHas, ROOT_USER } from './credential-report.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'

export const iamUserMfa: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.iam.user-mfa',
  kinds: ['aws'],
  title: 'Console users have MFA',
  description: 'an IAM user with a console password has no MFA device',
  params: [],
  severity: {
    level: 'high',
    reason: "A console password without MFA lets whoever phishes, guesses or reuses it sign in with all of that user's permissions.",
  },
  population: 'IAM users with a console password',
  needs: [AWS_PARTS.credentialReport],
  judge(obs) {
    return judgeCredentialReport({
      obs,
      rows: (all) => all.filter((r) => r.user !== ROOT_USER && r.password_enabled === 'true'),
      expected: { consoleUsersWithoutMfa: 0 },
      failNoun: 'console user(s) without MFA',
      passSummary: (n) => `all ${n} console user(s) have MFA`,
      emptySummary: (all) => noUserHas(all, 'a console password'),
      decide: (r) => (r.mfa_active === 'true' ? undefined : { why: 'console password without MFA', password_last_used: r.password_last_used }),
    })
  },
}
