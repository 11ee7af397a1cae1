// aws.cloudtrail.enabled — the account has at least one multi-region trail that is logging
// (GetTrailStatus IsLogging) and records management events, read and write (GetEventSelectors:
// basic or advanced selectors). The population is the account's trails, and an account with no
// trail at all fails (offender `…:cloudtrail::<account>:*#no-trail`): every account should have an
// audit trail, so "no trail" is a finding, never "not applicable". One qualifying trail passes the
// account; otherwise every trail is listed with what it lacks (or, when a trail that might qualify
// could not be read, the account is an error naming it).
import type { CheckDefinition } from '../types.ts'
import { accountVerdict, isVerdict, type Offender, type Undetermined } from './account-verdict.ts'
import { AWS_PARTS, type AwsObservation, type TrailAdvancedEventSelector, type TrailEventSelector } from './observation.ts'
import { regionalItems } from './regional-checks.ts'

export type ManagementCoverage = 'read+write' | 'read' | 'write' | 'none'

/**
 * Which management events a trail's selectors record. No selector at all (a trail without custom
 * selectors) is AWS's default: all management events. A basic selector counts when it includes
 * management events and excludes no event source; an advanced selector counts when it selects
 * eventCategory = Management and filters on nothing but readOnly.
 */
export function managementCoverage(sel: { eventSelectors: TrailEventSelector[]; advancedEventSelectors: TrailAdvancedEventSelector[] }): ManagementCoverage {
  let read = false
  let write = false
  if (sel.eventSelectors.length === 0 && sel.advancedEventSelectors.length === 0) return 'read+write'
  for (const e of sel.eventSelectors) {
    if (e.IncludeManagementEvents === false || e.ExcludeManagementEventSources?.length) continue
    const rw = e.ReadWriteType ?? 'All'
    if (rw === 'All' || rw === 'ReadOnly') read = true
    if (rw === 'All' || rw === 'WriteOnly') write = true
  }
  for (const a of sel.advancedEventSelectors) {
    const category = a.FieldSelectors.find((f) => f.Field === 'eventCategory')
    if (!category?.Equals?.includes('Management')) continue
    if (a.FieldSelectors.some((f) => f.Field !== 'eventCategory' && f.Field !== 'readOnly')) continue
    const ro = a.FieldSelectors.find((f) => f.Field === 'readOnly')
    const only = ro?.Equals?.length === 1 ? ro.Equals[0] : undefined
    if (only !== 'false') read = true
    if (only !== 'true') write = true
  }
  return read && write ? 'read+write' : read ? 'read' : write ? 'write' : 'none'
}

export const cloudtrailEnabled: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.cloudtrail.enabled',
  kinds: ['aws'],
  title: 'A multi-region CloudTrail trail records all management events',
  description:
    'no trail is multi-region, logging (GetTrailStatus IsLogging) and recording management events, read and write; an account with no trail at all fails with the offender "no trail" (every account should have one, so it is never not applicable)',
  params: [],
  severity: {
    level: 'high',
    reason: 'Without a logging multi-region trail, API activity in the account (console logins, IAM and key changes, deletions) leaves no audit record, so incidents can be neither detected nor investigated.',
  },
  population: "the account's CloudTrail trails (seen from every target region)",
  needs: [AWS_PARTS.cloudtrailTrails],
  judge(obs) {
    const got = regionalItems(obs, obs.cloudtrail, 'aws.cloudtrail.trails (DescribeTrails)', 'cloudtrail', 'trails')
    if (isVerdict(got)) return got
    const { account, partition } = obs.identity.ok ? obs.identity.value : { account: '', partition: 'aws' }
    const lacking: Offender[] = []
    const undetermined: Undetermined[] = []
    const qualifying: string[] = []
    const responses: Record<string, unknown> = {}
    for (const t of got.items) {
      responses[t.arn] = {
        DescribeTrails: t.trail,
        ...(t.status ? { GetTrailStatus: t.status.ok ? t.status.value : { error: t.status.error } } : {}),
        ...(t.selectors ? { GetEventSelectors: t.selectors.ok ? t.selectors.value : { error: t.selectors.error } } : {}),
      }
      const why: string[] = []
      const aspects: { aspect: string; why: string }[] = []
      const add = (aspect: string, w: string) => {
        why.push(w)
        aspects.push({ aspect, why: w })
      }
      if (t.trail.IsMultiRegionTrail !== true) add('single-region', 'single-region trail')
      let unknown: Undetermined | undefined
      if (!t.status) unknown = { arn: t.arn, error: { kind: 'not-observed', message: 'GetTrailStatus was not collected' } }
      else if (!t.status.ok) unknown = { arn: t.arn, error: t.status.error }
      else if (!t.status.value.isLogging) add('not-logging', 'not logging')
      let coverage: ManagementCoverage | undefined
      if (!t.selectors) unknown ??= { arn: t.arn, error: { kind: 'not-observed', message: 'GetEventSelectors was not collected' } }
      else if (!t.selectors.ok) unknown ??= { arn: t.arn, error: t.selectors.error }
      else {
        coverage = managementCoverage(t.selectors.value)
        if (coverage !== 'read+write') add('management-events', coverage === 'none' ? 'records no management events' : `records ${coverage}-only management events`)
      }
      if (why.length) lacking.push({ arn: t.arn, region: t.homeRegion, why: why.join(', '), aspects, ...(coverage ? { managementEvents: coverage } : {}) })
      else if (unknown) undetermined.push(unknown)
      else qualifying.push(t.arn)
    }
    const noTrail: Offender[] = got.items.length === 0 ? [{ arn: `arn:${partition}:cloudtrail::${account}:*`, why: 'no trail', aspects: [{ aspect: 'no-trail', why: 'no trail' }] }] : []
    const passes = qualifying.length > 0
    // one qualifying trail is enough; an unread region or trail that might qualify leaves the account undecided
    const undecided = passes ? [] : [...got.undetermined, ...undetermined]
    const offenders = passes || undecided.length ? [] : [...noTrail, ...lacking]
    return accountVerdict(obs, {
      expected: { multiRegion: true, isLogging: true, managementEvents: 'read+write', atLeast: 1 },
      offenders,
      undetermined: undecided,
      population: { ...got.population, qualifying: qualifying.length },
      judged: Math.max(got.items.length, 1),
      emptySummary: '',
      responses,
      responsesDescription: 'DescribeTrails, GetTrailStatus and GetEventSelectors per trail',
      passSummary: `${qualifying.length} multi-region trail(s) logging read and write management events: ${qualifying.join(', ')}`,
      failNoun: got.items.length ? 'trail(s), none multi-region, logging and recording read and write management events' : 'account(s) without a CloudTrail trail',
      facts: { qualifying, ...(passes && lacking.length ? { otherTrails: lacking.map(({ aspects: _a, ...o }) => o) } : {}), ...(undecided.length === 0 && undetermined.length ? { unreadTrails: undetermined } : {}) },
    })
  },
}
