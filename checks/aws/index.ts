// The AWS policy family's checks, in catalog order.
import type { CheckDefinition } from '../types.ts'
import { s3Encryption } from './s3-encryption.ts'
import { s3SecureTransport } from './s3-secure-transport.ts'
import { s3PublicAccessBlock } from './s3-public-access-block.ts'
import { s3PublicPolicy } from './s3-public-policy.ts'
import { s3Versioning } from './s3-versioning.ts'
import { s3AccessLogging } from './s3-access-logging.ts'
import { s3ObjectLock } from './s3-object-lock.ts'
import { iamRootMfa } from './iam-root-mfa.ts'
import { iamRootAccessKeys } from './iam-root-access-keys.ts'
import { iamUserMfa } from './iam-user-mfa.ts'
import { iamAccessKeyRotation } from './iam-access-key-rotation.ts'
import { iamUnusedCredentials } from './iam-unused-credentials.ts'
import { iamPasswordPolicy } from './iam-password-policy.ts'
import { iamAdminPrivileges } from './iam-admin-privileges.ts'
import { iamServiceWildcards } from './iam-service-wildcards.ts'
import { iamPrivilegeEscalation } from './iam-privilege-escalation.ts'
import { iamDirectUserPolicies } from './iam-direct-user-policies.ts'
import { kmsRotation } from './kms-rotation.ts'
import { kmsKeyPolicy } from './kms-key-policy.ts'
import { secretsManagerRotation } from './secretsmanager-rotation.ts'
import { ssmSecureParameters } from './ssm-secure-parameters.ts'
import { cloudtrailEnabled } from './cloudtrail-enabled.ts'
import { cloudtrailIntegrity } from './cloudtrail-integrity.ts'
import { ec2EbsEncryption } from './ec2-ebs-encryption.ts'
import { rdsEncryption } from './rds-encryption.ts'
import { rdsTls } from './rds-tls.ts'
import { dynamodbEncryption } from './dynamodb-encryption.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const awsChecks: CheckDefinition<any, any>[] = [
  s3Encryption,
  s3SecureTransport,
  s3PublicAccessBlock,
  s3PublicPolicy,
  s3Versioning,
  s3AccessLogging,
  s3ObjectLock,
  iamRootMfa,
  iamRootAccessKeys,
  iamUserMfa,
  iamAccessKeyRotation,
  iamUnusedCredentials,
  iamPasswordPolicy,
  iamAdminPrivileges,
  iamServiceWildcards,
  iamPrivilegeEscalation,
  iamDirectUserPolicies,
  kmsRotation,
  kmsKeyPolicy,
  secretsManagerRotation,
  ssmSecureParameters,
  cloudtrailEnabled,
  cloudtrailIntegrity,
  ec2EbsEncryption,
  rdsEncryption,
  rdsTls,
  dynamodbEncryption,
]
