// The AWS probe: observes one account target once, collecting only the parts the selected checks
// need. Credentials come from the provider chain (checks/aws/sdk-clients.ts) and are resolved once,
// so that any trace of them can be scrubbed from the observation before it is stored.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types'
import type { ObserveContext } from '../types.ts'
import type { AwsTarget } from './target.ts'
import { collectAccountPublicAccessBlock, collectS3 } from './collect-s3.ts'
import { collectAuthorization, collectCredentialReport, collectPasswordPolicy } from './collect-iam.ts'
import { collectKms } from './collect-kms.ts'
import { collectEbs, collectTrails } from './collect-cloudtrail.ts'
import { collectSecrets, collectSsmParameters } from './collect-secrets.ts'
import { collectRds } from './collect-rds.ts'
import { collectDynamoDb } from './collect-dynamodb.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'
import { makeClients, toPartError } from './sdk-clients.ts'

export interface AwsProbeOptions {
  /** credentials to use instead of the provider chain (lab and benchmark against an emulator) */
  credentials?: AwsCredentialIdentityProvider
}

const S3_PARTS = [
  AWS_PARTS.s3Encryption,
  AWS_PARTS.s3Policy,
  AWS_PARTS.s3PublicAccessBlock,
  AWS_PARTS.s3Acl,
  AWS_PARTS.s3Versioning,
  AWS_PARTS.s3Logging,
  AWS_PARTS.s3ObjectLock,
]

/** Replaces every occurrence of the given secrets in every string of a JSON-like value. */
export function scrubSecrets<T>(value: T, secrets: string[]): T {
  const live = secrets.filter((s) => s && s.length >= 8)
  if (live.length === 0) return value
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return live.reduce((acc, s) => acc.split(s).join('[redacted]'), v)
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return walk(value) as T
}

export async function observeAws(target: AwsTarget, ctx: ObserveContext, options: AwsProbeOptions = {}): Promise<AwsObservation> {
  const clients = makeClients(target, ctx.timeoutMs, options.credentials)
  const secrets: string[] = []
  const obs: AwsObservation = {
    identity: { ok: false, error: { kind: 'not-observed', message: 'not yet observed' } },
    regions: target.regions,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    apiCalls: [],
  }
  try {
    try {
      const c = await clients.credentials()
      secrets.push(c.accessKeyId, c.secretAccessKey, c.sessionToken ?? '')
    } catch (e) {
      obs.identity = { ok: false, error: { kind: 'access-denied', message: `no usable AWS credentials: ${(e as Error).name}` } }
      return obs
    }
    try {
      const id = await clients.sts().send(new GetCallerIdentityCommand({}))
      const partition = id.Arn?.split(':')[1] ?? 'aws'
      obs.identity = { ok: true, value: { account: id.Account ?? '', arn: id.Arn ?? '', partition } }
    } catch (e) {
      obs.identity = { ok: false, error: toPartError(e, 'GetCallerIdentity') }
      return obs
    }
    const { account, partition } = obs.identity.value
    const needs = ctx.needs
    const jobs: Promise<void>[] = []
    if (S3_PARTS.some((p) => needs.has(p)))
      jobs.push(
        collectS3(clients, target, ctx, partition).then((r) => {
          obs.s3 = r
        }),
      )
    if (needs.has(AWS_PARTS.s3PublicAccessBlock))
      jobs.push(
        collectAccountPublicAccessBlock(clients, target, account).then((r) => {
          obs.s3AccountPublicAccessBlock = r
        }),
      )
    if (needs.has(AWS_PARTS.credentialReport))
      jobs.push(
        collectCredentialReport(clients, ctx.timeoutMs).then((r) => {
          obs.credentialReport = r
        }),
      )
    if (needs.has(AWS_PARTS.passwordPolicy))
      jobs.push(
        collectPasswordPolicy(clients).then((r) => {
          obs.passwordPolicy = r
        }),
      )
    if (needs.has(AWS_PARTS.policies))
      jobs.push(
        collectAuthorization(clients, target, ctx).then((r) => {
          obs.authorization = r
        }),
      )
    if (needs.has(AWS_PARTS.kmsKeys) || needs.has(AWS_PARTS.kmsKeyPolicies))
      jobs.push(
        collectKms(clients, target, ctx, { policies: needs.has(AWS_PARTS.kmsKeyPolicies) }).then((r) => {
          obs.kms = r
        }),
      )
    if (needs.has(AWS_PARTS.secrets))
      jobs.push(
        collectSecrets(clients, target).then((r) => {
          obs.secrets = r
        }),
      )
    if (needs.has(AWS_PARTS.ssmParameters))
      jobs.push(
        collectSsmParameters(clients, target, partition, account).then((r) => {
          obs.ssmParameters = r
        }),
      )
    if (needs.has(AWS_PARTS.cloudtrailTrails))
      jobs.push(
        collectTrails(clients, target, ctx).then((r) => {
          obs.cloudtrail = r
        }),
      )
    if (needs.has(AWS_PARTS.ebs))
      jobs.push(
        collectEbs(clients, target, partition, account).then((r) => {
          obs.ebs = r
        }),
      )
    if (needs.has(AWS_PARTS.rdsStorage) || needs.has(AWS_PARTS.rdsParameters))
      jobs.push(
        collectRds(clients, target, ctx, partition, account, { storage: needs.has(AWS_PARTS.rdsStorage), parameters: needs.has(AWS_PARTS.rdsParameters) }).then((r) => {
          obs.rds = r
        }),
      )
    if (needs.has(AWS_PARTS.dynamodbTables))
      jobs.push(
        collectDynamoDb(clients, target, ctx, partition, account).then((r) => {
          obs.dynamodb = r
        }),
      )
    await Promise.all(jobs)
    return obs
  } finally {
    obs.apiCalls = clients.log.list()
    clients.destroy()
    Object.assign(obs, scrubSecrets({ ...obs }, secrets))
  }
}
