// aws.kms.key-policy — no customer-managed key's policy lets everyone, or a principal of another
// account, use the key without a condition: neither the whole of `kms:*` nor any of kms:Decrypt,
// kms:ReEncryptFrom, kms:ReEncryptTo (what reads data encrypted under the key). Read with the IAM
// engine (policy-document.ts, effective-actions.ts): wildcards and NotAction expanded against the
// action catalog, unconditional Deny statements that reach the same principal subtracted. A grant
// under any Condition is not counted (the condition is assumed to restrict it; it is listed in the
// evidence). AWS service principals are not judged.
import type { CheckDefinition, Severity } from '../types.ts'
import { accountVerdict, isVerdict, type OffenderAspect, type Offender, type Undetermined } from './account-verdict.ts'
import { actionGrant, effectiveActions, serviceCoverage, type PolicySource } from './effective-actions.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'
import { hasCondition, parsePolicyDocument, PolicyParseError, principalIsEveryone, statementLabel, type PolicyDocument, type PolicyStatement } from './policy-document.ts'
import { regionalItems } from './regional-checks.ts'

/** Actions that read what the key protects: decrypting it, or re-encrypting it under a key the caller controls. */
export const DATA_ACTIONS = ['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']

const EVERYONE = 'everyone'

/** The account of an AWS principal (`123456789012`, `arn:aws:iam::123456789012:root|user/…|role/…`), if it names one. */
function accountOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1]
}

/** Who an unconditioned statement reaches outside the key's account: `everyone`, or foreign account ids. */
function outsiders(s: PolicyStatement, account: string): string[] {
  if (principalIsEveryone(s)) return [EVERYONE]
  const out = new Set<string>()
  for (const p of s.principal?.AWS ?? []) {
    const a = accountOf(p)
    if (a && a !== account) out.add(a)
  }
  return [...out]
}

/** Whether a Deny statement reaches `who` (everyone, or that account) unconditionally. */
function denyReaches(s: PolicyStatement, who: string): boolean {
  if (s.effect !== 'Deny' || hasCondition(s) || s.notPrincipal) return false
  if (principalIsEveryone(s)) return true
  return who !== EVERYONE && (s.principal?.AWS ?? []).some((p) => accountOf(p) === who)
}

interface Exposure {
  who: string
  actions: string[]
  statements: string[]
}

/** What each outsider effectively gets from the policy, after Deny. */
export function keyPolicyExposures(doc: PolicyDocument, account: string): Exposure[] {
  const allows = doc.statements.filter((s) => s.effect === 'Allow' && !hasCondition(s))
  const whos = [...new Set(allows.flatMap((s) => outsiders(s, account)))].sort()
  const out: Exposure[] = []
  for (const who of whos) {
    const granting = allows.filter((s) => outsiders(s, account).includes(who))
    const denying = doc.statements.filter((s) => denyReaches(s, who))
    // key policies apply to the key itself: Resource "*" means this key
    const asStar = (s: PolicyStatement): PolicyStatement => ({ ...s, resource: ['*'], notResource: undefined })
    const src: PolicySource = { policy: 'key policy', via: 'key policy', document: { statements: [...granting, ...denying].map(asStar) } }
    const eff = effectiveActions([src], 'star')
    const actions = serviceCoverage(eff, 'kms').full ? ['kms:*'] : DATA_ACTIONS.filter((a) => actionGrant(eff, a) === 'allowed')
    if (actions.length) out.push({ who, actions, statements: granting.map(statementLabel) })
  }
  return out
}

export const kmsKeyPolicy: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.kms.key-policy',
  kinds: ['aws'],
  title: 'KMS key policies do not open keys to everyone or other accounts',
  description: 'a customer-managed key policy lets everyone (`*`) or a principal of another account use `kms:*`, or kms:Decrypt / kms:ReEncrypt*, without a condition, after Deny statements',
  params: [],
  severity: {
    level: 'high',
    reason: 'Whoever may decrypt with a key reads everything encrypted under it, so an unconditioned grant to another account or to everyone undoes the encryption for them.',
  },
  population: 'customer-managed KMS keys (not pending deletion)',
  needs: [AWS_PARTS.kmsKeyPolicies],
  judge(obs) {
    const got = regionalItems(obs, obs.kms, 'aws.kms.keys (ListKeys)', 'kms', 'keys')
    if (isVerdict(got)) return got
    const account = obs.identity.ok ? obs.identity.value.account : ''
    const offenders: Offender[] = []
    const undetermined: Undetermined[] = [...got.undetermined]
    const responses: Record<string, unknown> = {}
    let judged = 0
    for (const k of got.items) {
      if (!k.metadata.ok) {
        undetermined.push({ arn: k.arn, error: k.metadata.error })
        continue
      }
      const m = k.metadata.value
      if (m.KeyManager !== 'CUSTOMER' || m.KeyState === 'PendingDeletion' || m.KeyState === 'PendingReplicaDeletion') continue
      judged++
      if (!k.policy) {
        undetermined.push({ arn: k.arn, error: { kind: 'not-observed', message: 'GetKeyPolicy was not collected' } })
        continue
      }
      if (!k.policy.ok) {
        undetermined.push({ arn: k.arn, error: k.policy.error })
        continue
      }
      responses[k.arn] = { GetKeyPolicy: k.policy.value.document }
      let doc: PolicyDocument
      try {
        doc = parsePolicyDocument(k.policy.value.document)
      } catch (e) {
        if (!(e instanceof PolicyParseError)) throw e
        undetermined.push({ arn: k.arn, error: { kind: 'protocol', message: `the key policy cannot be parsed: ${e.message}` } })
        continue
      }
      const exposures = keyPolicyExposures(doc, account)
      if (!exposures.length) continue
      const says = (x: Exposure) => `${x.who === EVERYONE ? 'everyone' : `account ${x.who}`} may use ${x.actions.join(', ')} without a condition (${x.statements.join(', ')})`
      const aspects: OffenderAspect[] = exposures.flatMap((x) =>
        x.actions.map((a) => ({ aspect: `${x.who}:${a}`, why: `${x.who === EVERYONE ? 'everyone' : `account ${x.who}`} may use ${a} without a condition`, ...(x.who === EVERYONE ? { severity: 'critical' as Severity } : {}) })),
      )
      offenders.push({ arn: k.arn, region: k.region, why: exposures.map(says).join('; '), exposures, aspects })
    }
    return accountVerdict(obs, {
      expected: { noUnconditionedGrantTo: ['*', 'other accounts'], actions: ['kms:*', ...DATA_ACTIONS] },
      offenders,
      undetermined,
      population: { ...got.population, keysJudged: judged },
      judged,
      emptySummary: `no customer-managed KMS key (not pending deletion) in ${obs.regions.join(', ')}: nothing to judge`,
      responses,
      responsesDescription: 'GetKeyPolicy (policy `default`) per customer-managed key, as returned',
      passSummary: `no key policy of ${judged} customer-managed key(s) opens kms:* or decrypt/re-encrypt to everyone or another account without a condition`,
      failNoun: 'KMS key(s) whose policy opens the key to everyone or another account',
    })
  },
}
