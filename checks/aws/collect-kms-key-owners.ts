// Who manages the KMS keys other resources name (RDS KmsKeyId, DynamoDB KMSMasterKeyArn), for the
// checks that can require a customer-managed key: DescribeKey (KeyManager) per distinct key, and
// ListAliases (all pages) in each key's region for the `alias/aws/<service>` aliases that mark
// AWS-managed keys. Both are read; a reference that names an AWS alias is decided by its name alone.
import { DescribeKeyCommand, paginateListAliases } from '@aws-sdk/client-kms'
import type { ObserveContext } from '../types.ts'
import type { AwsTarget } from './target.ts'
import type { Fetched, KmsKeyOwner, KmsKeyOwners } from './observation.ts'
import { toPartError, type AwsClients } from './sdk-clients.ts'
import { AWS_ALIAS, kmsKeyRefId } from './key-references.ts'

/** The region a key reference lives in: an ARN's own region, else the region of the resource naming it. */
function refRegion(region: string, ref: string): string {
  return ref.startsWith('arn:') ? (ref.split(':')[3] ?? region) : region
}

/** Resolves every distinct reference (with the region of the resource naming it); AWS-alias references need no call. */
export async function collectKmsKeyOwners(clients: AwsClients, target: AwsTarget, ctx: ObserveContext, refs: { region: string; ref: string }[]): Promise<KmsKeyOwners> {
  const out: KmsKeyOwners = {}
  const todo = new Map<string, { region: string; ref: string }>()
  for (const r of refs) if (r.ref && !AWS_ALIAS.test(r.ref)) todo.set(kmsKeyRefId(r.region, r.ref), { region: refRegion(r.region, r.ref), ref: r.ref })
  if (todo.size === 0) return out
  // AWS aliases per region: alias name → target key id
  const aliases = new Map<string, Fetched<{ name: string; targetKeyId: string }[]>>()
  await Promise.all(
    [...new Set([...todo.values()].map((t) => t.region))].map(async (region) => {
      const list: { name: string; targetKeyId: string }[] = []
      try {
        for await (const page of paginateListAliases({ client: clients.kms(region), pageSize: 100 }, {}))
          for (const a of page.Aliases ?? []) if (a.AliasName && a.TargetKeyId && AWS_ALIAS.test(a.AliasName)) list.push({ name: a.AliasName, targetKeyId: a.TargetKeyId })
        aliases.set(region, { ok: true, value: list })
      } catch (e) {
        aliases.set(region, { ok: false, error: toPartError(e, `ListAliases in ${region}`) })
      }
    }),
  )
  await Promise.all(
    [...todo.entries()].map(([id, { region, ref }]) =>
      ctx.limit(`aws:${target.name}:${region}`, async () => {
        const inRegion = aliases.get(region)!
        try {
          const m = (await clients.kms(region).send(new DescribeKeyCommand({ KeyId: ref }))).KeyMetadata
          const keyId = m?.KeyId ?? ''
          const owner: KmsKeyOwner = {
            ...(m?.Arn ? { keyArn: m.Arn } : {}),
            ...(m?.KeyManager ? { keyManager: m.KeyManager } : {}),
            awsAliases: inRegion.ok ? inRegion.value.filter((a) => a.targetKeyId === keyId || a.targetKeyId === m?.Arn).map((a) => a.name).sort() : [],
          }
          // an AWS-managed key is recognised by KeyManager alone; without it the aliases must have been read
          out[id] = owner.keyManager === 'AWS' || owner.awsAliases.length || inRegion.ok ? { ok: true, value: owner } : { ok: false, error: inRegion.error }
        } catch (e) {
          out[id] = { ok: false, error: toPartError(e, `DescribeKey ${ref}`) }
        }
      }),
    ),
  )
  return out
}
