// AWS phrases: parse the parameters, hand them to the check. No probing here.
import { Then } from '@cucumber/cucumber'
import type { VigilWorld } from './support/world.ts'

Then('every S3 bucket has a default encryption configuration', function (this: VigilWorld) {
  return this.judge('aws.s3.encryption', { kms: false })
})

Then('every S3 bucket is encrypted with SSE-KMS', function (this: VigilWorld) {
  return this.judge('aws.s3.encryption', { kms: true })
})

Then('every S3 bucket is encrypted with the KMS key {string}', function (this: VigilWorld, key: string) {
  return this.judge('aws.s3.encryption', { kms: key })
})

Then('every S3 bucket policy denies requests without TLS, with any TLS floor at {float} or above', function (this: VigilWorld, minTlsVersion: number) {
  return this.judge('aws.s3.secure-transport', { minTlsVersion })
})

Then('every S3 bucket has all four Block Public Access flags on at bucket or account level', function (this: VigilWorld) {
  return this.judge('aws.s3.public-access-block', {})
})

Then('no S3 bucket grants access to everyone through its ACL or policy', function (this: VigilWorld) {
  return this.judge('aws.s3.public-policy', {})
})

Then('every S3 bucket has versioning enabled', function (this: VigilWorld) {
  return this.judge('aws.s3.versioning', {})
})

Then('every S3 bucket records server access logs', function (this: VigilWorld) {
  return this.judge('aws.s3.access-logging', {})
})

Then('every S3 bucket named like {string} locks objects for at least {int} days', function (this: VigilWorld, pattern: string, minRetentionDays: number) {
  return this.judge('aws.s3.object-lock', { buckets: [pattern], minRetentionDays })
})

Then('the root user has MFA', function (this: VigilWorld) {
  return this.judge('aws.iam.root-mfa', {})
})

Then('the root user has no active access key', function (this: VigilWorld) {
  return this.judge('aws.iam.root-access-keys', {})
})

Then('every IAM user with a console password has MFA', function (this: VigilWorld) {
  return this.judge('aws.iam.user-mfa', {})
})

Then('no active access key is older than {int} days', function (this: VigilWorld, maxAgeDays: number) {
  return this.judge('aws.iam.access-key-rotation', { maxAgeDays })
})

Then('no password or active access key has been unused for more than {int} days', function (this: VigilWorld, maxUnusedDays: number) {
  return this.judge('aws.iam.unused-credentials', { maxUnusedDays })
})

Then(
  'the IAM password policy requires at least {int} characters, all character classes and prevents reuse of the last {int}',
  function (this: VigilWorld, minLength: number, reuseCount: number) {
    return this.judge('aws.iam.password-policy', { minLength, reuseCount, requireSymbols: true, requireNumbers: true, requireUppercase: true, requireLowercase: true })
  },
)

Then('no IAM principal effectively holds every action on every resource', function (this: VigilWorld) {
  return this.judge('aws.iam.admin-privileges', { conditional: 'fail' })
})

Then('no IAM principal has full access to {string}', function (this: VigilWorld, list: string) {
  return this.judge('aws.iam.service-wildcards', { services: list.split(/[\s,]+/).filter(Boolean) })
})

Then('no IAM principal holds a known privilege-escalation path', function (this: VigilWorld) {
  return this.judge('aws.iam.privilege-escalation', {})
})

Then('no IAM user holds a policy directly', function (this: VigilWorld) {
  return this.judge('aws.iam.direct-user-policies', {})
})

Then('every enabled customer-managed KMS key rotates automatically at least every {int} days', function (this: VigilWorld, maxRotationPeriodDays: number) {
  return this.judge('aws.kms.rotation', { maxRotationPeriodDays })
})

Then('every Secrets Manager secret has rotation enabled and was rotated within {int} days', function (this: VigilWorld, maxAgeDays: number) {
  return this.judge('aws.secretsmanager.rotation', { maxAgeDays })
})

Then('every SSM parameter named like a secret is a SecureString', function (this: VigilWorld) {
  return this.judge('aws.ssm.secure-parameters', {})
})

Then('every SSM parameter named like a secret is a SecureString under a customer-managed key', function (this: VigilWorld) {
  return this.judge('aws.ssm.secure-parameters', { cmk: true })
})

Then('no KMS key policy lets everyone or another account decrypt without a condition', function (this: VigilWorld) {
  return this.judge('aws.kms.key-policy', {})
})

Then('a multi-region CloudTrail trail is logging read and write management events', function (this: VigilWorld) {
  return this.judge('aws.cloudtrail.enabled', {})
})

Then('every multi-region CloudTrail trail validates, encrypts and protects its logs', function (this: VigilWorld) {
  return this.judge('aws.cloudtrail.integrity', {})
})

Then('EBS encryption by default is on and every EBS volume is encrypted', function (this: VigilWorld) {
  return this.judge('aws.ec2.ebs-encryption', {})
})

Then('every RDS database, cluster and snapshot has encrypted storage', function (this: VigilWorld) {
  return this.judge('aws.rds.encryption', { cmk: false })
})

Then('every RDS database, cluster and snapshot is encrypted with a customer-managed KMS key', function (this: VigilWorld) {
  return this.judge('aws.rds.encryption', { cmk: true })
})

Then('every RDS database and cluster forces TLS in its parameter group', function (this: VigilWorld) {
  return this.judge('aws.rds.tls', {})
})

Then('every DynamoDB table is encrypted at rest', function (this: VigilWorld) {
  return this.judge('aws.dynamodb.encryption', { cmk: false })
})

Then('every DynamoDB table is encrypted with a customer-managed KMS key', function (this: VigilWorld) {
  return this.judge('aws.dynamodb.encryption', { cmk: true })
})
