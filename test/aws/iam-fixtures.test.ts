// Decisions moto cannot produce (root row, back-dated keys, URL-encoded documents, commas in user
// names), judged on recorded real-format inputs through the same checks.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AwsObservation, IamPrincipal } from '../../checks/aws/observation.ts'
import { parseCredentialReport } from '../../checks/aws/credential-report.ts'
import { judge, offenders } from './observe-helpers.ts'

const fixture = (f: string) => readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8')
const NOW = new Date('2026-11-23T12:00:00Z')
const base = (): AwsObservation => ({ identity: { ok: true, value: { account: '111122223333', arn: 'arn:aws:iam::111122223333:user/vigil', partition: 'aws' } }, regions: ['us-east-1'], apiCalls: [] })
const withReport = (csv: string): AwsObservation => ({ ...base(), credentialReport: { ok: true, value: { csv, generatedTime: '2026-11-23T11:59:00.000Z' } } })
const user = (n: string) => `arn:aws:iam::111122223333:user/${n}`

describe('credential report', () => {
  const bad = withReport(fixture('credential-report-bad-root.csv'))
  const good = withReport(fixture('credential-report-good-root.csv'))

  it('parses the 22 columns, keeping a user name with a comma whole', () => {
    const rows = parseCredentialReport(fixture('credential-report-bad-root.csv'))
    expect(rows).toHaveLength(5)
    expect(rows[4]).toMatchObject({ user: 'ops,eu', arn: 'arn:aws:iam::111122223333:user/ops,eu', mfa_active: 'true' })
  })

  it('aws.iam.root-mfa and root-access-keys: both verdicts', () => {
    expect(judge('aws.iam.root-mfa', bad, {}, NOW).status).toBe('failed')
    expect(judge('aws.iam.root-access-keys', bad, {}, NOW)).toMatchObject({ status: 'failed' })
    expect(offenders(judge('aws.iam.root-access-keys', bad, {}, NOW))).toEqual(['arn:aws:iam::111122223333:root'])
    expect(judge('aws.iam.root-mfa', good, {}, NOW).status).toBe('passed')
    expect(judge('aws.iam.root-access-keys', good, {}, NOW).status).toBe('passed')
  })

  it('a report without a root row (as moto serves it) is an error, not a pass', () => {
    const noRoot = withReport(fixture('credential-report-good-root.csv').split('\n').filter((l) => !l.startsWith('<root_account>')).join('\n'))
    const v = judge('aws.iam.root-mfa', noRoot, {}, NOW)
    expect(v.status).toBe('error')
    expect(v.errorKind).toBe('inconclusive')
  })

  it('aws.iam.user-mfa fails console users without MFA only', () => {
    expect(offenders(judge('aws.iam.user-mfa', bad, {}, NOW))).toEqual([user('bob')])
    expect(judge('aws.iam.user-mfa', good, {}, NOW).status).toBe('passed')
  })

  it('aws.iam.access-key-rotation uses the parameter and ctx.now', () => {
    const v = judge('aws.iam.access-key-rotation', bad, { maxAgeDays: 90 }, NOW)
    // root's 2019 key, bob's 2025 key 1, ci-deployer's key from 2026-01-01 (326 days)
    expect(offenders(v)).toEqual(['arn:aws:iam::111122223333:root', user('bob'), user('ci-deployer')])
    expect(offenders(judge('aws.iam.access-key-rotation', bad, { maxAgeDays: 400 }, NOW))).toEqual(['arn:aws:iam::111122223333:root', user('bob')])
    expect(judge('aws.iam.access-key-rotation', good, {}, NOW).status).toBe('passed')
  })

  it('aws.iam.unused-credentials counts never-used credentials older than N days', () => {
    const v = judge('aws.iam.unused-credentials', bad, { maxUnusedDays: 45 }, NOW)
    expect(offenders(v)).toEqual([user('bob'), user('ci-deployer')])
    const ci = (v.observed.offenders as { arn: string; why: string }[]).find((o) => o.arn === user('ci-deployer'))!
    expect(ci.why).toMatch(/never used/)
    // ops,eu never logged in but the password is 22 days old: not yet stale
    expect(offenders(v)).not.toContain(user('ops,eu'))
    expect(judge('aws.iam.unused-credentials', good, {}, NOW).status).toBe('passed')
  })

  it('aws.iam.unused-credentials: an active key the report gives no date for is undecided, never a pass', () => {
    // the good report with one more user whose active key has no last-used and no rotation date
    const lines = fixture('credential-report-good-root.csv').trimEnd().split('\n')
    const cols = lines[0]!.split(',')
    const row = cols.map((c) => ({ user: 'undated', arn: user('undated'), user_creation_time: 'N/A', password_enabled: 'false', access_key_1_active: 'true' })[c as 'user'] ?? 'N/A')
    const v = judge('aws.iam.unused-credentials', withReport([...lines, row.join(',')].join('\n') + '\n'), {}, NOW)
    expect(v).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
    expect((v.offenders ?? []).map((o) => o.id)).toEqual([user('undated')])
    expect(v.summary).toMatch(/undated/)
  })

  it('a garbled report is a protocol error', () => {
    const v = judge('aws.iam.user-mfa', withReport('hello,world\n1,2\n'), {}, NOW)
    expect(v).toMatchObject({ status: 'error', errorKind: 'protocol' })
  })
})

describe('URL-encoded policy documents (as real IAM returns them)', () => {
  const encoded = JSON.parse(fixture('url-encoded-policies.json')) as Record<string, string>
  const role = (name: string, policies: string[]): IamPrincipal => ({ type: 'role', name, arn: `arn:aws:iam::111122223333:role/${name}`, inline: policies.map((p) => ({ name: p, document: encoded[p]! })), attached: [] })
  const obs: AwsObservation = {
    ...base(),
    authorization: {
      ok: true,
      value: {
        pages: 1,
        managedPolicies: {},
        principals: [
          role('star-colon-star', ['admin-with-star-colon-star']),
          role('notaction-fake', ['admin-via-notaction-fake-service']),
          role('deny-iam', ['allow-star-deny-iam']),
          role('mfa-admin', ['admin-with-mfa-condition']),
          role('self-service', ['self-service-keys']),
          role('passrole', ['passrole-ec2']),
        ],
      },
    },
  }
  const r = (n: string) => `arn:aws:iam::111122223333:role/${n}`

  it('admin-privileges: *:* and fake-service NotAction are admin; Allow * with Deny iam:* is not; MFA-conditioned admin is reported as conditional', () => {
    const v = judge('aws.iam.admin-privileges', obs)
    expect(offenders(v)).toEqual([r('mfa-admin'), r('notaction-fake'), r('star-colon-star')])
    const mfa = (v.observed.offenders as { arn: string; conditional: boolean }[]).find((o) => o.arn === r('mfa-admin'))!
    expect(mfa.conditional).toBe(true)
    expect(offenders(judge('aws.iam.admin-privileges', obs, { conditional: 'pass' }))).toEqual([r('notaction-fake'), r('star-colon-star')])
  })

  it('privilege-escalation: ${aws:username}-scoped self service is not a path; PassRole on role/* + RunInstances is', () => {
    const v = judge('aws.iam.privilege-escalation', obs)
    expect(offenders(v)).not.toContain(r('self-service'))
    expect(offenders(v)).toContain(r('passrole'))
    const p = (v.observed.offenders as { arn: string; paths: { path: string }[] }[]).find((o) => o.arn === r('passrole'))!
    expect(p.paths.map((x) => x.path)).toEqual(['PassRole+EC2'])
    // the Deny on iam:* closes every IAM path for deny-iam, but compute paths without PassRole remain
    const d = (v.observed.offenders as { arn: string; paths: { path: string }[] }[]).find((o) => o.arn === r('deny-iam'))!
    expect(d.paths.map((x) => x.path)).not.toContain('CreatePolicyVersion')
    expect(d.paths.map((x) => x.path)).toContain('SSM SendCommand')
  })

  it('service-wildcards: the Deny takes iam away but kms stays full', () => {
    const v = judge('aws.iam.service-wildcards', obs, { services: ['iam', 'kms'] })
    const d = (v.observed.offenders as { arn: string; services: { service: string }[] }[]).find((o) => o.arn === r('deny-iam'))!
    expect(d.services.map((s) => s.service)).toEqual(['kms'])
    expect(offenders(v)).not.toContain(r('self-service'))
  })

  it('an unparseable policy leaves its principal undetermined (error, not pass)', () => {
    const broken: AwsObservation = { ...base(), authorization: { ok: true, value: { pages: 1, managedPolicies: {}, principals: [{ type: 'user', name: 'x', arn: user('x'), inline: [{ name: 'bad', document: '%7Bnope' }], attached: [], groups: [] }] } } }
    const v = judge('aws.iam.admin-privileges', broken)
    expect(v.status).toBe('error')
  })
})
