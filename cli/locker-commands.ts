// The evidence locker on the command line: `vigil run --locker …` and `vigil locker push BUNDLE`.
import { existsSync } from 'node:fs'
import { Command } from 'commander'
import { ConfigError } from '../core/config-file.ts'
import type { LockerOptions, Stored } from '../locker/locker.ts'

export interface LockerFlags {
  locker?: string
  retentionDays?: string
  minRetentionDays?: string
  config: string
}

export function addLockerOptions(cmd: Command): Command {
  return cmd
    .option('--locker <url>', 'keep the bundle in the evidence locker: s3://bucket/prefix (Object Lock, COMPLIANCE retention) or a folder')
    .option('--retention-days <n>', 'how long the locker must keep each bundle, days (required with --locker)')
    .option('--min-retention-days <n>', "refuse a bucket whose default retention is shorter (default: --retention-days)")
}

const days = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v)) throw new ConfigError(`${flag} ${v}: a whole number of days`)
  return Number(v)
}

/** The locker from the flags, else the inventory's `locker:`; undefined when neither names one. */
export async function lockerFrom(flags: LockerFlags): Promise<LockerOptions | undefined> {
  let fromInventory: Awaited<ReturnType<typeof import('../runner/inventory.ts').loadInventory>>['locker']
  if (existsSync(flags.config)) {
    const { loadInventory } = await import('../runner/inventory.ts')
    fromInventory = loadInventory(flags.config).locker
  }
  const url = flags.locker ?? fromInventory?.url
  if (!url) {
    if (flags.retentionDays || flags.minRetentionDays) throw new ConfigError('--retention-days goes with --locker (or locker: in the inventory)')
    return undefined
  }
  const retentionDays = days(flags.retentionDays, '--retention-days') ?? fromInventory?.retentionDays
  if (!retentionDays) throw new ConfigError(`--locker ${url}: give --retention-days (how long each bundle must be kept); a locker without retention protects nothing`)
  const minRetentionDays = days(flags.minRetentionDays, '--min-retention-days') ?? fromInventory?.minRetentionDays ?? retentionDays
  return { url, retentionDays, minRetentionDays, ...(fromInventory?.credentials ? { credentials: fromInventory.credentials } : {}) }
}

export function describeStored(s: Stored): string {
  return `locker:  ${s.location} (version ${s.version}${s.retainUntil ? `, retained until ${s.retainUntil}` : ''}; sha256 ${s.sha256})\n`
}

export function addLockerCommand(program: Command): void {
  const locker = program.command('locker').description('the evidence locker: where bundles are kept, immutable')
  addLockerOptions(
    locker
      .command('push')
      .argument('<bundle>', 'an evidence bundle (.tar.gz)')
      .description('put a bundle into the locker (S3 Object Lock COMPLIANCE retention, checksum verified; or a read-only folder)')
      .option('-c, --config <file>', 'inventory whose locker: section gives the locker and its credentials', 'vigil.yaml'),
  ).action(async (bundle: string, flags: LockerFlags) => {
    const o = await lockerFrom(flags)
    if (!o) throw new ConfigError(`no locker: give --locker, or a locker: section in ${flags.config}`)
    if (!existsSync(bundle)) throw new ConfigError(`${bundle}: no such bundle`)
    const { pushBundle } = await import('../locker/locker.ts')
    process.stdout.write(describeStored(await pushBundle(bundle, o)))
  })
}
