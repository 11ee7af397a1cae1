// RDS collector, every target region, all pages: DB instances (DescribeDBInstances) and DB clusters
// (DescribeDBClusters); for aws.rds.storage also the DB and cluster snapshots the account owns
// (DescribeDBSnapshots, DescribeDBClusterSnapshots: manual and automated, not those shared with it)
// and who manages the KMS keys the encrypted ones name; for aws.rds.parameters the TLS-forcing
// parameters of every parameter group in use (DescribeDBParameters, DescribeDBClusterParameters, all
// pages; only `rds.force_ssl` and `require_secure_transport` are kept). Master user passwords are
// never returned by these calls, and no field but the ones below is kept.
import {
  paginateDescribeDBClusterParameters,
  paginateDescribeDBClusters,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBInstances,
  paginateDescribeDBParameters,
  paginateDescribeDBSnapshots,
  type RDSClient,
} from '@aws-sdk/client-rds'
import type { ObserveContext } from '../types.ts'
import type { AwsTarget } from './target.ts'
import type { Fetched, RdsClusterObservation, RdsInstanceObservation, RdsObservation, RdsParameterGroupObservation, RdsSnapshotObservation, RegionalInventory } from './observation.ts'
import { collectKmsKeyOwners } from './collect-kms-key-owners.ts'
import { toPartError, type AwsClients } from './sdk-clients.ts'
import { rdsParameterGroupId } from './key-references.ts'

/** The parameters that force TLS on RDS engines; every other parameter is dropped. */
export const TLS_PARAMETERS = ['rds.force_ssl', 'require_secure_transport']

const byArn = (a: { arn: string }, b: { arn: string }) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0)

function emptyInventory<T>(): RegionalInventory<T> {
  return { items: [], pages: 0, unreadRegions: [] }
}

/** Lists one kind of resource in every region into `inv`; a region whose listing fails is unread. */
async function listEach<T>(target: AwsTarget, inv: RegionalInventory<T>, what: string, list: (region: string, page: () => void) => Promise<T[]>): Promise<void> {
  await Promise.all(
    target.regions.map(async (region) => {
      try {
        inv.items.push(...(await list(region, () => inv.pages++)))
      } catch (e) {
        inv.unreadRegions.push({ region, error: toPartError(e, `${what} in ${region}`) })
      }
    }),
  )
  inv.items.sort(byArn as (a: T, b: T) => number)
  inv.unreadRegions.sort((a, b) => (a.region < b.region ? -1 : 1))
}

async function tlsParameters(rds: RDSClient, kind: 'instance' | 'cluster', name: string): Promise<RdsParameterGroupObservation> {
  const out: RdsParameterGroupObservation = { parameters: {}, pages: 0 }
  const pages =
    kind === 'instance'
      ? paginateDescribeDBParameters({ client: rds, pageSize: 100 }, { DBParameterGroupName: name })
      : paginateDescribeDBClusterParameters({ client: rds, pageSize: 100 }, { DBClusterParameterGroupName: name })
  for await (const page of pages) {
    out.pages++
    for (const p of page.Parameters ?? [])
      if (p.ParameterName && TLS_PARAMETERS.includes(p.ParameterName))
        out.parameters[p.ParameterName] = { ...(p.ParameterValue !== undefined ? { value: p.ParameterValue } : {}), ...(p.Source ? { source: p.Source } : {}), ...(p.ApplyType ? { applyType: p.ApplyType } : {}) }
  }
  return out
}

export async function collectRds(clients: AwsClients, target: AwsTarget, ctx: ObserveContext, partition: string, account: string, opts: { storage: boolean; parameters: boolean }): Promise<Fetched<RdsObservation>> {
  const out: RdsObservation = { instances: emptyInventory(), clusters: emptyInventory() }
  const jobs: Promise<void>[] = [
    listEach<RdsInstanceObservation>(target, out.instances, 'DescribeDBInstances', async (region, page) => {
      const items: RdsInstanceObservation[] = []
      for await (const p of paginateDescribeDBInstances({ client: clients.rds(region), pageSize: 100 }, {})) {
        page()
        for (const i of p.DBInstances ?? []) {
          if (!i.DBInstanceIdentifier) continue
          items.push({
            id: i.DBInstanceIdentifier,
            arn: i.DBInstanceArn ?? `arn:${partition}:rds:${region}:${account}:db:${i.DBInstanceIdentifier}`,
            region,
            ...(i.Engine ? { engine: i.Engine } : {}),
            ...(i.EngineVersion ? { engineVersion: i.EngineVersion } : {}),
            ...(i.DBInstanceStatus ? { status: i.DBInstanceStatus } : {}),
            ...(i.StorageEncrypted !== undefined ? { storageEncrypted: i.StorageEncrypted } : {}),
            ...(i.KmsKeyId ? { kmsKeyId: i.KmsKeyId } : {}),
            ...(i.DBClusterIdentifier ? { clusterId: i.DBClusterIdentifier } : {}),
            parameterGroups: (i.DBParameterGroups ?? []).filter((g) => g.DBParameterGroupName).map((g) => ({ name: g.DBParameterGroupName!, ...(g.ParameterApplyStatus ? { applyStatus: g.ParameterApplyStatus } : {}) })),
          })
        }
      }
      return items
    }),
    listEach<RdsClusterObservation>(target, out.clusters, 'DescribeDBClusters', async (region, page) => {
      const items: RdsClusterObservation[] = []
      for await (const p of paginateDescribeDBClusters({ client: clients.rds(region), pageSize: 100 }, {})) {
        page()
        for (const c of p.DBClusters ?? []) {
          if (!c.DBClusterIdentifier) continue
          items.push({
            id: c.DBClusterIdentifier,
            arn: c.DBClusterArn ?? `arn:${partition}:rds:${region}:${account}:cluster:${c.DBClusterIdentifier}`,
            region,
            ...(c.Engine ? { engine: c.Engine } : {}),
            ...(c.EngineVersion ? { engineVersion: c.EngineVersion } : {}),
            ...(c.Status ? { status: c.Status } : {}),
            ...(c.StorageEncrypted !== undefined ? { storageEncrypted: c.StorageEncrypted } : {}),
            ...(c.KmsKeyId ? { kmsKeyId: c.KmsKeyId } : {}),
            ...(c.DBClusterParameterGroup ? { parameterGroup: c.DBClusterParameterGroup } : {}),
            members: (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier ?? '').filter(Boolean).sort(),
          })
        }
      }
      return items
    }),
  ]
  if (opts.storage) {
    const snapshots = emptyInventory<RdsSnapshotObservation>()
    out.snapshots = snapshots
    jobs.push(
      listEach<RdsSnapshotObservation>(target, snapshots, 'DescribeDBSnapshots and DescribeDBClusterSnapshots', async (region, page) => {
        const items: RdsSnapshotObservation[] = []
        for await (const p of paginateDescribeDBSnapshots({ client: clients.rds(region), pageSize: 100 }, {})) {
          page()
          for (const s of p.DBSnapshots ?? []) {
            if (!s.DBSnapshotIdentifier) continue
            items.push({
              kind: 'db-snapshot',
              id: s.DBSnapshotIdentifier,
              arn: s.DBSnapshotArn ?? `arn:${partition}:rds:${region}:${account}:snapshot:${s.DBSnapshotIdentifier}`,
              region,
              ...(s.SnapshotType ? { snapshotType: s.SnapshotType } : {}),
              ...(s.DBInstanceIdentifier ? { source: s.DBInstanceIdentifier } : {}),
              ...(s.Engine ? { engine: s.Engine } : {}),
              ...(s.Status ? { status: s.Status } : {}),
              ...(s.Encrypted !== undefined ? { encrypted: s.Encrypted } : {}),
              ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
            })
          }
        }
        for await (const p of paginateDescribeDBClusterSnapshots({ client: clients.rds(region), pageSize: 100 }, {})) {
          page()
          for (const s of p.DBClusterSnapshots ?? []) {
            if (!s.DBClusterSnapshotIdentifier) continue
            items.push({
              kind: 'cluster-snapshot',
              id: s.DBClusterSnapshotIdentifier,
              arn: s.DBClusterSnapshotArn ?? `arn:${partition}:rds:${region}:${account}:cluster-snapshot:${s.DBClusterSnapshotIdentifier}`,
              region,
              ...(s.SnapshotType ? { snapshotType: s.SnapshotType } : {}),
              ...(s.DBClusterIdentifier ? { source: s.DBClusterIdentifier } : {}),
              ...(s.Engine ? { engine: s.Engine } : {}),
              ...(s.Status ? { status: s.Status } : {}),
              ...(s.StorageEncrypted !== undefined ? { encrypted: s.StorageEncrypted } : {}),
              ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
            })
          }
        }
        return items
      }),
    )
  }
  await Promise.all(jobs)
  if (opts.storage) {
    // only encrypted resources' keys matter (an emulator may name a key for an unencrypted cluster)
    const refs = [
      ...out.instances.items.filter((i) => i.storageEncrypted && i.kmsKeyId).map((i) => ({ region: i.region, ref: i.kmsKeyId! })),
      ...out.clusters.items.filter((c) => c.storageEncrypted && c.kmsKeyId).map((c) => ({ region: c.region, ref: c.kmsKeyId! })),
      ...(out.snapshots?.items ?? []).filter((s) => s.encrypted && s.kmsKeyId).map((s) => ({ region: s.region, ref: s.kmsKeyId! })),
    ]
    out.keys = await collectKmsKeyOwners(clients, target, ctx, refs)
  }
  if (opts.parameters) {
    const groups = new Map<string, { region: string; kind: 'instance' | 'cluster'; name: string }>()
    for (const i of out.instances.items) if (!i.clusterId) for (const g of i.parameterGroups) groups.set(rdsParameterGroupId(i.region, 'instance', g.name), { region: i.region, kind: 'instance', name: g.name })
    for (const c of out.clusters.items) if (c.parameterGroup) groups.set(rdsParameterGroupId(c.region, 'cluster', c.parameterGroup), { region: c.region, kind: 'cluster', name: c.parameterGroup })
    const read: Record<string, Fetched<RdsParameterGroupObservation>> = {}
    await Promise.all(
      [...groups.entries()].map(([id, g]) =>
        ctx.limit(`aws:${target.name}:${g.region}`, async () => {
          try {
            read[id] = { ok: true, value: await tlsParameters(clients.rds(g.region), g.kind, g.name) }
          } catch (e) {
            read[id] = { ok: false, error: toPartError(e, `${g.kind === 'instance' ? 'DescribeDBParameters' : 'DescribeDBClusterParameters'} ${g.name} in ${g.region}`) }
          }
        }),
      ),
    )
    out.parameterGroups = Object.fromEntries(Object.entries(read).sort(([a], [b]) => (a < b ? -1 : 1)))
  }
  return { ok: true, value: out }
}
