// aws.rds.encryption, aws.rds.tls and aws.dynamodb.encryption against moto 5.2 in server mode, both
// ways. What moto does, observed: DescribeDBInstances/Clusters/Snapshots/ClusterSnapshots echo
// StorageEncrypted and KmsKeyId, and moto takes an automated snapshot of every new instance and
// cluster (whatever the backup retention); an encrypted resource created without a key reports the
// literal KmsKeyId "default_kms_key_id" (DescribeKey: NotFound), and an unencrypted cluster reports it
// too, so only encrypted resources' keys are resolved; a KmsKeyId given as alias/aws/rds is echoed as
// the alias. DescribeDBParameters / DescribeDBClusterParameters list only parameters set by hand (a
// default group lists none, and moto's own default cluster groups answer DBParameterGroupNotFound), so
// every cluster here gets its own cluster parameter group. Oracle instances can be created (their TLS
// is an error naming the engine); Db2 cannot. DynamoDB: no SSESpecification = no SSEDescription (the
// AWS-owned key); SSE KMS without a key names moto's alias/aws/dynamodb key, which DescribeKey calls
// CUSTOMER (AWS says AWS) but ListAliases shows as the target of alias/aws/dynamodb — how Vigil knows
// it is AWS-managed. States moto cannot produce are unit-tested (rds-dynamodb.test.ts).
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand } from '@aws-sdk/client-iam'
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms'
import {
  CreateDBClusterCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  CreateDBSnapshotCommand,
  ModifyDBClusterParameterGroupCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { doctorAws } from '../../checks/aws/doctor.ts'
import { AWS_PARTS } from '../../checks/aws/observation.ts'
import { EMULATOR_CREDENTIALS, emulatorClients } from '../../lab/aws/seed-account.ts'
import { judge, observe, offenders, target, useMoto } from './observe-helpers.ts'

const moto = useMoto()
const NEEDS = new Set<string>([AWS_PARTS.rdsStorage, AWS_PARTS.rdsParameters, AWS_PARTS.dynamodbTables])
const IDS = ['aws.rds.encryption', 'aws.rds.tls', 'aws.dynamodb.encryption']
const ACCOUNT = '123456789012'
const PLANTED_PASSWORD = 'PLANTED-rds-master-password-5c1d-do-not-leak'
const PLANTED_ITEM = 'PLANTED-dynamodb-item-value-9e7b-do-not-leak'
const db = (id: string) => `arn:aws:rds:us-east-1:${ACCOUNT}:db:${id}`
const cl = (id: string) => `arn:aws:rds:us-east-1:${ACCOUNT}:cluster:${id}`
const table = (n: string) => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${n}`
const KEY_SCHEMA = { AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }], BillingMode: 'PAY_PER_REQUEST' as const }

function clients(endpoint: string) {
  const common = { region: 'us-east-1', endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 3 }
  return { rds: new RDSClient(common), ddb: new DynamoDBClient(common), kms: new KMSClient(common) }
}

async function parameterGroup(rds: RDSClient, kind: 'instance' | 'cluster', name: string, family: string, parameter: string, value: string) {
  const Parameters = [{ ParameterName: parameter, ParameterValue: value, ApplyMethod: 'immediate' as const }]
  if (kind === 'instance') {
    await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: name, DBParameterGroupFamily: family, Description: name }))
    await rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: name, Parameters }))
  } else {
    await rds.send(new CreateDBClusterParameterGroupCommand({ DBClusterParameterGroupName: name, DBParameterGroupFamily: family, Description: name }))
    await rds.send(new ModifyDBClusterParameterGroupCommand({ DBClusterParameterGroupName: name, Parameters }))
  }
}

const DB = { DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'admin', MasterUserPassword: PLANTED_PASSWORD }

/** One compliant resource of every kind: a PostgreSQL instance, an Aurora MySQL cluster with a member, a table; all under a CMK. */
async function seedGood(endpoint: string): Promise<string> {
  const { rds, ddb, kms } = clients(endpoint)
  try {
    const key = (await kms.send(new CreateKeyCommand({ Description: 'databases' }))).KeyMetadata!
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId! }))
    await parameterGroup(rds, 'instance', 'pg-tls', 'postgres16', 'rds.force_ssl', '1')
    await parameterGroup(rds, 'cluster', 'aurora-tls', 'aurora-mysql8.0', 'require_secure_transport', 'ON')
    await rds.send(new CreateDBInstanceCommand({ ...DB, DBInstanceIdentifier: 'good-pg', Engine: 'postgres', EngineVersion: '16.3', StorageEncrypted: true, KmsKeyId: key.Arn!, DBParameterGroupName: 'pg-tls' }))
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'good-pg', DBSnapshotIdentifier: 'good-pg-manual' }))
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'good-aurora',
        Engine: 'aurora-mysql',
        EngineVersion: '8.0.mysql_aurora.3.05.2',
        MasterUsername: 'admin',
        MasterUserPassword: PLANTED_PASSWORD,
        StorageEncrypted: true,
        KmsKeyId: key.Arn!,
        DBClusterParameterGroupName: 'aurora-tls',
      }),
    )
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'good-aurora-1', DBClusterIdentifier: 'good-aurora', Engine: 'aurora-mysql', DBInstanceClass: 'db.r6g.large' }))
    await ddb.send(new CreateTableCommand({ ...KEY_SCHEMA, TableName: 'good-cmk', SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: key.Arn! } }))
    await ddb.send(new PutItemCommand({ TableName: 'good-cmk', Item: { id: { S: PLANTED_ITEM } } }))
    return key.Arn!
  } finally {
    rds.destroy()
    ddb.destroy()
    kms.destroy()
  }
}

/** One offender of every kind. */
async function seedBad(endpoint: string): Promise<void> {
  const { rds, ddb } = clients(endpoint)
  try {
    await parameterGroup(rds, 'instance', 'mysql-plain', 'mysql8.0', 'require_secure_transport', 'OFF')
    await parameterGroup(rds, 'cluster', 'aurora-pg-plain', 'aurora-postgresql15', 'rds.force_ssl', '0')
    await rds.send(new CreateDBInstanceCommand({ ...DB, DBInstanceIdentifier: 'bad-mysql', Engine: 'mysql', EngineVersion: '8.0.35', DBParameterGroupName: 'mysql-plain' }))
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'bad-mysql', DBSnapshotIdentifier: 'bad-mysql-manual' }))
    await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'bad-aurora', Engine: 'aurora-postgresql', EngineVersion: '15.4', MasterUsername: 'admin', MasterUserPassword: PLANTED_PASSWORD, DBClusterParameterGroupName: 'aurora-pg-plain' }))
    await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'bad-aurora', DBClusterSnapshotIdentifier: 'bad-aurora-manual' }))
    // encrypted and forcing TLS, but under the AWS-managed key: an offender only with `cmk`
    await rds.send(new CreateDBInstanceCommand({ ...DB, DBInstanceIdentifier: 'aws-key-pg', Engine: 'postgres', EngineVersion: '16.3', StorageEncrypted: true, KmsKeyId: 'alias/aws/rds', DBParameterGroupName: 'pg-tls' }))
    await ddb.send(new CreateTableCommand({ ...KEY_SCHEMA, TableName: 'bad-owned' }))
    await ddb.send(new CreateTableCommand({ ...KEY_SCHEMA, TableName: 'bad-aws-managed', SSESpecification: { Enabled: true, SSEType: 'KMS' } }))
    await ddb.send(new PutItemCommand({ TableName: 'bad-owned', Item: { id: { S: PLANTED_ITEM } } }))
  } finally {
    rds.destroy()
    ddb.destroy()
  }
}

/** ARNs of offending resources whose id starts with the given prefix (moto names automated snapshots by the minute). */
const automated = (list: string[], kind: 'snapshot' | 'cluster-snapshot', source: string) => list.filter((a) => a.startsWith(`arn:aws:rds:us-east-1:${ACCOUNT}:${kind}:rds:${source}-`))

describe('RDS and DynamoDB checks on moto', () => {
  it('an empty account is not applicable for all three', async () => {
    await moto().reset()
    const obs = await observe(moto().endpoint, undefined, NEEDS)
    for (const id of IDS) {
      const v = judge(id, obs, { cmk: id !== 'aws.rds.tls' })
      expect(v.status, `${id}: ${v.summary}`).toBe('not-applicable')
    }
  })

  it('pass on good resources, then fail naming exactly the bad ones', async () => {
    await moto().reset()
    await seedGood(moto().endpoint)
    const good = await observe(moto().endpoint, undefined, NEEDS)
    for (const [id, params] of [['aws.rds.encryption', {}], ['aws.rds.encryption', { cmk: true }], ['aws.rds.tls', {}], ['aws.dynamodb.encryption', { cmk: true }]] as const) {
      const v = judge(id, good, params)
      expect(v.status, `${id} ${JSON.stringify(params)}: ${v.summary}`).toBe('passed')
      expect(offenders(v)).toEqual([])
    }
    const enc = judge('aws.rds.encryption', good, { cmk: true })
    // good-pg, its manual and automated snapshots, the cluster and its automated snapshot, and an automated DB
    // snapshot moto also takes of the Aurora member (AWS would not); the member itself through the cluster
    expect(enc.observed.population).toMatchObject({ instancesListed: 2, instancesInClusters: 1, clustersListed: 1, dbSnapshotsListed: 3, clusterSnapshotsListed: 1, resourcesJudged: 6 })
    expect(enc.observed.judgedThroughTheirCluster).toEqual([db('good-aurora-1')])
    const tls = judge('aws.rds.tls', good)
    expect(tls.observed.population).toMatchObject({ resourcesJudged: 2, instancesInClusters: 1, parameterGroupsRead: 2 })
    const ops = good.apiCalls.map((c) => `${c.service}:${c.operation}`)
    expect(ops).toEqual(
      expect.arrayContaining([
        'rds:DescribeDBInstances',
        'rds:DescribeDBClusters',
        'rds:DescribeDBSnapshots',
        'rds:DescribeDBClusterSnapshots',
        'rds:DescribeDBParameters',
        'rds:DescribeDBClusterParameters',
        'dynamodb:ListTables',
        'dynamodb:DescribeTable',
        'kms:DescribeKey',
        'kms:ListAliases',
      ]),
    )
    // no item and no credential is ever read
    expect(ops.filter((o) => /Scan|Query|GetItem|BatchGet|GetSecretValue/.test(o))).toEqual([])

    await seedBad(moto().endpoint)
    const bad = await observe(moto().endpoint, undefined, NEEDS)
    const e = judge('aws.rds.encryption', bad)
    expect(e.status).toBe('failed')
    const encOffenders = offenders(e)
    // the two unencrypted resources, their manual snapshots, and the automated snapshots moto took of them
    const autos = [...automated(encOffenders, 'snapshot', 'bad-mysql'), ...automated(encOffenders, 'cluster-snapshot', 'bad-aurora')]
    expect(autos).toHaveLength(2)
    expect(encOffenders.filter((a) => !autos.includes(a))).toEqual(
      [cl('bad-aurora'), `arn:aws:rds:us-east-1:${ACCOUNT}:cluster-snapshot:bad-aurora-manual`, db('bad-mysql'), `arn:aws:rds:us-east-1:${ACCOUNT}:snapshot:bad-mysql-manual`].sort(),
    )
    // with `cmk`, the instance under alias/aws/rds and its automated snapshot offend too
    const cmk = offenders(judge('aws.rds.encryption', bad, { cmk: true }))
    expect(cmk).toEqual(expect.arrayContaining([db('aws-key-pg'), ...automated(cmk, 'snapshot', 'aws-key-pg')]))
    expect(automated(cmk, 'snapshot', 'aws-key-pg')).toHaveLength(1)
    expect(cmk).toHaveLength(8)

    const t = judge('aws.rds.tls', bad)
    expect(t.status).toBe('failed')
    expect(offenders(t)).toEqual([cl('bad-aurora'), db('bad-mysql')])
    expect(t.offenders!.map((o) => o.why)).toEqual(['rds.force_ssl = 0 in DB cluster parameter group aurora-pg-plain', 'require_secure_transport = OFF in parameter group mysql-plain'])

    const d = judge('aws.dynamodb.encryption', bad, { cmk: true })
    expect(d.status).toBe('failed')
    expect(offenders(d)).toEqual([table('bad-aws-managed'), table('bad-owned')])
    expect(d.offenders!.find((o) => o.id === table('bad-aws-managed'))!.why).toMatch(/AWS-managed key .* \(alias\/aws\/dynamodb\)/)
    // without `cmk` every table is encrypted with some KMS key
    expect(judge('aws.dynamodb.encryption', bad).status).toBe('passed')

    const all = JSON.stringify(bad)
    expect(all).not.toContain(PLANTED_PASSWORD)
    expect(all).not.toContain(PLANTED_ITEM)
  }, 90_000)

  it('an engine with no known TLS parameter is an error naming the engine', async () => {
    await moto().reset()
    const { rds } = clients(moto().endpoint)
    try {
      await rds.send(new CreateDBInstanceCommand({ ...DB, DBInstanceIdentifier: 'ledger', Engine: 'oracle-ee', StorageEncrypted: true }))
    } finally {
      rds.destroy()
    }
    const obs = await observe(moto().endpoint, undefined, NEEDS)
    const v = judge('aws.rds.tls', obs)
    expect(v).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
    expect(v.offenders).toEqual([{ id: db('ledger'), why: 'could not be decided: engine oracle-ee: Vigil knows no parameter that forces TLS for it' }])
    // storage is judged as for any engine; moto's placeholder key cannot be placed, so `cmk` cannot decide it
    expect(judge('aws.rds.encryption', obs).status).toBe('passed')
    const cmk = judge('aws.rds.encryption', obs, { cmk: true })
    expect(cmk.status).toBe('error')
    expect(cmk.summary).toMatch(/DescribeKey default_kms_key_id/)
  }, 60_000)
})

describe('vigil doctor knows the RDS and DynamoDB reads', () => {
  it('warns about credentials holding the read-only policy without its database statement, naming the missing reads', async () => {
    await moto().reset()
    const policy = JSON.parse(readFileSync(new URL('../../checks/aws/vigil-readonly-policy.json', import.meta.url), 'utf8')) as { Statement: { Sid: string; Action: string[] }[] }
    const withoutDatabases = { ...policy, Statement: policy.Statement.filter((s) => s.Sid !== 'VigilDatabaseConfiguration') }
    const { iam } = emulatorClients(moto().endpoint)
    try {
      await iam.send(new CreateUserCommand({ UserName: 'old-reader' }))
      const p = await iam.send(new CreatePolicyCommand({ PolicyName: 'old-readonly', PolicyDocument: JSON.stringify(withoutDatabases) }))
      await iam.send(new AttachUserPolicyCommand({ UserName: 'old-reader', PolicyArn: p.Policy!.Arn! }))
      const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'old-reader' }))).AccessKey!
      const r = await doctorAws(target(moto().endpoint), { credentials: async () => ({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }) })
      expect(r.ok).toBe(false)
      expect(r.writeActions.count).toBe(0)
      const missing = ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeDBParameters', 'rds:DescribeDBClusterParameters', 'dynamodb:ListTables', 'dynamodb:DescribeTable']
      expect(r.readActions.missing).toEqual(missing)
      expect(r.warnings).toHaveLength(1)
      expect(r.warnings[0]).toMatch(/lack 8 of the \d+ read action\(s\).*rds:DescribeDBInstances/)
      expect(JSON.stringify(r)).not.toContain(k.SecretAccessKey!)
    } finally {
      iam.destroy()
    }
  }, 60_000)
})
