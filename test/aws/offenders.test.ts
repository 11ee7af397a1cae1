// Offender ids for the pull-request gate: every failed AWS verdict names each offender by the ARN of
// the offending resource, or `<arn>#<aspect>` for each independent way one resource offends; every
// error verdict names what could not be decided; passed and not-applicable verdicts name nothing.
// The ids must not move when only the order, the counts or the timings of an observation change.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { awsChecks } from '../../checks/aws/index.ts'
import type { AwsObservation, BucketObservation, IamAuthorizationObservation, IamPrincipal } from '../../checks/aws/observation.ts'
import { SEVERITIES, type Verdict } from '../../checks/types.ts'
import { judge } from './observe-helpers.ts'
import { awsAccount, bareBucket } from './observations.ts'

const NOW = new Date('2026-11-23T12:00:00Z')
const ACCOUNT = '111122223333'
const fixture = (f: string) => readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8')
const ids = (v: Verdict) => (v.offenders ?? []).map((o) => o.id)
const s3 = (b: string) => `arn:aws:s3:::${b}`
const user = (n: string) => `arn:aws:iam::${ACCOUNT}:user/${n}`
const role = (n: string) => `arn:aws:iam::${ACCOUNT}:role/${n}`
const ROOT = `arn:aws:iam::${ACCOUNT}:root`
const POLICY = `arn:aws:iam::${ACCOUNT}:account-password-policy`

// ---- S3 -------------------------------------------------------------------------------------------

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement })
const TLS_ONLY = (b: string) => doc({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [s3(b), `${s3(b)}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } })

/** A bucket every per-bucket check passes. */
const good = (name: string): BucketObservation => ({
  ...bareBucket(name),
  encryption: { ok: true, value: { configured: true, response: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'k' } }] } } },
  policy: { ok: true, value: { present: true, document: TLS_ONLY(name) } },
  publicAccessBlock: { ok: true, value: { present: true, config: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } } },
  versioning: { ok: true, value: { status: 'Enabled' } },
  logging: { ok: true, value: { loggingEnabled: { TargetBucket: 'logs' } } },
  objectLock: { ok: true, value: { configured: true, response: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } } } },
})

const withBuckets = (buckets: BucketObservation[], apiCalls?: AwsObservation['apiCalls']): AwsObservation => ({
  ...awsAccount(apiCalls),
  s3: { ok: true, value: { buckets, outOfScope: [], listPages: 1, unlocated: [] } },
  s3AccountPublicAccessBlock: { ok: true, value: { present: false } },
})

const PER_BUCKET = ['aws.s3.encryption', 'aws.s3.secure-transport', 'aws.s3.versioning', 'aws.s3.access-logging', 'aws.s3.object-lock'] as const
const FLAGS = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets']

describe('S3: the offender is the bucket ARN', () => {
  const obs = withBuckets([bareBucket('b-data'), good('a-fine'), bareBucket('a-logs')])

  it.each(PER_BUCKET)('%s names each failing bucket by ARN, sorted, and nothing else', (id) => {
    const v = judge(id, obs, {}, NOW)
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual([s3('a-logs'), s3('b-data')])
    for (const o of v.offenders!) expect(o.why.length).toBeGreaterThan(5)
  })

  it('aws.s3.public-access-block: one offender per flag that is off at both levels', () => {
    const halfBlocked: BucketObservation = { ...bareBucket('half'), publicAccessBlock: { ok: true, value: { present: true, config: { BlockPublicAcls: true, IgnorePublicAcls: true } } } }
    const v = judge('aws.s3.public-access-block', withBuckets([bareBucket('open'), halfBlocked, good('closed')]), {}, NOW)
    expect(ids(v)).toEqual([`${s3('half')}#BlockPublicPolicy`, `${s3('half')}#RestrictPublicBuckets`, ...FLAGS.map((f) => `${s3('open')}#${f}`)])
    expect(v.offenders!.find((o) => o.id === `${s3('half')}#BlockPublicPolicy`)!.why).toBe('BlockPublicPolicy off at bucket and account level')
    // the summary and observed.offenders still count and describe buckets
    expect(v.summary).toMatch(/^2 bucket\(s\) with Block Public Access flags off/)
    expect((v.observed.offenders as { arn: string }[]).map((o) => o.arn).sort()).toEqual([s3('half'), s3('open')])
  })

  it('aws.s3.public-policy: one offender per ACL grant and per public policy access, write is critical', () => {
    const acl = { ok: true as const, value: { grants: [{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }, { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, Permission: 'WRITE' }] } }
    const readPolicy = doc({ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${s3('site')}/*` })
    const rwPolicy = doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${s3('drop')}/*` }, { Effect: 'Allow', Principal: { AWS: '*' }, Action: ['s3:PutObject'], Resource: `${s3('drop')}/*` })
    const v = judge(
      'aws.s3.public-policy',
      withBuckets([
        { ...bareBucket('site'), policy: { ok: true, value: { present: true, document: readPolicy } } },
        { ...bareBucket('drop'), policy: { ok: true, value: { present: true, document: rwPolicy } } },
        { ...bareBucket('legacy'), acl },
        bareBucket('private'),
      ]),
      {},
      NOW,
    )
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual([
      `${s3('drop')}#policy:read`,
      `${s3('drop')}#policy:write`,
      `${s3('legacy')}#acl:AllUsers:READ`,
      `${s3('legacy')}#acl:AuthenticatedUsers:WRITE`,
      `${s3('site')}#policy:read`,
    ])
    const sev = Object.fromEntries(v.offenders!.map((o) => [o.id, o.severity]))
    expect(sev[`${s3('drop')}#policy:write`]).toBe('critical')
    expect(sev[`${s3('legacy')}#acl:AuthenticatedUsers:WRITE`]).toBe('critical')
    expect(sev[`${s3('site')}#policy:read`]).toBeUndefined()
    // the statement's Sid or position is in `why`, never in the id
    expect(v.offenders!.find((o) => o.id === `${s3('site')}#policy:read`)!.why).toContain('Sid "PublicRead"')
  })

  it('ids do not move when bucket order, bucket counts, API call counts or the clock change', () => {
    const a = withBuckets([bareBucket('x1'), bareBucket('x2'), good('ok1')], [{ service: 's3', operation: 'ListBuckets', region: 'us-east-1', calls: 1, errors: {} }])
    const b = withBuckets([good('ok3'), bareBucket('x2'), good('ok2'), good('ok1'), bareBucket('x1')], [{ service: 's3', operation: 'ListBuckets', region: 'us-east-1', calls: 7, errors: { Throttling: 3 } }])
    for (const id of [...PER_BUCKET, 'aws.s3.public-access-block', 'aws.s3.public-policy']) {
      const va = judge(id, a, {}, NOW)
      const vb = judge(id, b, {}, new Date(NOW.getTime() + 40 * 86_400_000))
      expect(ids(vb), id).toEqual(ids(va))
      if (id !== 'aws.s3.public-policy') expect(ids(va).length, id).toBeGreaterThan(0)
    }
  })
})

// ---- credential report ----------------------------------------------------------------------------

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated'

interface Row {
  user: string
  password?: { lastUsed: string; changed: string }
  mfa?: boolean
  key1?: { rotated: string; used: string }
  key2?: { rotated: string; used: string }
}
function row(r: Row): string {
  const arn = r.user === '<root_account>' ? ROOT : user(r.user)
  const key = (k?: { rotated: string; used: string }) => (k ? ['true', k.rotated, k.used, 'us-east-1', 's3'] : ['false', 'N/A', 'N/A', 'N/A', 'N/A'])
  return [
    r.user,
    arn,
    '2020-01-01T00:00:00+00:00',
    r.password ? 'true' : 'false',
    r.password?.lastUsed ?? 'N/A',
    r.password?.changed ?? 'N/A',
    'N/A',
    r.mfa ? 'true' : 'false',
    ...key(r.key1),
    ...key(r.key2),
    'false',
    'N/A',
    'false',
    'N/A',
  ].join(',')
}
const withReport = (rows: string[], generatedTime = '2026-11-23T11:59:00.000Z'): AwsObservation => ({
  ...awsAccount(),
  credentialReport: { ok: true, value: { csv: [HEADER, ...rows].join('\n') + '\n', generatedTime } },
})

const OLD = { rotated: '2024-01-01T00:00:00+00:00', used: '2024-02-01T00:00:00+00:00' }
const FRESH = { rotated: '2026-11-01T00:00:00+00:00', used: '2026-11-22T00:00:00+00:00' }
const ROWS = [
  row({ user: '<root_account>', key1: OLD, key2: OLD }),
  row({ user: 'dana', password: { lastUsed: '2025-01-01T00:00:00+00:00', changed: '2024-01-01T00:00:00+00:00' }, key1: OLD, key2: OLD }),
  row({ user: 'eve', password: { lastUsed: '2026-11-22T00:00:00+00:00', changed: '2026-01-01T00:00:00+00:00' }, mfa: true, key1: FRESH, key2: OLD }),
  row({ user: 'fay', mfa: true, key1: FRESH }),
]

describe('credential report: the offender is the user (or root) ARN, per credential where there are several', () => {
  const obs = withReport(ROWS)

  it('aws.iam.root-mfa names the root user ARN', () => {
    expect(ids(judge('aws.iam.root-mfa', obs, {}, NOW))).toEqual([ROOT])
  })

  it('aws.iam.root-access-keys names each active root key slot', () => {
    const v = judge('aws.iam.root-access-keys', obs, {}, NOW)
    expect(ids(v)).toEqual([`${ROOT}#access-key-1`, `${ROOT}#access-key-2`])
    expect(v.offenders![1]!.why).toBe('root access key 2 is active')
  })

  it('aws.iam.user-mfa names each console user without MFA', () => {
    expect(ids(judge('aws.iam.user-mfa', obs, {}, NOW))).toEqual([user('dana')])
  })

  it('aws.iam.access-key-rotation names each old key slot, never its age', () => {
    const v = judge('aws.iam.access-key-rotation', obs, {}, NOW)
    expect(ids(v)).toEqual([`${ROOT}#access-key-1`, `${ROOT}#access-key-2`, `${user('dana')}#access-key-1`, `${user('dana')}#access-key-2`, `${user('eve')}#access-key-2`])
    expect(v.offenders!.find((o) => o.id === `${user('eve')}#access-key-2`)!.why).toMatch(/^access key 2 is \d+ days old$/)
    // one user with two old keys is still one user in the summary
    expect(v.summary).toMatch(/^3 user\(s\)/)
  })

  it('aws.iam.unused-credentials names each stale password and key slot', () => {
    expect(ids(judge('aws.iam.unused-credentials', obs, {}, NOW))).toEqual([
      `${user('dana')}#access-key-1`,
      `${user('dana')}#access-key-2`,
      `${user('dana')}#password`,
      `${user('eve')}#access-key-2`,
    ])
  })

  it('the recorded fixture: root key, bob and ci-deployer', () => {
    const bad: AwsObservation = { ...awsAccount(), credentialReport: { ok: true, value: { csv: fixture('credential-report-bad-root.csv') } } }
    expect(ids(judge('aws.iam.access-key-rotation', bad, {}, NOW))).toEqual([`${ROOT}#access-key-1`, `${user('bob')}#access-key-1`, `${user('ci-deployer')}#access-key-1`])
    expect(ids(judge('aws.iam.unused-credentials', bad, {}, NOW))).toEqual([`${user('bob')}#access-key-1`, `${user('bob')}#password`, `${user('ci-deployer')}#access-key-1`])
    expect(ids(judge('aws.iam.root-access-keys', bad, {}, NOW))).toEqual([`${ROOT}#access-key-1`])
    expect(ids(judge('aws.iam.user-mfa', bad, {}, NOW))).toEqual([user('bob')])
  })

  it('ids do not move when rows are reordered, a compliant user is added, the report is regenerated or ten days pass', () => {
    const moved = withReport([ROWS[3]!, row({ user: 'gus', mfa: true, key1: FRESH }), ROWS[2]!, ROWS[0]!, ROWS[1]!], '2026-12-03T08:00:00.000Z')
    const later = new Date(NOW.getTime() + 10 * 86_400_000)
    for (const id of ['aws.iam.root-mfa', 'aws.iam.root-access-keys', 'aws.iam.user-mfa', 'aws.iam.access-key-rotation', 'aws.iam.unused-credentials']) {
      const before = judge(id, obs, {}, NOW)
      const after = judge(id, moved, {}, later)
      expect(ids(after), id).toEqual(ids(before))
      // only `why` carries the ages
      if (id === 'aws.iam.access-key-rotation') expect(after.offenders!.map((o) => o.why)).not.toEqual(before.offenders!.map((o) => o.why))
    }
  })
})

// ---- password policy ------------------------------------------------------------------------------

describe('aws.iam.password-policy: one offender per missed requirement of the account password policy', () => {
  const withPolicy = (policy?: Record<string, unknown>): AwsObservation => ({ ...awsAccount(), passwordPolicy: { ok: true, value: policy ? { present: true, policy } : { present: false } } })
  const ALL = ['MinimumPasswordLength', 'PasswordReusePrevention', 'RequireLowercaseCharacters', 'RequireNumbers', 'RequireSymbols', 'RequireUppercaseCharacters']

  it('no policy: every requirement, so creating a weak policy only removes offenders', () => {
    const none = judge('aws.iam.password-policy', withPolicy(), {}, NOW)
    expect(ids(none)).toEqual(ALL.map((a) => `${POLICY}#${a}`))
    const weak = judge('aws.iam.password-policy', withPolicy({ MinimumPasswordLength: 8, RequireSymbols: true, RequireNumbers: true }), {}, NOW)
    expect(ids(weak)).toEqual(['MinimumPasswordLength', 'PasswordReusePrevention', 'RequireLowercaseCharacters', 'RequireUppercaseCharacters'].map((a) => `${POLICY}#${a}`))
    for (const o of ids(weak)) expect(ids(none)).toContain(o)
  })

  it('the id names the setting, not its value; maxAgeDays adds MaxPasswordAge', () => {
    const strong = { MinimumPasswordLength: 14, PasswordReusePrevention: 24, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true }
    const a = judge('aws.iam.password-policy', withPolicy({ ...strong, MinimumPasswordLength: 8 }), {}, NOW)
    const b = judge('aws.iam.password-policy', withPolicy({ ...strong, MinimumPasswordLength: 12 }), {}, NOW)
    expect(ids(a)).toEqual([`${POLICY}#MinimumPasswordLength`])
    expect(ids(b)).toEqual(ids(a))
    expect(ids(judge('aws.iam.password-policy', withPolicy(strong), { maxAgeDays: 90 }, NOW))).toEqual([`${POLICY}#MaxPasswordAge`])
    expect(judge('aws.iam.password-policy', withPolicy(strong), {}, NOW)).toMatchObject({ status: 'passed' })
  })

  it('no policy fails even under parameters that require nothing: the policy ARN itself', () => {
    const v = judge('aws.iam.password-policy', withPolicy(), { minLength: 0, reuseCount: 0, requireSymbols: false, requireNumbers: false, requireUppercase: false, requireLowercase: false }, NOW)
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual([POLICY])
  })
})

// ---- principals -----------------------------------------------------------------------------------

describe('principals: the offender is the principal ARN, per path, service or direct policy', () => {
  const encoded = JSON.parse(fixture('url-encoded-policies.json')) as Record<string, string>
  const r = (name: string, policies: string[]): IamPrincipal => ({ type: 'role', name, arn: role(name), inline: policies.map((p) => ({ name: p, document: encoded[p]! })), attached: [] })
  const admin = doc({ Effect: 'Allow', Action: '*', Resource: '*' })
  const principals: IamPrincipal[] = [
    r('star-colon-star', ['admin-with-star-colon-star']),
    r('deny-iam', ['allow-star-deny-iam']),
    r('self-service', ['self-service-keys']),
    r('passrole', ['passrole-ec2']),
    { type: 'group', name: 'admins', arn: `arn:aws:iam::${ACCOUNT}:group/admins`, inline: [], attached: [{ name: 'everything', arn: `arn:aws:iam::${ACCOUNT}:policy/everything` }] },
    { type: 'user', name: 'hal', arn: user('hal'), inline: [{ name: 'mine', document: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }], attached: [{ name: 'ReadOnlyAccess', arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], groups: [] },
    { type: 'user', name: 'ivy', arn: user('ivy'), inline: [], attached: [], groups: ['admins'] },
  ]
  const managedPolicies: IamAuthorizationObservation['managedPolicies'] = {
    [`arn:aws:iam::${ACCOUNT}:policy/everything`]: { ok: true, value: { name: 'everything', document: admin, source: 'GetPolicyVersion' } },
    'arn:aws:iam::aws:policy/ReadOnlyAccess': { ok: true, value: { name: 'ReadOnlyAccess', document: doc({ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }), source: 'GetPolicyVersion' } },
  }
  const obs: AwsObservation = { ...awsAccount(), authorization: { ok: true, value: { principals, managedPolicies, pages: 1 } } }

  it('aws.iam.admin-privileges names each admin principal (a group and its member each)', () => {
    expect(ids(judge('aws.iam.admin-privileges', obs, {}, NOW))).toEqual([`arn:aws:iam::${ACCOUNT}:group/admins`, role('star-colon-star'), user('ivy')])
  })

  it('aws.iam.service-wildcards names each principal and service', () => {
    const v = judge('aws.iam.service-wildcards', obs, { services: ['iam', 'KMS'] }, NOW)
    expect(ids(v)).toContain(`${role('deny-iam')}#kms`)
    expect(ids(v)).not.toContain(`${role('deny-iam')}#iam`)
    expect(ids(v)).toEqual(expect.arrayContaining([`${role('star-colon-star')}#iam`, `${role('star-colon-star')}#kms`, `${user('ivy')}#iam`]))
  })

  it('aws.iam.privilege-escalation names each principal and path (as ignorePaths names it)', () => {
    const v = judge('aws.iam.privilege-escalation', obs, {}, NOW)
    expect(ids(v).filter((i) => i.startsWith(role('passrole')))).toEqual([`${role('passrole')}#PassRole+EC2`])
    expect(ids(v)).toContain(`${role('deny-iam')}#SSM SendCommand`)
    expect(ids(v)).not.toContain(`${role('deny-iam')}#CreatePolicyVersion`)
    expect(ids(v).some((i) => i.startsWith(role('self-service')))).toBe(false)
    const ignored = judge('aws.iam.privilege-escalation', obs, { ignorePaths: ['SSM SendCommand'] }, NOW)
    expect(ids(ignored)).not.toContain(`${role('deny-iam')}#SSM SendCommand`)
  })

  it('aws.iam.direct-user-policies names each policy a user holds itself', () => {
    expect(ids(judge('aws.iam.direct-user-policies', obs, {}, NOW))).toEqual([`${user('hal')}#attached:arn:aws:iam::aws:policy/ReadOnlyAccess`, `${user('hal')}#inline:mine`])
  })

  it('ids do not move when principals, policies and page counts are reordered', () => {
    const shuffled: AwsObservation = { ...awsAccount(), authorization: { ok: true, value: { principals: [...principals].reverse(), managedPolicies, pages: 3 } } }
    for (const id of ['aws.iam.admin-privileges', 'aws.iam.service-wildcards', 'aws.iam.privilege-escalation', 'aws.iam.direct-user-policies']) {
      const v = judge(id, obs, {}, NOW)
      expect(v.status, id).toBe('failed')
      expect(ids(judge(id, shuffled, {}, NOW)), id).toEqual(ids(v))
    }
  })

  it('observed.offenders keeps one entry per resource, without the aspects', () => {
    const v = judge('aws.iam.privilege-escalation', obs, {}, NOW)
    for (const o of v.observed.offenders as Record<string, unknown>[]) expect(o).not.toHaveProperty('aspects')
  })
})

// ---- errors, passes, not applicable ---------------------------------------------------------------

describe('error verdicts name what could not be decided', () => {
  it('an account that could not be identified, or a part not read: the whole account', () => {
    const unidentified: AwsObservation = { identity: { ok: false, error: { kind: 'unreachable', message: 'connect ECONNREFUSED' } }, regions: ['us-east-1'], apiCalls: [] }
    for (const c of awsChecks) {
      const v = judge(c.id, unidentified, {}, NOW)
      expect(v.status, c.id).toBe('error')
      expect(v.offenders, c.id).toEqual([{ id: 'account', why: expect.stringContaining('ECONNREFUSED') }])
    }
    const notCollected = judge('aws.s3.versioning', awsAccount(), {}, NOW)
    expect(notCollected).toMatchObject({ status: 'error', errorKind: 'not-observed', offenders: [{ id: 'account' }] })
  })

  it('buckets whose configuration (or region) could not be read: their ARNs', () => {
    const denied = { ok: false as const, error: { kind: 'access-denied' as const, message: 'AccessDenied' } }
    const obs: AwsObservation = {
      ...withBuckets([good('fine'), { ...good('locked'), versioning: denied }]),
      s3: { ok: true, value: { buckets: [good('fine'), { ...good('locked'), versioning: denied }], outOfScope: [], listPages: 1, unlocated: [{ name: 'lost', error: denied.error }] } },
    }
    const v = judge('aws.s3.versioning', obs, {}, NOW)
    expect(v.status).toBe('error')
    expect(ids(v)).toEqual([s3('locked'), s3('lost')])
    expect(v.offenders![0]!.why).toContain('AccessDenied')
  })

  it('public-access-block with the account level unreadable: the buckets it leaves undecided', () => {
    const obs: AwsObservation = { ...withBuckets([bareBucket('maybe')]), s3AccountPublicAccessBlock: { ok: false, error: { kind: 'access-denied', message: 'AccessDenied' } } }
    expect(ids(judge('aws.s3.public-access-block', obs, {}, NOW))).toEqual([s3('maybe')])
  })

  it('a credential report without a root row: the root user; a garbled report: the account', () => {
    const noRoot = withReport([ROWS[3]!])
    for (const id of ['aws.iam.root-mfa', 'aws.iam.root-access-keys']) expect(judge(id, noRoot, {}, NOW)).toMatchObject({ status: 'error', offenders: [{ id: ROOT }] })
    const garbled: AwsObservation = { ...awsAccount(), credentialReport: { ok: true, value: { csv: 'hello,world\n1,2\n' } } }
    expect(judge('aws.iam.user-mfa', garbled, {}, NOW)).toMatchObject({ status: 'error', errorKind: 'protocol', offenders: [{ id: 'account' }] })
  })

  it('a principal whose policy cannot be parsed: that principal', () => {
    const obs: AwsObservation = { ...awsAccount(), authorization: { ok: true, value: { pages: 1, managedPolicies: {}, principals: [{ type: 'user', name: 'x', arn: user('x'), inline: [{ name: 'bad', document: '%7Bnope' }], attached: [], groups: [] }] } } }
    expect(judge('aws.iam.admin-privileges', obs, {}, NOW)).toMatchObject({ status: 'error', offenders: [{ id: user('x') }] })
  })
})

describe('passed and not-applicable verdicts name no offender', () => {
  const STRONG = { MinimumPasswordLength: 14, PasswordReusePrevention: 24, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true }
  const compliant: AwsObservation = {
    ...withBuckets([good('fine')]),
    credentialReport: { ok: true, value: { csv: [HEADER, row({ user: '<root_account>', mfa: true }), row({ user: 'fay', mfa: true, password: { lastUsed: '2026-11-22T00:00:00+00:00', changed: '2026-11-01T00:00:00+00:00' }, key1: FRESH })].join('\n') } },
    authorization: { ok: true, value: { principals: [{ type: 'role', name: 'app', arn: role('app'), inline: [], attached: [] }, { type: 'user', name: 'fay', arn: user('fay'), inline: [], attached: [], groups: [] }], managedPolicies: {}, pages: 1 } },
    passwordPolicy: { ok: true, value: { present: true, policy: STRONG } },
    kms: {
      ok: true,
      value: {
        pages: 1,
        unreadRegions: [],
        items: [
          {
            keyId: 'k',
            arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`,
            region: 'us-east-1',
            metadata: { ok: true, value: { KeyId: 'k', Arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`, KeyState: 'Enabled', KeyManager: 'CUSTOMER', KeySpec: 'SYMMETRIC_DEFAULT', Origin: 'AWS_KMS' } },
            rotation: { ok: true, value: { enabled: true, periodDays: 365 } },
            policy: { ok: true, value: { document: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] }) } },
          },
        ],
      },
    },
    secrets: { ok: true, value: { pages: 1, unreadRegions: [], items: [{ name: 's', arn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:s-AbCdEf`, region: 'us-east-1', rotationEnabled: true, lastRotatedDate: '2026-11-01T00:00:00.000Z' }] } },
    ssmParameters: { ok: true, value: { pages: 1, unreadRegions: [], items: [{ name: '/app/db-password', arn: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/db-password`, region: 'us-east-1', type: 'SecureString' }] } },
    cloudtrail: {
      ok: true,
      value: {
        pages: 1,
        unreadRegions: [],
        items: [
          {
            name: 'main',
            arn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/main`,
            homeRegion: 'us-east-1',
            trail: { S3BucketName: 'fine', IsMultiRegionTrail: true, LogFileValidationEnabled: true, KmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k` },
            status: { ok: true, value: { isLogging: true } },
            selectors: { ok: true, value: { eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }], advancedEventSelectors: [] } },
          },
        ],
      },
    },
    ebs: { ok: true, value: { volumes: { pages: 1, unreadRegions: [], items: [{ volumeId: 'vol-1', arn: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-1`, region: 'us-east-1', encrypted: true }] }, encryptionByDefault: { 'us-east-1': { ok: true, value: { enabled: true } } } } },
    rds: {
      ok: true,
      value: {
        instances: { pages: 1, unreadRegions: [], items: [{ id: 'db', arn: `arn:aws:rds:us-east-1:${ACCOUNT}:db:db`, region: 'us-east-1', engine: 'postgres', storageEncrypted: true, kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`, parameterGroups: [{ name: 'pg-tls' }] }] },
        clusters: { pages: 1, unreadRegions: [], items: [] },
        snapshots: { pages: 2, unreadRegions: [], items: [] },
        keys: {},
        parameterGroups: { 'us-east-1/instance/pg-tls': { ok: true, value: { parameters: { 'rds.force_ssl': { value: '1' } }, pages: 1 } } },
      },
    },
    dynamodb: { ok: true, value: { tables: { pages: 1, unreadRegions: [], items: [{ name: 't', arn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/t`, region: 'us-east-1', described: { ok: true, value: { status: 'ACTIVE' } } }] }, keys: {} } },
  }
  const none = { ok: true as const, value: { items: [], pages: 1, unreadRegions: [] } }
  const empty: AwsObservation = {
    ...withBuckets([]),
    credentialReport: { ok: true, value: { csv: `${HEADER}\n` } },
    authorization: { ok: true, value: { principals: [], managedPolicies: {}, pages: 1 } },
    kms: none,
    secrets: none,
    ssmParameters: none,
    cloudtrail: none,
    ebs: { ok: true, value: { volumes: none.value, encryptionByDefault: {} } },
    rds: { ok: true, value: { instances: none.value, clusters: none.value, snapshots: none.value, keys: {}, parameterGroups: {} } },
    dynamodb: { ok: true, value: { tables: none.value, keys: {} } },
  }

  it.each(awsChecks.map((c) => c.id))('%s', (id) => {
    const passed = judge(id, compliant, {}, NOW)
    expect(passed.status, `${id}: ${passed.summary}`).toBe('passed')
    expect(passed.offenders).toBeUndefined()
    const na = judge(id, empty, {}, NOW)
    if (na.status === 'not-applicable') expect(na.offenders).toBeUndefined()
  })
})

describe('every AWS check has a default severity an auditor can read', () => {
  it.each(awsChecks.map((c) => [c.id, c.severity.level] as const))('%s: %s', (id) => {
    const c = awsChecks.find((x) => x.id === id)!
    expect(SEVERITIES).toContain(c.severity.level)
    expect(c.severity.reason).toMatch(/^[A-Z].{30,}\.$/)
    expect(c.severity.reason).not.toContain('\n')
  })

  it('root credentials are critical; direct user policies low', () => {
    const level = Object.fromEntries(awsChecks.map((c) => [c.id, c.severity.level]))
    expect(level['aws.iam.root-mfa']).toBe('critical')
    expect(level['aws.iam.root-access-keys']).toBe('critical')
    expect(level['aws.iam.direct-user-policies']).toBe('low')
  })
})
