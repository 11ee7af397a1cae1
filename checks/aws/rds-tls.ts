// aws.rds.tls — every RDS DB instance outside a cluster, and every DB cluster, forces TLS through its
// parameter group: `rds.force_ssl` = 1 for PostgreSQL, Aurora PostgreSQL and SQL Server;
// `require_secure_transport` = ON (or 1) for MySQL, MariaDB and Aurora MySQL. A cluster's setting is
// in its DB cluster parameter group, and its member instances are judged through it. A parameter the
// group does not list is not set (a group lists every parameter the engine has, with its value). An
// engine Vigil knows no forcing parameter for (Oracle, Db2, custom engines, Neptune, DocumentDB) is
// undetermined, naming the engine: never a pass.
import type { CheckDefinition } from '../types.ts'
import { accountVerdict, isVerdict, partFailure, type Offender, type Undetermined } from './account-verdict.ts'
import { rdsParameterGroupId } from './key-references.ts'
import { AWS_PARTS, type AwsObservation, type RdsObservation } from './observation.ts'
import { regionalItems } from './regional-checks.ts'

/** The parameter that forces TLS on an engine and the values that mean "forced"; undefined = unknown engine. */
export function tlsForcingParameter(engine: string | undefined): { parameter: string; forcedWhen: string[] } | undefined {
  const e = (engine ?? '').toLowerCase()
  if (e === 'postgres' || e === 'aurora-postgresql' || /^sqlserver-(ee|se|ex|web|dev-ee|dev-se)$/.test(e)) return { parameter: 'rds.force_ssl', forcedWhen: ['1'] }
  if (e === 'mysql' || e === 'mariadb' || e === 'aurora-mysql' || e === 'aurora') return { parameter: 'require_secure_transport', forcedWhen: ['ON', '1'] }
  return undefined
}

export const rdsTls: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.rds.tls',
  kinds: ['aws'],
  title: 'RDS databases refuse connections without TLS',
  description:
    'the parameter group of an RDS DB instance (outside a cluster) or the cluster parameter group of a DB cluster does not set rds.force_ssl = 1 (PostgreSQL, Aurora PostgreSQL, SQL Server) or require_secure_transport = ON (MySQL, MariaDB, Aurora MySQL); an engine with no known forcing parameter is an error naming it',
  params: [],
  severity: {
    level: 'medium',
    reason: 'RDS offers TLS on every connection, but without the parameter a misconfigured client or tool connects in clear text and nothing refuses it; credentials and query results then cross the network readable (HIPAA transmission security expects the refusal).',
  },
  population: "RDS DB instances outside clusters and DB clusters in the target's regions",
  needs: [AWS_PARTS.rdsParameters],
  judge(obs) {
    const bad = partFailure(obs, obs.rds, 'aws.rds.parameters (DescribeDBInstances, DescribeDBClusters)')
    if (bad) return bad
    const rds = (obs.rds as { ok: true; value: RdsObservation }).value
    if (!rds.parameterGroups) return partFailure(obs, undefined, 'aws.rds.parameters (DescribeDBParameters, DescribeDBClusterParameters)')!
    const inst = regionalItems(obs, { ok: true, value: rds.instances }, 'aws.rds.parameters (DescribeDBInstances)', 'rds', 'instances')
    if (isVerdict(inst)) return inst
    const clus = regionalItems(obs, { ok: true, value: rds.clusters }, 'aws.rds.parameters (DescribeDBClusters)', 'rds', 'clusters')
    if (isVerdict(clus)) return clus
    const offenders: Offender[] = []
    const undetermined: Undetermined[] = [...inst.undetermined, ...clus.undetermined]
    const read: Record<string, unknown> = {}
    const pendingReboot: string[] = []
    const unknownEngines = new Set<string>()
    const clusters = new Set(rds.clusters.items.map((c) => `${c.region}/${c.id}`))
    const clusterMembers: string[] = []
    let judged = 0
    const decide = (arn: string, region: string, engine: string | undefined, kind: 'instance' | 'cluster', group: string | undefined, noun: string, pending = false) => {
      judged++
      const rule = tlsForcingParameter(engine)
      if (!rule) {
        unknownEngines.add(engine ?? 'unreported')
        undetermined.push({ arn, error: { kind: 'inconclusive', message: `engine ${engine ?? '(not reported)'}: Vigil knows no parameter that forces TLS for it` } })
        return
      }
      if (!group) return void undetermined.push({ arn, error: { kind: 'inconclusive', message: `the ${noun} reports no ${kind === 'cluster' ? 'DB cluster ' : ''}parameter group` } })
      const g = rds.parameterGroups![rdsParameterGroupId(region, kind, group)]
      if (!g) return void undetermined.push({ arn, error: { kind: 'not-observed', message: `parameter group ${group} was not read` } })
      if (!g.ok) return void undetermined.push({ arn, error: g.error })
      read[`${region}/${group}`] = g.value
      const p = g.value.parameters[rule.parameter]
      const facts = { region, engine, parameterGroup: group, parameter: rule.parameter }
      // a static parameter (SQL Server's rds.force_ssl) set in a group the instance has not been
      // rebooted into is not in effect yet: the instance may still accept clear text
      if (pending && p?.applyType === 'static' && p.value !== undefined && rule.forcedWhen.includes(p.value.trim().toUpperCase()))
        return void undetermined.push({ arn, error: { kind: 'inconclusive', message: `${rule.parameter} = ${p.value} in parameter group ${group} is static and the ${noun} is pending a reboot: TLS is not forced until it restarts` } })
      if (p?.value === undefined) offenders.push({ arn, ...facts, value: null, why: `${rule.parameter} is not set in ${kind === 'cluster' ? 'DB cluster ' : ''}parameter group ${group}` })
      else if (!rule.forcedWhen.includes(p.value.trim().toUpperCase())) offenders.push({ arn, ...facts, value: p.value, why: `${rule.parameter} = ${p.value} in ${kind === 'cluster' ? 'DB cluster ' : ''}parameter group ${group}` })
    }
    for (const i of rds.instances.items) {
      if (i.clusterId && clusters.has(`${i.region}/${i.clusterId}`)) {
        clusterMembers.push(i.arn)
        continue
      }
      const pending = i.parameterGroups.some((g) => g.applyStatus === 'pending-reboot')
      if (pending) pendingReboot.push(i.arn)
      decide(i.arn, i.region, i.engine, 'instance', i.parameterGroups[0]?.name, 'DB instance', pending)
    }
    for (const c of rds.clusters.items) decide(c.arn, c.region, c.engine, 'cluster', c.parameterGroup, 'DB cluster')
    return accountVerdict(obs, {
      expected: { 'rds.force_ssl': '1 (PostgreSQL, Aurora PostgreSQL, SQL Server)', require_secure_transport: 'ON (MySQL, MariaDB, Aurora MySQL)' },
      offenders,
      undetermined,
      population: {
        ...inst.population,
        clustersListed: rds.clusters.items.length,
        instancesInClusters: clusterMembers.length,
        resourcesJudged: judged,
        parameterGroupsRead: Object.values(rds.parameterGroups).filter((g) => g.ok).length,
        parameterPages: Object.values(rds.parameterGroups).reduce((n, g) => n + (g.ok ? g.value.pages : 0), 0),
        listPages: rds.instances.pages + rds.clusters.pages,
      },
      judged,
      emptySummary: `no RDS DB instance or DB cluster in ${obs.regions.join(', ')}: nothing to judge`,
      responses: { parameterGroups: read, DescribeDBInstances: rds.instances.items, DescribeDBClusters: rds.clusters.items },
      responsesDescription: 'the TLS-forcing parameters of every parameter group in use (DescribeDBParameters, DescribeDBClusterParameters, all pages), and the instances and clusters using them',
      passSummary: `TLS is forced by the parameter group of all ${judged} RDS instance(s) and cluster(s)`,
      failNoun: 'RDS instance(s) or cluster(s) whose parameter group does not force TLS',
      facts: {
        ...(clusterMembers.length ? { judgedThroughTheirCluster: clusterMembers } : {}),
        ...(unknownEngines.size ? { enginesWithoutKnownParameter: [...unknownEngines].sort() } : {}),
        ...(pendingReboot.length ? { parameterGroupPendingReboot: pendingReboot } : {}),
      },
    })
  },
}
