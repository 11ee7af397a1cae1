// Seeds the lab account beyond buckets and principals (issue #14): for every KMS, Secrets Manager,
// SSM, CloudTrail, EBS, RDS and DynamoDB check one resource that passes and one that fails, named
// for what they show. Trails deliver to the lab's existing buckets, so the S3 population is unchanged.
// Secret and parameter values are lab placeholders; Vigil never reads them.
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail'
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { CreateVolumeCommand, EC2Client, EnableEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2'
import { CreateAliasCommand, CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms'
import { CreateDBInstanceCommand, CreateDBParameterGroupCommand, ModifyDBParameterGroupCommand, RDSClient } from '@aws-sdk/client-rds'
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'

const ACCOUNT = '123456789012'
const REGION = 'us-east-1'
/** an account outside the lab, which the partner key's policy lets decrypt */
export const LAB_PARTNER_ACCOUNT = '444455556666'

export interface SeededServices {
  /** rotating, default key policy: protects the good database, table and trail */
  dataKey: string
  /** automatic rotation off */
  legacyKey: string
  /** rotating, but another account may decrypt without a condition */
  partnerKey: string
  goodSecret: string
  badSecret: string
  goodParameter: string
  badParameter: string
  goodTrail: string
  badTrail: string
  goodVolume: string
  badVolume: string
  goodDatabase: string
  badDatabase: string
  goodTable: string
  badTable: string
}

/** Lab resources for the #14 checks, in us-east-1 of the emulated account; the buckets `trailBuckets` names must exist. */
export async function seedServices(endpoint: string, trailBuckets: { good: string; bad: string }): Promise<SeededServices> {
  const common = { region: REGION, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 3 }
  const kms = new KMSClient(common)
  const sm = new SecretsManagerClient(common)
  const ssm = new SSMClient(common)
  const ct = new CloudTrailClient(common)
  const ec2 = new EC2Client(common)
  const rds = new RDSClient(common)
  const ddb = new DynamoDBClient(common)
  try {
    // KMS: good = rotating with the default policy; bad = never rotates; bad = shared with another account
    const data = (await kms.send(new CreateKeyCommand({ Description: 'lab data key (rotating)' }))).KeyMetadata!
    await kms.send(new EnableKeyRotationCommand({ KeyId: data.KeyId! }))
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/lab-data', TargetKeyId: data.KeyId! }))
    const legacy = (await kms.send(new CreateKeyCommand({ Description: 'lab legacy key (rotation off)' }))).KeyMetadata!
    const partnerPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'PartnerDecrypt', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${LAB_PARTNER_ACCOUNT}:root` }, Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '*' },
      ],
    })
    const partner = (await kms.send(new CreateKeyCommand({ Description: 'lab partner key (shared without a condition)', Policy: partnerPolicy }))).KeyMetadata!
    await kms.send(new EnableKeyRotationCommand({ KeyId: partner.KeyId! }))

    // Secrets Manager: good = rotation on and rotated (moto stamps LastRotatedDate); bad = never rotated
    const goodSecret = await sm.send(new CreateSecretCommand({ Name: 'lab/db-password', SecretString: 'lab-placeholder-not-a-secret' }))
    await sm.send(new RotateSecretCommand({ SecretId: 'lab/db-password', RotationRules: { AutomaticallyAfterDays: 30 } }))
    const badSecret = await sm.send(new CreateSecretCommand({ Name: 'lab/legacy-api-token', SecretString: 'lab-placeholder-not-a-secret' }))

    // SSM: good = SecureString; bad = a token stored as a plain String; a non-secret name is outside the population
    await ssm.send(new PutParameterCommand({ Name: '/lab/db-password', Value: 'lab-placeholder', Type: 'SecureString' }))
    await ssm.send(new PutParameterCommand({ Name: '/lab/API_TOKEN', Value: 'lab-placeholder', Type: 'String' }))
    await ssm.send(new PutParameterCommand({ Name: '/lab/region', Value: REGION, Type: 'String' }))

    // CloudTrail: good = multi-region, logging, validated, KMS, to the versioned and locked evidence
    // bucket; bad = multi-region and logging (so aws.cloudtrail.enabled still passes: one good trail
    // is enough) but unvalidated, unencrypted, to a bucket with neither versioning nor object lock
    await ct.send(new CreateTrailCommand({ Name: 'lab-audit', S3BucketName: trailBuckets.good, IsMultiRegionTrail: true, EnableLogFileValidation: true, KmsKeyId: data.Arn! }))
    await ct.send(new StartLoggingCommand({ Name: 'lab-audit' }))
    await ct.send(new CreateTrailCommand({ Name: 'lab-legacy-trail', S3BucketName: trailBuckets.bad, IsMultiRegionTrail: true }))
    await ct.send(new StartLoggingCommand({ Name: 'lab-legacy-trail' }))

    // EBS: encryption by default on; good = an encrypted volume; bad = an unencrypted one (as if
    // created before the default was turned on: moto does not apply the default to new volumes)
    await ec2.send(new EnableEbsEncryptionByDefaultCommand({}))
    const goodVolume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 1, Encrypted: true, KmsKeyId: data.Arn! }))
    const badVolume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 1, Encrypted: false }))

    // RDS: good = PostgreSQL, encrypted with the data key, rds.force_ssl = 1; bad = MySQL, unencrypted,
    // require_secure_transport = OFF. moto takes an automated snapshot of each at creation (whatever the
    // backup retention): the bad database's snapshot is unencrypted too, and is an offender of its own
    await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'lab-postgres-tls', DBParameterGroupFamily: 'postgres16', Description: 'forces TLS' }))
    await rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: 'lab-postgres-tls', Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '1', ApplyMethod: 'immediate' }] }))
    await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'lab-mysql-plain', DBParameterGroupFamily: 'mysql8.0', Description: 'allows clear-text connections' }))
    await rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: 'lab-mysql-plain', Parameters: [{ ParameterName: 'require_secure_transport', ParameterValue: 'OFF', ApplyMethod: 'immediate' }] }))
    const db = { DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'labadmin', MasterUserPassword: 'lab-placeholder-password' }
    const goodDb = await rds.send(
      new CreateDBInstanceCommand({ ...db, DBInstanceIdentifier: 'lab-patients-db', Engine: 'postgres', EngineVersion: '16.3', StorageEncrypted: true, KmsKeyId: data.Arn!, DBParameterGroupName: 'lab-postgres-tls' }),
    )
    const badDb = await rds.send(new CreateDBInstanceCommand({ ...db, DBInstanceIdentifier: 'lab-legacy-mysql', Engine: 'mysql', EngineVersion: '8.0.35', StorageEncrypted: false, DBParameterGroupName: 'lab-mysql-plain' }))

    // DynamoDB: good = a customer-managed key; bad = the AWS-owned default (offends the shipped policy, which requires a CMK)
    const keySchema = { AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }], BillingMode: 'PAY_PER_REQUEST' as const }
    const goodTable = await ddb.send(new CreateTableCommand({ ...keySchema, TableName: 'lab-visits', SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: data.Arn! } }))
    const badTable = await ddb.send(new CreateTableCommand({ ...keySchema, TableName: 'lab-sessions' }))

    const volumeArn = (id: string | undefined) => `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${id}`
    return {
      dataKey: data.Arn!,
      legacyKey: legacy.Arn!,
      partnerKey: partner.Arn!,
      goodSecret: goodSecret.ARN!,
      badSecret: badSecret.ARN!,
      goodParameter: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/lab/db-password`,
      badParameter: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/lab/API_TOKEN`,
      goodTrail: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/lab-audit`,
      badTrail: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/lab-legacy-trail`,
      goodVolume: volumeArn(goodVolume.VolumeId),
      badVolume: volumeArn(badVolume.VolumeId),
      goodDatabase: goodDb.DBInstance!.DBInstanceArn!,
      badDatabase: badDb.DBInstance!.DBInstanceArn!,
      goodTable: goodTable.TableDescription!.TableArn!,
      badTable: badTable.TableDescription!.TableArn!,
    }
  } finally {
    for (const c of [kms, sm, ssm, ct, ec2, rds, ddb]) c.destroy()
  }
}
