// DynamoDB collector: every table of every target region (ListTables, all pages), each described
// (DescribeTable) for its encryption (SSEDescription), and who manages the KMS keys the tables name.
// No item is ever read: Vigil calls neither Scan, Query nor GetItem.
import { DescribeTableCommand, paginateListTables } from '@aws-sdk/client-dynamodb'
import type { ObserveContext } from '../types.ts'
import type { AwsTarget } from './target.ts'
import type { DynamoObservation, Fetched } from './observation.ts'
import { collectKmsKeyOwners } from './collect-kms-key-owners.ts'
import { toPartError, type AwsClients } from './sdk-clients.ts'

export async function collectDynamoDb(clients: AwsClients, target: AwsTarget, ctx: ObserveContext, partition: string, account: string): Promise<Fetched<DynamoObservation>> {
  const out: DynamoObservation = { tables: { items: [], pages: 0, unreadRegions: [] }, keys: {} }
  await Promise.all(
    target.regions.map(async (region) => {
      const ddb = clients.dynamodb(region)
      const names: string[] = []
      try {
        for await (const page of paginateListTables({ client: ddb, pageSize: 100 }, {})) {
          out.tables.pages++
          names.push(...(page.TableNames ?? []))
        }
      } catch (e) {
        out.tables.unreadRegions.push({ region, error: toPartError(e, `ListTables in ${region}`) })
        return
      }
      await Promise.all(
        names.map((name) =>
          ctx.limit(`aws:${target.name}:${region}`, async () => {
            const arn = `arn:${partition}:dynamodb:${region}:${account}:table/${name}`
            try {
              const t = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table
              // an answer without the table says nothing about its encryption: not "AWS-owned key"
              if (!t) {
                out.tables.items.push({ name, arn, region, described: { ok: false, error: { kind: 'protocol', message: `DescribeTable ${name} in ${region} answered without the table` } } })
                return
              }
              const s = t?.SSEDescription
              out.tables.items.push({
                name,
                arn: t?.TableArn ?? arn,
                region,
                described: {
                  ok: true,
                  value: {
                    ...(t?.TableStatus ? { status: t.TableStatus } : {}),
                    ...(s
                      ? {
                          sse: {
                            ...(s.Status ? { status: s.Status } : {}),
                            ...(s.SSEType ? { sseType: s.SSEType } : {}),
                            ...(s.KMSMasterKeyArn ? { kmsMasterKeyArn: s.KMSMasterKeyArn } : {}),
                            ...(s.InaccessibleEncryptionDateTime ? { inaccessibleEncryptionDateTime: s.InaccessibleEncryptionDateTime.toISOString() } : {}),
                          },
                        }
                      : {}),
                  },
                },
              })
            } catch (e) {
              // a table deleted between ListTables and DescribeTable is gone, not undetermined
              if ((e as Error).name === 'ResourceNotFoundException') return
              out.tables.items.push({ name, arn, region, described: { ok: false, error: toPartError(e, `DescribeTable ${name} in ${region}`) } })
            }
          }),
        ),
      )
    }),
  )
  out.tables.items.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0))
  out.tables.unreadRegions.sort((a, b) => (a.region < b.region ? -1 : 1))
  const refs = out.tables.items.flatMap((t) => (t.described.ok && t.described.value.sse?.sseType === 'KMS' && t.described.value.sse.kmsMasterKeyArn ? [{ region: t.region, ref: t.described.value.sse.kmsMasterKeyArn }] : []))
  out.keys = await collectKmsKeyOwners(clients, target, ctx, refs)
  return { ok: true, value: out }
}
