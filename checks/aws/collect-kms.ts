// KMS collector: every key of every target region (ListKeys, all pages), each described
// (DescribeKey), and the rotation status (GetKeyRotationStatus) of the keys automatic rotation
// applies to: enabled, customer-managed, symmetric, with AWS_KMS key material; with `policies`, the
// key policy of every customer-managed key not pending deletion (GetKeyPolicy). Grants are not read.
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, paginateListKeys } from '@aws-sdk/client-kms'
import type { ObserveContext } from '../types.ts'
import type { AwsTarget } from './target.ts'
import type { Fetched, KmsKeyMetadata, KmsKeyObservation, RegionalInventory } from './observation.ts'
import { toPartError, type AwsClients } from './sdk-clients.ts'
import { isRotatableCustomerKey } from './key-references.ts'

const iso = (d: Date | undefined) => d?.toISOString()

export async function collectKms(clients: AwsClients, target: AwsTarget, ctx: ObserveContext, opts: { policies?: boolean } = {}): Promise<Fetched<RegionalInventory<KmsKeyObservation>>> {
  const out: RegionalInventory<KmsKeyObservation> = { items: [], pages: 0, unreadRegions: [] }
  await Promise.all(
    target.regions.map(async (region) => {
      const kms = clients.kms(region)
      const listed: { KeyId: string; KeyArn: string }[] = []
      try {
        for await (const page of paginateListKeys({ client: kms, pageSize: 1000 }, {})) {
          out.pages++
          for (const k of page.Keys ?? []) if (k.KeyId) listed.push({ KeyId: k.KeyId, KeyArn: k.KeyArn ?? '' })
        }
      } catch (e) {
        out.unreadRegions.push({ region, error: toPartError(e, `ListKeys in ${region}`) })
        return
      }
      await Promise.all(
        listed.map((k) =>
          ctx.limit(`aws:${target.name}:${region}`, async () => {
            const key: KmsKeyObservation = { keyId: k.KeyId, arn: k.KeyArn, region, metadata: { ok: false, error: { kind: 'not-observed', message: 'not yet described' } } }
            try {
              const m = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata
              const meta: KmsKeyMetadata = {
                KeyId: m?.KeyId ?? k.KeyId,
                Arn: m?.Arn ?? k.KeyArn,
                KeyState: m?.KeyState,
                Enabled: m?.Enabled,
                KeyManager: m?.KeyManager,
                KeySpec: m?.KeySpec,
                KeyUsage: m?.KeyUsage,
                Origin: m?.Origin,
                CreationDate: iso(m?.CreationDate),
                DeletionDate: iso(m?.DeletionDate),
                MultiRegion: m?.MultiRegion,
                Description: m?.Description,
              }
              key.arn = meta.Arn
              key.metadata = { ok: true, value: meta }
              if (meta.KeyState === 'Enabled' && isRotatableCustomerKey(meta)) {
                try {
                  const r = await kms.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))
                  key.rotation = {
                    ok: true,
                    value: {
                      enabled: r.KeyRotationEnabled === true,
                      ...(r.RotationPeriodInDays !== undefined ? { periodDays: r.RotationPeriodInDays } : {}),
                      ...(r.NextRotationDate ? { nextRotationDate: r.NextRotationDate.toISOString() } : {}),
                    },
                  }
                } catch (e) {
                  key.rotation = { ok: false, error: toPartError(e, `GetKeyRotationStatus ${k.KeyId}`) }
                }
              }
              if (opts.policies && meta.KeyManager === 'CUSTOMER' && meta.KeyState !== 'PendingDeletion' && meta.KeyState !== 'PendingReplicaDeletion') {
                try {
                  const p = await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default' }))
                  key.policy = { ok: true, value: { document: p.Policy ?? '' } }
                } catch (e) {
                  key.policy = { ok: false, error: toPartError(e, `GetKeyPolicy ${k.KeyId}`) }
                }
              }
            } catch (e) {
              key.metadata = { ok: false, error: toPartError(e, `DescribeKey ${k.KeyId}`) }
            }
            out.items.push(key)
          }),
        ),
      )
    }),
  )
  out.items.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0))
  return { ok: true, value: out }
}
