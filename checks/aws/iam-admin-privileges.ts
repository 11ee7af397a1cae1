// aws.iam.admin-privileges — no user, group or role effectively holds every action on `*` through its
// attached or inline policies (a user's groups included), after explicit Deny. `*`, `*:*` and
// Allow-NotAction forms all count; a Deny that takes anything away means not admin (Prowler ignores
// Deny). A grant that holds only under a Condition is reported as conditional admin.
import type { CheckDefinition } from '../types.ts'
import { allActionsCoverage, decisiveStatements, effectiveActions } from './effective-actions.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'
import { judgePrincipals } from './principal-policies.ts'

export interface AdminPrivilegesParams {
  /** `fail` (default): an admin grant under a Condition fails too, reported as conditional; `pass`: only unconditional admin fails */
  conditional?: 'fail' | 'pass'
}

export const iamAdminPrivileges: CheckDefinition<AwsObservation, AdminPrivilegesParams> = {
  id: 'aws.iam.admin-privileges',
  kinds: ['aws'],
  title: 'No principal holds full administrative privileges',
  description: 'a user, group or role effectively gets every action on `*` (Action `*`, `*:*` or an Allow NotAction) after explicit Deny',
  params: [{ name: 'conditional', description: '`fail`: admin that holds only under a Condition fails too (reported as conditional); `pass`: it passes', default: 'fail' }],
  severity: {
    level: 'high',
    reason: "A principal that holds every action on every resource can read, change or destroy anything in the account and erase the traces, so its compromise is the account's.",
  },
  population: 'IAM users, groups and roles',
  needs: [AWS_PARTS.policies],
  judge(obs, { conditional = 'fail' }) {
    return judgePrincipals({
      obs,
      expected: { effectiveOnStar: 'not every action', conditional },
      failNoun: 'principal(s) with full administrative privileges',
      passSummary: (n) => `none of ${n} principal(s) effectively holds every action on *`,
      decide(p, sources) {
        const eff = effectiveActions(sources, 'star')
        const cov = allActionsCoverage(eff)
        if (!cov.full && !(cov.fullIfConditionsHold && conditional === 'fail')) return undefined
        const all = Array.from({ length: cov.total }, (_, i) => i)
        const st = decisiveStatements(eff, all)
        return {
          why: `${cov.full ? 'effectively allowed every action' : 'allowed every action when its conditions hold'} on * via ${st.allows.map((s) => `${s.policy} ${s.statement}`).join(', ')}`,
          conditional: !cov.full,
          actionsAllowed: cov.allowed,
          actionsConditional: cov.conditional,
          catalogActions: cov.total,
          allowStatements: st.allows,
          denyStatements: st.denies,
          ...(eff.notResourceAllows.length ? { notResourceCaveat: 'Allow with NotResource counted as applying to *' } : {}),
        }
      },
    })
  },
}
