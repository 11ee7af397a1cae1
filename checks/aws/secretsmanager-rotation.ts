// aws.secretsmanager.rotation — every Secrets Manager secret has rotation enabled and was last rotated
// at most `maxAgeDays` days ago; a secret never rotated offends. Read from ListSecrets metadata only:
// no secret value is ever fetched.
import type { CheckDefinition } from '../types.ts'
import { accountVerdict, isVerdict, type Offender } from './account-verdict.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'
import { daysSince, regionalItems } from './regional-checks.ts'

export interface SecretsRotationParams {
  maxAgeDays?: number
}

export const secretsManagerRotation: CheckDefinition<AwsObservation, SecretsRotationParams> = {
  id: 'aws.secretsmanager.rotation',
  kinds: ['aws'],
  title: 'Secrets Manager secrets are rotated',
  description: 'a secret has rotation off, was never rotated, or was last rotated more than `maxAgeDays` days ago',
  params: [{ name: 'maxAgeDays', description: 'longest acceptable time since the last rotation, days', default: 90 }],
  severity: {
    level: 'medium',
    reason: 'A secret that is not rotated stays valid for as long as any copy of it (a log, a laptop, a former employee) survives; a leak is needed to exploit it.',
  },
  population: 'Secrets Manager secrets',
  needs: [AWS_PARTS.secrets],
  judge(obs, { maxAgeDays = 90 }, ctx) {
    const got = regionalItems(obs, obs.secrets, 'aws.secretsmanager.secrets (ListSecrets)', 'secretsmanager', 'secrets')
    if (isVerdict(got)) return got
    const offenders: Offender[] = []
    for (const s of got.items) {
      const ageDays = s.lastRotatedDate ? daysSince(s.lastRotatedDate, ctx.now) : undefined
      const problems: string[] = []
      if (s.rotationEnabled !== true) problems.push('rotation is not enabled')
      if (ageDays === undefined) problems.push('never rotated')
      else if (ageDays > maxAgeDays) problems.push(`last rotated ${ageDays} days ago`)
      if (problems.length)
        offenders.push({
          arn: s.arn,
          region: s.region,
          name: s.name,
          why: problems.join(', '),
          rotationEnabled: s.rotationEnabled === true,
          lastRotatedDate: s.lastRotatedDate ?? null,
          ...(ageDays !== undefined ? { ageDays } : {}),
        })
    }
    return accountVerdict(obs, {
      expected: { rotationEnabled: true, maxAgeDays },
      offenders,
      undetermined: got.undetermined,
      population: { ...got.population, secretsJudged: got.items.length },
      judged: got.items.length,
      emptySummary: `no Secrets Manager secret in ${obs.regions.join(', ')}: nothing to judge`,
      // ListSecrets metadata only (no value is ever read); the version ids are left out as noise
      responses: got.items,
      responsesDescription: 'ListSecrets metadata per secret (rotation settings and dates; never a value)',
      passSummary: `all ${got.items.length} secret(s) have rotation on and were rotated within ${maxAgeDays} days`,
      failNoun: `secret(s) not rotated within ${maxAgeDays} days`,
    })
  },
}
