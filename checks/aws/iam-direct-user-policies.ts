// aws.iam.direct-user-policies — users get permissions through groups or roles, never directly.
import type { CheckDefinition } from '../types.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'
import { judgePrincipals } from './principal-policies.ts'

export const iamDirectUserPolicies: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.iam.direct-user-policies',
  kinds: ['aws'],
  title: 'Users hold no policies directly',
  description: 'an IAM user has an inline policy or an attached managed policy of its own (instead of through a group or role)',
  params: [],
  severity: {
    level: 'low',
    reason: 'Permissions attached to a user rather than a group or role grant nothing extra by themselves; they make access harder to review and revoke consistently.',
  },
  population: 'IAM users',
  needs: [AWS_PARTS.policies],
  judge(obs) {
    return judgePrincipals({
      obs,
      select: (p) => p.type === 'user',
      populationNoun: 'user',
      expected: { directUserPolicies: 0 },
      failNoun: 'user(s) holding policies directly',
      passSummary: (n) => `none of ${n} user(s) holds a policy directly`,
      decide(p) {
        if (p.inline.length === 0 && p.attached.length === 0) return undefined
        return {
          why: [...p.inline.map((i) => `inline ${i.name}`), ...p.attached.map((a) => `attached ${a.arn}`)].join(', '),
          // one offender per policy the user holds itself: another direct policy is a new problem
          aspects: [
            ...p.inline.map((i) => ({ aspect: `inline:${i.name}`, why: `inline policy ${i.name} on the user` })),
            ...p.attached.map((a) => ({ aspect: `attached:${a.arn}`, why: `managed policy ${a.arn} attached to the user` })),
          ],
          inline: p.inline.map((i) => i.name),
          attached: p.attached.map((a) => a.arn),
        }
      },
    })
  },
}
