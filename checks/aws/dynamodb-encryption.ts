// aws.dynamodb.encryption — every DynamoDB table is encrypted at rest with a KMS key, and with `cmk`
// with a customer-managed one. DynamoDB always encrypts: with no SSEDescription (or SSE disabled) the
// table uses the AWS-owned key, DynamoDB's default, which passes unless `cmk` is set; SSEType KMS
// names the AWS-managed key (alias/aws/dynamodb, an offender with `cmk`) or a customer-managed key.
// Who manages the named key comes from DescribeKey and the account's `alias/aws/…` aliases.
import type { CheckDefinition } from '../types.ts'
import { accountVerdict, isVerdict, partFailure, type Offender, type Undetermined } from './account-verdict.ts'
import { keyManagement } from './key-references.ts'
import { AWS_PARTS, type AwsObservation, type DynamoObservation, type DynamoSseDescription } from './observation.ts'
import { regionalItems } from './regional-checks.ts'

export interface DynamoEncryptionParams {
  /** require a customer-managed KMS key (neither the AWS-owned default nor the AWS-managed alias/aws/dynamodb) */
  cmk?: boolean
}

/** Which kind of key a table's SSEDescription says encrypts it; `undefined` = a shape Vigil does not know. */
export function tableKey(sse: DynamoSseDescription | undefined): 'aws-owned' | 'kms' | undefined {
  // no description, SSE disabled (or being disabled) and the legacy AES256 type all mean the AWS-owned key
  if (!sse || sse.status === 'DISABLED' || sse.status === 'DISABLING' || sse.sseType === 'AES256') return 'aws-owned'
  if (sse.sseType === 'KMS') return 'kms'
  return undefined
}

export const dynamodbEncryption: CheckDefinition<AwsObservation, DynamoEncryptionParams> = {
  id: 'aws.dynamodb.encryption',
  kinds: ['aws'],
  title: 'DynamoDB tables are encrypted with a KMS key',
  description:
    'a DynamoDB table reports an encryption Vigil cannot place; with `cmk`, a table encrypted with the AWS-owned key (DynamoDB’s default) or the AWS-managed key alias/aws/dynamodb rather than a customer-managed key',
  params: [{ name: 'cmk', description: 'require a customer-managed KMS key (the AWS-owned default and alias/aws/dynamodb offend)', default: false }],
  severity: {
    level: 'low',
    reason: 'DynamoDB encrypts every table at rest; a table without a customer-managed key is still encrypted, but its key use cannot be restricted by a key policy, audited per call in CloudTrail (AWS-owned key) or revoked by the account.',
  },
  population: "DynamoDB tables in the target's regions",
  needs: [AWS_PARTS.dynamodbTables],
  judge(obs, { cmk = false }) {
    const bad = partFailure(obs, obs.dynamodb, 'aws.dynamodb.tables (ListTables, DescribeTable)')
    if (bad) return bad
    const ddb = (obs.dynamodb as { ok: true; value: DynamoObservation }).value
    const got = regionalItems(obs, { ok: true, value: ddb.tables }, 'aws.dynamodb.tables (ListTables)', 'dynamodb', 'tables')
    if (isVerdict(got)) return got
    const offenders: Offender[] = []
    const undetermined: Undetermined[] = [...got.undetermined]
    const byKey = { 'aws-owned': 0, 'aws-managed': 0, 'customer-managed': 0, 'kms-undecided': 0 }
    const responses: Record<string, unknown> = {}
    for (const t of got.items) {
      if (!t.described.ok) {
        undetermined.push({ arn: t.arn, error: t.described.error })
        continue
      }
      const sse = t.described.value.sse
      responses[t.arn] = { TableStatus: t.described.value.status, SSEDescription: sse ?? null }
      const kind = tableKey(sse)
      if (!kind) {
        undetermined.push({ arn: t.arn, error: { kind: 'inconclusive', message: `SSEDescription ${JSON.stringify(sse)} names no encryption Vigil knows` } })
        continue
      }
      if (kind === 'aws-owned') {
        byKey['aws-owned']++
        if (cmk) offenders.push({ arn: t.arn, region: t.region, name: t.name, key: 'AWS-owned', why: 'encrypted with the AWS-owned key (DynamoDB’s default), not a customer-managed key' })
        continue
      }
      const ref = sse!.kmsMasterKeyArn
      const k = ref ? keyManagement(t.region, ref, ddb.keys) : undefined
      if (!k || k.managed === 'unknown') {
        byKey['kms-undecided']++
        // the key matters only when a customer-managed one is required
        if (cmk) undetermined.push({ arn: t.arn, error: k?.managed === 'unknown' ? k.error : { kind: 'inconclusive', message: 'SSEType KMS without a KMSMasterKeyArn' } })
        continue
      }
      if (k.managed === 'aws') {
        byKey['aws-managed']++
        if (cmk) offenders.push({ arn: t.arn, region: t.region, name: t.name, key: 'AWS-managed', kmsMasterKeyArn: ref, decidedBy: k.by, why: `encrypted with the AWS-managed key ${ref} (alias/aws/dynamodb), not a customer-managed key` })
      } else byKey['customer-managed']++
    }
    return accountVerdict(obs, {
      expected: { encryptedWith: cmk ? 'a customer-managed KMS key' : 'any KMS key (AWS-owned, AWS-managed or customer-managed)', cmk },
      offenders,
      undetermined,
      population: { ...got.population, tablesByKey: byKey },
      judged: got.items.length,
      emptySummary: `no DynamoDB table in ${obs.regions.join(', ')}: nothing to judge`,
      responses: { tables: responses, keyOwners: ddb.keys },
      responsesDescription: 'TableStatus and SSEDescription per table (DescribeTable; no item is read), and who manages each named KMS key (DescribeKey, ListAliases)',
      passSummary: cmk ? `all ${got.items.length} DynamoDB table(s) are encrypted with a customer-managed KMS key` : `all ${got.items.length} DynamoDB table(s) are encrypted at rest (${byKey['aws-owned']} with the AWS-owned key, ${byKey['aws-managed']} AWS-managed, ${byKey['customer-managed']} customer-managed${byKey['kms-undecided'] ? `, ${byKey['kms-undecided']} under a KMS key whose manager was not read` : ''})`,
      failNoun: 'DynamoDB table(s) not encrypted with a customer-managed KMS key',
    })
  },
}
