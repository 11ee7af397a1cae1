// aws.s3.object-lock — evidence buckets (selected by name pattern) have S3 Object Lock enabled with a
// default retention of at least `minRetentionDays`, in `mode` when one is required. Prowler passes any
// bucket whose GetObjectLockConfiguration does not raise; here the lock and its retention are read.
import type { CheckDefinition } from '../types.ts'
import { judgeBuckets } from './bucket-checks.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'

export interface S3ObjectLockParams {
  /** bucket name patterns (`*` wildcard) selecting the evidence buckets; default every bucket */
  buckets?: string[]
  minRetentionDays?: number
  /** `GOVERNANCE` | `COMPLIANCE`; default either */
  mode?: string
}

interface LockConfig {
  ObjectLockEnabled?: string
  Rule?: { DefaultRetention?: { Mode?: string; Days?: number; Years?: number } }
}

function nameMatches(pattern: string, name: string): boolean {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name)
}

export const s3ObjectLock: CheckDefinition<AwsObservation, S3ObjectLockParams> = {
  id: 'aws.s3.object-lock',
  kinds: ['aws'],
  title: 'Evidence buckets lock objects against deletion',
  description: 'a selected (evidence) bucket has object lock off, or no default retention, or one shorter than `minRetentionDays` or in another mode',
  params: [
    { name: 'buckets', description: 'bucket name patterns selecting evidence buckets (`*` wildcard)', default: ['*'] },
    { name: 'minRetentionDays', description: 'shortest acceptable default retention, days (a year counts 365)', default: 1 },
    { name: 'mode', description: 'required retention mode (GOVERNANCE or COMPLIANCE); unset = either', default: null },
  ],
  severity: {
    level: 'medium',
    reason: 'Without object lock and a default retention, evidence and records in the selected buckets can be altered or deleted by anyone with write access, so their integrity cannot be shown.',
  },
  population: 'selected (evidence) buckets: those matching `buckets`',
  needs: [AWS_PARTS.s3ObjectLock],
  judge(obs, { buckets = ['*'], minRetentionDays = 1, mode }) {
    return judgeBuckets({
      obs,
      read: (b) => b.objectLock,
      api: 'GetObjectLockConfiguration',
      select: (b) => buckets.some((p) => nameMatches(p, b.name)),
      selectedBy: `the pattern(s) ${buckets.map((p) => `"${p}"`).join(', ')}`,
      expected: { objectLock: 'Enabled', minRetentionDays, ...(mode ? { mode } : {}), buckets },
      failNoun: 'evidence bucket(s) without adequate object lock',
      passSummary: (n) => `object lock with a default retention of at least ${minRetentionDays} day(s) on all ${n} selected bucket(s)`,
      decide(v) {
        if (!v.configured) return { why: 'object lock is not enabled' }
        const c = (v.response ?? {}) as LockConfig
        if (c.ObjectLockEnabled !== 'Enabled') return { why: 'object lock is not enabled' }
        const r = c.Rule?.DefaultRetention
        if (!r) return { why: 'object lock is enabled but has no default retention' }
        const days = (r.Days ?? 0) + (r.Years ?? 0) * 365
        if (days < minRetentionDays) return { why: `default retention is ${days} day(s), below ${minRetentionDays}`, retentionDays: days, mode: r.Mode }
        if (mode && r.Mode !== mode) return { why: `default retention mode is ${r.Mode}, not ${mode}`, retentionDays: days, mode: r.Mode }
        return undefined
      },
    })
  },
}
