// aws.cloudtrail.enabled, aws.cloudtrail.integrity and aws.ec2.ebs-encryption against moto in server
// mode. moto implements everything these checks read: DescribeTrails (shadow trails included),
// GetTrailStatus (IsLogging after StartLogging), Get/PutEventSelectors (basic and advanced),
// GetEbsEncryptionByDefault per region and DescribeVolumes. Two moto quirks: a trail without custom
// selectors returns none (AWS returns the default selector; both mean all management events), and a
// volume created with encryption by default on is still unencrypted unless asked (so volumes are
// created with an explicit Encrypted flag). Selector shapes moto cannot tell apart are unit-tested
// (cloudtrail-ebs.test.ts).
import { CloudTrailClient, CreateTrailCommand, PutEventSelectorsCommand, StartLoggingCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail'
import { CreateVolumeCommand, DisableEbsEncryptionByDefaultCommand, EC2Client, EnableEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2'
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { AWS_PARTS } from '../../checks/aws/observation.ts'
import { EMULATOR_CREDENTIALS } from '../../lab/aws/seed-account.ts'
import { judge, observe, offenders, useMoto } from './observe-helpers.ts'

const moto = useMoto()
const NEEDS = new Set<string>([AWS_PARTS.cloudtrailTrails, AWS_PARTS.ebs, AWS_PARTS.s3Policy, AWS_PARTS.s3Acl, AWS_PARTS.s3PublicAccessBlock, AWS_PARTS.s3Versioning, AWS_PARTS.s3ObjectLock])
const IDS = ['aws.cloudtrail.enabled', 'aws.cloudtrail.integrity', 'aws.ec2.ebs-encryption']
const ACCOUNT = '123456789012'
const trailArn = (name: string) => `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${name}`
const REGIONS = ['us-east-1', 'eu-west-1']

function clients(endpoint: string, region = 'us-east-1') {
  const common = { region, endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 3 }
  return { ct: new CloudTrailClient(common), ec2: new EC2Client(common), kms: new KMSClient(common), s3: new S3Client({ ...common, forcePathStyle: true }) }
}

async function destroy(c: ReturnType<typeof clients>) {
  for (const x of Object.values(c)) x.destroy()
}

/** A compliant audit trail and EBS setup in both regions; returns the encrypted volume's ARN. */
async function seedGood(endpoint: string): Promise<string> {
  const c = clients(endpoint)
  const eu = clients(endpoint, 'eu-west-1')
  try {
    await c.s3.send(new CreateBucketCommand({ Bucket: 'trail-logs' }))
    await c.s3.send(new PutBucketVersioningCommand({ Bucket: 'trail-logs', VersioningConfiguration: { Status: 'Enabled' } }))
    const key = await c.kms.send(new CreateKeyCommand({ Description: 'trail' }))
    await c.ct.send(new CreateTrailCommand({ Name: 'main', S3BucketName: 'trail-logs', IsMultiRegionTrail: true, EnableLogFileValidation: true, KmsKeyId: key.KeyMetadata!.Arn! }))
    await c.ct.send(new StartLoggingCommand({ Name: 'main' }))
    for (const x of [c, eu]) await x.ec2.send(new EnableEbsEncryptionByDefaultCommand({}))
    const v = await c.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1, Encrypted: true }))
    return `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/${v.VolumeId}`
  } finally {
    await destroy(c)
    await destroy(eu)
  }
}

/** A weak second trail, the good trail stopped, an unencrypted volume and the default off in eu-west-1. */
async function seedBad(endpoint: string): Promise<string> {
  const c = clients(endpoint)
  const eu = clients(endpoint, 'eu-west-1')
  try {
    await c.s3.send(new CreateBucketCommand({ Bucket: 'open-logs' }))
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::open-logs/*' }] }
    await c.s3.send(new PutBucketPolicyCommand({ Bucket: 'open-logs', Policy: JSON.stringify(policy) }))
    await c.ct.send(new CreateTrailCommand({ Name: 'weak', S3BucketName: 'open-logs', IsMultiRegionTrail: true }))
    await c.ct.send(new StartLoggingCommand({ Name: 'weak' }))
    await c.ct.send(new PutEventSelectorsCommand({ TrailName: 'weak', EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] }))
    await c.ct.send(new StopLoggingCommand({ Name: 'main' }))
    await eu.ec2.send(new DisableEbsEncryptionByDefaultCommand({}))
    const v = await eu.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'eu-west-1a', Size: 1 }))
    return `arn:aws:ec2:eu-west-1:${ACCOUNT}:volume/${v.VolumeId}`
  } finally {
    await destroy(c)
    await destroy(eu)
  }
}

describe('CloudTrail and EBS checks on moto', () => {
  it('an empty account: no trail fails, integrity is not applicable, EBS default off fails', async () => {
    await moto().reset()
    const obs = await observe(moto().endpoint, REGIONS, NEEDS)
    const enabled = judge('aws.cloudtrail.enabled', obs)
    expect(enabled.status, enabled.summary).toBe('failed')
    expect(enabled.offenders).toEqual([{ id: `arn:aws:cloudtrail::${ACCOUNT}:*#no-trail`, why: 'no trail' }])
    expect(judge('aws.cloudtrail.integrity', obs).status).toBe('not-applicable')
    const ebs = judge('aws.ec2.ebs-encryption', obs)
    expect(ebs.status).toBe('failed')
    expect(ebs.offenders!.map((o) => o.id)).toEqual(REGIONS.map((r) => `arn:aws:ec2:${r}:${ACCOUNT}:*#encryption-by-default`).sort())
  }, 60_000)

  it('pass on a good setup, then fail naming exactly the bad trails, region and volume', async () => {
    await moto().reset()
    const goodVolume = await seedGood(moto().endpoint)
    const good = await observe(moto().endpoint, REGIONS, NEEDS)
    for (const id of IDS) {
      const v = judge(id, good)
      expect(v.status, `${id}: ${v.summary}`).toBe('passed')
      expect(offenders(v)).toEqual([])
    }
    // the multi-region trail is seen from both regions and judged once
    expect(good.cloudtrail?.ok && good.cloudtrail.value.items.map((t) => t.arn)).toEqual([trailArn('main')])
    expect(good.ebs?.ok && good.ebs.value.volumes.items.map((v) => v.arn)).toEqual([goodVolume])
    const ops = good.apiCalls.map((c) => `${c.service}:${c.operation}`)
    expect(ops).toEqual(expect.arrayContaining(['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'ec2:GetEbsEncryptionByDefault', 'ec2:DescribeVolumes']))

    const badVolume = await seedBad(moto().endpoint)
    const bad = await observe(moto().endpoint, REGIONS, NEEDS)
    const enabled = judge('aws.cloudtrail.enabled', bad)
    expect(enabled.status).toBe('failed')
    expect(enabled.offenders!.map((o) => o.id)).toEqual([`${trailArn('main')}#not-logging`, `${trailArn('weak')}#management-events`])
    const integrity = judge('aws.cloudtrail.integrity', bad)
    expect(integrity.status).toBe('failed')
    expect(offenders(integrity)).toEqual([trailArn('weak')])
    expect(integrity.offenders!.map((o) => o.id)).toEqual(['bucket-public', 'bucket-versioning', 'kms', 'log-file-validation'].map((a) => `${trailArn('weak')}#${a}`))
    const ebs = judge('aws.ec2.ebs-encryption', bad)
    expect(ebs.status).toBe('failed')
    expect(ebs.offenders!.map((o) => o.id)).toEqual([`arn:aws:ec2:eu-west-1:${ACCOUNT}:*#encryption-by-default`, badVolume].sort())
  }, 60_000)
})
