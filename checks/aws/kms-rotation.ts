// aws.kms.rotation — every enabled customer-managed symmetric KMS key rotates automatically, at most
// every `maxRotationPeriodDays` days. AWS-managed keys (rotated by AWS), asymmetric and HMAC keys and
// keys with imported or external material (no automatic rotation) are outside the population;
// disabled keys and keys pending deletion are counted and listed, never failed for rotation.
import type { CheckDefinition } from '../types.ts'
import { accountVerdict, isVerdict, type Offender, type Undetermined } from './account-verdict.ts'
import { isRotatableCustomerKey } from './key-references.ts'
import { AWS_PARTS, type AwsObservation, type KmsKeyObservation } from './observation.ts'
import { regionalItems } from './regional-checks.ts'

export interface KmsRotationParams {
  maxRotationPeriodDays?: number
}

/** GetKeyRotationStatus omits the period where it predates configurable periods: AWS's default then applies. */
export const AWS_DEFAULT_ROTATION_DAYS = 365

export const kmsRotation: CheckDefinition<AwsObservation, KmsRotationParams> = {
  id: 'aws.kms.rotation',
  kinds: ['aws'],
  title: 'KMS keys rotate automatically',
  description: 'an enabled customer-managed symmetric KMS key has automatic rotation off, or a rotation period longer than `maxRotationPeriodDays` days',
  params: [{ name: 'maxRotationPeriodDays', description: 'longest acceptable automatic rotation period, days (an unreported period counts as AWS’s default, 365)', default: 365 }],
  severity: {
    level: 'medium',
    reason: 'A key that never rotates protects ever more data with the same material, so one exposure of it reaches everything ever encrypted; the key itself stays protected by KMS.',
  },
  population: 'enabled customer-managed symmetric KMS keys',
  needs: [AWS_PARTS.kmsKeys],
  judge(obs, { maxRotationPeriodDays = AWS_DEFAULT_ROTATION_DAYS }) {
    const got = regionalItems(obs, obs.kms, 'aws.kms.keys (ListKeys)', 'kms', 'keys')
    if (isVerdict(got)) return got
    const offenders: Offender[] = []
    const undetermined: Undetermined[] = [...got.undetermined]
    const responses: Record<string, unknown> = {}
    const outside: Record<string, number> = { awsManaged: 0, notSymmetric: 0, importedOrExternal: 0 }
    const pendingDeletion: { arn: string; deletionDate?: string }[] = []
    const disabled: string[] = []
    let judged = 0
    const decide = (k: KmsKeyObservation) => {
      if (!k.metadata.ok) {
        undetermined.push({ arn: k.arn, error: k.metadata.error })
        return
      }
      const m = k.metadata.value
      responses[k.arn] = { DescribeKey: m, ...(k.rotation ? { GetKeyRotationStatus: k.rotation.ok ? k.rotation.value : { error: k.rotation.error } } : {}) }
      if (m.KeyManager !== 'CUSTOMER') return void outside.awsManaged!++
      if (m.KeySpec !== 'SYMMETRIC_DEFAULT') return void outside.notSymmetric!++
      if (!isRotatableCustomerKey(m)) return void outside.importedOrExternal!++
      if (m.KeyState === 'PendingDeletion' || m.KeyState === 'PendingReplicaDeletion') return void pendingDeletion.push({ arn: k.arn, ...(m.DeletionDate ? { deletionDate: m.DeletionDate } : {}) })
      if (m.KeyState !== 'Enabled') return void disabled.push(k.arn)
      judged++
      if (!k.rotation) return void undetermined.push({ arn: k.arn, error: { kind: 'not-observed', message: 'GetKeyRotationStatus was not collected' } })
      if (!k.rotation.ok) return void undetermined.push({ arn: k.arn, error: k.rotation.error })
      const r = k.rotation.value
      const periodDays = r.periodDays ?? AWS_DEFAULT_ROTATION_DAYS
      if (!r.enabled) offenders.push({ arn: k.arn, region: k.region, why: 'automatic rotation is off', rotation: 'off' })
      else if (periodDays > maxRotationPeriodDays)
        offenders.push({ arn: k.arn, region: k.region, why: `rotates every ${periodDays} days, more than ${maxRotationPeriodDays}`, rotation: 'on', periodDays, ...(r.periodDays === undefined ? { periodReported: false } : {}) })
    }
    for (const k of got.items) decide(k)
    return accountVerdict(obs, {
      expected: { automaticRotation: true, maxRotationPeriodDays },
      offenders,
      undetermined,
      population: { ...got.population, keysJudged: judged, outsidePopulation: outside, disabled: disabled.length, pendingDeletion: pendingDeletion.length },
      judged,
      emptySummary: `no enabled customer-managed symmetric KMS key in ${obs.regions.join(', ')} (${got.items.length} key(s) listed: ${outside.awsManaged} AWS-managed, ${outside.notSymmetric} asymmetric or HMAC, ${outside.importedOrExternal} with imported or external material, ${disabled.length} disabled, ${pendingDeletion.length} pending deletion): nothing to judge`,
      responses,
      responsesDescription: 'DescribeKey (and GetKeyRotationStatus where automatic rotation applies) per key',
      passSummary: `automatic rotation is on, at most every ${maxRotationPeriodDays} days, for all ${judged} enabled customer-managed symmetric key(s)`,
      failNoun: 'KMS key(s) without compliant automatic rotation',
      facts: {
        ...(pendingDeletion.length ? { pendingDeletion: pendingDeletion.map((p) => ({ ...p, why: 'pending deletion: not judged for rotation' })) } : {}),
        ...(disabled.length ? { disabled } : {}),
      },
    })
  },
}
