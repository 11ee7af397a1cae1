// The IAM checks moto can serve, both verdicts, through the real SDK: user MFA, password policy,
// admin privileges, service wildcards, privilege escalation and direct user policies.
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  PutGroupPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam'
import { doc, emulatorClients } from '../../lab/aws/seed-account.ts'
import type { AwsObservation } from '../../checks/aws/observation.ts'
import { judge, observe, offenders, useMoto, observeSeededLab } from './observe-helpers.ts'

const moto = useMoto()

const u = (n: string) => `arn:aws:iam::123456789012:user/${n}`
const r = (n: string) => `arn:aws:iam::123456789012:role/${n}`

describe('the lab account (good and bad principals)', () => {
  let obs: AwsObservation
  beforeAll(async () => {
    obs = await observeSeededLab(moto())
  }, 60_000)

  it('reads every principal and the attached managed policies, with page counts', () => {
    const v = judge('aws.iam.direct-user-policies', obs)
    expect(v.observed.population).toMatchObject({ users: 3, groups: 1, roles: 3, authorizationDetailsPages: 1 })
    expect((v.observed.population as { actionCatalog: string }).actionCatalog).toMatch(/^@cloud-copilot\/iam-data@/)
  })

  it('aws.iam.user-mfa fails the console user without MFA', () => {
    expect(offenders(judge('aws.iam.user-mfa', obs))).toEqual([u('lab-legacy-admin')])
  })

  it('aws.iam.access-key-rotation judges the deployer\'s fresh key (not an empty population)', () => {
    const v = judge('aws.iam.access-key-rotation', obs)
    expect(v.status, v.summary).toBe('passed')
    expect(v.observed.population).toMatchObject({ rowsJudged: 1 })
    expect(judge('aws.iam.unused-credentials', obs).observed.population).toMatchObject({ rowsJudged: 2 })
  })

  it('aws.iam.password-policy fails a weak policy and names the shortfalls', () => {
    const v = judge('aws.iam.password-policy', obs)
    expect(v.status).toBe('failed')
    expect(v.summary).toMatch(/minimum length 8 < 14/)
    expect(v.summary).toMatch(/RequireSymbols is off/)
  })

  it('aws.iam.admin-privileges: *:* fails; Allow * with Deny iam:* passes (Prowler false positive)', () => {
    const v = judge('aws.iam.admin-privileges', obs)
    expect(offenders(v)).toEqual([u('lab-legacy-admin')])
    const o = (v.observed.offenders as { allowStatements: { policy: string; statement: string }[] }[])[0]!
    expect(o.allowStatements[0]).toMatchObject({ policy: 'arn:aws:iam::123456789012:policy/lab-everything', statement: 'Statement[0]' })
  })

  it('aws.iam.service-wildcards finds full kms through NotAction and names the services', () => {
    const v = judge('aws.iam.service-wildcards', obs)
    expect(offenders(v)).toEqual([r('lab-crypto'), r('lab-ops-no-iam'), u('lab-legacy-admin')])
    const crypto = (v.observed.offenders as { arn: string; services: { service: string }[] }[]).find((o) => o.arn === r('lab-crypto'))!
    expect(crypto.services.map((s) => s.service)).toEqual(['kms'])
  })

  it('aws.iam.privilege-escalation names the PassRole + RunInstances path', () => {
    const v = judge('aws.iam.privilege-escalation', obs)
    const dep = (v.observed.offenders as { arn: string; paths: { path: string }[] }[]).find((o) => o.arn === u('lab-deployer'))!
    expect(dep.paths.map((p) => p.path)).toEqual(['PassRole+EC2'])
    expect(offenders(v)).not.toContain(u('lab-analyst'))
    expect(offenders(v)).not.toContain(r('lab-app'))
  })

  it('aws.iam.direct-user-policies fails users holding policies themselves, not group members', () => {
    expect(offenders(judge('aws.iam.direct-user-policies', obs))).toEqual([u('lab-deployer'), u('lab-legacy-admin')])
  })
})

describe('an account with least privilege', () => {
  let obs: AwsObservation
  beforeAll(async () => {
    await moto().reset()
    const { iam } = emulatorClients(moto().endpoint)
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 16, PasswordReusePrevention: 24, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true }))
    await iam.send(new CreateGroupCommand({ GroupName: 'readers' }))
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }))
    // a group Deny guards the whole membership
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'readers', PolicyName: 'no-secrets', PolicyDocument: doc({ Effect: 'Deny', Action: 'secretsmanager:*', Resource: '*' }) }))
    await iam.send(new CreateUserCommand({ UserName: 'carol' }))
    await iam.send(new CreateLoginProfileCommand({ UserName: 'carol', Password: 'Correct-horse-battery-1' }))
    const mfa = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'carol' }))
    await iam.send(new EnableMFADeviceCommand({ UserName: 'carol', SerialNumber: mfa.VirtualMFADevice!.SerialNumber!, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }))
    await iam.send(new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'carol' }))
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }) }))
    iam.destroy()
    obs = await observe(moto().endpoint, ['us-east-1'], new Set(['aws.iam.credential-report', 'aws.iam.policies', 'aws.iam.password-policy']))
  }, 60_000)

  it.each(['aws.iam.user-mfa', 'aws.iam.password-policy', 'aws.iam.admin-privileges', 'aws.iam.service-wildcards', 'aws.iam.privilege-escalation', 'aws.iam.direct-user-policies'])(
    '%s passes',
    (id) => {
      const v = judge(id, obs)
      expect(v.summary).toBeTruthy()
      expect(v.status).toBe('passed')
    },
  )

  it('the AWS-managed ReadOnlyAccess document was fetched with GetPolicyVersion', () => {
    const auth = obs.authorization as { ok: true; value: { managedPolicies: Record<string, { ok: boolean; value: { source: string } }> } }
    expect(auth.value.managedPolicies['arn:aws:iam::aws:policy/ReadOnlyAccess']?.value.source).toBe('GetPolicyVersion')
  })

  it('the root checks are an error on moto (no root row), never a pass', () => {
    expect(judge('aws.iam.root-mfa', obs)).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
  })
})

describe('an IAM account with nothing to judge (vacuous truth)', () => {
  const IAM_PARTS = new Set(['aws.iam.credential-report', 'aws.iam.policies', 'aws.iam.password-policy'])

  it('a fresh account: the user and principal checks are not applicable; the account-level ones still decide', async () => {
    await moto().reset()
    const obs = await observe(moto().endpoint, ['us-east-1'], IAM_PARTS)
    for (const id of ['aws.iam.user-mfa', 'aws.iam.access-key-rotation', 'aws.iam.unused-credentials', 'aws.iam.admin-privileges', 'aws.iam.service-wildcards', 'aws.iam.privilege-escalation', 'aws.iam.direct-user-policies']) {
      const v = judge(id, obs)
      expect(v.status, `${id}: ${v.summary}`).toBe('not-applicable')
      expect(v.evidence.map((e) => e.kind)).toEqual(expect.arrayContaining(['api-response', 'api-calls', 'population']))
    }
    expect(judge('aws.iam.admin-privileges', obs).observed.population).toMatchObject({ users: 0, groups: 0, roles: 0, authorizationDetailsPages: 1 })
    // the password policy judges the account itself; moto's report has no root row
    expect(judge('aws.iam.password-policy', obs).status).toBe('failed')
    expect(judge('aws.iam.root-mfa', obs)).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
    expect(judge('aws.iam.root-access-keys', obs)).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
  }, 60_000)

  it('a user without password or access key, and a role: no console user, no key, no credential to judge', async () => {
    await moto().reset()
    const { iam } = emulatorClients(moto().endpoint)
    await iam.send(new CreateUserCommand({ UserName: 'svc' }))
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }) }))
    iam.destroy()
    const obs = await observe(moto().endpoint, ['us-east-1'], IAM_PARTS)
    const mfa = judge('aws.iam.user-mfa', obs)
    expect(mfa.status).toBe('not-applicable')
    expect(mfa.summary).toBe('none of the 1 IAM user(s) in the credential report has a console password: nothing to judge')
    expect(judge('aws.iam.access-key-rotation', obs).status).toBe('not-applicable')
    expect(judge('aws.iam.unused-credentials', obs).status).toBe('not-applicable')
    // the principals exist, so those checks judge them
    expect(judge('aws.iam.admin-privileges', obs).status).toBe('passed')
    expect(judge('aws.iam.direct-user-policies', obs)).toMatchObject({ status: 'passed', summary: 'none of 1 user(s) holds a policy directly' })
  }, 60_000)
})

describe('no password policy at all', () => {
  it('fails with the AWS default named', async () => {
    await moto().reset()
    const obs = await observe(moto().endpoint, ['us-east-1'], new Set(['aws.iam.password-policy']))
    const v = judge('aws.iam.password-policy', obs)
    expect(v.status).toBe('failed')
    expect(v.summary).toMatch(/no password policy/)
  })
})
