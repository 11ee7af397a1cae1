// S3 collector: every bucket ListBuckets returns (all pages), each read in its own region, with only
// the per-bucket configuration the selected checks need. Bucket calls run under the runner's limiter
// keyed by account and region, so one account never floods one regional endpoint.
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  paginateListBuckets,
} from '@aws-sdk/client-s3'
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from '@aws-sdk/client-s3-control'
import type { ObserveContext } from '../types.ts'
import type { AwsTarget } from './target.ts'
import { AWS_PARTS, type BucketObservation, type Fetched, type PublicAccessBlockFlags, type S3Observation } from './observation.ts'
import { isNotFound, toPartError, type AwsClients } from './sdk-clients.ts'

async function fetched<T>(what: string, fn: () => Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await fn() }
  } catch (e) {
    return { ok: false, error: toPartError(e, what) }
  }
}

/** Runs `fn`; an AWS "not configured" answer becomes `absent` instead of an error. */
async function orAbsent<R, T>(fn: () => Promise<R>, present: (r: R) => T, absent: NoInfer<T>): Promise<T> {
  try {
    return present(await fn())
  } catch (e) {
    if (isNotFound(e)) return absent
    throw e
  }
}

type Configured = { configured: boolean; response?: unknown }
type Pab = { present: boolean; config?: PublicAccessBlockFlags }

function locationToRegion(loc: string | undefined | null): string {
  // us-east-1 answers with an empty LocationConstraint; `EU` is the legacy name of eu-west-1
  if (!loc) return 'us-east-1'
  return loc === 'EU' ? 'eu-west-1' : loc
}

function pabFlags(c: PublicAccessBlockFlags | undefined): PublicAccessBlockFlags {
  return {
    BlockPublicAcls: c?.BlockPublicAcls ?? false,
    IgnorePublicAcls: c?.IgnorePublicAcls ?? false,
    BlockPublicPolicy: c?.BlockPublicPolicy ?? false,
    RestrictPublicBuckets: c?.RestrictPublicBuckets ?? false,
  }
}

export async function collectS3(clients: AwsClients, target: AwsTarget, ctx: ObserveContext, partition: string): Promise<Fetched<S3Observation>> {
  const home = target.regions[0]!
  const listed: { name: string; region?: string; creationDate?: string }[] = []
  let listPages = 0
  try {
    // no MaxBuckets: AWS then returns every bucket (following a ContinuationToken if one comes), while
    // moto 5.2 truncates at MaxBuckets without a token, which would silently hide buckets
    for await (const page of paginateListBuckets({ client: clients.s3(home) }, {})) {
      listPages++
      for (const b of page.Buckets ?? [])
        if (b.Name) listed.push({ name: b.Name, region: b.BucketRegion || undefined, creationDate: b.CreationDate?.toISOString() })
    }
  } catch (e) {
    return { ok: false, error: toPartError(e, 'ListBuckets') }
  }

  const inScope = new Set(target.regions)
  const out: S3Observation = { buckets: [], outOfScope: [], listPages, unlocated: [] }
  const needs = ctx.needs
  const want = (p: string) => needs.has(p)

  await Promise.all(
    listed.map(async (b) => {
      let region = b.region
      if (!region) {
        const loc = await ctx.limit(`aws:${target.name}:${home}`, () =>
          fetched('GetBucketLocation', async () => (await clients.s3(home).send(new GetBucketLocationCommand({ Bucket: b.name }))).LocationConstraint),
        )
        if (!loc.ok) {
          out.unlocated.push({ name: b.name, error: loc.error })
          return
        }
        region = locationToRegion(loc.value)
      }
      if (!inScope.has(region)) {
        out.outOfScope.push({ name: b.name, region })
        return
      }
      const r = region
      const s3 = clients.s3(r)
      const Bucket = b.name
      const obs: BucketObservation = { name: b.name, arn: `arn:${partition}:s3:::${b.name}`, region: r, creationDate: b.creationDate }
      await ctx.limit(`aws:${target.name}:${r}`, async () => {
        if (want(AWS_PARTS.s3Encryption))
          obs.encryption = await fetched('GetBucketEncryption', () =>
            orAbsent(() => s3.send(new GetBucketEncryptionCommand({ Bucket })), (x): Configured => ({ configured: true, response: x.ServerSideEncryptionConfiguration }), { configured: false }),
          )
        if (want(AWS_PARTS.s3Policy))
          obs.policy = await fetched('GetBucketPolicy', () =>
            orAbsent(() => s3.send(new GetBucketPolicyCommand({ Bucket })), (x): { present: boolean; document?: string } => ({ present: !!x.Policy, document: x.Policy }), { present: false }),
          )
        if (want(AWS_PARTS.s3PublicAccessBlock))
          obs.publicAccessBlock = await fetched('GetPublicAccessBlock', () =>
            orAbsent(
              () => s3.send(new GetPublicAccessBlockCommand({ Bucket })),
              (x): Pab => ({ present: true, config: pabFlags(x.PublicAccessBlockConfiguration) }),
              { present: false },
            ),
          )
        if (want(AWS_PARTS.s3Acl))
          obs.acl = await fetched('GetBucketAcl', async () => ({ grants: (await s3.send(new GetBucketAclCommand({ Bucket }))).Grants ?? [] }))
        if (want(AWS_PARTS.s3Versioning))
          obs.versioning = await fetched('GetBucketVersioning', async () => {
            const v = await s3.send(new GetBucketVersioningCommand({ Bucket }))
            return { status: v.Status, mfaDelete: v.MFADelete }
          })
        if (want(AWS_PARTS.s3Logging))
          obs.logging = await fetched('GetBucketLogging', async () => {
            const l = await s3.send(new GetBucketLoggingCommand({ Bucket }))
            return l.LoggingEnabled ? { loggingEnabled: { TargetBucket: l.LoggingEnabled.TargetBucket, TargetPrefix: l.LoggingEnabled.TargetPrefix } } : {}
          })
        if (want(AWS_PARTS.s3ObjectLock))
          obs.objectLock = await fetched('GetObjectLockConfiguration', () =>
            orAbsent(() => s3.send(new GetObjectLockConfigurationCommand({ Bucket })), (x): Configured => ({ configured: true, response: x.ObjectLockConfiguration }), { configured: false }),
          )
      })
      out.buckets.push(obs)
    }),
  )
  out.buckets.sort((a, b) => a.name.localeCompare(b.name))
  out.outOfScope.sort((a, b) => a.name.localeCompare(b.name))
  return { ok: true, value: out }
}

export async function collectAccountPublicAccessBlock(
  clients: AwsClients,
  target: AwsTarget,
  account: string,
): Promise<Fetched<{ present: boolean; config?: PublicAccessBlockFlags }>> {
  const home = target.regions[0]!
  return fetched('s3control GetPublicAccessBlock', () =>
    orAbsent(
      () => clients.s3control(home).send(new GetAccountPublicAccessBlockCommand({ AccountId: account })),
      (x): Pab => ({ present: true, config: pabFlags(x.PublicAccessBlockConfiguration) }),
      { present: false },
    ),
  )
}
