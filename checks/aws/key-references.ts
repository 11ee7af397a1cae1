// What the AWS checks and collectors both need to name and read collected resources, without the
// AWS SDK: the checks are loaded by every run (the step library), the collectors only by a run that
// probes an AWS account.
import type { KmsKeyMetadata, KmsKeyOwners, PartError } from './observation.ts'

/** Keys automatic rotation applies to (AWS rotates only symmetric AWS_KMS keys; AWS-managed keys rotate on their own). */
export function isRotatableCustomerKey(m: KmsKeyMetadata): boolean {
  return m.KeyManager === 'CUSTOMER' && m.KeySpec === 'SYMMETRIC_DEFAULT' && (m.Origin ?? 'AWS_KMS') === 'AWS_KMS'
}

/** Key of a parameter group in RdsObservation.parameterGroups. */
export function rdsParameterGroupId(region: string, kind: 'instance' | 'cluster', name: string): string {
  return `${region}/${kind}/${name}`
}

export const AWS_ALIAS = /(^|:)alias\/aws\//

/** The id a key reference is resolved under: the reference itself when it is an ARN, else `<region>/<reference>`. */
export function kmsKeyRefId(region: string, ref: string): string {
  return ref.startsWith('arn:') ? ref : `${region}/${ref}`
}

export type KeyManagement = { managed: 'aws' | 'customer'; by: string } | { managed: 'unknown'; error: PartError }

/**
 * Whether a resource's key is AWS-managed: by the reference's name (`alias/aws/…`), an AWS alias
 * pointing at it, or DescribeKey's KeyManager; unknown when none of those could be read.
 */
export function keyManagement(region: string, ref: string, owners: KmsKeyOwners | undefined): KeyManagement {
  if (AWS_ALIAS.test(ref)) return { managed: 'aws', by: `the key reference ${ref} is an AWS-managed alias` }
  const o = owners?.[kmsKeyRefId(region, ref)]
  if (!o) return { managed: 'unknown', error: { kind: 'not-observed', message: `the owner of KMS key ${ref} was not collected` } }
  if (!o.ok) return { managed: 'unknown', error: o.error }
  if (o.value.awsAliases.length) return { managed: 'aws', by: `the key is the target of ${o.value.awsAliases.join(', ')}` }
  if (o.value.keyManager === 'AWS') return { managed: 'aws', by: 'DescribeKey reports KeyManager AWS' }
  if (o.value.keyManager === 'CUSTOMER') return { managed: 'customer', by: 'DescribeKey reports KeyManager CUSTOMER' }
  return { managed: 'unknown', error: { kind: 'inconclusive', message: `DescribeKey did not report who manages KMS key ${ref}` } }
}
