// The lab account (`npm run demo`) beyond buckets and principals: for every check of issue #14 the
// seeded account holds one resource that passes and one that fails, and the check gives the verdict
// the lab was built to show, naming exactly the bad resource. Judged with the parameters the shipped
// feature files use (DynamoDB: a customer-managed key is required).
import { beforeAll, describe, expect, it } from 'vitest'
import type { AwsObservation } from '../../checks/aws/observation.ts'
import { seedAwsLab, type SeededLab } from '../../lab/aws/seed-account.ts'
import { LAB_PARTNER_ACCOUNT } from '../../lab/aws/seed-services.ts'
import { judge, observe, offenders, useMoto } from './observe-helpers.ts'

const moto = useMoto()

describe('the lab account (good and bad KMS keys, secrets, parameters, trails, volumes, databases, tables)', () => {
  let obs: AwsObservation
  let lab: SeededLab['services']
  beforeAll(async () => {
    await moto().reset()
    lab = (await seedAwsLab(moto().endpoint)).services
    obs = await observe(moto().endpoint)
  }, 90_000)

  it('aws.kms.rotation fails the legacy key only; the data and partner keys rotate', () => {
    const v = judge('aws.kms.rotation', obs)
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual([lab.legacyKey])
    expect(v.observed.population).toMatchObject({ keysJudged: 3 })
  })

  it('aws.kms.key-policy fails the key shared with another account only', () => {
    const v = judge('aws.kms.key-policy', obs)
    expect(v.status).toBe('failed')
    expect(v.offenders!.map((o) => o.id)).toEqual([`${lab.partnerKey}#${LAB_PARTNER_ACCOUNT}:kms:Decrypt`])
  })

  it('aws.secretsmanager.rotation fails the never-rotated token, not the rotated password', () => {
    const v = judge('aws.secretsmanager.rotation', obs)
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual([lab.badSecret])
    expect(v.observed.population).toMatchObject({ secretsListed: 2 })
  })

  it('aws.ssm.secure-parameters fails the token stored as String, not the SecureString password', () => {
    const v = judge('aws.ssm.secure-parameters', obs)
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual([lab.badParameter])
    expect(v.observed.population).toMatchObject({ parametersListed: 3, parametersSelected: 2 })
  })

  it('aws.cloudtrail.enabled passes (one qualifying trail is enough); aws.cloudtrail.integrity fails the legacy trail', () => {
    const enabled = judge('aws.cloudtrail.enabled', obs)
    expect(enabled.status, enabled.summary).toBe('passed')
    expect(enabled.observed.qualifying).toEqual(expect.arrayContaining([lab.goodTrail]))
    const integrity = judge('aws.cloudtrail.integrity', obs)
    expect(integrity.status).toBe('failed')
    expect(offenders(integrity)).toEqual([lab.badTrail])
    expect(integrity.offenders!.map((o) => o.id)).toEqual(['bucket-versioning', 'kms', 'log-file-validation'].map((a) => `${lab.badTrail}#${a}`))
  })

  it('aws.ec2.ebs-encryption fails the unencrypted volume only (encryption by default is on)', () => {
    const v = judge('aws.ec2.ebs-encryption', obs)
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual([lab.badVolume])
    expect(v.observed.population).toMatchObject({ regionsJudged: 1, volumesListed: 2, volumesEncrypted: 1 })
  })

  it('aws.rds.encryption fails the unencrypted MySQL database and its automated snapshot', () => {
    const v = judge('aws.rds.encryption', obs)
    expect(v.status).toBe('failed')
    const list = offenders(v)
    expect(list).toHaveLength(2)
    expect(list[0]).toBe(lab.badDatabase)
    expect(list[1]).toMatch(/^arn:aws:rds:us-east-1:123456789012:snapshot:rds:lab-legacy-mysql-/)
    // the good database is under the lab's customer-managed key: it passes with `cmk` as well
    expect(offenders(judge('aws.rds.encryption', obs, { cmk: true }))).toEqual(list)
  })

  it('aws.rds.tls fails the MySQL database whose parameter group sets require_secure_transport OFF', () => {
    const v = judge('aws.rds.tls', obs)
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual([lab.badDatabase])
    expect(v.observed.population).toMatchObject({ resourcesJudged: 2 })
    expect(lab.goodDatabase).toMatch(/:db:lab-patients-db$/)
  })

  it('aws.dynamodb.encryption (customer-managed key required) fails the table on the AWS-owned default', () => {
    const v = judge('aws.dynamodb.encryption', obs, { cmk: true })
    expect(v.status).toBe('failed')
    expect(offenders(v)).toEqual([lab.badTable])
    expect(v.observed.population).toMatchObject({ tablesListed: 2, tablesByKey: { 'aws-owned': 1, 'customer-managed': 1 } })
    expect(lab.goodTable).toMatch(/:table\/lab-visits$/)
  })
})
