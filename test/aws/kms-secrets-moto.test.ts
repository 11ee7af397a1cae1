// aws.kms.rotation, aws.kms.key-policy, aws.secretsmanager.rotation and aws.ssm.secure-parameters against moto in server
// mode: an empty account is not applicable, good resources pass, a bad one fails and is named by ARN.
// Then the whole `vigil run`: secret values planted in Secrets Manager and SSM, an RDS master password
// and a DynamoDB item reach no output (with the RDS and DynamoDB policies in the run).
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms'
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { CreateDBInstanceCommand, CreateDBParameterGroupCommand, ModifyDBParameterGroupCommand, RDSClient } from '@aws-sdk/client-rds'
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { AWS_PARTS } from '../../checks/aws/observation.ts'
import { EMULATOR_CREDENTIALS } from '../../lab/aws/seed-account.ts'
import { runVigil } from '../run-vigil.ts'
import { judge, observe, offenders, useMoto } from './observe-helpers.ts'

const moto = useMoto()
const NEEDS = new Set<string>([AWS_PARTS.kmsKeys, AWS_PARTS.kmsKeyPolicies, AWS_PARTS.secrets, AWS_PARTS.ssmParameters])
const IDS = ['aws.kms.key-policy', 'aws.kms.rotation', 'aws.secretsmanager.rotation', 'aws.ssm.secure-parameters']
const OTHER_ACCOUNT = '444455556666'
const PLANTED_SECRET = 'PLANTED-secretsmanager-value-7f3a9c1e-do-not-leak'
const PLANTED_PARAMETER = 'PLANTED-ssm-parameter-value-2b8d4e60-do-not-leak'
const ACCOUNT = '123456789012'
const PLANTED_DB_PASSWORD = 'PLANTED-rds-master-password-3a7e91-do-not-leak'
const PLANTED_ITEM = 'PLANTED-dynamodb-item-6d20f4-do-not-leak'
const DATABASE_IDS = ['aws.dynamodb.encryption', 'aws.rds.encryption', 'aws.rds.tls']

function clients(endpoint: string) {
  const common = { region: 'us-east-1', endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 3 }
  return { kms: new KMSClient(common), sm: new SecretsManagerClient(common), ssm: new SSMClient(common) }
}

/** One compliant resource per check (plus keys outside the KMS population); returns the good key's ARN. */
async function seedGood(endpoint: string): Promise<{ goodKey: string; outside: string[] }> {
  const { kms, sm, ssm } = clients(endpoint)
  try {
    const good = await kms.send(new CreateKeyCommand({ Description: 'rotating' }))
    await kms.send(new EnableKeyRotationCommand({ KeyId: good.KeyMetadata!.KeyId! }))
    // outside the population: asymmetric, and a customer key pending deletion (rotation off)
    const rsa = await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }))
    const doomed = await kms.send(new CreateKeyCommand({ Description: 'doomed' }))
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyMetadata!.KeyId!, PendingWindowInDays: 7 }))
    await sm.send(new CreateSecretCommand({ Name: 'app/db-password', SecretString: PLANTED_SECRET }))
    // moto: RotateSecret without a Lambda ARN enables rotation and stamps LastRotatedDate
    await sm.send(new RotateSecretCommand({ SecretId: 'app/db-password', RotationRules: { AutomaticallyAfterDays: 30 } }))
    await ssm.send(new PutParameterCommand({ Name: '/app/db-password', Value: PLANTED_PARAMETER, Type: 'SecureString' }))
    await ssm.send(new PutParameterCommand({ Name: '/app/region', Value: 'eu-west-1', Type: 'String' }))
    return { goodKey: good.KeyMetadata!.Arn!, outside: [rsa.KeyMetadata!.Arn!, doomed.KeyMetadata!.Arn!] }
  } finally {
    for (const c of [kms, sm, ssm]) c.destroy()
  }
}

/** One offending resource per check. */
async function seedBad(endpoint: string): Promise<{ badKey: string; sharedKey: string; badSecret: string; badParameter: string }> {
  const { kms, sm, ssm } = clients(endpoint)
  try {
    const bad = await kms.send(new CreateKeyCommand({ Description: 'never rotates' }))
    // rotating, but its policy lets another account decrypt without a condition
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'PartnerDecrypt', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }, Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '*' },
      ],
    })
    const shared = await kms.send(new CreateKeyCommand({ Description: 'shared', Policy: policy }))
    await kms.send(new EnableKeyRotationCommand({ KeyId: shared.KeyMetadata!.KeyId! }))
    const s = await sm.send(new CreateSecretCommand({ Name: 'app/api-token', SecretString: PLANTED_SECRET }))
    await ssm.send(new PutParameterCommand({ Name: '/app/API_TOKEN', Value: PLANTED_PARAMETER, Type: 'String' }))
    return { badKey: bad.KeyMetadata!.Arn!, sharedKey: shared.KeyMetadata!.Arn!, badSecret: s.ARN!, badParameter: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/API_TOKEN` }
  } finally {
    for (const c of [kms, sm, ssm]) c.destroy()
  }
}

describe('KMS, Secrets Manager and SSM checks on moto', () => {
  it('an empty account is not applicable for all four', async () => {
    await moto().reset()
    const obs = await observe(moto().endpoint, undefined, NEEDS)
    for (const id of IDS) expect(judge(id, obs).status, id).toBe('not-applicable')
  })

  it('pass on good resources, then fail naming exactly the bad ones', async () => {
    await moto().reset()
    const { goodKey, outside } = await seedGood(moto().endpoint)
    const good = await observe(moto().endpoint, undefined, NEEDS)
    for (const id of IDS) {
      const v = judge(id, good)
      expect(v.status, `${id}: ${v.summary}`).toBe('passed')
      expect(offenders(v)).toEqual([])
    }
    const kmsGood = judge('aws.kms.rotation', good)
    expect(kmsGood.observed.population).toMatchObject({ keysListed: 3, keysJudged: 1, pendingDeletion: 1, outsidePopulation: { notSymmetric: 1 } })
    expect(kmsGood.observed.pendingDeletion).toEqual([expect.objectContaining({ arn: outside[1], why: expect.stringMatching(/pending deletion/) })])
    expect(kmsGood.summary).toMatch(/all 1 enabled/)
    expect(goodKey).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//)
    // an API-call record for every operation, no value read
    const ops = good.apiCalls.map((c) => `${c.service}:${c.operation}`)
    expect(good.kms?.ok && good.kms.value.items.filter((k) => k.policy?.ok).length).toBe(2)
    expect(ops).toEqual(expect.arrayContaining(['kms:ListKeys', 'kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:GetKeyPolicy', 'secretsmanager:ListSecrets', 'ssm:DescribeParameters']))
    expect(ops.filter((o) => /GetSecretValue|GetParameter/.test(o))).toEqual([])

    const { badKey, sharedKey, badSecret, badParameter } = await seedBad(moto().endpoint)
    const bad = await observe(moto().endpoint, undefined, NEEDS)
    const kms = judge('aws.kms.rotation', bad)
    expect(kms.status).toBe('failed')
    expect(offenders(kms)).toEqual([badKey])
    expect(kms.offenders![0]!.why).toBe('automatic rotation is off')
    const policy = judge('aws.kms.key-policy', bad)
    expect(policy.status).toBe('failed')
    expect(offenders(policy)).toEqual([sharedKey])
    expect(policy.offenders).toEqual([{ id: `${sharedKey}#${OTHER_ACCOUNT}:kms:Decrypt`, why: `account ${OTHER_ACCOUNT} may use kms:Decrypt without a condition` }])
    const sm = judge('aws.secretsmanager.rotation', bad)
    expect(sm.status).toBe('failed')
    expect(offenders(sm)).toEqual([badSecret])
    expect(sm.offenders![0]!.why).toBe('rotation is not enabled, never rotated')
    const ssm = judge('aws.ssm.secure-parameters', bad)
    expect(ssm.status).toBe('failed')
    expect(offenders(ssm)).toEqual([badParameter])
    expect(ssm.summary).toContain('/app/API_TOKEN')
    // a shorter rotation bound than moto's unreported (default 365-day) period fails the good key too
    expect(offenders(judge('aws.kms.rotation', bad, { maxRotationPeriodDays: 90 }))).toEqual([badKey, goodKey, sharedKey].sort())
    // with `cmk`, the AWS-managed alias/aws/ssm key offends
    expect(offenders(judge('aws.ssm.secure-parameters', bad, { cmk: true }))).toEqual([`arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/db-password`, badParameter].sort())
    expect(JSON.stringify(bad)).not.toContain(PLANTED_SECRET)
    expect(JSON.stringify(bad)).not.toContain(PLANTED_PARAMETER)
  }, 60_000)
})

/** Every file under `dir`, decompressed when gzipped. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...filesUnder(p))
    else {
      const raw = readFileSync(p)
      out.push({ path: p, text: raw.toString('latin1') })
      if (raw[0] === 0x1f && raw[1] === 0x8b) out.push({ path: `${p} (gunzipped)`, text: gunzipSync(raw).toString('latin1') })
    }
  }
  return out
}

/** An unencrypted MySQL database without forced TLS (its master password planted) and a table on the AWS-owned key holding a planted item. */
async function seedBadDatabases(endpoint: string): Promise<void> {
  const common = { region: 'us-east-1', endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 3 }
  const rds = new RDSClient(common)
  const ddb = new DynamoDBClient(common)
  try {
    await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'mysql-plain', DBParameterGroupFamily: 'mysql8.0', Description: 'plain' }))
    await rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: 'mysql-plain', Parameters: [{ ParameterName: 'require_secure_transport', ParameterValue: 'OFF', ApplyMethod: 'immediate' }] }))
    await rds.send(
      new CreateDBInstanceCommand({ DBInstanceIdentifier: 'app-db', Engine: 'mysql', EngineVersion: '8.0.35', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'admin', MasterUserPassword: PLANTED_DB_PASSWORD, DBParameterGroupName: 'mysql-plain' }),
    )
    await ddb.send(new CreateTableCommand({ TableName: 'app-sessions', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }))
    await ddb.send(new PutItemCommand({ TableName: 'app-sessions', Item: { id: { S: 'session-1' }, token: { S: PLANTED_ITEM } } }))
  } finally {
    rds.destroy()
    ddb.destroy()
  }
}

describe('planted secret values', () => {
  it('reach no output of `vigil run`: stdout, stderr and every file in --out', async () => {
    await moto().reset()
    await seedGood(moto().endpoint)
    await seedBad(moto().endpoint)
    await seedBadDatabases(moto().endpoint)
    const dir = mkdtempSync(join(tmpdir(), 'vigil-secrets-'))
    writeFileSync(join(dir, 'vigil.yaml'), `targets:\n  aws:\n    - {name: acct, regions: [us-east-1], endpoint: "${moto().endpoint}"}\n`)
    const features = ['kms-rotation', 'kms-key-policy', 'secretsmanager-rotation', 'ssm-secure-parameters', 'rds-encryption', 'rds-tls', 'dynamodb-encryption'].map((f) => new URL(`../../features/aws/${f}.feature`, import.meta.url).pathname)
    const r = await runVigil(['run', '--config', 'vigil.yaml', ...features.flatMap((f) => ['--features', f]), '--out', 'out'], {
      cwd: dir,
      env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SESSION_TOKEN: '', AWS_PROFILE: '' },
      timeoutMs: 90_000,
    })
    expect(r.code, r.stderr).toBe(1)
    const results = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')) as { findings: { checkId: string; status: string }[] }
    expect(results.findings.map((f) => [f.checkId, f.status]).sort()).toEqual([...DATABASE_IDS, ...IDS].sort().map((id) => [id, 'failed']))
    const files = filesUnder(join(dir, 'out'))
    expect(files.length).toBeGreaterThan(2)
    // the files do hold the secrets' and parameters' names: what was scanned is the real report
    expect(files.some((f) => f.text.includes('app/api-token')) && files.some((f) => f.text.includes('/app/API_TOKEN'))).toBe(true)
    expect(files.some((f) => f.text.includes('db:app-db')) && files.some((f) => f.text.includes('table/app-sessions'))).toBe(true)
    for (const { path, text } of [...files, { path: 'stdout', text: r.stdout }, { path: 'stderr', text: r.stderr }]) {
      expect(text.includes(PLANTED_SECRET), path).toBe(false)
      expect(text.includes(PLANTED_PARAMETER), path).toBe(false)
      expect(text.includes(PLANTED_DB_PASSWORD), path).toBe(false)
      expect(text.includes(PLANTED_ITEM), path).toBe(false)
    }
    expect(existsSync(join(dir, 'out', 'results.json'))).toBe(true)
  }, 120_000)
})
