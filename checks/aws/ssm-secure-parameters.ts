// aws.ssm.secure-parameters — SSM parameters whose names look like secrets are SecureString (with
// `cmk`, encrypted under a customer-managed key rather than alias/aws/ssm). Read from
// DescribeParameters metadata only: no parameter value is ever fetched.
import type { CheckDefinition } from '../types.ts'
import { accountVerdict, isVerdict, type Offender } from './account-verdict.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'
import { globMatches, regionalItems } from './regional-checks.ts'

export interface SsmSecureParametersParams {
  /** name patterns (`*` wildcard, case-insensitive, whole name) selecting secret-looking parameters */
  names?: string[]
  /** also require a customer-managed KMS key (not the AWS-managed alias/aws/ssm) */
  cmk?: boolean
}

export const DEFAULT_SECRET_NAME_PATTERNS = ['*password*', '*passwd*', '*secret*', '*token*', '*key*', '*credential*']

/** SecureString without a KeyId, or under alias/aws/ssm, uses the AWS-managed key. */
function awsManagedKey(keyId: string | undefined): boolean {
  return !keyId || /(^|:)alias\/aws\/ssm$/.test(keyId)
}

export const ssmSecureParameters: CheckDefinition<AwsObservation, SsmSecureParametersParams> = {
  id: 'aws.ssm.secure-parameters',
  kinds: ['aws'],
  title: 'Secret-looking SSM parameters are SecureString',
  description: 'an SSM parameter whose name matches `names` is not a SecureString, or — with `cmk` — is encrypted with the AWS-managed key alias/aws/ssm',
  params: [
    { name: 'names', description: 'parameter name patterns (`*` wildcard, case-insensitive) that look like secrets', default: DEFAULT_SECRET_NAME_PATTERNS },
    { name: 'cmk', description: 'require a customer-managed KMS key', default: false },
  ],
  severity: {
    level: 'high',
    reason: 'A secret stored as a plain String parameter is readable by anyone with ssm:GetParameter or the console, unencrypted and without a KMS decrypt permission in the way.',
  },
  population: 'SSM parameters whose names look like secrets',
  needs: [AWS_PARTS.ssmParameters],
  judge(obs, { names = DEFAULT_SECRET_NAME_PATTERNS, cmk = false }) {
    const got = regionalItems(obs, obs.ssmParameters, 'aws.ssm.parameters (DescribeParameters)', 'ssm', 'parameters')
    if (isVerdict(got)) return got
    const selected = got.items.filter((p) => names.some((n) => globMatches(n, p.name)))
    const offenders: Offender[] = []
    for (const p of selected) {
      if (p.type !== 'SecureString') offenders.push({ arn: p.arn, region: p.region, name: p.name, why: `a ${p.type ?? 'untyped'} parameter, not SecureString`, type: p.type ?? null })
      else if (cmk && awsManagedKey(p.keyId))
        offenders.push({ arn: p.arn, region: p.region, name: p.name, why: `SecureString under the AWS-managed key ${p.keyId ?? 'alias/aws/ssm'}, not a customer-managed key`, type: p.type, keyId: p.keyId ?? 'alias/aws/ssm', severity: 'low' })
    }
    const patterns = names.map((n) => `"${n}"`).join(', ')
    return accountVerdict(obs, {
      expected: { type: 'SecureString', names, cmk },
      offenders,
      undetermined: got.undetermined,
      population: { ...got.population, parametersSelected: selected.length },
      judged: selected.length,
      emptySummary: `none of the ${got.items.length} SSM parameter(s) in ${obs.regions.join(', ')} has a name matching ${patterns}: nothing to judge`,
      responses: selected,
      responsesDescription: 'DescribeParameters metadata per selected parameter (type and key; never a value)',
      passSummary: `all ${selected.length} secret-looking parameter(s) are SecureString${cmk ? ' under a customer-managed key' : ''}`,
      failNoun: cmk ? 'secret-looking parameter(s) not SecureString under a customer-managed key' : 'secret-looking parameter(s) not SecureString',
    })
  },
}
