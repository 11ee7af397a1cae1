// aws.cloudtrail.enabled, aws.cloudtrail.integrity and aws.ec2.ebs-encryption as pure judges: no trail
// fails (never not applicable), what counts as read and write management events (basic, advanced and
// default selectors), which trails integrity judges and how their bucket is read, and EBS per region
// and per volume; offender ids are ARNs, stable under reordering; unread regions are errors.
import { describe, expect, it } from 'vitest'
import { managementCoverage } from '../../checks/aws/cloudtrail-enabled.ts'
import type { AwsObservation, BucketObservation, EbsVolumeObservation, RegionalInventory, TrailObservation } from '../../checks/aws/observation.ts'
import type { Verdict } from '../../checks/types.ts'
import { judge } from './observe-helpers.ts'
import { awsAccount, bareBucket } from './observations.ts'

const ACCOUNT = '111122223333'
const ids = (v: Verdict) => (v.offenders ?? []).map((o) => o.id)
const denied = { kind: 'access-denied' as const, message: 'AccessDeniedException' }
const ALL = { eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }], advancedEventSelectors: [] }
const arnOf = (name: string) => `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${name}`

function trail(name: string, t: Partial<TrailObservation['trail']> = {}, more: Partial<TrailObservation> = {}): TrailObservation {
  return {
    name,
    arn: arnOf(name),
    homeRegion: 'us-east-1',
    trail: { S3BucketName: 'trail-logs', IsMultiRegionTrail: true, LogFileValidationEnabled: true, KmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`, ...t },
    status: { ok: true, value: { isLogging: true } },
    selectors: { ok: true, value: ALL },
    ...more,
  }
}
const protectedBucket = (name: string): BucketObservation => ({ ...bareBucket(name), versioning: { ok: true, value: { status: 'Enabled' } } })
function withTrails(trails: TrailObservation[], buckets: BucketObservation[] = [protectedBucket('trail-logs')], unreadRegions: RegionalInventory<TrailObservation>['unreadRegions'] = []): AwsObservation {
  return {
    ...awsAccount(),
    cloudtrail: { ok: true, value: { items: trails, pages: 1, unreadRegions } },
    s3: { ok: true, value: { buckets, outOfScope: [{ name: 'far-logs', region: 'ap-south-1' }], listPages: 1, unlocated: [] } },
    s3AccountPublicAccessBlock: { ok: true, value: { present: false } },
  }
}

describe('aws.cloudtrail.enabled', () => {
  it('no trail at all fails with the offender "no trail", never not applicable', () => {
    const v = judge('aws.cloudtrail.enabled', withTrails([]))
    expect(v.status).toBe('failed')
    expect(v.offenders).toEqual([{ id: `arn:aws:cloudtrail::${ACCOUNT}:*#no-trail`, why: 'no trail' }])
  })

  it('one qualifying trail passes, whatever the others lack', () => {
    const v = judge('aws.cloudtrail.enabled', withTrails([trail('regional', { IsMultiRegionTrail: false }), trail('main')]))
    expect(v.status, v.summary).toBe('passed')
    expect(v.offenders).toBeUndefined()
    expect(v.observed.qualifying).toEqual([arnOf('main')])
  })

  it('fails every trail with what it lacks, by ARN and aspect, sorted, whatever the order', () => {
    const trails = [
      trail('b-stopped', {}, { status: { ok: true, value: { isLogging: false } } }),
      trail('a-regional', { IsMultiRegionTrail: false }),
      trail('c-writes', {}, { selectors: { ok: true, value: { eventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }], advancedEventSelectors: [] } } }),
    ]
    const v = judge('aws.cloudtrail.enabled', withTrails(trails))
    expect(v.status).toBe('failed')
    const expected = [`${arnOf('a-regional')}#single-region`, `${arnOf('b-stopped')}#not-logging`, `${arnOf('c-writes')}#management-events`]
    expect(ids(v)).toEqual(expected)
    expect(v.offenders!.map((o) => o.why)).toEqual(['single-region trail', 'not logging', 'records write-only management events'])
    expect(ids(judge('aws.cloudtrail.enabled', withTrails([...trails].reverse())))).toEqual(expected)
  })

  it('a trail that might qualify but could not be read, or an unread region, is an error naming it', () => {
    const v = judge('aws.cloudtrail.enabled', withTrails([trail('a', { IsMultiRegionTrail: false }), trail('b', {}, { status: { ok: false, error: denied } })]))
    expect(v.status).toBe('error')
    expect(ids(v)).toEqual([arnOf('b')])
    const r = judge('aws.cloudtrail.enabled', withTrails([], [], [{ region: 'eu-west-1', error: denied }]))
    expect(r.status).toBe('error')
    expect(ids(r)).toEqual([`arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:*`])
    // a qualifying trail seen elsewhere still passes the account
    expect(judge('aws.cloudtrail.enabled', withTrails([trail('main')], [], [{ region: 'eu-west-1', error: denied }])).status).toBe('passed')
  })

  it('a part that was not collected is an error', () => {
    expect(judge('aws.cloudtrail.enabled', awsAccount())).toMatchObject({ status: 'error', errorKind: 'not-observed' })
  })
})

describe('management-event coverage', () => {
  const adv = (...fields: { Field: string; Equals?: string[]; NotEquals?: string[] }[]) => ({ FieldSelectors: fields })
  it.each([
    ['no selector (AWS default)', { eventSelectors: [], advancedEventSelectors: [] }, 'read+write'],
    ['basic All', ALL, 'read+write'],
    ['basic ReadOnly + WriteOnly', { eventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }, { ReadWriteType: 'WriteOnly' }], advancedEventSelectors: [] }, 'read+write'],
    ['basic data events only', { eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false }], advancedEventSelectors: [] }, 'none'],
    ['basic excluding KMS events', { eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'] }], advancedEventSelectors: [] }, 'none'],
    ['advanced Management', { eventSelectors: [], advancedEventSelectors: [adv({ Field: 'eventCategory', Equals: ['Management'] })] }, 'read+write'],
    ['advanced Management, readOnly false', { eventSelectors: [], advancedEventSelectors: [adv({ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['false'] })] }, 'write'],
    ['advanced Management, eventSource filtered', { eventSelectors: [], advancedEventSelectors: [adv({ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] })] }, 'none'],
    ['advanced Data only', { eventSelectors: [], advancedEventSelectors: [adv({ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] })] }, 'none'],
  ] as const)('%s: %s', (_name, sel, want) => {
    expect(managementCoverage(sel as Parameters<typeof managementCoverage>[0])).toBe(want)
  })
})

describe('aws.cloudtrail.integrity', () => {
  it('no multi-region logging trail is not applicable (aws.cloudtrail.enabled fails that account)', () => {
    const v = judge('aws.cloudtrail.integrity', withTrails([trail('regional', { IsMultiRegionTrail: false }), trail('stopped', {}, { status: { ok: true, value: { isLogging: false } } })]))
    expect(v.status, v.summary).toBe('not-applicable')
    expect(v.offenders).toBeUndefined()
    expect(judge('aws.cloudtrail.integrity', withTrails([])).status).toBe('not-applicable')
  })

  it('passes a validated, KMS-encrypted trail whose bucket is private and versioned (or object-locked)', () => {
    expect(judge('aws.cloudtrail.integrity', withTrails([trail('main')])).status).toBe('passed')
    const locked: BucketObservation = { ...bareBucket('trail-logs'), objectLock: { ok: true, value: { configured: true, response: { ObjectLockEnabled: 'Enabled' } } } }
    expect(judge('aws.cloudtrail.integrity', withTrails([trail('main')], [locked])).status).toBe('passed')
  })

  it('fails each weakness as its own aspect of the trail', () => {
    const publicBucket: BucketObservation = {
      ...bareBucket('trail-logs'),
      policy: { ok: true, value: { present: true, document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::trail-logs/*' }] }) } },
    }
    const v = judge('aws.cloudtrail.integrity', withTrails([trail('main', { LogFileValidationEnabled: false, KmsKeyId: undefined })], [publicBucket]))
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual(['bucket-public', 'bucket-versioning', 'kms', 'log-file-validation'].map((a) => `${arnOf('main')}#${a}`))
  })

  it('a bucket outside the account or the target regions is undetermined: error with the reason', () => {
    const v = judge('aws.cloudtrail.integrity', withTrails([trail('main', { S3BucketName: 'someone-elses-logs' })]))
    expect(v.status).toBe('error')
    expect(ids(v)).toEqual([arnOf('main')])
    expect(v.summary).toMatch(/not in this account/)
    expect(judge('aws.cloudtrail.integrity', withTrails([trail('main', { S3BucketName: 'far-logs' })])).summary).toMatch(/outside the target's regions/)
    // a trail that already offends stays an offender
    const f = judge('aws.cloudtrail.integrity', withTrails([trail('main', { S3BucketName: 'someone-elses-logs', LogFileValidationEnabled: false })]))
    expect(f.status).toBe('failed')
    expect(ids(f)).toEqual([`${arnOf('main')}#log-file-validation`])
  })
})

describe('aws.ec2.ebs-encryption', () => {
  const vol = (id: string, encrypted: boolean, region = 'us-east-1'): EbsVolumeObservation => ({ volumeId: id, arn: `arn:aws:ec2:${region}:${ACCOUNT}:volume/${id}`, region, encrypted })
  const withEbs = (volumes: EbsVolumeObservation[], defaults: Record<string, boolean>, unread: RegionalInventory<EbsVolumeObservation>['unreadRegions'] = [], regions = ['us-east-1']): AwsObservation => ({
    ...awsAccount(),
    regions,
    ebs: { ok: true, value: { volumes: { items: volumes, pages: 1, unreadRegions: unread }, encryptionByDefault: Object.fromEntries(Object.entries(defaults).map(([r, enabled]) => [r, { ok: true as const, value: { enabled } }])) } },
  })

  it('no volume: judged on the default alone', () => {
    expect(judge('aws.ec2.ebs-encryption', withEbs([], { 'us-east-1': true })).status).toBe('passed')
    const v = judge('aws.ec2.ebs-encryption', withEbs([], { 'us-east-1': false }))
    expect(v.status).toBe('failed')
    expect(v.offenders).toEqual([{ id: `arn:aws:ec2:us-east-1:${ACCOUNT}:*#encryption-by-default`, why: 'EBS encryption by default is off in us-east-1' }])
  })

  it('unencrypted volumes are offenders by ARN, sorted, whatever the order', () => {
    const vols = [vol('vol-b', false), vol('vol-a', true), vol('vol-c', false, 'eu-west-1')]
    const v = judge('aws.ec2.ebs-encryption', withEbs(vols, { 'us-east-1': true, 'eu-west-1': true }, [], ['us-east-1', 'eu-west-1']))
    expect(v.status).toBe('failed')
    const expected = [`arn:aws:ec2:eu-west-1:${ACCOUNT}:volume/vol-c`, `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-b`]
    expect(ids(v)).toEqual(expected)
    expect(ids(judge('aws.ec2.ebs-encryption', withEbs([...vols].reverse(), { 'us-east-1': true, 'eu-west-1': true }, [], ['us-east-1', 'eu-west-1'])))).toEqual(expected)
  })

  it('an unread region or default is an error naming the region', () => {
    const v = judge('aws.ec2.ebs-encryption', withEbs([], { 'us-east-1': true }, [{ region: 'us-east-1', error: denied }]))
    expect(v).toMatchObject({ status: 'error', errorKind: 'access-denied' })
    expect(ids(v)).toEqual([`arn:aws:ec2:us-east-1:${ACCOUNT}:*`])
    expect(judge('aws.ec2.ebs-encryption', withEbs([], {})).status).toBe('error')
    expect(judge('aws.ec2.ebs-encryption', awsAccount())).toMatchObject({ status: 'error', errorKind: 'not-observed' })
  })
})
