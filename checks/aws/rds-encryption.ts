// aws.rds.encryption — every RDS DB instance, DB cluster and DB/cluster snapshot (manual and automated)
// has encrypted storage; with `cmk`, under a customer-managed KMS key rather than the AWS-managed
// alias/aws/rds. A member instance of an Aurora or Multi-AZ DB cluster stores its data in the
// cluster's volume: it is judged through its cluster, and counted. Offenders are named by ARN.
import type { CheckDefinition } from '../types.ts'
import { accountVerdict, isVerdict, partFailure, type Offender, type Undetermined } from './account-verdict.ts'
import { keyManagement } from './key-references.ts'
import { AWS_PARTS, type AwsObservation, type RdsObservation } from './observation.ts'
import { regionalItems } from './regional-checks.ts'

export interface RdsEncryptionParams {
  /** also require a customer-managed KMS key (not the AWS-managed alias/aws/rds) */
  cmk?: boolean
}

/** One thing whose storage is judged: an instance outside any cluster, a cluster, or a snapshot. */
interface StorageResource {
  kind: 'db-instance' | 'db-cluster' | 'db-snapshot' | 'cluster-snapshot'
  arn: string
  region: string
  encrypted?: boolean
  kmsKeyId?: string
  facts: Record<string, unknown>
}

const NOUN: Record<StorageResource['kind'], string> = { 'db-instance': 'DB instance', 'db-cluster': 'DB cluster', 'db-snapshot': 'DB snapshot', 'cluster-snapshot': 'DB cluster snapshot' }

/** The storage resources of an observed RDS part, members of listed clusters left to their cluster. */
export function storageResources(rds: RdsObservation): { resources: StorageResource[]; clusterMembers: string[] } {
  const clusters = new Set(rds.clusters.items.map((c) => `${c.region}/${c.id}`))
  const clusterMembers: string[] = []
  const resources: StorageResource[] = []
  for (const i of rds.instances.items) {
    if (i.clusterId && clusters.has(`${i.region}/${i.clusterId}`)) {
      clusterMembers.push(i.arn)
      continue
    }
    resources.push({ kind: 'db-instance', arn: i.arn, region: i.region, encrypted: i.storageEncrypted, kmsKeyId: i.kmsKeyId, facts: { engine: i.engine ?? null, ...(i.clusterId ? { clusterId: i.clusterId } : {}) } })
  }
  for (const c of rds.clusters.items) resources.push({ kind: 'db-cluster', arn: c.arn, region: c.region, encrypted: c.storageEncrypted, kmsKeyId: c.kmsKeyId, facts: { engine: c.engine ?? null } })
  for (const s of rds.snapshots?.items ?? [])
    resources.push({ kind: s.kind, arn: s.arn, region: s.region, encrypted: s.encrypted, kmsKeyId: s.kmsKeyId, facts: { snapshotType: s.snapshotType ?? null, ...(s.source ? { source: s.source } : {}) } })
  return { resources, clusterMembers }
}

export const rdsEncryption: CheckDefinition<AwsObservation, RdsEncryptionParams> = {
  id: 'aws.rds.encryption',
  kinds: ['aws'],
  title: 'RDS databases, clusters and snapshots are encrypted',
  description: 'an RDS DB instance, DB cluster, DB snapshot or DB cluster snapshot (manual or automated) has unencrypted storage, or — with `cmk` — is encrypted with the AWS-managed key alias/aws/rds',
  params: [{ name: 'cmk', description: 'require a customer-managed KMS key (not the AWS-managed alias/aws/rds)', default: false }],
  severity: {
    level: 'high',
    reason: 'Databases hold the records themselves: unencrypted storage, and every snapshot of it, exposes them to anyone who obtains a copy, and a snapshot can be shared or copied out of the account. Encryption can only be added by restoring into a new encrypted database.',
  },
  population: "RDS DB instances, DB clusters and their snapshots in the target's regions",
  needs: [AWS_PARTS.rdsStorage],
  judge(obs, { cmk = false }) {
    const bad = partFailure(obs, obs.rds, 'aws.rds.storage (DescribeDBInstances, DescribeDBClusters, DescribeDBSnapshots, DescribeDBClusterSnapshots)')
    if (bad) return bad
    const rds = (obs.rds as { ok: true; value: RdsObservation }).value
    if (!rds.snapshots) return partFailure(obs, undefined, 'aws.rds.storage (DescribeDBSnapshots, DescribeDBClusterSnapshots)')!
    const lists = [
      regionalItems(obs, { ok: true, value: rds.instances }, 'aws.rds.storage (DescribeDBInstances)', 'rds', 'instances'),
      regionalItems(obs, { ok: true, value: rds.clusters }, 'aws.rds.storage (DescribeDBClusters)', 'rds', 'clusters'),
      regionalItems(obs, { ok: true, value: rds.snapshots }, 'aws.rds.storage (DescribeDBSnapshots, DescribeDBClusterSnapshots)', 'rds', 'snapshots'),
    ]
    for (const l of lists) if (isVerdict(l)) return l
    const [inst, clus, snap] = lists as Exclude<(typeof lists)[number], { status: unknown }>[]
    const { resources, clusterMembers } = storageResources(rds)
    const offenders: Offender[] = []
    const undetermined: Undetermined[] = [...inst!.undetermined, ...clus!.undetermined, ...snap!.undetermined]
    const keys: Record<string, unknown> = {}
    // AWS takes an automated (and an AWS Backup) snapshot every day: named one by one, an
    // unencrypted database would bring a new offender every morning. They are one offender per
    // source database and kind of snapshot instead, `…:snapshot:rds:<db>-*` (`…:awsbackup:<db>-*`),
    // listing the snapshots it stands for, with one aspect per reason (`#unencrypted`,
    // `#aws-managed-key`) so that a reason never hides another; the same for what is undecided.
    const groupOf = (r: StorageResource): { id: string; source: string } | undefined => {
      const source = r.facts.source
      const scheduled = r.facts.snapshotType === 'automated' || r.facts.snapshotType === 'awsbackup'
      if (!(r.kind === 'db-snapshot' || r.kind === 'cluster-snapshot') || !scheduled || typeof source !== 'string') return undefined
      return { id: `${r.arn.slice(0, r.arn.lastIndexOf(':') + 1)}${source}-*`, source }
    }
    type Reason = { why: string; count: number; severity?: 'low' }
    type Group = Offender & { snapshots: string[]; reasons: Map<string, Reason> }
    const groups = new Map<string, Group>()
    const offend = (r: StorageResource, o: Offender, aspect: 'unencrypted' | 'aws-managed-key') => {
      const g = groupOf(r)
      if (!g) return void offenders.push(o)
      const entry: Group = groups.get(g.id) ?? { arn: g.id, region: r.region, resource: `scheduled ${NOUN[r.kind]}s`, source: g.source, snapshotType: r.facts.snapshotType, why: '', snapshots: [], reasons: new Map<string, Reason>() }
      entry.snapshots.push(r.arn)
      const reason: Reason = entry.reasons.get(aspect) ?? { why: o.why, count: 0, ...(o.severity === 'low' ? { severity: 'low' as const } : {}) }
      reason.count++
      entry.reasons.set(aspect, reason)
      groups.set(g.id, entry)
    }
    const undecided = (r: StorageResource, error: Undetermined['error']) => {
      const g = groupOf(r)
      if (!g) return void undetermined.push({ arn: r.arn, error })
      if (!undetermined.some((u) => u.arn === g.id)) undetermined.push({ arn: g.id, error: { ...error, message: `${error.message} (scheduled snapshots of ${g.source})` } })
    }
    for (const r of resources) {
      const base = { arn: r.arn, region: r.region, resource: NOUN[r.kind], ...r.facts }
      if (r.encrypted !== true) {
        offend(r, { ...base, why: `${NOUN[r.kind]} storage is not encrypted`, storageEncrypted: r.encrypted ?? null }, 'unencrypted')
        continue
      }
      if (!cmk) continue
      if (!r.kmsKeyId) {
        undecided(r, { kind: 'inconclusive', message: `${NOUN[r.kind]} is encrypted but names no KMS key` })
        continue
      }
      const k = keyManagement(r.region, r.kmsKeyId, rds.keys)
      keys[r.kmsKeyId] = k
      if (k.managed === 'unknown') undecided(r, k.error)
      else if (k.managed === 'aws') offend(r, { ...base, why: `encrypted with the AWS-managed key ${r.kmsKeyId}, not a customer-managed key`, kmsKeyId: r.kmsKeyId, keyManagedBy: 'AWS', decidedBy: k.by, severity: 'low' }, 'aws-managed-key')
    }
    for (const { reasons, ...g } of groups.values()) {
      const aspects = [...reasons].map(([aspect, r]) => ({ aspect, why: `${r.count} scheduled snapshot(s) of ${String(g.source)}: ${r.why}`, ...(r.severity ? { severity: r.severity } : {}) }))
      offenders.push({ ...g, why: aspects.map((a) => a.why).join('; '), aspects, snapshots: g.snapshots.sort() })
    }
    const count = (kind: StorageResource['kind']) => resources.filter((r) => r.kind === kind).length
    const encrypted = resources.filter((r) => r.encrypted === true).length
    const regionsUnread = [...new Set(undetermined.filter((u) => u.arn.endsWith(':*')).map((u) => u.arn.split(':')[3]!))].sort()
    return accountVerdict(obs, {
      expected: { storageEncrypted: true, cmk },
      offenders,
      undetermined,
      population: {
        regions: obs.regions,
        instancesListed: rds.instances.items.length,
        instancesInClusters: clusterMembers.length,
        clustersListed: rds.clusters.items.length,
        dbSnapshotsListed: count('db-snapshot'),
        clusterSnapshotsListed: count('cluster-snapshot'),
        resourcesJudged: resources.length,
        resourcesEncrypted: encrypted,
        listPages: rds.instances.pages + rds.clusters.pages + rds.snapshots.pages,
        ...(regionsUnread.length ? { regionsUnread } : {}),
      },
      judged: resources.length,
      emptySummary: `no RDS DB instance, DB cluster or snapshot in ${obs.regions.join(', ')}: nothing to judge`,
      responses: { DescribeDBInstances: rds.instances.items, DescribeDBClusters: rds.clusters.items, 'DescribeDBSnapshots+DescribeDBClusterSnapshots': rds.snapshots.items, ...(cmk ? { keyOwners: keys } : {}) },
      responsesDescription: 'storage encryption and KMS key of every instance, cluster and snapshot (no credential field is kept)' + (cmk ? ', and who manages each key (DescribeKey, ListAliases)' : ''),
      passSummary: `storage is encrypted${cmk ? ' under a customer-managed key' : ''} for all ${resources.length} RDS resource(s) (${count('db-instance')} instance(s) outside clusters, ${count('db-cluster')} cluster(s), ${count('db-snapshot') + count('cluster-snapshot')} snapshot(s))`,
      failNoun: cmk ? 'RDS resource(s) not encrypted under a customer-managed key' : 'RDS resource(s) with unencrypted storage',
      facts: clusterMembers.length ? { judgedThroughTheirCluster: clusterMembers } : {},
    })
  },
}
