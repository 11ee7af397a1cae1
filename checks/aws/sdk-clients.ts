// SDK clients for one account target: credentials from the standard provider chain (a profile, or
// a role assumed through STS) — never from the inventory; adaptive retry for throttling; a timeout
// on every request; and a log of every API operation made, which becomes evidence.
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { EC2Client } from '@aws-sdk/client-ec2'
import { IAMClient } from '@aws-sdk/client-iam'
import { KMSClient } from '@aws-sdk/client-kms'
import { RDSClient } from '@aws-sdk/client-rds'
import { S3Client } from '@aws-sdk/client-s3'
import { S3ControlClient } from '@aws-sdk/client-s3-control'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SSMClient } from '@aws-sdk/client-ssm'
import { STSClient } from '@aws-sdk/client-sts'
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers'
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types'
import type { AwsTarget } from './target.ts'
import type { ApiCallRecord, PartError } from './observation.ts'

/** Attempts per request; adaptive mode also slows the client down when AWS throttles it. */
export const MAX_ATTEMPTS = 6

export class ApiCallLog {
  private records = new Map<string, ApiCallRecord>()

  record(service: string, operation: string, region: string, errorName?: string): void {
    const key = `${service}|${operation}|${region}`
    let r = this.records.get(key)
    if (!r) {
      r = { service, operation, region, calls: 0, errors: {} }
      this.records.set(key, r)
    }
    r.calls++
    if (errorName) r.errors[errorName] = (r.errors[errorName] ?? 0) + 1
  }

  list(): ApiCallRecord[] {
    return [...this.records.values()].sort((a, b) => `${a.service}${a.operation}${a.region}`.localeCompare(`${b.service}${b.operation}${b.region}`))
  }
}

export function credentialProvider(target: AwsTarget, region: string): AwsCredentialIdentityProvider {
  const base = fromNodeProviderChain(target.profile ? { profile: target.profile } : {})
  if (!target.roleArn) return base
  return fromTemporaryCredentials({
    masterCredentials: base,
    params: { RoleArn: target.roleArn, RoleSessionName: 'vigil-audit', DurationSeconds: 3600, ...(target.externalId ? { ExternalId: target.externalId } : {}) },
    clientConfig: { region, ...(target.endpoint ? { endpoint: target.endpoint } : {}) },
  })
}

interface Stackable {
  middlewareStack: { add(mw: never, opts: never): void }
}

function logCalls(client: Stackable, log: ApiCallLog, service: string, region: string): void {
  const mw = (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    const op = (context.commandName ?? 'Unknown').replace(/Command$/, '')
    try {
      const out = await next(args)
      log.record(service, op, region)
      return out
    } catch (e) {
      log.record(service, op, region, (e as Error).name || 'Error')
      throw e
    }
  }
  client.middlewareStack.add(mw as never, { step: 'initialize', name: 'vigilApiCallLog', override: true } as never)
}

/**
 * S3 Control prefixes the account id to the host (`123456789012.localhost`), which an emulator on
 * localhost cannot serve; for an emulator endpoint only, send the request to the endpoint's host.
 */
function pinHost(client: Stackable, endpoint: string): void {
  const ep = new URL(endpoint)
  const mw = (next: (a: unknown) => Promise<unknown>) => async (args: { request: { hostname: string; headers: Record<string, string> } }) => {
    args.request.hostname = ep.hostname
    args.request.headers.host = ep.host
    return next(args)
  }
  client.middlewareStack.add(mw as never, { step: 'finalizeRequest', name: 'vigilEmulatorHost', override: true } as never)
}

export interface AwsClients {
  log: ApiCallLog
  credentials: AwsCredentialIdentityProvider
  sts(): STSClient
  iam(): IAMClient
  s3(region: string): S3Client
  s3control(region: string): S3ControlClient
  kms(region: string): KMSClient
  secretsManager(region: string): SecretsManagerClient
  ssm(region: string): SSMClient
  cloudtrail(region: string): CloudTrailClient
  ec2(region: string): EC2Client
  rds(region: string): RDSClient
  dynamodb(region: string): DynamoDBClient
  destroy(): void
}

export function makeClients(target: AwsTarget, timeoutMs: number, credentials?: AwsCredentialIdentityProvider): AwsClients {
  const home = target.regions[0] ?? 'us-east-1'
  const creds = credentials ?? credentialProvider(target, home)
  const log = new ApiCallLog()
  const common = (region: string) => ({
    region,
    credentials: creds,
    maxAttempts: MAX_ATTEMPTS,
    retryMode: 'adaptive' as const,
    // without throwOnRequestTimeout the SDK only logs a warning and waits for a silent peer forever
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
  })
  const cache = new Map<string, { destroy(): void }>()
  function get<T extends { destroy(): void }>(key: string, make: () => T): T {
    let c = cache.get(key) as T | undefined
    if (!c) {
      c = make()
      cache.set(key, c)
    }
    return c
  }
  return {
    log,
    credentials: creds,
    sts: () =>
      get('sts', () => {
        const c = new STSClient(common(home))
        logCalls(c, log, 'sts', home)
        return c
      }),
    iam: () =>
      get('iam', () => {
        // IAM is global; its endpoint lives in us-east-1 for the aws partition
        const c = new IAMClient(common(home))
        logCalls(c, log, 'iam', 'global')
        return c
      }),
    s3: (region) =>
      get(`s3:${region}`, () => {
        const c = new S3Client({ ...common(region), forcePathStyle: !!target.endpoint, followRegionRedirects: true })
        logCalls(c, log, 's3', region)
        return c
      }),
    s3control: (region) =>
      get(`s3control:${region}`, () => {
        // the account-id host prefix makes `123456789012.127.0.0.1` an invalid URL before any
        // middleware runs; resolve against a DNS-style name, then pin the real host (pinHost)
        const ep = target.endpoint ? new URL(target.endpoint) : undefined
        if (ep && /^[\d.]+$|^\[/.test(ep.hostname)) ep.hostname = 'localhost'
        const c = new S3ControlClient({ ...common(region), ...(ep ? { endpoint: ep.toString().replace(/\/$/, '') } : {}) })
        logCalls(c, log, 's3control', region)
        if (target.endpoint) pinHost(c, target.endpoint)
        return c
      }),
    kms: (region) =>
      get(`kms:${region}`, () => {
        const c = new KMSClient(common(region))
        logCalls(c, log, 'kms', region)
        return c
      }),
    secretsManager: (region) =>
      get(`secretsmanager:${region}`, () => {
        const c = new SecretsManagerClient(common(region))
        logCalls(c, log, 'secretsmanager', region)
        return c
      }),
    ssm: (region) =>
      get(`ssm:${region}`, () => {
        const c = new SSMClient(common(region))
        logCalls(c, log, 'ssm', region)
        return c
      }),
    cloudtrail: (region) =>
      get(`cloudtrail:${region}`, () => {
        const c = new CloudTrailClient(common(region))
        logCalls(c, log, 'cloudtrail', region)
        return c
      }),
    ec2: (region) =>
      get(`ec2:${region}`, () => {
        const c = new EC2Client(common(region))
        logCalls(c, log, 'ec2', region)
        return c
      }),
    rds: (region) =>
      get(`rds:${region}`, () => {
        const c = new RDSClient(common(region))
        logCalls(c, log, 'rds', region)
        return c
      }),
    dynamodb: (region) =>
      get(`dynamodb:${region}`, () => {
        const c = new DynamoDBClient(common(region))
        logCalls(c, log, 'dynamodb', region)
        return c
      }),
    destroy: () => {
      for (const c of cache.values()) c.destroy()
    },
  }
}

const NOT_FOUND = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'NoSuchBucketPolicy',
  'NoSuchPublicAccessBlockConfiguration',
  'ServerSideEncryptionConfigurationNotFoundError',
  'ObjectLockConfigurationNotFoundError',
  'OwnershipControlsNotFoundError',
])

/** "Not configured" answers: data, not errors. */
export function isNotFound(e: unknown): boolean {
  return NOT_FOUND.has((e as Error)?.name)
}

/** An SDK or network failure as a part error; the message names the API error, never credentials. */
export function toPartError(e: unknown, what: string): PartError {
  const err = e as Error & { code?: string; $metadata?: { httpStatusCode?: number } }
  const name = err?.name ?? 'Error'
  const status = err?.$metadata?.httpStatusCode
  const msg = `${what}: ${name}${err?.message && err.message !== name ? `: ${err.message.slice(0, 300)}` : ''}`
  if (/AccessDenied|UnauthorizedOperation|AuthorizationError|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|CredentialsProviderError/i.test(name) || status === 403)
    return { kind: 'access-denied', message: msg }
  if (/Timeout|TimedOut/i.test(name) || err?.code === 'ETIMEDOUT' || /timed? ?out/i.test(err?.message ?? '')) return { kind: 'timeout', message: msg }
  if (['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(err?.code ?? '') || /ECONNREFUSED|ENOTFOUND|ECONNRESET|socket hang up/.test(err?.message ?? ''))
    return { kind: 'unreachable', message: msg }
  return { kind: 'protocol', message: msg }
}
