// Secret-store collectors: Secrets Manager secrets (ListSecrets) and SSM parameters
// (DescribeParameters), every target region, all pages. Both are metadata calls: Vigil never calls
// GetSecretValue, GetParameter or GetParameters, so no secret value can reach an observation.
import { paginateListSecrets } from '@aws-sdk/client-secrets-manager'
import { paginateDescribeParameters } from '@aws-sdk/client-ssm'
import type { AwsTarget } from './target.ts'
import type { Fetched, RegionalInventory, SecretObservation, SsmParameterObservation } from './observation.ts'
import { toPartError, type AwsClients } from './sdk-clients.ts'

const iso = (d: Date | undefined) => d?.toISOString()
const byArn = (a: { arn: string }, b: { arn: string }) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0)

async function perRegion<T>(target: AwsTarget, list: (region: string, page: () => void) => Promise<T[]>, what: string): Promise<Fetched<RegionalInventory<T>>> {
  const out: RegionalInventory<T> = { items: [], pages: 0, unreadRegions: [] }
  await Promise.all(
    target.regions.map(async (region) => {
      try {
        out.items.push(...(await list(region, () => out.pages++)))
      } catch (e) {
        out.unreadRegions.push({ region, error: toPartError(e, `${what} in ${region}`) })
      }
    }),
  )
  out.items.sort(byArn as (a: T, b: T) => number)
  return { ok: true, value: out }
}

export function collectSecrets(clients: AwsClients, target: AwsTarget): Promise<Fetched<RegionalInventory<SecretObservation>>> {
  return perRegion<SecretObservation>(
    target,
    async (region, page) => {
      const items: SecretObservation[] = []
      for await (const p of paginateListSecrets({ client: clients.secretsManager(region), pageSize: 100 }, {})) {
        page()
        for (const s of p.SecretList ?? [])
          items.push({
            name: s.Name ?? '',
            arn: s.ARN ?? '',
            region,
            ...(s.RotationEnabled !== undefined ? { rotationEnabled: s.RotationEnabled } : {}),
            ...(s.RotationLambdaARN ? { rotationLambdaArn: s.RotationLambdaARN } : {}),
            ...(s.RotationRules ? { rotationRules: { ...s.RotationRules } } : {}),
            ...(s.LastRotatedDate ? { lastRotatedDate: iso(s.LastRotatedDate) } : {}),
            ...(s.LastChangedDate ? { lastChangedDate: iso(s.LastChangedDate) } : {}),
            ...(s.CreatedDate ? { createdDate: iso(s.CreatedDate) } : {}),
            ...(s.NextRotationDate ? { nextRotationDate: iso(s.NextRotationDate) } : {}),
            ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
            ...(s.OwningService ? { owningService: s.OwningService } : {}),
          })
      }
      return items
    },
    'ListSecrets',
  )
}

/** The parameter's ARN as AWS builds it: `parameter/<name>` (a leading `/` of the name is not doubled). */
export function parameterArn(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:ssm:${region}:${account}:parameter${name.startsWith('/') ? '' : '/'}${name}`
}

export function collectSsmParameters(clients: AwsClients, target: AwsTarget, partition: string, account: string): Promise<Fetched<RegionalInventory<SsmParameterObservation>>> {
  return perRegion<SsmParameterObservation>(
    target,
    async (region, page) => {
      const items: SsmParameterObservation[] = []
      for await (const p of paginateDescribeParameters({ client: clients.ssm(region), pageSize: 50 }, {})) {
        page()
        for (const m of p.Parameters ?? [])
          items.push({
            name: m.Name ?? '',
            arn: m.ARN ?? parameterArn(partition, region, account, m.Name ?? ''),
            region,
            ...(m.Type ? { type: m.Type } : {}),
            ...(m.KeyId ? { keyId: m.KeyId } : {}),
            ...(m.Tier ? { tier: m.Tier } : {}),
            ...(m.DataType ? { dataType: m.DataType } : {}),
            ...(m.LastModifiedDate ? { lastModifiedDate: iso(m.LastModifiedDate) } : {}),
            ...(m.Version !== undefined ? { version: m.Version } : {}),
          })
      }
      return items
    },
    'DescribeParameters',
  )
}
