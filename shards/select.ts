// Which shard observes a target (`vigil run --shard K/N`): a hash of the target's *resolved host*,
// so every target on one host lands in one shard and the per-host bounds hold across shards, and the
// partition does not change when the inventory is reordered. AWS accounts shard by their endpoint and
// identity, key folders by their path.
import { createHash } from 'node:crypto'
import { ConfigError } from '../core/config-file.ts'
import type { AnyTarget } from '../runner/inventory.ts'
import type { Resolution } from '../runner/resolve-names.ts'

export interface Shard {
  /** 1-based */
  index: number
  count: number
}

export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim())
  const index = Number(m?.[1])
  const count = Number(m?.[2])
  if (!m || count < 1 || count > 1000 || index < 1 || index > count) throw new ConfigError(`--shard ${value}: K/N with 1 ≤ K ≤ N ≤ 1000, e.g. 2/4`)
  return { index, count }
}

/** The key a target is sharded by: its host as resolved (a name that does not resolve: the name). */
export function shardKey(entry: AnyTarget, resolved: ReadonlyMap<string, Resolution>): string {
  switch (entry.kind) {
    case 'tls':
    case 'ssh': {
      const name = entry.target.address ?? entry.target.host
      const r = resolved.get(name)
      return `host:${r && 'address' in r ? r.address : name.toLowerCase()}`
    }
    case 'aws':
      return `aws:${entry.target.endpoint ?? ''}:${entry.target.roleArn ?? entry.target.profile ?? entry.target.name}`
    case 'keyDir':
      return `dir:${entry.target.path}`
  }
}

export function shardOf(key: string, count: number): number {
  return (createHash('sha256').update(key).digest().readUInt32BE(0) % count) + 1
}
