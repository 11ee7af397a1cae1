// aws.rds.encryption, aws.rds.tls and aws.dynamodb.encryption as pure judges on hand-made
// observations. Some states here cannot be produced by moto 5.2 and are injected only for these unit
// tests: a key DescribeKey reports as KeyManager AWS (moto makes every key CUSTOMER), a parameter
// group listing a parameter with its engine default (moto lists only parameters set by hand, and
// DescribeDBClusterParameters fails on its own default cluster groups), a parameter group pending
// reboot, a table whose SSE is DISABLED or reports the legacy AES256 type, and unread regions.
// Offender ids are ARNs, sorted whatever the order of the observation.
import { describe, expect, it } from 'vitest'
import { tlsForcingParameter } from '../../checks/aws/rds-tls.ts'
import { tableKey } from '../../checks/aws/dynamodb-encryption.ts'
import { kmsKeyRefId, rdsParameterGroupId } from '../../checks/aws/key-references.ts'
import type {
  AwsObservation,
  DynamoSseDescription,
  DynamoTableObservation,
  KmsKeyOwners,
  RdsClusterObservation,
  RdsInstanceObservation,
  RdsObservation,
  RdsParameterGroupObservation,
  RdsSnapshotObservation,
  RegionalInventory,
} from '../../checks/aws/observation.ts'
import type { Verdict } from '../../checks/types.ts'
import { judge } from './observe-helpers.ts'
import { awsAccount } from './observations.ts'

const ACCOUNT = '111122223333'
const R = 'us-east-1'
const ids = (v: Verdict) => (v.offenders ?? []).map((o) => o.id)
const denied = { kind: 'access-denied' as const, message: 'AccessDenied' }
const CMK = `arn:aws:kms:${R}:${ACCOUNT}:key/1111aaaa-1111-1111-1111-111111111111`
const AWS_KEY = `arn:aws:kms:${R}:${ACCOUNT}:key/2222bbbb-2222-2222-2222-222222222222`
const dbArn = (id: string) => `arn:aws:rds:${R}:${ACCOUNT}:db:${id}`
const clusterArn = (id: string) => `arn:aws:rds:${R}:${ACCOUNT}:cluster:${id}`
const inv = <T>(items: T[], unreadRegions: RegionalInventory<T>['unreadRegions'] = []): RegionalInventory<T> => ({ items, pages: 1, unreadRegions })

function instance(id: string, more: Partial<RdsInstanceObservation> = {}): RdsInstanceObservation {
  return { id, arn: dbArn(id), region: R, engine: 'postgres', storageEncrypted: true, kmsKeyId: CMK, parameterGroups: [{ name: 'pg-tls', applyStatus: 'in-sync' }], ...more }
}
function cluster(id: string, more: Partial<RdsClusterObservation> = {}): RdsClusterObservation {
  return { id, arn: clusterArn(id), region: R, engine: 'aurora-mysql', storageEncrypted: true, kmsKeyId: CMK, parameterGroup: 'aurora-tls', members: [], ...more }
}
function snapshot(id: string, kind: RdsSnapshotObservation['kind'], more: Partial<RdsSnapshotObservation> = {}): RdsSnapshotObservation {
  return { kind, id, arn: `arn:aws:rds:${R}:${ACCOUNT}:${kind === 'db-snapshot' ? 'snapshot' : 'cluster-snapshot'}:${id}`, region: R, snapshotType: 'manual', encrypted: true, kmsKeyId: CMK, ...more }
}
const OWNERS: KmsKeyOwners = {
  [CMK]: { ok: true, value: { keyArn: CMK, keyManager: 'CUSTOMER', awsAliases: [] } },
  [AWS_KEY]: { ok: true, value: { keyArn: AWS_KEY, keyManager: 'AWS', awsAliases: [] } },
}
const group = (params: RdsParameterGroupObservation['parameters']): { ok: true; value: RdsParameterGroupObservation } => ({ ok: true, value: { parameters: params, pages: 4 } })
const GROUPS: RdsObservation['parameterGroups'] = {
  [rdsParameterGroupId(R, 'instance', 'pg-tls')]: group({ 'rds.force_ssl': { value: '1', source: 'user' } }),
  [rdsParameterGroupId(R, 'cluster', 'aurora-tls')]: group({ require_secure_transport: { value: 'ON', source: 'user' } }),
}

function withRds(rds: Partial<RdsObservation>): AwsObservation {
  return { ...awsAccount(), rds: { ok: true, value: { instances: inv([]), clusters: inv([]), snapshots: inv([]), keys: OWNERS, parameterGroups: GROUPS, ...rds } } }
}

describe('aws.rds.encryption', () => {
  it('passes encrypted instances, clusters and snapshots; a cluster member is judged through its cluster', () => {
    const obs = withRds({
      instances: inv([instance('app'), instance('aurora-1', { engine: 'aurora-mysql', clusterId: 'aurora', storageEncrypted: false })]),
      clusters: inv([cluster('aurora', { members: ['aurora-1'] })]),
      snapshots: inv([snapshot('app-manual', 'db-snapshot'), snapshot('rds:aurora-2026-11-23', 'cluster-snapshot', { snapshotType: 'automated' })]),
    })
    const v = judge('aws.rds.encryption', obs)
    expect(v.status, v.summary).toBe('passed')
    expect(v.observed.population).toMatchObject({ instancesListed: 2, instancesInClusters: 1, clustersListed: 1, dbSnapshotsListed: 1, clusterSnapshotsListed: 1, resourcesJudged: 4, resourcesEncrypted: 4 })
    expect(v.observed.judgedThroughTheirCluster).toEqual([dbArn('aurora-1')])
    expect(judge('aws.rds.encryption', obs, { cmk: true }).status).toBe('passed')
  })

  it('fails every unencrypted instance, cluster and snapshot by ARN, sorted, whatever the order', () => {
    const items = {
      instances: inv([instance('b-plain', { storageEncrypted: false, kmsKeyId: undefined }), instance('a-good')]),
      clusters: inv([cluster('plain-aurora', { storageEncrypted: false })]),
      snapshots: inv([
        snapshot('rds:b-plain-2026-11-23', 'db-snapshot', { snapshotType: 'automated', source: 'b-plain', encrypted: false, kmsKeyId: undefined }),
        snapshot('rds:b-plain-2026-11-24', 'db-snapshot', { snapshotType: 'automated', source: 'b-plain', encrypted: false, kmsKeyId: undefined }),
        snapshot('old', 'cluster-snapshot', { encrypted: false }),
      ]),
    }
    const v = judge('aws.rds.encryption', withRds(items))
    expect(v.status).toBe('failed')
    // the daily automated snapshots of one database are one offender (a new one tomorrow is no new offender)
    const group = `arn:aws:rds:${R}:${ACCOUNT}:snapshot:rds:b-plain-*`
    const autoId = `${group}#unencrypted`
    const expected = [clusterArn('plain-aurora'), `arn:aws:rds:${R}:${ACCOUNT}:cluster-snapshot:old`, dbArn('b-plain'), autoId].sort()
    expect(ids(v)).toEqual(expected)
    expect(v.offenders!.find((o) => o.id === autoId)).toMatchObject({ why: '2 scheduled snapshot(s) of b-plain: DB snapshot storage is not encrypted' })
    expect((v.observed.offenders as { arn: string }[]).find((o) => o.arn === group)).toMatchObject({
      snapshots: [`arn:aws:rds:${R}:${ACCOUNT}:snapshot:rds:b-plain-2026-11-23`, `arn:aws:rds:${R}:${ACCOUNT}:snapshot:rds:b-plain-2026-11-24`],
    })
    expect(v.offenders!.find((o) => o.id === dbArn('b-plain'))!.why).toBe('DB instance storage is not encrypted')
    const reversed = { instances: inv([...items.instances.items].reverse()), clusters: items.clusters, snapshots: inv([...items.snapshots.items].reverse()) }
    expect(ids(judge('aws.rds.encryption', withRds(reversed)))).toEqual(expected)
  })

  it('scheduled snapshots (automated, AWS Backup) group per source and reason; what cannot be decided groups too', () => {
    const backupArn = (n: string) => `arn:aws:rds:${R}:${ACCOUNT}:snapshot:awsbackup:${n}`
    const obs = withRds({
      instances: inv([instance('db1')]),
      snapshots: inv([
        snapshot('rds:db1-2026-11-23', 'db-snapshot', { snapshotType: 'automated', source: 'db1', encrypted: false, kmsKeyId: undefined }),
        snapshot('rds:db1-2026-11-24', 'db-snapshot', { snapshotType: 'automated', source: 'db1', kmsKeyId: AWS_KEY }),
        { ...snapshot('x', 'db-snapshot', { snapshotType: 'awsbackup', source: 'db1', encrypted: false, kmsKeyId: undefined }), arn: backupArn('job-1111') },
        { ...snapshot('y', 'db-snapshot', { snapshotType: 'awsbackup', source: 'db1', encrypted: false, kmsKeyId: undefined }), arn: backupArn('job-2222') },
      ]),
    })
    const v = judge('aws.rds.encryption', obs, { cmk: true })
    const rds = `arn:aws:rds:${R}:${ACCOUNT}:snapshot:rds:db1-*`
    // a reason never hides another, and the milder one keeps its own severity
    expect(v.offenders!.filter((o) => o.id.startsWith(rds))).toEqual([
      { id: `${rds}#aws-managed-key`, why: expect.stringMatching(/^1 scheduled snapshot\(s\) of db1: encrypted with the AWS-managed key/), severity: 'low' },
      { id: `${rds}#unencrypted`, why: '1 scheduled snapshot(s) of db1: DB snapshot storage is not encrypted' },
    ])
    expect(ids(v)).toContain(`arn:aws:rds:${R}:${ACCOUNT}:snapshot:awsbackup:db1-*#unencrypted`)
    expect(ids(v).filter((id) => id.includes('job-'))).toEqual([])
    // a key whose owner cannot be read: the group is undecided under its own stable id
    const unknownKey = `arn:aws:kms:${R}:999999999999:key/4444dddd-4444-4444-4444-444444444444`
    const odd = withRds({ snapshots: inv([1, 2].map((d) => snapshot(`rds:db2-2026-11-2${d}`, 'db-snapshot', { snapshotType: 'automated', source: 'db2', kmsKeyId: unknownKey })) ) })
    const u = judge('aws.rds.encryption', odd, { cmk: true })
    expect(u.status).toBe('error')
    expect((u.offenders ?? []).map((o) => o.id)).toEqual([`arn:aws:rds:${R}:${ACCOUNT}:snapshot:rds:db2-*`])
  })

  it('with cmk, the AWS-managed key offends (low) whether named by alias, by AWS alias target or by KeyManager', () => {
    const viaAlias = `arn:aws:kms:${R}:${ACCOUNT}:key/3333cccc-3333-3333-3333-333333333333`
    const obs = withRds({
      instances: inv([instance('by-name', { kmsKeyId: 'alias/aws/rds' }), instance('by-manager', { kmsKeyId: AWS_KEY }), instance('by-alias', { kmsKeyId: viaAlias }), instance('cmk')]),
      keys: { ...OWNERS, [viaAlias]: { ok: true, value: { keyArn: viaAlias, keyManager: 'CUSTOMER', awsAliases: ['alias/aws/rds'] } } },
    })
    expect(judge('aws.rds.encryption', obs).status).toBe('passed')
    const v = judge('aws.rds.encryption', obs, { cmk: true })
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual([dbArn('by-alias'), dbArn('by-manager'), dbArn('by-name')])
    expect(v.offenders!.every((o) => o.severity === 'low')).toBe(true)
    expect(v.offenders!.find((o) => o.id === dbArn('by-name'))!.why).toBe('encrypted with the AWS-managed key alias/aws/rds, not a customer-managed key')
  })

  it('with cmk, a key whose manager could not be read is an error naming the resource; without cmk it does not matter', () => {
    const obs = withRds({ instances: inv([instance('app', { kmsKeyId: 'default_kms_key_id' })]), keys: { [kmsKeyRefId(R, 'default_kms_key_id')]: { ok: false, error: { kind: 'protocol', message: 'DescribeKey default_kms_key_id: NotFoundException' } } } })
    expect(judge('aws.rds.encryption', obs).status).toBe('passed')
    const v = judge('aws.rds.encryption', obs, { cmk: true })
    expect(v.status).toBe('error')
    expect(ids(v)).toEqual([dbArn('app')])
    expect(v.summary).toMatch(/NotFoundException/)
  })

  it('an unread region is an error naming it; a part not collected is an error; nothing listed is not applicable', () => {
    const v = judge('aws.rds.encryption', withRds({ snapshots: inv([], [{ region: 'eu-west-1', error: denied }]) }))
    expect(v).toMatchObject({ status: 'error', errorKind: 'access-denied' })
    expect(ids(v)).toEqual([`arn:aws:rds:eu-west-1:${ACCOUNT}:*`])
    // an unencrypted instance still fails the account, the unread region noted
    expect(judge('aws.rds.encryption', withRds({ instances: inv([instance('x', { storageEncrypted: false })], [{ region: 'eu-west-1', error: denied }]) })).summary).toMatch(/1 could not be read/)
    expect(judge('aws.rds.encryption', awsAccount())).toMatchObject({ status: 'error', errorKind: 'not-observed' })
    expect(judge('aws.rds.encryption', withRds({ snapshots: undefined }))).toMatchObject({ status: 'error', errorKind: 'not-observed' })
    const empty = judge('aws.rds.encryption', withRds({}))
    expect(empty.status).toBe('not-applicable')
    expect(empty.summary).toMatch(/no RDS DB instance, DB cluster or snapshot/)
  })
})

describe('aws.rds.tls', () => {
  it.each([
    ['postgres', 'rds.force_ssl'],
    ['aurora-postgresql', 'rds.force_ssl'],
    ['sqlserver-se', 'rds.force_ssl'],
    ['sqlserver-dev-ee', 'rds.force_ssl'],
    ['mysql', 'require_secure_transport'],
    ['mariadb', 'require_secure_transport'],
    ['aurora-mysql', 'require_secure_transport'],
    ['oracle-ee', undefined],
    ['db2-se', undefined],
    ['custom-sqlserver-ee', undefined],
    ['docdb', undefined],
  ])('%s: %s', (engine, parameter) => {
    expect(tlsForcingParameter(engine)?.parameter).toBe(parameter)
  })

  it('passes forced instances and clusters (ON or 1), judging cluster members through their cluster', () => {
    const obs = withRds({
      instances: inv([instance('pg'), instance('my', { engine: 'mysql', parameterGroups: [{ name: 'my-tls' }] }), instance('aurora-1', { engine: 'aurora-mysql', clusterId: 'aurora', parameterGroups: [{ name: 'default.aurora-mysql8.0' }] })]),
      clusters: inv([cluster('aurora', { members: ['aurora-1'] })]),
      parameterGroups: { ...GROUPS, [rdsParameterGroupId(R, 'instance', 'my-tls')]: group({ require_secure_transport: { value: '1', source: 'user' } }) },
    })
    const v = judge('aws.rds.tls', obs)
    expect(v.status, v.summary).toBe('passed')
    expect(v.observed.population).toMatchObject({ resourcesJudged: 3, instancesInClusters: 1, parameterGroupsRead: 3, parameterPages: 12 })
    expect(v.observed.judgedThroughTheirCluster).toEqual([dbArn('aurora-1')])
  })

  it('fails a parameter set off or not set at all, naming the parameter and the group', () => {
    const obs = withRds({
      instances: inv([instance('pg-off', { parameterGroups: [{ name: 'default.postgres14' }] }), instance('my-unset', { engine: 'mysql', parameterGroups: [{ name: 'default.mysql5.6' }] })]),
      clusters: inv([cluster('aurora-pg', { engine: 'aurora-postgresql', parameterGroup: 'default.aurora-postgresql15' })]),
      // a real default group lists every parameter with its engine default (injected: moto lists none)
      parameterGroups: {
        [rdsParameterGroupId(R, 'instance', 'default.postgres14')]: group({ 'rds.force_ssl': { value: '0', source: 'engine-default' } }),
        [rdsParameterGroupId(R, 'instance', 'default.mysql5.6')]: group({}),
        [rdsParameterGroupId(R, 'cluster', 'default.aurora-postgresql15')]: group({ 'rds.force_ssl': { source: 'engine-default' } }),
      },
    })
    const v = judge('aws.rds.tls', obs)
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual([clusterArn('aurora-pg'), dbArn('my-unset'), dbArn('pg-off')])
    expect(v.offenders!.map((o) => o.why)).toEqual([
      'rds.force_ssl is not set in DB cluster parameter group default.aurora-postgresql15',
      'require_secure_transport is not set in parameter group default.mysql5.6',
      'rds.force_ssl = 0 in parameter group default.postgres14',
    ])
  })

  it('an engine with no known forcing parameter is an error naming the engine, never a pass', () => {
    const v = judge('aws.rds.tls', withRds({ instances: inv([instance('ora', { engine: 'oracle-ee', parameterGroups: [{ name: 'default.oracle-ee-19' }] }), instance('pg')]) }))
    expect(v).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
    expect(ids(v)).toEqual([dbArn('ora')])
    expect(v.summary).toContain('engine oracle-ee')
    expect(v.observed.enginesWithoutKnownParameter).toEqual(['oracle-ee'])
    // alongside a real offender the account fails, the unknown engine still listed as undetermined
    const f = judge('aws.rds.tls', withRds({ instances: inv([instance('ora', { engine: 'oracle-ee' }), instance('pg', { parameterGroups: [{ name: 'plain' }] })]), parameterGroups: { [rdsParameterGroupId(R, 'instance', 'plain')]: group({ 'rds.force_ssl': { value: '0' } }) } }))
    expect(f.status).toBe('failed')
    expect(ids(f)).toEqual([dbArn('pg')])
    expect(f.observed.undetermined).toEqual([expect.objectContaining({ arn: dbArn('ora') })])
  })

  it('a parameter group that could not be read, or an unread region, is an error naming the resource', () => {
    const v = judge('aws.rds.tls', withRds({ instances: inv([instance('pg', { parameterGroups: [{ name: 'secret-group' }] })]), parameterGroups: { [rdsParameterGroupId(R, 'instance', 'secret-group')]: { ok: false, error: denied } } }))
    expect(v).toMatchObject({ status: 'error', errorKind: 'access-denied' })
    expect(ids(v)).toEqual([dbArn('pg')])
    expect(ids(judge('aws.rds.tls', withRds({ clusters: inv([], [{ region: 'eu-west-1', error: denied }]) })))).toEqual([`arn:aws:rds:eu-west-1:${ACCOUNT}:*`])
    expect(judge('aws.rds.tls', withRds({ parameterGroups: undefined }))).toMatchObject({ status: 'error', errorKind: 'not-observed' })
  })

  it('records a parameter group pending reboot; nothing listed is not applicable', () => {
    const v = judge('aws.rds.tls', withRds({ instances: inv([instance('pg', { parameterGroups: [{ name: 'pg-tls', applyStatus: 'pending-reboot' }] })]) }))
    expect(v.status).toBe('passed')
    expect(v.observed.parameterGroupPendingReboot).toEqual([dbArn('pg')])
    expect(judge('aws.rds.tls', withRds({})).status).toBe('not-applicable')
  })
  it('a static forcing parameter not yet in effect (pending reboot) is undecided, not a pass', () => {
    const v = judge(
      'aws.rds.tls',
      withRds({
        instances: inv([instance('mssql', { engine: 'sqlserver-se', parameterGroups: [{ name: 'mssql-tls', applyStatus: 'pending-reboot' }] })]),
        parameterGroups: { [rdsParameterGroupId(R, 'instance', 'mssql-tls')]: group({ 'rds.force_ssl': { value: '1', source: 'user', applyType: 'static' } }) },
      }),
    )
    expect(v).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
    expect(v.summary).toMatch(/pending a reboot/)
  })
})

describe('aws.dynamodb.encryption', () => {
  const tableArn = (n: string) => `arn:aws:dynamodb:${R}:${ACCOUNT}:table/${n}`
  const table = (name: string, sse?: DynamoSseDescription): DynamoTableObservation => ({ name, arn: tableArn(name), region: R, described: { ok: true, value: { status: 'ACTIVE', ...(sse ? { sse } : {}) } } })
  const withTables = (tables: DynamoTableObservation[], keys: KmsKeyOwners = OWNERS, unread: RegionalInventory<DynamoTableObservation>['unreadRegions'] = []): AwsObservation => ({ ...awsAccount(), dynamodb: { ok: true, value: { tables: inv(tables, unread), keys } } })
  const kms = (key: string) => ({ status: 'ENABLED', sseType: 'KMS', kmsMasterKeyArn: key })

  it.each([
    ['no SSEDescription', undefined, 'aws-owned'],
    ['SSE disabled', { status: 'DISABLED' }, 'aws-owned'],
    ['legacy AES256', { status: 'ENABLED', sseType: 'AES256' }, 'aws-owned'],
    ['KMS', kms(CMK), 'kms'],
    ['unknown type', { status: 'ENABLED', sseType: 'QUANTUM' }, undefined],
  ] as const)('%s', (_n, sse, want) => {
    expect(tableKey(sse)).toBe(want)
  })

  it('without cmk every KMS key passes: AWS-owned, AWS-managed and customer-managed', () => {
    const v = judge('aws.dynamodb.encryption', withTables([table('owned'), table('managed', kms('alias/aws/dynamodb')), table('cmk', kms(CMK))]))
    expect(v.status, v.summary).toBe('passed')
    expect(v.observed.population).toMatchObject({ tablesListed: 3, tablesByKey: { 'aws-owned': 1, 'aws-managed': 1, 'customer-managed': 1 } })
  })

  it('with cmk, the AWS-owned default and the AWS-managed key offend, by ARN, sorted', () => {
    const viaAlias = `arn:aws:kms:${R}:${ACCOUNT}:key/4444dddd-4444-4444-4444-444444444444`
    const keys = { ...OWNERS, [viaAlias]: { ok: true as const, value: { keyArn: viaAlias, keyManager: 'CUSTOMER', awsAliases: ['alias/aws/dynamodb'] } } }
    const tables = [table('d-owned'), table('c-by-alias-target', kms(viaAlias)), table('b-by-manager', kms(AWS_KEY)), table('a-cmk', kms(CMK)), table('e-disabled', { status: 'DISABLED' })]
    const v = judge('aws.dynamodb.encryption', withTables(tables, keys), { cmk: true })
    expect(v.status).toBe('failed')
    const expected = ['b-by-manager', 'c-by-alias-target', 'd-owned', 'e-disabled'].map(tableArn)
    expect(ids(v)).toEqual(expected)
    expect(v.offenders!.find((o) => o.id === tableArn('d-owned'))!.why).toBe('encrypted with the AWS-owned key (DynamoDB’s default), not a customer-managed key')
    expect(ids(judge('aws.dynamodb.encryption', withTables([...tables].reverse(), keys), { cmk: true }))).toEqual(expected)
  })

  it('undecidable tables are errors naming them: key owner unread (with cmk only), DescribeTable failed, unknown SSE', () => {
    const unknownKey = `arn:aws:kms:${R}:999988887777:key/5555eeee-5555-5555-5555-555555555555`
    const keys: KmsKeyOwners = { [unknownKey]: { ok: false, error: denied } }
    expect(judge('aws.dynamodb.encryption', withTables([table('shared', kms(unknownKey))], keys)).status).toBe('passed')
    const v = judge('aws.dynamodb.encryption', withTables([table('shared', kms(unknownKey))], keys), { cmk: true })
    expect(v).toMatchObject({ status: 'error', errorKind: 'access-denied' })
    expect(ids(v)).toEqual([tableArn('shared')])
    const broken: DynamoTableObservation = { name: 'x', arn: tableArn('x'), region: R, described: { ok: false, error: denied } }
    expect(ids(judge('aws.dynamodb.encryption', withTables([broken])))).toEqual([tableArn('x')])
    expect(judge('aws.dynamodb.encryption', withTables([table('q', { status: 'ENABLED', sseType: 'QUANTUM' })])).status).toBe('error')
  })

  it('an unread region is an error; not collected is an error; no table is not applicable', () => {
    expect(ids(judge('aws.dynamodb.encryption', withTables([], OWNERS, [{ region: 'eu-west-1', error: denied }])))).toEqual([`arn:aws:dynamodb:eu-west-1:${ACCOUNT}:*`])
    expect(judge('aws.dynamodb.encryption', awsAccount())).toMatchObject({ status: 'error', errorKind: 'not-observed' })
    const v = judge('aws.dynamodb.encryption', withTables([]), { cmk: true })
    expect(v.status).toBe('not-applicable')
    expect(v.summary).toMatch(/no DynamoDB table/)
  })
})
