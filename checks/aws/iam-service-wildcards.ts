// aws.iam.service-wildcards — no principal effectively holds every action of a sensitive service on
// `*` (iam, kms, s3, sts, cloudtrail by default), however it is written (`kms:*`, `*`, NotAction, a
// list of every action), after explicit Deny. Conditional full access is reported as conditional.
import type { CheckDefinition } from '../types.ts'
import { decisiveStatements, effectiveActions, serviceCoverage, serviceIndices } from './effective-actions.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'
import { judgePrincipals } from './principal-policies.ts'

export interface ServiceWildcardsParams {
  services?: string[]
  conditional?: 'fail' | 'pass'
}

export const iamServiceWildcards: CheckDefinition<AwsObservation, ServiceWildcardsParams> = {
  id: 'aws.iam.service-wildcards',
  kinds: ['aws'],
  title: 'No principal has full access to a sensitive service',
  description: 'a user, group or role effectively gets every action of one of `services` on `*` after explicit Deny',
  params: [
    { name: 'services', description: 'service prefixes whose full access is forbidden', default: ['iam', 'kms', 's3', 'sts', 'cloudtrail'] },
    { name: 'conditional', description: '`fail`: full access that holds only under a Condition fails too; `pass`: it passes', default: 'fail' },
  ],
  severity: {
    level: 'high',
    reason: 'Full IAM, STS, KMS, S3 or CloudTrail access on every resource lets a principal grant itself any permission, assume any role, destroy keys or data, or stop the audit trail.',
  },
  population: 'IAM users, groups and roles',
  needs: [AWS_PARTS.policies],
  judge(obs, { services = ['iam', 'kms', 's3', 'sts', 'cloudtrail'], conditional = 'fail' }) {
    return judgePrincipals({
      obs,
      expected: { fullAccessOnStar: 'none', services, conditional },
      failNoun: 'principal(s) with full access to a sensitive service',
      passSummary: (n) => `none of ${n} principal(s) has full ${services.join('/')} access on *`,
      decide(p, sources) {
        const eff = effectiveActions(sources, 'star')
        const full = services
          .map((svc) => ({ svc, cov: serviceCoverage(eff, svc) }))
          .filter(({ cov }) => cov.full || (cov.fullIfConditionsHold && conditional === 'fail'))
        if (full.length === 0) return undefined
        return {
          why: full.map(({ svc, cov }) => `${cov.full ? 'full' : 'conditional full'} ${svc} access`).join(', '),
          // one offender per service: full kms added to a principal that already had full s3 is new
          aspects: full.map(({ svc, cov }) => ({ aspect: svc.toLowerCase(), why: `${cov.full ? 'full' : 'conditional full'} ${svc} access on *` })),
          services: full.map(({ svc, cov }) => {
            const st = decisiveStatements(eff, serviceIndices(svc))
            return { service: svc, conditional: !cov.full, actions: cov.total, allowStatements: st.allows, denyStatements: st.denies }
          }),
        }
      },
    })
  },
}
