// aws.iam.privilege-escalation — no principal's effective actions contain a known escalation path
// (checks/aws/privilege-escalation-paths.ts); each finding names the path(s) and the granting
// statements. Grants scoped to specific resources or to `${aws:username}` do not count (Prowler false
// positive #5731); trailing-wildcard ARNs such as `arn:aws:iam::*:role/*` do. Deny subtracts.
import type { CheckDefinition } from '../types.ts'
import { actionGrant, actionIndex, decisiveStatements, effectiveActions } from './effective-actions.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'
import { judgePrincipals } from './principal-policies.ts'
import { ESCALATION_PATHS } from './privilege-escalation-paths.ts'

export interface PrivilegeEscalationParams {
  /** path names to leave out (e.g. `SSM StartSession` where sessions are audited elsewhere) */
  ignorePaths?: string[]
  conditional?: 'fail' | 'pass'
}

export const iamPrivilegeEscalation: CheckDefinition<AwsObservation, PrivilegeEscalationParams> = {
  id: 'aws.iam.privilege-escalation',
  kinds: ['aws'],
  title: 'No principal can escalate its own privileges',
  description: 'a user, group or role effectively holds every action of a known privilege-escalation path (PassRole + compute, CreatePolicyVersion, AttachUserPolicy, UpdateAssumeRolePolicy, …)',
  params: [
    { name: 'ignorePaths', description: 'escalation path names not to report', default: [] },
    { name: 'conditional', description: '`fail`: a path open only under a Condition fails too (reported as conditional); `pass`: it passes', default: 'fail' },
  ],
  severity: {
    level: 'high',
    reason: 'A principal that can grant itself more permissions is effectively as powerful as what it can reach, usually administrator, whatever its policies say it holds.',
  },
  population: 'IAM users, groups and roles',
  needs: [AWS_PARTS.policies],
  judge(obs, { ignorePaths = [], conditional = 'fail' }) {
    const paths = ESCALATION_PATHS.filter((p) => !ignorePaths.includes(p.name))
    return judgePrincipals({
      obs,
      expected: { escalationPaths: 'none', pathsChecked: paths.map((p) => p.name), conditional },
      failNoun: 'principal(s) with a privilege-escalation path',
      passSummary: (n) => `none of ${n} principal(s) holds any of ${paths.length} known escalation paths`,
      facts: { pathsChecked: paths.length },
      decide(p, sources) {
        if (sources.length === 0) return undefined
        const eff = effectiveActions(sources, 'broad')
        const found = paths
          .map((path) => ({ path, grants: path.actions.map((a) => actionGrant(eff, a)) }))
          .filter(({ grants }) => grants.every((g) => g === 'allowed' || (g === 'conditional' && conditional === 'fail')))
        if (found.length === 0) return undefined
        return {
          why: `escalation path(s) ${found.map((f) => f.path.name).join(', ')}`,
          // one offender per path, named as `ignorePaths` names it: a second path is a new problem
          aspects: found.map(({ path, grants }) => ({ aspect: path.name, why: `${grants.includes('conditional') ? 'under conditions, ' : ''}can ${path.how} (${path.actions.join(' + ')})` })),
          paths: found.map(({ path, grants }) => {
            const st = decisiveStatements(eff, path.actions.map(actionIndex).filter((i): i is number => i !== undefined))
            return { path: path.name, actions: path.actions, how: path.how, conditional: grants.includes('conditional'), allowStatements: st.allows, denyStatements: st.denies }
          }),
        }
      },
    })
  },
}
