// aws.ec2.ebs-encryption — per target region, EBS encryption by default is on
// (GetEbsEncryptionByDefault; offender `arn:…:ec2:<region>:<account>:*#encryption-by-default`), and
// no EBS volume is unencrypted (DescribeVolumes, all pages; offender: the volume's ARN). The
// population is the target's regions (their default setting) and their volumes, so an account
// without volumes is still judged on the default.
import type { CheckDefinition } from '../types.ts'
import { accountVerdict, partFailure, type Offender, type Undetermined } from './account-verdict.ts'
import { AWS_PARTS, type AwsObservation, type EbsObservation } from './observation.ts'

export const ec2EbsEncryption: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.ec2.ebs-encryption',
  kinds: ['aws'],
  title: 'EBS volumes are encrypted, and encrypted by default',
  description: 'EBS encryption by default is off in a target region, or an EBS volume is unencrypted',
  params: [],
  severity: {
    level: 'medium',
    reason: 'An unencrypted volume, and its snapshots, expose their data to anyone who obtains a copy; with encryption by default off every new volume may be created unencrypted.',
  },
  population: "the target's regions (their EBS encryption-by-default setting) and the EBS volumes in them",
  needs: [AWS_PARTS.ebs],
  judge(obs) {
    const bad = partFailure(obs, obs.ebs, 'aws.ec2.ebs (GetEbsEncryptionByDefault, DescribeVolumes)')
    if (bad) return bad
    const ebs = (obs.ebs as { ok: true; value: EbsObservation }).value
    const { account, partition } = obs.identity.ok ? obs.identity.value : { account: '', partition: 'aws' }
    const regionArn = (r: string) => `arn:${partition}:ec2:${r}:${account}:*`
    const offenders: Offender[] = []
    const undetermined: Undetermined[] = ebs.volumes.unreadRegions.map((r) => ({ arn: regionArn(r.region), error: r.error }))
    const defaults: Record<string, unknown> = {}
    let regionsJudged = 0
    for (const region of obs.regions) {
      const d = ebs.encryptionByDefault[region]
      if (!d) {
        undetermined.push({ arn: regionArn(region), error: { kind: 'not-observed', message: `GetEbsEncryptionByDefault in ${region} was not collected` } })
        continue
      }
      regionsJudged++
      if (!d.ok) {
        undetermined.push({ arn: regionArn(region), error: d.error })
        continue
      }
      defaults[region] = d.value
      if (!d.value.enabled) offenders.push({ arn: regionArn(region), region, why: `EBS encryption by default is off in ${region}`, aspects: [{ aspect: 'encryption-by-default', why: `EBS encryption by default is off in ${region}` }] })
    }
    const unencrypted = ebs.volumes.items.filter((v) => v.encrypted !== true)
    for (const v of unencrypted) offenders.push({ arn: v.arn, region: v.region, why: 'volume is not encrypted', ...(v.state ? { state: v.state } : {}), ...(v.attachedTo ? { attachedTo: v.attachedTo } : {}) })
    const judged = regionsJudged + ebs.volumes.items.length
    return accountVerdict(obs, {
      expected: { encryptionByDefault: true, volumesEncrypted: true },
      offenders,
      undetermined,
      population: { regions: obs.regions, regionsJudged, volumesListed: ebs.volumes.items.length, volumesEncrypted: ebs.volumes.items.length - unencrypted.length, listPages: ebs.volumes.pages, ...(ebs.volumes.unreadRegions.length ? { regionsUnread: ebs.volumes.unreadRegions.map((r) => r.region) } : {}) },
      judged,
      emptySummary: 'no target region to judge',
      responses: { GetEbsEncryptionByDefault: defaults, DescribeVolumes: ebs.volumes.items },
      responsesDescription: 'GetEbsEncryptionByDefault per region and the volumes DescribeVolumes returned',
      passSummary: `EBS encryption by default is on in ${regionsJudged} region(s) and all ${ebs.volumes.items.length} volume(s) are encrypted`,
      failNoun: 'region(s) without EBS encryption by default or unencrypted volume(s)',
    })
  },
}
