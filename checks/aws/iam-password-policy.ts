// aws.iam.password-policy — the account password policy exists and meets the parameters.
import type { CheckDefinition } from '../types.ts'
import { accountVerdict, partFailure } from './account-verdict.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'

export interface PasswordPolicyParams {
  minLength?: number
  reuseCount?: number
  requireSymbols?: boolean
  requireNumbers?: boolean
  requireUppercase?: boolean
  requireLowercase?: boolean
  /** when set, passwords must expire within this many days */
  maxAgeDays?: number | null
}

export const iamPasswordPolicy: CheckDefinition<AwsObservation, PasswordPolicyParams> = {
  id: 'aws.iam.password-policy',
  kinds: ['aws'],
  title: 'The account password policy is strong',
  description: 'no password policy, or one below the parameters (length 14, reuse prevention 24, all character classes by default)',
  params: [
    { name: 'minLength', description: 'minimum password length', default: 14 },
    { name: 'reuseCount', description: 'minimum number of previous passwords that cannot be reused', default: 24 },
    { name: 'requireSymbols', description: 'require a symbol', default: true },
    { name: 'requireNumbers', description: 'require a digit', default: true },
    { name: 'requireUppercase', description: 'require an upper-case letter', default: true },
    { name: 'requireLowercase', description: 'require a lower-case letter', default: true },
    { name: 'maxAgeDays', description: 'when set, passwords must expire within this many days', default: null },
  ],
  severity: {
    level: 'medium',
    reason: 'A weak password policy makes console passwords easier to guess or reuse; MFA and sign-in throttling limit, but do not remove, the risk.',
  },
  population: 'the account (its password policy, or the lack of one)',
  needs: [AWS_PARTS.passwordPolicy],
  judge(obs, p) {
    const bad = partFailure(obs, obs.passwordPolicy, 'aws.iam.password-policy')
    if (bad) return bad
    const want = {
      minLength: p.minLength ?? 14,
      reuseCount: p.reuseCount ?? 24,
      requireSymbols: p.requireSymbols ?? true,
      requireNumbers: p.requireNumbers ?? true,
      requireUppercase: p.requireUppercase ?? true,
      requireLowercase: p.requireLowercase ?? true,
      maxAgeDays: p.maxAgeDays ?? null,
    }
    const pp = (obs.passwordPolicy as { ok: true; value: { present: boolean; policy?: Record<string, unknown> } }).value
    const account = obs.identity.ok ? obs.identity.value.account : '?'
    const arn = `arn:${obs.identity.ok ? obs.identity.value.partition : 'aws'}:iam::${account}:account-password-policy`
    // each requirement the policy misses is its own offender, `<account-password-policy arn>#<AWS field>`;
    // without a policy every requirement is missed, so creating a weak one only removes offenders
    const missed: { aspect: string; why: string }[] = []
    const pol = pp.policy ?? {}
    const num = (k: string) => (typeof pol[k] === 'number' ? (pol[k] as number) : 0)
    const none = !pp.present
    const miss = (aspect: string, why: string, absent: string) => missed.push({ aspect, why: none ? `no password policy: ${absent}` : why })
    if (num('MinimumPasswordLength') < want.minLength)
      miss('MinimumPasswordLength', `minimum length ${num('MinimumPasswordLength')} < ${want.minLength}`, `minimum length ${want.minLength} not required`)
    if (num('PasswordReusePrevention') < want.reuseCount)
      miss('PasswordReusePrevention', `reuse prevention ${num('PasswordReusePrevention')} < ${want.reuseCount}`, `reuse prevention ${want.reuseCount} not required`)
    for (const [param, key] of [
      ['requireSymbols', 'RequireSymbols'],
      ['requireNumbers', 'RequireNumbers'],
      ['requireUppercase', 'RequireUppercaseCharacters'],
      ['requireLowercase', 'RequireLowercaseCharacters'],
    ] as const)
      if (want[param] && pol[key] !== true) miss(key, `${key} is off`, `${key} is off`)
    if (want.maxAgeDays !== null && (!pol.ExpirePasswords || num('MaxPasswordAge') === 0 || num('MaxPasswordAge') > want.maxAgeDays))
      miss('MaxPasswordAge', `passwords ${pol.ExpirePasswords ? `expire after ${num('MaxPasswordAge')} days` : 'never expire'} (max ${want.maxAgeDays})`, `passwords never expire (max ${want.maxAgeDays})`)
    const shortfalls = none ? ['no password policy (AWS default: 8 characters, no classes, no reuse prevention)'] : missed.map((m) => m.why)
    return accountVerdict(obs, {
      expected: want,
      // no policy at all fails even under parameters that require nothing (then the policy ARN alone is the offender)
      offenders: missed.length || none ? [{ arn, why: shortfalls.join('; '), aspects: missed, shortfalls }] : [],
      undetermined: [],
      // the population is the account itself: never empty, so this check is never not-applicable
      population: { accounts: 1, passwordPolicyPresent: pp.present },
      judged: 1,
      emptySummary: 'never used: the account is always judged',
      responses: pp,
      responsesDescription: 'GetAccountPasswordPolicy (present: false = NoSuchEntity)',
      passSummary: 'the password policy meets every requirement',
      failNoun: 'weak password policy',
      facts: { policy: pp.present ? pol : null },
    })
  },
}
