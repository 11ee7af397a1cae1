// How an AWS account observation was obtained (the API calls) and what it covered (population:
// buckets, principals, pages read), for the provenance every finding carries. Pure.
import type { AwsObservation } from './observation.ts'

export function summarizeAwsObservation(o: AwsObservation): { operations: Record<string, unknown>; population: Record<string, number> } {
  const s3 = o.s3?.ok ? o.s3.value : undefined
  const auth = o.authorization?.ok ? o.authorization.value : undefined
  const kms = o.kms?.ok ? o.kms.value : undefined
  const secrets = o.secrets?.ok ? o.secrets.value : undefined
  const params = o.ssmParameters?.ok ? o.ssmParameters.value : undefined
  const trails = o.cloudtrail?.ok ? o.cloudtrail.value : undefined
  const ebs = o.ebs?.ok ? o.ebs.value : undefined
  const rds = o.rds?.ok ? o.rds.value : undefined
  const ddb = o.dynamodb?.ok ? o.dynamodb.value : undefined
  const principals = (type: string) => auth?.principals.filter((p) => p.type === type).length ?? 0
  return {
    operations: {
      apiCalls: o.apiCalls.reduce((n, c) => n + c.calls, 0),
      regions: o.regions,
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      byOperation: o.apiCalls.map((c) => `${c.service}:${c.operation}@${c.region} ×${c.calls}`),
    },
    population: {
      ...(s3 ? { buckets: s3.buckets.length, bucketsOutsideRegions: s3.outOfScope.length, bucketsUnlocated: s3.unlocated.length, bucketListPages: s3.listPages } : {}),
      ...(auth ? { users: principals('user'), groups: principals('group'), roles: principals('role'), managedPolicies: Object.keys(auth.managedPolicies).length, authorizationPages: auth.pages } : {}),
      ...(kms ? { kmsKeys: kms.items.length, kmsListPages: kms.pages, kmsRegionsUnread: kms.unreadRegions.length } : {}),
      ...(secrets ? { secrets: secrets.items.length, secretListPages: secrets.pages, secretRegionsUnread: secrets.unreadRegions.length } : {}),
      ...(params ? { ssmParameters: params.items.length, ssmParameterPages: params.pages, ssmRegionsUnread: params.unreadRegions.length } : {}),
      ...(trails ? { trails: trails.items.length, trailRegionsUnread: trails.unreadRegions.length } : {}),
      ...(ebs ? { ebsVolumes: ebs.volumes.items.length, ebsVolumePages: ebs.volumes.pages, ebsRegionsUnread: ebs.volumes.unreadRegions.length } : {}),
      ...(rds
        ? {
            rdsInstances: rds.instances.items.length,
            rdsClusters: rds.clusters.items.length,
            ...(rds.snapshots ? { rdsSnapshots: rds.snapshots.items.length } : {}),
            ...(rds.parameterGroups ? { rdsParameterGroups: Object.keys(rds.parameterGroups).length } : {}),
            rdsListPages: rds.instances.pages + rds.clusters.pages + (rds.snapshots?.pages ?? 0),
            rdsRegionsUnread: new Set([...rds.instances.unreadRegions, ...rds.clusters.unreadRegions, ...(rds.snapshots?.unreadRegions ?? [])].map((r) => r.region)).size,
          }
        : {}),
      ...(ddb ? { dynamodbTables: ddb.tables.items.length, dynamodbListPages: ddb.tables.pages, dynamodbRegionsUnread: ddb.tables.unreadRegions.length } : {}),
    },
  }
}
