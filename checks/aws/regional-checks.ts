// The shape the KMS, Secrets Manager and SSM checks share: a regional resource list (every target
// region, all pages), whose unread regions are undetermined (named `arn:…:<service>:<region>:<account>:*`,
// never assumed empty), judged resource by resource into one account verdict (account-verdict.ts).
import type { Verdict } from '../types.ts'
import { partFailure, type Undetermined } from './account-verdict.ts'
import type { AwsObservation, Fetched, RegionalInventory } from './observation.ts'

export interface RegionalItems<T> {
  items: T[]
  undetermined: Undetermined[]
  population: Record<string, unknown>
}

/** The items of an observed regional part, or the error verdict when the part or the account was not observed. */
export function regionalItems<T>(obs: AwsObservation, part: Fetched<RegionalInventory<T>> | undefined, partName: string, service: string, noun: string): RegionalItems<T> | Verdict {
  const bad = partFailure(obs, part, partName)
  if (bad) return bad
  const inv = (part as { ok: true; value: RegionalInventory<T> }).value
  const { account, partition } = obs.identity.ok ? obs.identity.value : { account: '', partition: 'aws' }
  return {
    items: inv.items,
    undetermined: inv.unreadRegions.map((r) => ({ arn: `arn:${partition}:${service}:${r.region}:${account}:*`, error: r.error })),
    population: { [`${noun}Listed`]: inv.items.length, listPages: inv.pages, regions: obs.regions, ...(inv.unreadRegions.length ? { regionsUnread: inv.unreadRegions.map((r) => r.region) } : {}) },
  }
}

/** Whole days from `from` to `to` (negative when `from` is later). */
export function daysSince(from: string, to: Date): number {
  return Math.floor((to.getTime() - new Date(from).getTime()) / 86_400_000)
}

/** `*` wildcard name pattern, case-insensitive, matched against the whole name. */
export function globMatches(pattern: string, name: string): boolean {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(name)
}
