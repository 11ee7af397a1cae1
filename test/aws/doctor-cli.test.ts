// `vigil doctor` as a user runs it: read-only credentials pass (exit 0), writers are warned about (exit 1).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand } from '@aws-sdk/client-iam'
import { describe, expect, it } from 'vitest'
import { runVigil } from '../run-vigil.ts'
import { emulatorClients } from '../../lab/aws/seed-account.ts'
import { useMoto } from './observe-helpers.ts'

const moto = useMoto()

async function userWith(name: string, policyDocument: string) {
  const { iam } = emulatorClients(moto().endpoint)
  await iam.send(new CreateUserCommand({ UserName: name }))
  const p = await iam.send(new CreatePolicyCommand({ PolicyName: `${name}-policy`, PolicyDocument: policyDocument }))
  await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: p.Policy!.Arn! }))
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }))
  iam.destroy()
  return { AWS_ACCESS_KEY_ID: k.AccessKey!.AccessKeyId!, AWS_SECRET_ACCESS_KEY: k.AccessKey!.SecretAccessKey! }
}

function doctor(dir: string, creds: Record<string, string>) {
  return runVigil(['doctor', '--config', 'vigil.yaml'], { cwd: dir, env: { ...creds, AWS_SESSION_TOKEN: '', AWS_PROFILE: '' }, timeoutMs: 60_000 })
}

describe('vigil doctor', () => {
  it('passes read-only credentials and warns, exit 1, about credentials that can write', async () => {
    await moto().reset()
    const dir = mkdtempSync(join(tmpdir(), 'vigil-doctor-'))
    writeFileSync(join(dir, 'vigil.yaml'), `targets:\n  aws:\n    - {name: acct, regions: [us-east-1], endpoint: "${moto().endpoint}"}\n`)
    const readonly = readFileSync(new URL('../../checks/aws/vigil-readonly-policy.json', import.meta.url), 'utf8')
    const reader = await userWith('doctor-reader', readonly)
    const writer = await userWith('doctor-writer', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] }))

    const ok = await doctor(dir, reader)
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^OK +acct: arn:aws:iam::123456789012:user\/doctor-reader$/m)

    const bad = await doctor(dir, writer)
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/^WARN acct: arn:aws:iam::123456789012:user\/doctor-writer$/m)
    expect(bad.stdout).toMatch(/can write/)
    for (const out of [ok.stdout, ok.stderr, bad.stdout, bad.stderr]) {
      expect(out).not.toContain(reader.AWS_SECRET_ACCESS_KEY)
      expect(out).not.toContain(writer.AWS_SECRET_ACCESS_KEY)
    }
  }, 90_000)
})
