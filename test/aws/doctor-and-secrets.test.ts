// Vigil's own least privilege (doctorAws, the shipped read-only policy) and the guarantee that
// planted credentials reach no observation, verdict or evidence.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand } from '@aws-sdk/client-iam'
import { doctorAws } from '../../checks/aws/doctor.ts'
import { observeAws } from '../../checks/aws/probe.ts'
import { awsChecks } from '../../checks/aws/index.ts'
import { expandAction, isWriteAction } from '../../checks/aws/iam-action-catalog.ts'
import { emulatorClients, seedAwsLab } from '../../lab/aws/seed-account.ts'
import { ALL_PARTS, ctxFor, target, useMoto } from './observe-helpers.ts'

const readonlyPolicy = readFileSync(new URL('../../checks/aws/vigil-readonly-policy.json', import.meta.url), 'utf8')

const moto = useMoto()

describe('the shipped read-only policy', () => {
  it('names only known Read/List actions', () => {
    const actions = (JSON.parse(readonlyPolicy) as { Statement: { Action: string[] }[] }).Statement.flatMap((s) => s.Action)
    for (const a of actions) {
      const idx = expandAction(a)
      expect(idx, a).toHaveLength(1)
      expect(isWriteAction(idx[0]!), a).toBe(false)
    }
  })
})

describe('doctorAws', () => {
  async function userWith(name: string, policyDoc: string) {
    const { iam } = emulatorClients(moto().endpoint)
    await iam.send(new CreateUserCommand({ UserName: name }))
    const p = await iam.send(new CreatePolicyCommand({ PolicyName: `${name}-policy`, PolicyDocument: policyDoc }))
    await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: p.Policy!.Arn! }))
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }))
    iam.destroy()
    return { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! }
  }

  it('is quiet for credentials holding only the read-only policy, and warns for writers', async () => {
    await moto().reset()
    const reader = await userWith('vigil-reader', readonlyPolicy)
    const writer = await userWith('vigil-writer', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: '*' }] }))
    const ok = await doctorAws(target(moto().endpoint), { credentials: async () => reader })
    expect(ok.identity?.arn).toBe('arn:aws:iam::123456789012:user/vigil-reader')
    expect(ok.warnings).toEqual([])
    expect(ok.ok).toBe(true)
    const bad = await doctorAws(target(moto().endpoint), { credentials: async () => writer })
    expect(bad.ok).toBe(false)
    expect(bad.writeActions.count).toBeGreaterThan(50)
    expect(bad.warnings[0]).toMatch(/can write/)
    expect(JSON.stringify([ok, bad])).not.toContain(writer.secretAccessKey)
  })

  it('reports an unreachable endpoint as a warning, not a crash', async () => {
    const r = await doctorAws(target('http://127.0.0.1:1'), { credentials: async () => ({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x'.repeat(40) }), timeoutMs: 2000 })
    expect(r.ok).toBe(false)
    expect(r.warnings[0]).toMatch(/cannot identify/)
  }, 60_000)
})

describe('planted credentials', () => {
  it('appear in no observation, verdict or evidence (default provider chain from the environment)', async () => {
    await moto().reset()
    await seedAwsLab(moto().endpoint)
    const planted = {
      AWS_ACCESS_KEY_ID: 'AKIAPLANTEDKEY000001',
      AWS_SECRET_ACCESS_KEY: 'planted/SECRET+key/do-not-leak-0123456789',
      AWS_SESSION_TOKEN: 'planted-session-token-FwoGZXIvYXdzEJr-do-not-leak',
    }
    const saved = Object.fromEntries(Object.keys(planted).map((k) => [k, process.env[k]]))
    Object.assign(process.env, planted)
    delete process.env.AWS_PROFILE
    try {
      const obs = await observeAws(target(moto().endpoint), ctxFor(ALL_PARTS))
      expect(obs.identity.ok).toBe(true)
      const verdicts = awsChecks.map((c) => c.judge(obs, {}, { now: new Date() }))
      const all = JSON.stringify({ obs, verdicts })
      for (const secret of Object.values(planted)) expect(all).not.toContain(secret)
      expect(verdicts.some((v) => v.status === 'failed')).toBe(true)
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]
        else process.env[k] = v
    }
  })
})
