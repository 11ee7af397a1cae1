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
  kmsKeys: 'aws.kms.keys',
  secrets: 'aws.secretsmanager.secrets',
  ssmParameters: 'aws.ssm.parameters',
  /** implies aws.kms.keys */
  kmsKeyPolicies: 'aws.kms.key-policies',
  /** DescribeTrails (every target region, shadow trails included), GetTrailStatus, GetEventSelectors */
  cloudtrailTrails: 'aws.cloudtrail.trails',
  /** GetEbsEncryptionByDefault and DescribeVolumes, every target region */
  ebs: 'aws.ec2.ebs',
  /** DescribeDBInstances, DescribeDBClusters, DescribeDBSnapshots, DescribeDBClusterSnapshots, every target region, and the owners of the KMS keys they name */
  rdsStorage: 'aws.rds.storage',
  /** DescribeDBInstances, DescribeDBClusters and the TLS parameters of the parameter groups they use (DescribeDBParameters, DescribeDBClusterParameters) */
  rdsParameters: 'aws.rds.parameters',
  /** ListTables and DescribeTable, every target region, and the owners of the KMS keys the tables name */
  dynamodbTables: 'aws.dynamodb.tables',
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

/** A regional resource list: every region of the target, all pages; a region that could not be listed is named. */
export interface RegionalInventory<T> {
  items: T[]
  /** list pages read, all regions */
  pages: number
  /** regions whose list call failed (their resources are undetermined, never assumed absent) */
  unreadRegions: { region: string; error: PartError }[]
}

/** KMS DescribeKey's KeyMetadata, the fields the checks read (dates as ISO strings). */
export interface KmsKeyMetadata {
  KeyId: string
  Arn: string
  KeyState?: string
  Enabled?: boolean
  /** CUSTOMER or AWS */
  KeyManager?: string
  KeySpec?: string
  KeyUsage?: string
  /** AWS_KMS, EXTERNAL (imported material), AWS_CLOUDHSM, EXTERNAL_KEY_STORE */
  Origin?: string
  CreationDate?: string
  DeletionDate?: string
  MultiRegion?: boolean
  Description?: string
}

export interface KmsKeyObservation {
  keyId: string
  arn: string
  region: string
  /** DescribeKey */
  metadata: Fetched<KmsKeyMetadata>
  /**
   * GetKeyRotationStatus, read only for enabled customer-managed symmetric keys with AWS_KMS
   * material (the only keys automatic rotation applies to); `periodDays` absent = not returned
   */
  rotation?: Fetched<{ enabled: boolean; periodDays?: number; nextRotationDate?: string }>
  /** GetKeyPolicy (policy name `default`), read only for customer-managed keys not pending deletion; the document as returned */
  policy?: Fetched<{ document: string }>
}

/** One Secrets Manager secret as ListSecrets describes it: metadata only, never a value. */
export interface SecretObservation {
  name: string
  arn: string
  region: string
  rotationEnabled?: boolean
  rotationLambdaArn?: string
  rotationRules?: { AutomaticallyAfterDays?: number; ScheduleExpression?: string; Duration?: string }
  lastRotatedDate?: string
  lastChangedDate?: string
  createdDate?: string
  nextRotationDate?: string
  kmsKeyId?: string
  owningService?: string
}

/** One SSM parameter as DescribeParameters describes it: metadata only, never a value. */
export interface SsmParameterObservation {
  name: string
  arn: string
  region: string
  /** String, StringList or SecureString */
  type?: string
  /** SecureString only: the KMS key (alias/aws/ssm = the AWS-managed key) */
  keyId?: string
  tier?: string
  dataType?: string
  lastModifiedDate?: string
  version?: number
}

/** One CloudTrail trail as DescribeTrails describes it, with its status and event selectors (read in its home region). */
export interface TrailObservation {
  name: string
  arn: string
  homeRegion: string
  /** DescribeTrails, the fields the checks read */
  trail: {
    S3BucketName?: string
    S3KeyPrefix?: string
    IsMultiRegionTrail?: boolean
    IsOrganizationTrail?: boolean
    IncludeGlobalServiceEvents?: boolean
    LogFileValidationEnabled?: boolean
    KmsKeyId?: string
    HasCustomEventSelectors?: boolean
  }
  /** GetTrailStatus */
  status?: Fetched<{ isLogging: boolean; latestDeliveryError?: string }>
  /** GetEventSelectors: basic and advanced selectors as returned */
  selectors?: Fetched<{ eventSelectors: TrailEventSelector[]; advancedEventSelectors: TrailAdvancedEventSelector[] }>
}

export interface TrailEventSelector {
  ReadWriteType?: string
  IncludeManagementEvents?: boolean
  ExcludeManagementEventSources?: string[]
}

export interface TrailAdvancedEventSelector {
  Name?: string
  FieldSelectors: { Field: string; Equals?: string[]; NotEquals?: string[]; StartsWith?: string[]; NotStartsWith?: string[]; EndsWith?: string[]; NotEndsWith?: string[] }[]
}

/** One EBS volume as DescribeVolumes describes it. */
export interface EbsVolumeObservation {
  volumeId: string
  arn: string
  region: string
  encrypted?: boolean
  kmsKeyId?: string
  state?: string
  size?: number
  createTime?: string
  /** instance ids the volume is attached to */
  attachedTo?: string[]
}

export interface EbsObservation {
  volumes: RegionalInventory<EbsVolumeObservation>
  /** GetEbsEncryptionByDefault, per target region */
  encryptionByDefault: Record<string, Fetched<{ enabled: boolean }>>
}

/**
 * Who manages a KMS key that a resource names (RDS KmsKeyId, DynamoDB KMSMasterKeyArn): DescribeKey's
 * KeyManager, and the AWS aliases (`alias/aws/…`, from ListAliases in the key's region) pointing at it.
 */
export interface KmsKeyOwner {
  /** the key's ARN, when DescribeKey answered */
  keyArn?: string
  /** CUSTOMER or AWS (DescribeKey) */
  keyManager?: string
  /** `alias/aws/<service>` aliases targeting the key: they name AWS-managed keys */
  awsAliases: string[]
}

/** Resolved KMS key references, by `kmsKeyRefId(region, reference)`: the reference as reported when it is an ARN, else `<region>/<reference>`. */
export type KmsKeyOwners = Record<string, Fetched<KmsKeyOwner>>

/** What DescribeDBInstances and DescribeDBClusters both say of a database (no credential field is kept). */
interface RdsDatabaseObservation {
  id: string
  arn: string
  region: string
  engine?: string
  engineVersion?: string
  status?: string
  storageEncrypted?: boolean
  kmsKeyId?: string
}

/** One RDS DB instance as DescribeDBInstances describes it. */
export interface RdsInstanceObservation extends RdsDatabaseObservation {
  /** set for a member of an Aurora or Multi-AZ DB cluster: its storage and TLS settings are the cluster's */
  clusterId?: string
  /** DBParameterGroups: name and apply status (pending-reboot = the group's values are not yet in effect) */
  parameterGroups: { name: string; applyStatus?: string }[]
}

/** One RDS DB cluster (Aurora or Multi-AZ DB cluster) as DescribeDBClusters describes it. */
export interface RdsClusterObservation extends RdsDatabaseObservation {
  /** DBClusterParameterGroup */
  parameterGroup?: string
  members: string[]
}

/** One DB snapshot (DescribeDBSnapshots) or DB cluster snapshot (DescribeDBClusterSnapshots), manual or automated. */
export interface RdsSnapshotObservation {
  kind: 'db-snapshot' | 'cluster-snapshot'
  id: string
  arn: string
  region: string
  /** manual, automated, awsbackup… */
  snapshotType?: string
  /** the DB instance or cluster it was taken from */
  source?: string
  engine?: string
  status?: string
  encrypted?: boolean
  kmsKeyId?: string
}

/** The TLS-forcing parameters of one parameter group (all pages read; only these parameters kept). */
export interface RdsParameterGroupObservation {
  /** by parameter name: `rds.force_ssl`, `require_secure_transport`; absent = not listed */
  parameters: Record<string, { value?: string; source?: string; applyType?: string }>
  pages: number
}

export interface RdsObservation {
  instances: RegionalInventory<RdsInstanceObservation>
  clusters: RegionalInventory<RdsClusterObservation>
  /** with aws.rds.storage: DB and cluster snapshots the account owns */
  snapshots?: RegionalInventory<RdsSnapshotObservation>
  /** with aws.rds.storage: the owners of the KMS keys instances, clusters and snapshots name */
  keys?: KmsKeyOwners
  /** with aws.rds.parameters: by `rdsParameterGroupId(region, kind, name)` */
  parameterGroups?: Record<string, Fetched<RdsParameterGroupObservation>>
}

/** One DynamoDB table's encryption as DescribeTable describes it (no item is ever read). */
export interface DynamoTableObservation {
  name: string
  arn: string
  region: string
  /** DescribeTable: TableStatus and SSEDescription (absent = the AWS-owned key, DynamoDB's default) */
  described: Fetched<{ status?: string; sse?: DynamoSseDescription }>
}

export interface DynamoSseDescription {
  /** ENABLING, ENABLED, DISABLING, DISABLED, UPDATING */
  status?: string
  /** KMS (AES256 is the legacy name of the AWS-owned key) */
  sseType?: string
  kmsMasterKeyArn?: string
  /** set when DynamoDB cannot use the table's KMS key */
  inaccessibleEncryptionDateTime?: string
}

export interface DynamoObservation {
  tables: RegionalInventory<DynamoTableObservation>
  /** the owners of the KMS keys the tables name */
  keys: KmsKeyOwners
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
  kms?: Fetched<RegionalInventory<KmsKeyObservation>>
  secrets?: Fetched<RegionalInventory<SecretObservation>>
  ssmParameters?: Fetched<RegionalInventory<SsmParameterObservation>>
  /** trails seen from any target region, deduplicated by ARN; a region whose DescribeTrails failed is unread */
  cloudtrail?: Fetched<RegionalInventory<TrailObservation>>
  ebs?: Fetched<EbsObservation>
  /** RDS instances and clusters, with snapshots and key owners (aws.rds.storage) and parameter groups (aws.rds.parameters) as needed */
  rds?: Fetched<RdsObservation>
  dynamodb?: Fetched<DynamoObservation>
}
