// Every S3 check, both verdicts, through the real SDK against moto in server mode.
import { beforeAll, describe, expect, it } from 'vitest'
import { CreateBucketCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand, PutPublicAccessBlockCommand } from '@aws-sdk/client-s3'
import { S3ControlClient, PutPublicAccessBlockCommand as PutAccountPab } from '@aws-sdk/client-s3-control'
import { applyTlsOnlyPolicy, createGoodBucket, doc, emulatorClients, enableLogging } from '../../lab/aws/seed-account.ts'
import type { AwsObservation } from '../../checks/aws/observation.ts'
import { judge, observe, offenders, useMoto, observeSeededLab } from './observe-helpers.ts'

const moto = useMoto()

const arn = (b: string) => `arn:aws:s3:::${b}`

describe('the lab account (good and bad buckets)', () => {
  let obs: AwsObservation
  beforeAll(async () => {
    obs = await observeSeededLab(moto())
  }, 60_000)

  it('enumerates every bucket and records the API calls and pages', () => {
    expect(obs.s3?.ok).toBe(true)
    const v = judge('aws.s3.versioning', obs)
    expect(v.observed.population).toMatchObject({ buckets: 6, bucketsListed: 6, listBucketsPages: 1 })
    const calls = v.evidence.find((e) => e.kind === 'api-calls')!.data as { operation: string; calls: number }[]
    expect(calls.find((c) => c.operation === 'GetBucketVersioning')?.calls).toBe(6)
    expect(calls.find((c) => c.operation === 'ListBuckets')?.calls).toBe(1)
  })

  it('aws.s3.encryption fails buckets without a configuration, naming the implicit SSE-S3 default', () => {
    const v = judge('aws.s3.encryption', obs)
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual(['lab-access-logs', 'lab-leaky-exports', 'lab-old-evidence', 'lab-public-website'].map(arn))
    expect(JSON.stringify(v.observed)).toContain('implicit SSE-S3')
  })

  it('aws.s3.secure-transport fails a Deny that covers only PutObject and buckets without a policy', () => {
    const v = judge('aws.s3.secure-transport', obs)
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual(['lab-access-logs', 'lab-leaky-exports', 'lab-old-evidence', 'lab-public-website'].map(arn))
    const leaky = (v.observed.offenders as { arn: string; why: string }[]).find((o) => o.arn === arn('lab-leaky-exports'))!
    expect(leaky.why).toMatch(/instead of every S3 action/)
    expect(leaky.why).toMatch(/does not cover the bucket itself/)
  })

  it('aws.s3.public-access-block fails buckets with flags off at both levels', () => {
    const v = judge('aws.s3.public-access-block', obs)
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual(['lab-access-logs', 'lab-leaky-exports', 'lab-old-evidence', 'lab-public-website'].map(arn))
  })

  it('aws.s3.public-policy fails the public ACL and the unconditioned Allow to *', () => {
    const v = judge('aws.s3.public-policy', obs)
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual(['lab-leaky-exports', 'lab-public-website'].map(arn))
    expect(JSON.stringify(v.observed.offenders)).toContain('AllUsers')
    expect(JSON.stringify(v.observed.offenders)).toContain('Sid \\"PublicRead\\"')
  })

  it('aws.s3.versioning and aws.s3.access-logging fail the bad buckets only', () => {
    expect(offenders(judge('aws.s3.versioning', obs))).toEqual(['lab-access-logs', 'lab-leaky-exports', 'lab-old-evidence', 'lab-public-website'].map(arn))
    expect(offenders(judge('aws.s3.access-logging', obs))).toEqual(['lab-access-logs', 'lab-leaky-exports', 'lab-old-evidence', 'lab-public-website'].map(arn))
  })

  it('aws.s3.object-lock judges only the evidence buckets', () => {
    const v = judge('aws.s3.object-lock', obs, { buckets: ['*evidence*'], minRetentionDays: 365 })
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual([arn('lab-old-evidence')])
    expect(v.observed.population).toMatchObject({ bucketsSelected: 2 })
    // the locked bucket's 400-day retention is below a 500-day requirement
    expect(offenders(judge('aws.s3.object-lock', obs, { buckets: ['lab-audit-evidence'], minRetentionDays: 500 }))).toEqual([arn('lab-audit-evidence')])
  })
})

describe('an account where every bucket is configured well', () => {
  let obs: AwsObservation
  beforeAll(async () => {
    await moto().reset()
    const { s3 } = emulatorClients(moto().endpoint)
    // two log buckets log to each other: moto cannot deliver a bucket's logs to itself
    await createGoodBucket(s3, 'good-logs', { logTarget: true })
    await createGoodBucket(s3, 'good-logs-b', { logTarget: true })
    await enableLogging(s3, 'good-logs', 'good-logs-b')
    await enableLogging(s3, 'good-logs-b', 'good-logs')
    await createGoodBucket(s3, 'good-data')
    await enableLogging(s3, 'good-data', 'good-logs')
    await createGoodBucket(s3, 'good-evidence', { objectLock: true })
    await enableLogging(s3, 'good-evidence', 'good-logs')
    await applyTlsOnlyPolicy(s3, 'good-logs')
    await applyTlsOnlyPolicy(s3, 'good-logs-b')
    s3.destroy()
    obs = await observe(moto().endpoint)
  }, 60_000)

  it.each([
    ['aws.s3.encryption', { kms: true }],
    ['aws.s3.secure-transport', {}],
    ['aws.s3.public-access-block', {}],
    ['aws.s3.public-policy', {}],
    ['aws.s3.versioning', {}],
    ['aws.s3.access-logging', {}],
    ['aws.s3.object-lock', { buckets: ['*evidence*'], minRetentionDays: 365 }],
  ])('%s passes', (id, params) => {
    const v = judge(id, obs, params)
    expect(v.summary).toBeTruthy()
    expect(v.status).toBe('passed')
    expect(offenders(v)).toEqual([])
  })

  it('aws.s3.encryption with a named key fails a bucket using another key', () => {
    const v = judge('aws.s3.encryption', obs, { kms: 'arn:aws:kms:us-east-1:123456789012:key/ffffffff-0000-0000-0000-000000000000' })
    expect(v.status).toBe('failed')
    expect(offenders(v)).toHaveLength(4)
    expect(judge('aws.s3.encryption', obs, { kms: '1234abcd-12ab-34cd-56ef-1234567890ab' }).status).toBe('passed')
  })
})

describe('Prowler false positives and edge cases, through moto', () => {
  let obs: AwsObservation
  beforeAll(async () => {
    await moto().reset()
    const { s3 } = emulatorClients(moto().endpoint)
    const mk = async (b: string, policy?: string) => {
      await s3.send(new CreateBucketCommand({ Bucket: b }))
      if (policy) await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy }))
    }
    const res = (b: string) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]
    // #1481: Deny with Action "*" is TLS-only; boolean false (moto stores it verbatim) counts too
    await mk('fp-action-star', doc({ Effect: 'Deny', Principal: '*', Action: '*', Resource: res('fp-action-star'), Condition: { Bool: { 'aws:SecureTransport': false } } }))
    await mk('fp-principal-aws-star', doc({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: res('fp-principal-aws-star'), Condition: { Bool: { 'aws:SecureTransport': 'false' } } }))
    // only objects covered: the bucket itself still answers over HTTP
    await mk('objects-only', doc({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::objects-only/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }))
    // a string Action "s3:Get*" passes Prowler's substring test; it is not every action
    await mk('get-star-only', doc({ Effect: 'Deny', Principal: '*', Action: 's3:Get*', Resource: res('get-star-only'), Condition: { Bool: { 'aws:SecureTransport': 'false' } } }))
    // TLS floor below 1.2
    await mk('tls-floor-1-0', doc(
      { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: res('tls-floor-1-0'), Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: res('tls-floor-1-0'), Condition: { NumericLessThan: { 's3:TlsVersion': '1.0' } } },
    ))
    // public policy restricted to one account is not public; public read neutralised by RestrictPublicBuckets is not public
    await mk('org-restricted', doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::org-restricted/*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } }))
    await mk('neutralised', doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::neutralised/*' }))
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'neutralised', PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }))
    await mk('aes256')
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'aes256', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }))
    await s3.send(new CreateBucketCommand({ Bucket: 'in-ireland', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }))
    s3.destroy()
    // the account-level block covers every flag for every bucket
    const ctl = new S3ControlClient({ region: 'us-east-1', endpoint: moto().endpoint.replace('127.0.0.1', 'localhost'), credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } })
    ctl.middlewareStack.add((next) => async (args) => {
      const r = (args as { request: { hostname: string; headers: Record<string, string> } }).request
      r.hostname = '127.0.0.1'
      r.headers.host = `127.0.0.1:${moto().port}`
      return next(args)
    }, { step: 'finalizeRequest', name: 'pinHost' })
    await ctl.send(new PutAccountPab({ AccountId: '123456789012', PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }))
    ctl.destroy()
    obs = await observe(moto().endpoint, ['us-east-1', 'eu-west-1'])
  }, 60_000)

  it('secure-transport: Action "*" and boolean false are TLS-only; objects-only, s3:Get* and a 1.0 floor are not', () => {
    const v = judge('aws.s3.secure-transport', obs)
    const bad = offenders(v)
    expect(bad).not.toContain(arn('fp-action-star'))
    expect(bad).not.toContain(arn('fp-principal-aws-star'))
    expect(bad).toEqual(expect.arrayContaining([arn('objects-only'), arn('get-star-only'), arn('tls-floor-1-0')]))
    const floor = (v.observed.offenders as { arn: string; why: string }[]).find((o) => o.arn === arn('tls-floor-1-0'))!
    expect(floor.why).toMatch(/floor 1 .* below 1.2/)
  })

  it('public-policy: an org-restricted Allow and a neutralised grant are not public', () => {
    const v = judge('aws.s3.public-policy', obs)
    expect(v.status).toBe('passed')
    expect(JSON.stringify(v.observed.neutralisedByBlockPublicAccess)).toContain('neutralised')
  })

  it('public-access-block: the account-level block compensates missing bucket settings', () => {
    expect(judge('aws.s3.public-access-block', obs).status).toBe('passed')
  })

  it('encryption: AES256 satisfies the default but not the kms parameter', () => {
    const plain = judge('aws.s3.encryption', obs)
    expect(offenders(plain)).not.toContain(arn('aes256'))
    const kms = judge('aws.s3.encryption', obs, { kms: true })
    expect(offenders(kms)).toContain(arn('aes256'))
  })

  it('checks buckets in their own region', () => {
    const b = (obs.s3 as { ok: true; value: { buckets: { name: string; region: string }[] } }).value.buckets.find((x) => x.name === 'in-ireland')
    expect(b?.region).toBe('eu-west-1')
    const calls = obs.apiCalls.filter((c) => c.region === 'eu-west-1' && c.service === 's3').map((c) => c.operation)
    expect(calls).toContain('GetBucketPolicy')
  })

  it('lists buckets outside the target regions without checking them', async () => {
    const only = await observe(moto().endpoint, ['us-east-1'])
    const v = judge('aws.s3.versioning', only)
    expect((v.observed.population as { outOfScope: { name: string }[] }).outOfScope.map((o) => o.name)).toEqual(['in-ireland'])
  })
})

describe('an account with no bucket (vacuous truth)', () => {
  let obs: AwsObservation
  beforeAll(async () => {
    await moto().reset()
    obs = await observe(moto().endpoint)
  }, 60_000)

  it.each(['aws.s3.encryption', 'aws.s3.secure-transport', 'aws.s3.public-access-block', 'aws.s3.public-policy', 'aws.s3.versioning', 'aws.s3.access-logging', 'aws.s3.object-lock'])(
    '%s is not applicable, never passed, and shows the enumeration',
    (id) => {
      const v = judge(id, obs)
      expect(v.status, v.summary).toBe('not-applicable')
      expect(v.summary).toMatch(/no bucket in the target's regions \(us-east-1\)/)
      expect(v.observed.population).toMatchObject({ buckets: 0, bucketsListed: 0, listBucketsPages: 1 })
      const calls = v.evidence.find((e) => e.kind === 'api-calls')!.data as { operation: string; calls: number }[]
      expect(calls.find((c) => c.operation === 'ListBuckets')?.calls).toBe(1)
    },
  )
})

describe('an account where no bucket matches the object-lock `buckets` pattern', () => {
  let obs: AwsObservation
  beforeAll(async () => {
    await moto().reset()
    const { s3 } = emulatorClients(moto().endpoint)
    await s3.send(new CreateBucketCommand({ Bucket: 'app-data' }))
    await s3.send(new CreateBucketCommand({ Bucket: 'web-assets' }))
    s3.destroy()
    obs = await observe(moto().endpoint)
  }, 60_000)

  it('aws.s3.object-lock is not applicable (it used to pass "on all 0 selected bucket(s)")', () => {
    const v = judge('aws.s3.object-lock', obs, { buckets: ['*evidence*'], minRetentionDays: 365 })
    expect(v.status, v.summary).toBe('not-applicable')
    expect(v.summary).toBe('none of the 2 bucket(s) in us-east-1 matches the pattern(s) "*evidence*": no bucket to judge')
    expect(v.observed.population).toMatchObject({ buckets: 2, bucketsSelected: 0 })
    expect(v.expected).toMatchObject({ buckets: ['*evidence*'], minRetentionDays: 365 })
  })

  it('the same buckets are judged by the other checks, and by object-lock when selected', () => {
    expect(judge('aws.s3.versioning', obs).status).toBe('failed')
    expect(offenders(judge('aws.s3.object-lock', obs, { buckets: ['app-*'] }))).toEqual([arn('app-data')])
  })
})

describe('unreachable or unauthorised accounts', () => {
  it('an endpoint nobody listens on becomes an error verdict, not a hang', async () => {
    const obs = await observe('http://127.0.0.1:1')
    const v = judge('aws.s3.versioning', obs)
    expect(v.status).toBe('error')
    expect(v.errorKind).toBe('unreachable')
  }, 60_000)

  it('a part that was not collected is an error, never a pass', async () => {
    await moto().reset()
    const obs = await observe(moto().endpoint, ['us-east-1'], new Set(['aws.iam.password-policy']))
    const v = judge('aws.s3.encryption', obs)
    expect(v.status).toBe('error')
    expect(v.errorKind).toBe('not-observed')
  })
})
