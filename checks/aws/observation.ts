// What the AWS probe (checks/aws/probe.ts) records about one account, and what the AWS judges read.
// Every part is optional (only the parts the selected checks need are collected) and every fetch
// that could not be made carries its own error instead of data, so a judge can tell "off" from
// "could not read". Responses are kept as the API returned them: they are the evidence.
import type { ErrorKind } from '../types.ts'

/** Observation parts a check can ask for (CheckDefinition.needs). Any `aws.s3.*` part implies the bucket list. */
export const AWS_PARTS = {
  s3Encryption: 'aws.s3.encryption',
  s3Policy: 'aws.s3.policy',
  s3PublicAccessBlock: 'aws.s3.public-access-block',
  s3Acl: 'aws.s3.acl',
  s3Versioning: 'aws.s3.versioning',
  s3Logging: 'aws.s3.logging',
  s3ObjectLock: 'aws.s3.object-lock',
  credentialReport: 'aws.iam.credential-report',
  policies: 'aws.iam.policies',
  passwordPolicy: 'aws.iam.password-policy',
} as const

export interface PartError {
  kind: ErrorKind
  message: string
}

export type Fetched<T> = { ok: true; value: T } | { ok: false; error: PartError }

export interface PublicAccessBlockFlags {
  BlockPublicAcls?: boolean
  IgnorePublicAcls?: boolean
  BlockPublicPolicy?: boolean
  RestrictPublicBuckets?: boolean
}

export interface BucketObservation {
  name: string
  arn: string
  /** the bucket's own region (GetBucketLocation / ListBuckets BucketRegion) */
  region: string
  creationDate?: string
  /** GetBucketEncryption: `configured: false` = ServerSideEncryptionConfigurationNotFoundError */
  encryption?: Fetched<{ configured: boolean; response?: unknown }>
  /** GetBucketPolicy: the document exactly as stored */
  policy?: Fetched<{ present: boolean; document?: string }>
  /** GetPublicAccessBlock (bucket level) */
  publicAccessBlock?: Fetched<{ present: boolean; config?: PublicAccessBlockFlags }>
  /** GetBucketAcl */
  acl?: Fetched<{ grants: unknown[] }>
  /** GetBucketVersioning */
  versioning?: Fetched<{ status?: string; mfaDelete?: string }>
  /** GetBucketLogging */
  logging?: Fetched<{ loggingEnabled?: { TargetBucket?: string; TargetPrefix?: string } }>
  /** GetObjectLockConfiguration: `configured: false` = ObjectLockConfigurationNotFoundError */
  objectLock?: Fetched<{ configured: boolean; response?: unknown }>
}

export interface S3Observation {
  /** buckets in the inventory's regions, each checked in its own region */
  buckets: BucketObservation[]
  /** buckets ListBuckets returned whose region is not in the target's `regions` (listed, not checked) */
  outOfScope: { name: string; region: string }[]
  /** ListBuckets pages read */
  listPages: number
  /** buckets whose region could not be determined (not checked; judges report them) */
  unlocated: { name: string; error: PartError }[]
}

export interface InlinePolicy {
  name: string
  /** raw or URL-encoded JSON, as returned */
  document: string
}

export interface AttachedPolicy {
  name: string
  arn: string
}

export interface IamPrincipal {
  type: 'user' | 'group' | 'role'
  name: string
  arn: string
  createDate?: string
  inline: InlinePolicy[]
  attached: AttachedPolicy[]
  /** users only: group names */
  groups?: string[]
}

export interface ManagedPolicyDocument {
  name: string
  defaultVersionId?: string
  document: string
  /** where the document came from */
  source: 'GetAccountAuthorizationDetails' | 'GetPolicyVersion'
}

export interface IamAuthorizationObservation {
  principals: IamPrincipal[]
  /** by ARN: the default version of every managed policy attached to a principal */
  managedPolicies: Record<string, Fetched<ManagedPolicyDocument>>
  /** GetAccountAuthorizationDetails pages read */
  pages: number
}

export interface PasswordPolicyObservation {
  present: boolean
  policy?: Record<string, unknown>
}

export interface CredentialReportObservation {
  generatedTime?: string
  /** the CSV exactly as returned */
  csv: string
}

/** One API operation made during the observation, with how often and how it went. */
export interface ApiCallRecord {
  service: string
  operation: string
  region: string
  calls: number
  /** error name → count (expected "not found" answers included: they are answers, not failures) */
  errors: Record<string, number>
}

export interface AwsObservation {
  identity: Fetched<{ account: string; arn: string; partition: string }>
  regions: string[]
  /** set when the target points at an emulator */
  endpoint?: string
  apiCalls: ApiCallRecord[]
  s3?: Fetched<S3Observation>
  s3AccountPublicAccessBlock?: Fetched<{ present: boolean; config?: PublicAccessBlockFlags }>
  credentialReport?: Fetched<CredentialReportObservation>
  authorization?: Fetched<IamAuthorizationObservation>
  passwordPolicy?: Fetched<PasswordPolicyObservation>
}
