// aws.kms.rotation, aws.kms.key-policy, aws.secretsmanager.rotation and aws.ssm.secure-parameters as pure
// judges: their populations (empty → not applicable), who is inside them, offender ids (ARNs, stable under
// reordering), and regions that could not be listed (error, never an empty population).
import { describe, expect, it } from 'vitest'
import type { AwsObservation, KmsKeyMetadata, KmsKeyObservation, RegionalInventory, SecretObservation, SsmParameterObservation } from '../../checks/aws/observation.ts'
import type { Verdict } from '../../checks/types.ts'
import { judge } from './observe-helpers.ts'
import { awsAccount } from './observations.ts'

const NOW = new Date('2026-11-23T12:00:00Z')
const ACCOUNT = '111122223333'
const ids = (v: Verdict) => (v.offenders ?? []).map((o) => o.id)
const inventory = <T>(items: T[], unreadRegions: RegionalInventory<T>['unreadRegions'] = []) => ({ ok: true as const, value: { items, pages: 1, unreadRegions } })

function key(id: string, meta: Partial<KmsKeyMetadata> = {}, rotation?: KmsKeyObservation['rotation']): KmsKeyObservation {
  const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`
  return {
    keyId: id,
    arn,
    region: 'us-east-1',
    metadata: { ok: true, value: { KeyId: id, Arn: arn, KeyState: 'Enabled', Enabled: true, KeyManager: 'CUSTOMER', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', Origin: 'AWS_KMS', ...meta } },
    ...(rotation ? { rotation } : {}),
  }
}
const rotating = (periodDays?: number): KmsKeyObservation['rotation'] => ({ ok: true, value: { enabled: true, ...(periodDays ? { periodDays } : {}) } })
const OFF: KmsKeyObservation['rotation'] = { ok: true, value: { enabled: false } }
const withKeys = (keys: KmsKeyObservation[], unread: RegionalInventory<KmsKeyObservation>['unreadRegions'] = []): AwsObservation => ({ ...awsAccount(), kms: inventory(keys, unread) })

function secret(name: string, s: Partial<SecretObservation> = {}): SecretObservation {
  return { name, arn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-AbCdEf`, region: 'us-east-1', ...s }
}
const withSecrets = (secrets: SecretObservation[]): AwsObservation => ({ ...awsAccount(), secrets: inventory(secrets) })

function parameter(name: string, type: string, keyId?: string): SsmParameterObservation {
  return { name, arn: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter${name.startsWith('/') ? '' : '/'}${name}`, region: 'us-east-1', type, ...(keyId ? { keyId } : {}) }
}
const withParameters = (ps: SsmParameterObservation[]): AwsObservation => ({ ...awsAccount(), ssmParameters: inventory(ps) })

function expectNotApplicable(v: Verdict): void {
  expect(v.status, v.summary).toBe('not-applicable')
  expect(v.offenders).toBeUndefined()
  expect(v.observed.offenders).toEqual([])
  expect(v.evidence.map((e) => e.kind)).toEqual(expect.arrayContaining(['api-calls', 'population']))
}

describe('aws.kms.rotation', () => {
  it('no key at all is not applicable', () => {
    expectNotApplicable(judge('aws.kms.rotation', withKeys([]), {}, NOW))
  })

  it('only keys outside the population (AWS-managed, asymmetric, HMAC, imported, disabled, pending deletion) is not applicable', () => {
    const v = judge(
      'aws.kms.rotation',
      withKeys([
        key('aws-managed', { KeyManager: 'AWS' }),
        key('rsa', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }),
        key('hmac', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
        key('imported', { Origin: 'EXTERNAL' }),
        key('off', { KeyState: 'Disabled', Enabled: false }),
        key('doomed', { KeyState: 'PendingDeletion', Enabled: false, DeletionDate: '2026-11-30T00:00:00.000Z' }),
      ]),
      {},
      NOW,
    )
    expectNotApplicable(v)
    expect(v.observed.population).toMatchObject({ keysListed: 6, keysJudged: 0, outsidePopulation: { awsManaged: 1, notSymmetric: 2, importedOrExternal: 1 }, disabled: 1, pendingDeletion: 1 })
    expect(v.observed.pendingDeletion).toEqual([{ arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/doomed`, deletionDate: '2026-11-30T00:00:00.000Z', why: 'pending deletion: not judged for rotation' }])
    expect(v.summary).toMatch(/no enabled customer-managed symmetric KMS key/)
  })

  it('fails keys with rotation off or a period above the bound, by ARN, sorted, whatever the order', () => {
    const keys = [key('b-off', {}, OFF), key('a-fine', {}, rotating(365)), key('c-slow', {}, rotating(730)), key('d-doomed', { KeyState: 'PendingDeletion', Enabled: false }, undefined)]
    const v = judge('aws.kms.rotation', withKeys(keys), {}, NOW)
    expect(v.status).toBe('failed')
    const expected = [`arn:aws:kms:us-east-1:${ACCOUNT}:key/b-off`, `arn:aws:kms:us-east-1:${ACCOUNT}:key/c-slow`]
    expect(ids(v)).toEqual(expected)
    expect(v.offenders!.map((o) => o.why)).toEqual(['automatic rotation is off', 'rotates every 730 days, more than 365'])
    expect(ids(judge('aws.kms.rotation', withKeys([...keys].reverse()), {}, NOW))).toEqual(expected)
    // the key pending deletion is reported, not failed
    expect((v.observed.pendingDeletion as unknown[]).length).toBe(1)
  })

  it('an unreported period counts as AWS’s default 365 days', () => {
    expect(judge('aws.kms.rotation', withKeys([key('k', {}, rotating())]), {}, NOW).status).toBe('passed')
    const v = judge('aws.kms.rotation', withKeys([key('k', {}, rotating())]), { maxRotationPeriodDays: 180 }, NOW)
    expect(v.status).toBe('failed')
    expect((v.observed.offenders as { periodReported?: boolean }[])[0]!.periodReported).toBe(false)
  })

  it('a key whose rotation status could not be read, or a region that could not be listed, is an error naming it', () => {
    const denied = { kind: 'access-denied' as const, message: 'AccessDeniedException' }
    const v = judge('aws.kms.rotation', withKeys([key('k', {}, { ok: false, error: denied })]), {}, NOW)
    expect(v.status).toBe('error')
    expect(ids(v)).toEqual([`arn:aws:kms:us-east-1:${ACCOUNT}:key/k`])
    const r = judge('aws.kms.rotation', withKeys([], [{ region: 'eu-west-1', error: denied }]), {}, NOW)
    expect(r.status).toBe('error')
    expect(r.errorKind).toBe('access-denied')
    expect(ids(r)).toEqual([`arn:aws:kms:eu-west-1:${ACCOUNT}:*`])
  })

  it('a part that was not collected is an error, never not applicable', () => {
    const v = judge('aws.kms.rotation', awsAccount(), {}, NOW)
    expect(v.status).toBe('error')
    expect(v.errorKind).toBe('not-observed')
  })
})

describe('aws.secretsmanager.rotation', () => {
  it('no secret is not applicable', () => {
    expectNotApplicable(judge('aws.secretsmanager.rotation', withSecrets([]), {}, NOW))
  })

  it('fails rotation off, never rotated and rotated too long ago; passes a fresh rotation', () => {
    const v = judge(
      'aws.secretsmanager.rotation',
      withSecrets([
        secret('fresh', { rotationEnabled: true, lastRotatedDate: '2026-10-01T00:00:00.000Z' }),
        secret('stale', { rotationEnabled: true, lastRotatedDate: '2026-06-01T00:00:00.000Z' }),
        secret('never', { rotationEnabled: true }),
        secret('manual', { rotationEnabled: false, lastRotatedDate: '2026-11-01T00:00:00.000Z' }),
      ]),
      {},
      NOW,
    )
    expect(v.status).toBe('failed')
    const arn = (n: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${n}-AbCdEf`
    expect(v.offenders).toEqual([
      { id: arn('manual'), why: 'rotation is not enabled' },
      { id: arn('never'), why: 'never rotated' },
      { id: arn('stale'), why: 'last rotated 175 days ago' },
    ])
    expect(judge('aws.secretsmanager.rotation', withSecrets([secret('stale', { rotationEnabled: true, lastRotatedDate: '2026-06-01T00:00:00.000Z' })]), { maxAgeDays: 180 }, NOW).status).toBe('passed')
  })
})

describe('aws.ssm.secure-parameters', () => {
  it('no parameter, or none named like a secret, is not applicable', () => {
    expectNotApplicable(judge('aws.ssm.secure-parameters', withParameters([]), {}, NOW))
    const v = judge('aws.ssm.secure-parameters', withParameters([parameter('/app/region', 'String'), parameter('/app/hosts', 'StringList')]), {}, NOW)
    expectNotApplicable(v)
    expect(v.observed.population).toMatchObject({ parametersListed: 2, parametersSelected: 0 })
  })

  it('matches names case-insensitively and fails plain String and StringList', () => {
    const v = judge(
      'aws.ssm.secure-parameters',
      withParameters([parameter('/app/DB_PASSWORD', 'String'), parameter('api-Token', 'StringList'), parameter('/app/signing-key', 'SecureString'), parameter('/app/region', 'String')]),
      {},
      NOW,
    )
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual([`arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/api-Token`, `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/DB_PASSWORD`])
    expect(v.observed.population).toMatchObject({ parametersSelected: 3 })
  })

  it('with `cmk`, SecureString under alias/aws/ssm offends and a customer key passes; `names` replaces the defaults', () => {
    const ps = [parameter('/a/secret', 'SecureString'), parameter('/b/secret', 'SecureString', 'alias/aws/ssm'), parameter('/c/secret', 'SecureString', `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`)]
    expect(judge('aws.ssm.secure-parameters', withParameters(ps), {}, NOW).status).toBe('passed')
    const v = judge('aws.ssm.secure-parameters', withParameters(ps), { cmk: true }, NOW)
    expect(ids(v)).toEqual([`arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/a/secret`, `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/b/secret`])
    expectNotApplicable(judge('aws.ssm.secure-parameters', withParameters(ps), { names: ['*conn-string*'] }, NOW))
  })
})

describe('aws.kms.key-policy', () => {
  const OTHER = '444455556666'
  const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement })
  const ROOT_ADMIN = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }
  const withPolicy = (id: string, policy: string, meta: Partial<KmsKeyMetadata> = {}): KmsKeyObservation => ({ ...key(id, meta), policy: { ok: true, value: { document: policy } } })
  const arn = (id: string) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`
  const policyOf = (...s: object[]) => judge('aws.kms.key-policy', withKeys([withPolicy('k', doc(...s))]), {}, NOW)

  it('no customer-managed key (only AWS-managed or pending deletion) is not applicable', () => {
    expectNotApplicable(judge('aws.kms.key-policy', withKeys([]), {}, NOW))
    const v = judge('aws.kms.key-policy', withKeys([key('aws', { KeyManager: 'AWS' }), key('doomed', { KeyState: 'PendingDeletion' })]), {}, NOW)
    expectNotApplicable(v)
    expect(v.observed.population).toMatchObject({ keysListed: 2, keysJudged: 0 })
  })

  it('the default key policy (own account root, kms:*) passes', () => {
    expect(policyOf(ROOT_ADMIN).status).toBe('passed')
  })

  it('kms:* to everyone, and Decrypt to another account, offend by key ARN and aspect; everyone is critical', () => {
    const v = judge(
      'aws.kms.key-policy',
      withKeys([
        withPolicy('b-public', doc(ROOT_ADMIN, { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' })),
        withPolicy('a-shared', doc(ROOT_ADMIN, { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${OTHER}:role/etl`] }, Action: ['kms:Decrypt', 'kms:ReEncrypt*', 'kms:DescribeKey'], Resource: '*' })),
        withPolicy('c-fine', doc(ROOT_ADMIN)),
      ]),
      {},
      NOW,
    )
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual([`${arn('a-shared')}#${OTHER}:kms:Decrypt`, `${arn('a-shared')}#${OTHER}:kms:ReEncryptFrom`, `${arn('a-shared')}#${OTHER}:kms:ReEncryptTo`, `${arn('b-public')}#everyone:kms:*`])
    expect(v.offenders!.find((o) => o.id.endsWith('everyone:kms:*'))!.severity).toBe('critical')
    expect(v.summary).toContain('Sid "Partner"')
  })

  it('a condition, a same-account or service principal, or encrypt-only access does not offend', () => {
    expect(policyOf(ROOT_ADMIN, { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT } } }).status).toBe('passed')
    expect(policyOf(ROOT_ADMIN, { Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*' }).status).toBe('passed')
    expect(policyOf(ROOT_ADMIN, { Effect: 'Allow', Principal: { AWS: OTHER }, Action: ['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*' }).status).toBe('passed')
  })

  it('wildcards and NotAction are expanded; an unconditional Deny is subtracted', () => {
    // NotAction granting everything but key administration still includes Decrypt
    const notAction = policyOf({ Effect: 'Allow', Principal: { AWS: OTHER }, NotAction: ['kms:Create*', 'kms:Delete*', 'kms:Put*'], Resource: '*' })
    expect(ids(notAction)).toEqual([`${arn('k')}#${OTHER}:kms:Decrypt`, `${arn('k')}#${OTHER}:kms:ReEncryptFrom`, `${arn('k')}#${OTHER}:kms:ReEncryptTo`])
    // kms:* to everyone, Deny of Decrypt and ReEncrypt* to everyone: what is left is not a data action
    expect(policyOf({ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Principal: '*', Action: ['kms:Decrypt', 'kms:ReEncrypt*'], Resource: '*' }).status).toBe('passed')
    // a Deny aimed at the other account removes its Decrypt; a conditional Deny does not
    const grant = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'kms:Decrypt', Resource: '*' }
    expect(policyOf(grant, { Effect: 'Deny', Principal: { AWS: OTHER }, Action: 'kms:*', Resource: '*' }).status).toBe('passed')
    expect(policyOf(grant, { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }).status).toBe('failed')
  })

  it('an unreadable or unparsable policy is an error naming the key', () => {
    const denied: KmsKeyObservation = { ...key('k'), policy: { ok: false, error: { kind: 'access-denied', message: 'AccessDeniedException' } } }
    expect(judge('aws.kms.key-policy', withKeys([denied]), {}, NOW)).toMatchObject({ status: 'error', errorKind: 'access-denied', offenders: [{ id: arn('k') }] })
    expect(judge('aws.kms.key-policy', withKeys([withPolicy('k', '{nope')]), {}, NOW)).toMatchObject({ status: 'error', errorKind: 'protocol', offenders: [{ id: arn('k') }] })
  })
})
