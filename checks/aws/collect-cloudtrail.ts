// CloudTrail and EBS collectors. Trails: DescribeTrails (shadow trails included, so a multi-region
// trail created elsewhere is seen from every region) in every target region, deduplicated by ARN;
// then, in each trail's home region, GetTrailStatus and GetEventSelectors. DescribeTrails is not
// paginated. EBS: GetEbsEncryptionByDefault and DescribeVolumes (all pages) in every target region.
import { DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail'
import { GetEbsEncryptionByDefaultCommand, paginateDescribeVolumes } from '@aws-sdk/client-ec2'
import type { ObserveContext } from '../types.ts'
import type { AwsTarget } from './target.ts'
import type { EbsObservation, Fetched, RegionalInventory, TrailAdvancedEventSelector, TrailEventSelector, TrailObservation } from './observation.ts'
import { toPartError, type AwsClients } from './sdk-clients.ts'

export async function collectTrails(clients: AwsClients, target: AwsTarget, ctx: ObserveContext): Promise<Fetched<RegionalInventory<TrailObservation>>> {
  const out: RegionalInventory<TrailObservation> = { items: [], pages: 0, unreadRegions: [] }
  const byArn = new Map<string, TrailObservation>()
  await Promise.all(
    target.regions.map(async (region) => {
      try {
        const r = await clients.cloudtrail(region).send(new DescribeTrailsCommand({ includeShadowTrails: true }))
        out.pages++
        for (const t of r.trailList ?? []) {
          const arn = t.TrailARN ?? ''
          if (!arn || byArn.has(arn)) continue
          byArn.set(arn, {
            name: t.Name ?? arn,
            arn,
            homeRegion: t.HomeRegion ?? arn.split(':')[3] ?? region,
            trail: {
              S3BucketName: t.S3BucketName,
              S3KeyPrefix: t.S3KeyPrefix,
              IsMultiRegionTrail: t.IsMultiRegionTrail,
              IsOrganizationTrail: t.IsOrganizationTrail,
              IncludeGlobalServiceEvents: t.IncludeGlobalServiceEvents,
              LogFileValidationEnabled: t.LogFileValidationEnabled,
              KmsKeyId: t.KmsKeyId,
              HasCustomEventSelectors: t.HasCustomEventSelectors,
            },
          })
        }
      } catch (e) {
        out.unreadRegions.push({ region, error: toPartError(e, `DescribeTrails in ${region}`) })
      }
    }),
  )
  await Promise.all(
    [...byArn.values()].map((t) =>
      ctx.limit(`aws:${target.name}:${t.homeRegion}`, async () => {
        const ct = clients.cloudtrail(t.homeRegion)
        try {
          const s = await ct.send(new GetTrailStatusCommand({ Name: t.arn }))
          t.status = { ok: true, value: { isLogging: s.IsLogging === true, ...(s.LatestDeliveryError ? { latestDeliveryError: s.LatestDeliveryError } : {}) } }
        } catch (e) {
          t.status = { ok: false, error: toPartError(e, `GetTrailStatus ${t.arn}`) }
        }
        try {
          const s = await ct.send(new GetEventSelectorsCommand({ TrailName: t.arn }))
          t.selectors = {
            ok: true,
            value: {
              eventSelectors: (s.EventSelectors ?? []).map(
                (e): TrailEventSelector => ({
                  ...(e.ReadWriteType ? { ReadWriteType: e.ReadWriteType } : {}),
                  ...(e.IncludeManagementEvents !== undefined ? { IncludeManagementEvents: e.IncludeManagementEvents } : {}),
                  ...(e.ExcludeManagementEventSources?.length ? { ExcludeManagementEventSources: e.ExcludeManagementEventSources } : {}),
                }),
              ),
              advancedEventSelectors: (s.AdvancedEventSelectors ?? []).map(
                (a): TrailAdvancedEventSelector => ({ ...(a.Name ? { Name: a.Name } : {}), FieldSelectors: (a.FieldSelectors ?? []).map((f) => JSON.parse(JSON.stringify(f)) as TrailAdvancedEventSelector['FieldSelectors'][number]) }),
              ),
            },
          }
        } catch (e) {
          t.selectors = { ok: false, error: toPartError(e, `GetEventSelectors ${t.arn}`) }
        }
      }),
    ),
  )
  out.items = [...byArn.values()].sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0))
  out.unreadRegions.sort((a, b) => (a.region < b.region ? -1 : 1))
  return { ok: true, value: out }
}

export async function collectEbs(clients: AwsClients, target: AwsTarget, partition: string, account: string): Promise<Fetched<EbsObservation>> {
  const out: EbsObservation = { volumes: { items: [], pages: 0, unreadRegions: [] }, encryptionByDefault: {} }
  await Promise.all(
    target.regions.map(async (region) => {
      const ec2 = clients.ec2(region)
      try {
        const r = await ec2.send(new GetEbsEncryptionByDefaultCommand({}))
        out.encryptionByDefault[region] = { ok: true, value: { enabled: r.EbsEncryptionByDefault === true } }
      } catch (e) {
        out.encryptionByDefault[region] = { ok: false, error: toPartError(e, `GetEbsEncryptionByDefault in ${region}`) }
      }
      try {
        for await (const page of paginateDescribeVolumes({ client: ec2, pageSize: 500 }, {})) {
          out.volumes.pages++
          for (const v of page.Volumes ?? []) {
            if (!v.VolumeId) continue
            const attached = (v.Attachments ?? []).map((a) => a.InstanceId).filter((x): x is string => !!x)
            out.volumes.items.push({
              volumeId: v.VolumeId,
              arn: `arn:${partition}:ec2:${region}:${account}:volume/${v.VolumeId}`,
              region,
              ...(v.Encrypted !== undefined ? { encrypted: v.Encrypted } : {}),
              ...(v.KmsKeyId ? { kmsKeyId: v.KmsKeyId } : {}),
              ...(v.State ? { state: v.State } : {}),
              ...(v.Size !== undefined ? { size: v.Size } : {}),
              ...(v.CreateTime ? { createTime: v.CreateTime.toISOString() } : {}),
              ...(attached.length ? { attachedTo: attached } : {}),
            })
          }
        }
      } catch (e) {
        out.volumes.unreadRegions.push({ region, error: toPartError(e, `DescribeVolumes in ${region}`) })
      }
    }),
  )
  out.volumes.items.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0))
  out.volumes.unreadRegions.sort((a, b) => (a.region < b.region ? -1 : 1))
  return { ok: true, value: out }
}
