// The policies each IAM principal holds — its own inline and attached policies, and for a user those
// of its groups — as parsed documents for the policy engine, plus the plumbing the principal-based
// checks share. A policy that cannot be read or parsed leaves its principal undetermined.
import type { Verdict } from '../types.ts'
import { accountVerdict, partFailure, type Offender, type OffenderFacts, type Undetermined } from './account-verdict.ts'
import { catalogVersion } from './iam-action-catalog.ts'
import type { AwsObservation, IamAuthorizationObservation, IamPrincipal } from './observation.ts'
import { parsePolicyDocument, PolicyParseError } from './policy-document.ts'
import type { PolicySource } from './effective-actions.ts'

export function policySources(p: IamPrincipal, auth: IamAuthorizationObservation, groups: Map<string, IamPrincipal>): PolicySource[] | { error: string } {
  const out: PolicySource[] = []
  const add = (holder: IamPrincipal, prefix: string): string | undefined => {
    for (const i of holder.inline) {
      try {
        out.push({ policy: i.name, via: `${prefix}inline`, document: parsePolicyDocument(i.document) })
      } catch (e) {
        if (e instanceof PolicyParseError) return `inline policy ${i.name}: ${e.message}`
        throw e
      }
    }
    for (const a of holder.attached) {
      const m = auth.managedPolicies[a.arn]
      if (!m) return `attached policy ${a.arn} was not read`
      if (!m.ok) return `attached policy ${a.arn}: ${m.error.message}`
      try {
        out.push({ policy: a.arn, via: `${prefix}attached`, document: parsePolicyDocument(m.value.document) })
      } catch (e) {
        if (e instanceof PolicyParseError) return `attached policy ${a.arn}: ${e.message}`
        throw e
      }
    }
    return undefined
  }
  const err = add(p, '')
  if (err) return { error: err }
  for (const g of p.groups ?? []) {
    const gp = groups.get(g)
    if (!gp) return { error: `group ${g} was not listed` }
    const e = add(gp, `group:${g} `)
    if (e) return { error: e }
  }
  return out
}

export interface PrincipalJudgement {
  obs: AwsObservation
  /** which principals this check judges (default: every user, group and role); the rest are counted, not judged */
  select?: (p: IamPrincipal) => boolean
  /** the judged principals, plural, for the not-applicable summary (default `users, groups or roles`) */
  populationNoun?: string
  decide: (p: IamPrincipal, sources: PolicySource[]) => OffenderFacts | undefined
  expected: Record<string, unknown>
  passSummary: (n: number) => string
  failNoun: string
  facts?: Record<string, unknown>
}

export function judgePrincipals(j: PrincipalJudgement): Verdict {
  const bad = partFailure(j.obs, j.obs.authorization, 'aws.iam.policies')
  if (bad) return bad
  const auth = (j.obs.authorization as { ok: true; value: IamAuthorizationObservation }).value
  const groups = new Map(auth.principals.filter((p) => p.type === 'group').map((g) => [g.name, g]))
  const offenders: Offender[] = []
  const undetermined: Undetermined[] = []
  const judged = j.select ? auth.principals.filter(j.select) : auth.principals
  for (const p of judged) {
    const src = policySources(p, auth, groups)
    if ('error' in src) {
      undetermined.push({ arn: p.arn, error: { kind: 'protocol', message: src.error } })
      continue
    }
    const o = j.decide(p, src)
    if (o) offenders.push({ arn: p.arn, principalType: p.type, ...o })
  }
  const count = (t: string) => auth.principals.filter((p) => p.type === t).length
  return accountVerdict(j.obs, {
    expected: j.expected,
    offenders,
    undetermined,
    population: {
      users: count('user'),
      groups: count('group'),
      roles: count('role'),
      managedPoliciesRead: Object.keys(auth.managedPolicies).length,
      authorizationDetailsPages: auth.pages,
      actionCatalog: catalogVersion(),
    },
    responses: { principals: auth.principals, managedPolicies: auth.managedPolicies },
    responsesDescription: 'GetAccountAuthorizationDetails principals and the attached managed policies (documents as returned)',
    judged: judged.length,
    emptySummary: `GetAccountAuthorizationDetails lists no IAM ${j.populationNoun ?? 'user, group or role'} (${auth.pages} page(s) read): nothing to judge`,
    passSummary: j.passSummary(judged.length),
    failNoun: j.failNoun,
    facts: j.facts,
  })
}
