// Vacuous truth: every AWS check declares the population it judges, and an account where that
// population was observed and is empty gets `not-applicable` (never `passed`), with the API calls
// and population counts kept so an auditor sees what was enumerated. A population that could not be
// observed stays `error`; the account-level populations (root user, password policy) are never empty.
import { describe, expect, it } from 'vitest'
import { awsChecks } from '../../checks/aws/index.ts'
import type { AwsObservation, BucketObservation, IamPrincipal, S3Observation } from '../../checks/aws/observation.ts'
import type { Verdict } from '../../checks/types.ts'
import { judge } from './observe-helpers.ts'
import { awsAccount, bareBucket } from './observations.ts'

const NOW = new Date('2026-11-23T12:00:00Z')
const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated'
const ROOT_OK = '<root_account>,arn:aws:iam::111122223333:root,2019-03-04T10:11:12+00:00,not_supported,2025-01-01T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A'
// a user with neither a console password nor an active access key (a role-only identity, say)
const NO_CREDENTIALS = 'svc,arn:aws:iam::111122223333:user/svc,2024-01-10T09:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A'
// a console user with MFA but no access key
const CONSOLE_ONLY = 'alice,arn:aws:iam::111122223333:user/alice,2024-01-10T09:00:00+00:00,true,2026-11-20T09:00:00+00:00,2024-01-10T09:05:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A'

const withBuckets = (buckets: BucketObservation[], extra: Partial<S3Observation> = {}): AwsObservation => ({
  ...awsAccount(),
  s3: { ok: true, value: { buckets, outOfScope: [], listPages: 1, unlocated: [], ...extra } },
  s3AccountPublicAccessBlock: { ok: true, value: { present: false } },
})
const withReport = (...rows: string[]): AwsObservation => ({ ...awsAccount(), credentialReport: { ok: true, value: { csv: [HEADER, ...rows].join('\n') + '\n', generatedTime: '2026-11-23T11:59:00.000Z' } } })
const withPrincipals = (principals: IamPrincipal[]): AwsObservation => ({ ...awsAccount(), authorization: { ok: true, value: { principals, managedPolicies: {}, pages: 1 } } })

const PER_BUCKET = ['aws.s3.encryption', 'aws.s3.secure-transport', 'aws.s3.public-access-block', 'aws.s3.public-policy', 'aws.s3.versioning', 'aws.s3.access-logging', 'aws.s3.object-lock']
const PRINCIPAL_CHECKS = ['aws.iam.admin-privileges', 'aws.iam.service-wildcards', 'aws.iam.privilege-escalation', 'aws.iam.direct-user-policies']

/** Not applicable, with what was enumerated kept for the auditor. */
function expectNotApplicable(v: Verdict): void {
  expect(v.status, v.summary).toBe('not-applicable')
  expect(v.errorKind).toBeUndefined()
  expect(v.observed.population).toBeTruthy()
  expect(v.observed.offenders).toEqual([])
  expect(Object.keys(v.expected).length).toBeGreaterThan(0)
  expect(v.evidence.map((e) => e.kind)).toEqual(expect.arrayContaining(['api-calls', 'population']))
}

describe('every AWS check declares the population it judges', () => {
  it.each(awsChecks.map((c) => [c.id, c.population]))('%s: "%s"', (_id, population) => {
    expect(typeof population).toBe('string')
    expect(population.trim().length).toBeGreaterThan(3)
  })
})

describe('S3: an account with no bucket', () => {
  const obs = withBuckets([])
  it.each(PER_BUCKET)('%s is not applicable, never passed', (id) => {
    const v = judge(id, obs, {}, NOW)
    expectNotApplicable(v)
    expect(v.observed.population).toMatchObject({ buckets: 0, bucketsListed: 0, listBucketsPages: 1 })
    expect(v.summary).toMatch(/no bucket/)
    expect((v.evidence.find((e) => e.kind === 'api-calls')!.data as unknown[]).length).toBe(1)
  })

  it('buckets listed only outside the target regions are named, and still nothing is judged', () => {
    const v = judge('aws.s3.versioning', withBuckets([], { outOfScope: [{ name: 'far-away', region: 'ap-south-1' }] }), {}, NOW)
    expectNotApplicable(v)
    expect(v.observed.population).toMatchObject({ buckets: 0, bucketsListed: 1, outOfScope: [{ name: 'far-away', region: 'ap-south-1' }] })
  })

  it('a bucket whose region could not be read leaves the population unobserved: error, not not-applicable', () => {
    const v = judge('aws.s3.versioning', withBuckets([], { unlocated: [{ name: 'mystery', error: { kind: 'access-denied', message: 'AccessDenied' } }] }), {}, NOW)
    expect(v.status).toBe('error')
    expect(v.errorKind).toBe('access-denied')
  })
})

describe('aws.s3.object-lock: no bucket matches the `buckets` patterns', () => {
  it('is not applicable (the regression: it used to pass "on all 0 selected bucket(s)")', () => {
    const obs = withBuckets([bareBucket('app-data'), bareBucket('web-assets')])
    const v = judge('aws.s3.object-lock', obs, { buckets: ['*evidence*'], minRetentionDays: 365 }, NOW)
    expectNotApplicable(v)
    expect(v.summary).not.toMatch(/all 0/)
    expect(v.summary).toContain('*evidence*')
    expect(v.observed.population).toMatchObject({ buckets: 2, bucketsSelected: 0 })
    expect(v.expected).toMatchObject({ buckets: ['*evidence*'], minRetentionDays: 365 })
  })

  it('still fails a selected bucket without a lock', () => {
    const v = judge('aws.s3.object-lock', withBuckets([bareBucket('app-data'), bareBucket('audit-evidence')]), { buckets: ['*evidence*'] }, NOW)
    expect(v.status).toBe('failed')
  })
})

describe('credential-report checks', () => {
  it('aws.iam.user-mfa: no user has a console password', () => {
    const v = judge('aws.iam.user-mfa', withReport(ROOT_OK, NO_CREDENTIALS), {}, NOW)
    expectNotApplicable(v)
    expect(v.observed.population).toMatchObject({ credentialReportRows: 2, rowsJudged: 0 })
    expect(v.summary).toMatch(/console password/)
  })

  it('aws.iam.access-key-rotation: no active access key (root included)', () => {
    const v = judge('aws.iam.access-key-rotation', withReport(ROOT_OK, NO_CREDENTIALS, CONSOLE_ONLY), {}, NOW)
    expectNotApplicable(v)
    expect(v.summary).toMatch(/active access key/)
  })

  it('aws.iam.unused-credentials: users exist but none holds a password or an active key', () => {
    const v = judge('aws.iam.unused-credentials', withReport(ROOT_OK, NO_CREDENTIALS), {}, NOW)
    expectNotApplicable(v)
    expect(v.observed.population).toMatchObject({ rowsJudged: 0 })
  })

  it('aws.iam.unused-credentials: no IAM user at all', () => {
    expectNotApplicable(judge('aws.iam.unused-credentials', withReport(ROOT_OK), {}, NOW))
  })

  it('aws.iam.user-mfa / access-key-rotation / unused-credentials: a report with no row at all', () => {
    for (const id of ['aws.iam.user-mfa', 'aws.iam.access-key-rotation', 'aws.iam.unused-credentials']) expectNotApplicable(judge(id, withReport(), {}, NOW))
  })

  it.each(['aws.iam.root-mfa', 'aws.iam.root-access-keys'])('%s: the root user always exists, so a report without its row is an error, never not-applicable or passed', (id) => {
    const v = judge(id, withReport(), {}, NOW)
    expect(v.status).toBe('error')
    expect(v.errorKind).toBe('inconclusive')
    // with the root row and nothing else the population (the root user) is not empty: judged
    expect(judge(id, withReport(ROOT_OK), {}, NOW).status).toBe('passed')
  })
})

describe('aws.iam.password-policy: the population is the account, never empty', () => {
  it('an account with no user and no principal is still judged on its password policy', () => {
    const none: AwsObservation = { ...withPrincipals([]), passwordPolicy: { ok: true, value: { present: false } } }
    expect(judge('aws.iam.password-policy', none, {}, NOW).status).toBe('failed')
    const strong: AwsObservation = {
      ...withPrincipals([]),
      passwordPolicy: { ok: true, value: { present: true, policy: { MinimumPasswordLength: 16, PasswordReusePrevention: 24, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true } } },
    }
    const v = judge('aws.iam.password-policy', strong, {}, NOW)
    expect(v.status).toBe('passed')
    expect(v.observed.population).toMatchObject({ accounts: 1 })
  })
})

describe('principal checks', () => {
  it.each(PRINCIPAL_CHECKS)('%s: an account with no user, group or role', (id) => {
    const v = judge(id, withPrincipals([]), {}, NOW)
    expectNotApplicable(v)
    expect(v.observed.population).toMatchObject({ users: 0, groups: 0, roles: 0, authorizationDetailsPages: 1 })
  })

  it('aws.iam.direct-user-policies judges users only: roles and groups but no user is not applicable', () => {
    const role: IamPrincipal = { type: 'role', name: 'app', arn: 'arn:aws:iam::111122223333:role/app', inline: [], attached: [] }
    const group: IamPrincipal = { type: 'group', name: 'ops', arn: 'arn:aws:iam::111122223333:group/ops', inline: [], attached: [] }
    const v = judge('aws.iam.direct-user-policies', withPrincipals([role, group]), {}, NOW)
    expectNotApplicable(v)
    expect(v.observed.population).toMatchObject({ users: 0, groups: 1, roles: 1 })
    // the other principal checks do judge roles and groups
    expect(judge('aws.iam.admin-privileges', withPrincipals([role, group]), {}, NOW).status).toBe('passed')
  })
})

describe('an empty population is never a pass, whatever the check', () => {
  // the emptiest observation each check can be given: every part observed, nothing in it
  const empty: AwsObservation = {
    ...withBuckets([]),
    credentialReport: { ok: true, value: { csv: `${HEADER}\n` } },
    authorization: { ok: true, value: { principals: [], managedPolicies: {}, pages: 1 } },
    passwordPolicy: { ok: true, value: { present: false } },
    kms: { ok: true, value: { items: [], pages: 1, unreadRegions: [] } },
    secrets: { ok: true, value: { items: [], pages: 1, unreadRegions: [] } },
    ssmParameters: { ok: true, value: { items: [], pages: 1, unreadRegions: [] } },
    cloudtrail: { ok: true, value: { items: [], pages: 1, unreadRegions: [] } },
    // AWS's own default: encryption by default off, no volume
    ebs: { ok: true, value: { volumes: { items: [], pages: 1, unreadRegions: [] }, encryptionByDefault: { 'us-east-1': { ok: true, value: { enabled: false } } } } },
    rds: { ok: true, value: { instances: { items: [], pages: 1, unreadRegions: [] }, clusters: { items: [], pages: 1, unreadRegions: [] }, snapshots: { items: [], pages: 2, unreadRegions: [] }, keys: {}, parameterGroups: {} } },
    dynamodb: { ok: true, value: { tables: { items: [], pages: 1, unreadRegions: [] }, keys: {} } },
  }
  it.each(awsChecks.map((c) => c.id))('%s', (id) => {
    const v = judge(id, empty, {}, NOW)
    expect(v.status).not.toBe('passed')
    if (['aws.iam.root-mfa', 'aws.iam.root-access-keys'].includes(id)) expect(v.status).toBe('error')
    // an account always should have a trail and encrypt EBS by default: their absence is a finding
    else if (['aws.iam.password-policy', 'aws.cloudtrail.enabled', 'aws.ec2.ebs-encryption'].includes(id)) expect(v.status).toBe('failed')
    else expect(v.status).toBe('not-applicable')
  })
})
