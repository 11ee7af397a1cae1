// Seeds an emulated AWS account (moto in server mode) for `vigil lab`: good and bad buckets, users,
// groups, roles and policies, and (seed-services.ts) KMS keys, secrets, parameters, trails, volumes,
// databases and tables, so every AWS check has something to pass and something to fail on.
// Credentials are the emulator's dummy ones; nothing here talks to real AWS.
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam'
import {
  CreateBucketCommand,
  PutBucketAclCommand,
  PutBucketEncryptionCommand,
  PutBucketLoggingCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { seedServices, type SeededServices } from './seed-services.ts'

export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' }

export function emulatorClients(endpoint: string, region = 'us-east-1'): { s3: S3Client; iam: IAMClient } {
  const common = { region, endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 3 }
  return { s3: new S3Client({ ...common, forcePathStyle: true }), iam: new IAMClient(common) }
}

export const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement })

export function tlsOnlyPolicy(bucket: string): string {
  return doc({
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  })
}

const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true }

/** A bucket that passes every S3 check. */
export async function createGoodBucket(s3: S3Client, name: string, opts: { objectLock?: boolean; logTarget?: boolean } = {}): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: name, ...(opts.objectLock ? { ObjectLockEnabledForBucket: true } : {}) }))
  // S3 server access log delivery needs this canned ACL on the target bucket (moto enforces it)
  if (opts.logTarget) await s3.send(new PutBucketAclCommand({ Bucket: name, ACL: 'log-delivery-write' as never }))
  await s3.send(new PutBucketEncryptionCommand({ Bucket: name, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' }, BucketKeyEnabled: true }] } }))
  // moto 5.2 answers 500 to PutBucketLogging when the target bucket's policy has `Principal: "*"`:
  // a log-target bucket gets its policy after logging is set up (applyTlsOnlyPolicy)
  if (!opts.logTarget) await applyTlsOnlyPolicy(s3, name)
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: name, PublicAccessBlockConfiguration: ALL_BLOCKED }))
  await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }))
  if (opts.objectLock)
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: name, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } } }))
}

export async function applyTlsOnlyPolicy(s3: S3Client, name: string): Promise<void> {
  await s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: tlsOnlyPolicy(name) }))
}

export async function enableLogging(s3: S3Client, bucket: string, target: string): Promise<void> {
  await s3.send(new PutBucketLoggingCommand({ Bucket: bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target, TargetPrefix: `${bucket}/` } } }))
}

export interface SeededLab {
  goodBuckets: string[]
  badBuckets: string[]
  users: string[]
  roles: string[]
  /** one good and one bad resource per KMS, Secrets Manager, SSM, CloudTrail, EBS, RDS and DynamoDB check */
  services: SeededServices
}

/** The lab account: names say what is wrong with each resource. */
export async function seedAwsLab(endpoint: string): Promise<SeededLab> {
  const { s3, iam } = emulatorClients(endpoint)
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'lab-access-logs' }))
    await s3.send(new PutBucketAclCommand({ Bucket: 'lab-access-logs', ACL: 'log-delivery-write' as never }))
    await createGoodBucket(s3, 'lab-phi-records')
    await enableLogging(s3, 'lab-phi-records', 'lab-access-logs')
    await createGoodBucket(s3, 'lab-audit-evidence', { objectLock: true })
    await enableLogging(s3, 'lab-audit-evidence', 'lab-access-logs')
    // bad: no encryption configuration, no policy, no versioning, no logging, public ACL
    await s3.send(new CreateBucketCommand({ Bucket: 'lab-public-website' }))
    await s3.send(new PutBucketAclCommand({ Bucket: 'lab-public-website', ACL: 'public-read' }))
    // bad: a TLS "deny" that covers only PutObject, and an open read policy
    await s3.send(new CreateBucketCommand({ Bucket: 'lab-leaky-exports' }))
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'lab-leaky-exports',
        Policy: doc(
          { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::lab-leaky-exports/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
          { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::lab-leaky-exports/*' },
        ),
      }),
    )
    await s3.send(new CreateBucketCommand({ Bucket: 'lab-old-evidence' }))

    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8, RequireNumbers: true }))
    const admin = await iam.send(new CreatePolicyCommand({ PolicyName: 'lab-everything', PolicyDocument: doc({ Effect: 'Allow', Action: '*:*', Resource: '*' }) }))
    const readOnly = await iam.send(new CreatePolicyCommand({ PolicyName: 'lab-read-reports', PolicyDocument: doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::lab-phi-records', 'arn:aws:s3:::lab-phi-records/*'] }) }))
    await iam.send(new CreateGroupCommand({ GroupName: 'lab-analysts' }))
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'lab-analysts', PolicyArn: readOnly.Policy!.Arn! }))
    await iam.send(new CreateUserCommand({ UserName: 'lab-analyst' }))
    await iam.send(new AddUserToGroupCommand({ GroupName: 'lab-analysts', UserName: 'lab-analyst' }))
    // bad: console user without MFA, holding admin directly
    await iam.send(new CreateUserCommand({ UserName: 'lab-legacy-admin' }))
    await iam.send(new CreateLoginProfileCommand({ UserName: 'lab-legacy-admin', Password: 'Lab-only-password-1!' }))
    await iam.send(new AttachUserPolicyCommand({ UserName: 'lab-legacy-admin', PolicyArn: admin.Policy!.Arn! }))
    // bad: a deploy user that can escalate with PassRole + RunInstances
    await iam.send(new CreateUserCommand({ UserName: 'lab-deployer' }))
    await iam.send(new PutUserPolicyCommand({ UserName: 'lab-deployer', PolicyName: 'deploy', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:PassRole', 'ec2:RunInstances'], Resource: '*' }) }))
    // good: a fresh access key (moto cannot back-date one), so access-key rotation judges a real key
    // instead of finding no key at all (which is not-applicable, never a pass); the secret is dropped here
    await iam.send(new CreateAccessKeyCommand({ UserName: 'lab-deployer' }))
    const trust = doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' })
    // good: an admin role whose Deny takes IAM away (Prowler flags it; it is not admin)
    await iam.send(new CreateRoleCommand({ RoleName: 'lab-ops-no-iam', AssumeRolePolicyDocument: trust }))
    await iam.send(new PutRolePolicyCommand({ RoleName: 'lab-ops-no-iam', PolicyName: 'ops', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:*', Resource: '*' }) }))
    // bad: full KMS access written with NotAction
    await iam.send(new CreateRoleCommand({ RoleName: 'lab-crypto', AssumeRolePolicyDocument: trust }))
    await iam.send(new PutRolePolicyCommand({ RoleName: 'lab-crypto', PolicyName: 'kms', PolicyDocument: doc({ Effect: 'Allow', NotAction: ['iam:*', 'sts:*', 's3:*', 'cloudtrail:*'], Resource: '*' }) }))
    await iam.send(new CreateRoleCommand({ RoleName: 'lab-app', AssumeRolePolicyDocument: trust }))
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'lab-app', PolicyArn: readOnly.Policy!.Arn! }))
    // the good trail delivers to the locked, versioned evidence bucket; the bad one to the unversioned one
    const services = await seedServices(endpoint, { good: 'lab-audit-evidence', bad: 'lab-old-evidence' })
    return {
      services,
      goodBuckets: ['lab-phi-records', 'lab-audit-evidence'],
      badBuckets: ['lab-public-website', 'lab-leaky-exports', 'lab-old-evidence'],
      users: ['lab-analyst', 'lab-legacy-admin', 'lab-deployer'],
      roles: ['lab-ops-no-iam', 'lab-crypto', 'lab-app'],
    }
  } finally {
    s3.destroy()
    iam.destroy()
  }
}

/** The inventory entry `vigil lab` adds for the seeded account (credentials come from the environment). */
export function awsLabTarget(endpoint: string): { name: string; regions: string[]; endpoint: string; tags: string[] } {
  return { name: 'lab-aws', regions: ['us-east-1'], endpoint, tags: ['lab', 'phi'] }
}
