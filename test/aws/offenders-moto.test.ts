// The pull-request gate's question, asked of a real account (moto in server mode, the real SDK):
// an account that already fails because of four buckets must still show the fifth bucket a change
// adds as new — offender ids compared run against run, the four old ones unchanged.
import { describe, expect, it } from 'vitest'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam'
import { doc, emulatorClients } from '../../lab/aws/seed-account.ts'
import type { Verdict } from '../../checks/types.ts'
import { judge, observe, useMoto } from './observe-helpers.ts'

const moto = useMoto()

const ids = (v: Verdict) => (v.offenders ?? []).map((o) => o.id)
/** what the gate reports as new: offender ids of the change run that the base run did not have */
const added = (base: Verdict, change: Verdict) => ids(change).filter((id) => !ids(base).includes(id))
const s3 = (b: string) => `arn:aws:s3:::${b}`
const user = (n: string) => `arn:aws:iam::123456789012:user/${n}`

describe('four unencrypted buckets, then a fifth', () => {
  it('the offender list grows by exactly the fifth bucket ARN; the other four ids are unchanged', async () => {
    await moto().reset()
    const { s3: client } = emulatorClients(moto().endpoint)
    for (const b of ['alpha-data', 'bravo-data', 'delta-data', 'echo-data']) await client.send(new CreateBucketCommand({ Bucket: b }))
    const before = await observe(moto().endpoint, ['us-east-1'], new Set(['aws.s3.encryption', 'aws.s3.versioning']))
    // the new bucket sorts between the old ones: position in ListBuckets must not matter
    await client.send(new CreateBucketCommand({ Bucket: 'charlie-data' }))
    client.destroy()
    const after = await observe(moto().endpoint, ['us-east-1'], new Set(['aws.s3.encryption', 'aws.s3.versioning']))

    for (const id of ['aws.s3.encryption', 'aws.s3.versioning']) {
      const base = judge(id, before)
      const change = judge(id, after)
      expect(base.status, id).toBe('failed')
      expect(ids(base), id).toEqual(['alpha-data', 'bravo-data', 'delta-data', 'echo-data'].map(s3))
      expect(added(base, change), id).toEqual([s3('charlie-data')])
      expect(ids(change).filter((i) => i !== s3('charlie-data')), id).toEqual(ids(base))
      expect(ids(change), id).toHaveLength(5)
      // the observations differ in counts and API calls; the ids do not
      expect(change.observed.population).toMatchObject({ buckets: 5 })
    }
    // observing the unchanged account again gives the same ids (a routine re-run adds nothing)
    const again = await observe(moto().endpoint, ['us-east-1'], new Set(['aws.s3.encryption']))
    expect(added(judge('aws.s3.encryption', after), judge('aws.s3.encryption', again))).toEqual([])
  }, 90_000)
})

describe('a principal that already offends gains a second problem', () => {
  it('a new escalation path and a new direct policy show as new offenders of the same user', async () => {
    await moto().reset()
    const { iam } = emulatorClients(moto().endpoint)
    await iam.send(new CreateUserCommand({ UserName: 'deployer' }))
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'deployer',
        PolicyName: 'launch',
        PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:PassRole', 'ec2:RunInstances'], Resource: '*' }),
      }),
    )
    const parts = new Set(['aws.iam.policies'])
    const before = await observe(moto().endpoint, ['us-east-1'], parts)
    await iam.send(new PutUserPolicyCommand({ UserName: 'deployer', PolicyName: 'policies', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:CreatePolicyVersion', Resource: '*' }) }))
    iam.destroy()
    const after = await observe(moto().endpoint, ['us-east-1'], parts)

    const escBase = judge('aws.iam.privilege-escalation', before)
    const escChange = judge('aws.iam.privilege-escalation', after)
    expect(ids(escBase)).toEqual([`${user('deployer')}#PassRole+EC2`])
    expect(added(escBase, escChange)).toEqual([`${user('deployer')}#CreatePolicyVersion`])
    expect(ids(escChange)).toEqual(expect.arrayContaining(ids(escBase)))

    const directBase = judge('aws.iam.direct-user-policies', before)
    const directChange = judge('aws.iam.direct-user-policies', after)
    expect(ids(directBase)).toEqual([`${user('deployer')}#inline:launch`])
    expect(added(directBase, directChange)).toEqual([`${user('deployer')}#inline:policies`])
    // still one offending user in the summary
    expect(directChange.summary).toMatch(/^1 user\(s\) holding policies directly/)
  }, 90_000)
})
