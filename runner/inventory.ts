// The inventory (`vigil.yaml`): what Vigil checks. This schema is the public format. Each domain
// owns its target shape (checks/<domain>/target.ts); the inventory composes them with the run's
// settings and trust anchors.
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { homedir } from 'node:os'
import * as z from 'zod'
import { ConfigError, parseYaml, readConfigText } from '../core/config-file.ts'
import { TlsTargetSchema, type TlsTarget } from '../checks/tls/target.ts'
import { KeyDirTargetSchema, SshTargetSchema, type KeyDirTarget, type SshTarget } from '../checks/ssh/target.ts'
import { AwsTargetSchema, type AwsTarget } from '../checks/aws/target.ts'

export const SettingsSchema = z
  .object({
    /** budget for one network operation (connect, handshake, read), ms */
    timeoutMs: z.number().int().min(100).max(120_000).default(5000),
    /** sockets open at once across the run */
    concurrency: z.number().int().min(1).max(2000).default(200),
    /** sockets open at once to one host */
    perHost: z.number().int().min(1).max(64).default(5),
    /** new connections per second to one host, at most (a polite scanner: no bursts, no retry storms) */
    perHostRate: z.number().min(0.1).max(1000).default(20),
    /** DNS servers (`host` or `host:port`) to resolve target names with, instead of the system's */
    nameservers: z.array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[0-9.]+|[0-9a-fA-F:]+)(:\d{1,5})?$/, 'an IP address, optionally with :port')).min(1).optional(),
  })
  .strict()

/** The pull-request gate's own settings; `vigil gate` reads them from the BASE side, so a change cannot relax its own gate. */
export const GateSettingsSchema = z
  .object({
    /** what fails the gate: `new` (new offenders, undeclared coverage loss or weakening), `all` (also old debt), `environment` (also what changed outside the pull request, with --since) */
    failOn: z.array(z.enum(['new', 'all', 'environment'])).min(1).default(['new']),
    /** only offenders at or above this severity fail the gate */
    minSeverity: z.enum(['critical', 'high', 'medium', 'low', 'info']).default('info'),
  })
  .strict()

/** A target, scenario or check a change removes on purpose: its coverage loss is declared, listed, and does not fail the gate. */
export const RetiredSchema = z
  .object({
    target: z.string().min(1).optional(),
    scenario: z.string().min(1).optional(),
    check: z.string().min(1).optional(),
    reason: z.string().min(10, 'say why, in a sentence'),
    ticket: z.string().min(1),
  })
  .strict()
  .refine((r) => r.target !== undefined || r.scenario !== undefined || r.check !== undefined, 'name at least one of target, scenario, check')

/**
 * The team's policies beside the shipped library, in the same step vocabulary: its own feature files,
 * built-in scenarios switched off, and built-in parameters changed without forking the library.
 */
export const PoliciesSchema = z
  .object({
    /** load the library shipped with Vigil (default true) */
    library: z.boolean().default(true),
    /** the team's own feature files or globs, relative to this file */
    paths: z.array(z.string().min(1)).default([]),
    /** scenario keys (`@id:` of a scenario) switched off */
    off: z.array(z.string().min(1)).default([]),
    /** parameters by scenario key: `tls.cert.expiry: {days: 14}` */
    params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  })
  .strict()

export const InventorySchema = z
  .object({
    trust: z.object({ extraCaFiles: z.array(z.string().min(1)).default([]) }).strict().default({ extraCaFiles: [] }),
    settings: SettingsSchema.default({ timeoutMs: 5000, concurrency: 200, perHost: 5, perHostRate: 20 }),
    targets: z
      .object({
        tls: z.array(TlsTargetSchema).default([]),
        ssh: z.array(SshTargetSchema).default([]),
        keyDirs: z.array(KeyDirTargetSchema).default([]),
        aws: z.array(AwsTargetSchema).default([]),
      })
      .strict()
      .default({ tls: [], ssh: [], keyDirs: [], aws: [] }),
    gate: GateSettingsSchema.optional(),
    /** the run schedule this inventory is checked on: recorded in the history, counted in the period report */
    schedule: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash, underscore'),
        /** the slot's start, HH:MM in `timezone`: a night is this time plus 24 hours */
        start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour').default('00:00'),
        timezone: z.string().min(1).default('UTC'),
      })
      .strict()
      .optional(),
    policies: PoliciesSchema.optional(),
    /** where every bundle is kept, immutable (s3://bucket/prefix with Object Lock, or a folder); its own credentials */
    locker: z
      .object({
        url: z.string().min(1),
        retentionDays: z.number().int().min(1),
        /** refuse a bucket whose default retention is shorter (default: retentionDays) */
        minRetentionDays: z.number().int().min(0).optional(),
        credentials: z
          .object({
            region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region like us-east-1').default('us-east-1'),
            profile: z.string().min(1).optional(),
            roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN').optional(),
            externalId: z.string().min(1).optional(),
            endpoint: z.url().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    retired: z.array(RetiredSchema).default([]),
  })
  .strict()

export type { TlsTarget, SshTarget, KeyDirTarget, AwsTarget }
export type Settings = z.output<typeof SettingsSchema>

export interface Inventory {
  file: string
  /** the file's text as it was parsed (the run keeps a copy of exactly this, secrets removed) */
  text: string
  /** folder relative paths in the file are resolved against */
  baseDir: string
  trust: { extraCaFiles: string[]; extraCaPems: string[] }
  settings: Settings
  targets: { tls: TlsTarget[]; ssh: SshTarget[]; keyDirs: KeyDirTarget[]; aws: AwsTarget[] }
  /** line of each target's entry (its `name:`), by target name: where annotations point for built-in policies */
  targetLines: Record<string, number>
  gate?: z.output<typeof GateSettingsSchema>
  schedule?: { name: string; start: string; timezone: string }
  locker?: { url: string; retentionDays: number; minRetentionDays?: number; credentials?: { region: string; profile?: string; roleArn?: string; externalId?: string; endpoint?: string } }
  /** `policies:` with `paths` resolved against the inventory's folder; `lines` locate each key for messages */
  policies: z.output<typeof PoliciesSchema> & { lines: Record<string, string> }
  retired: (z.output<typeof RetiredSchema> & { source: string })[]
}

export type AnyTarget =
  | { kind: 'tls'; target: TlsTarget }
  | { kind: 'ssh'; target: SshTarget }
  | { kind: 'keyDir'; target: KeyDirTarget }
  | { kind: 'aws'; target: AwsTarget }

export function allTargets(inv: Inventory): AnyTarget[] {
  return [
    ...inv.targets.tls.map((target) => ({ kind: 'tls' as const, target })),
    ...inv.targets.ssh.map((target) => ({ kind: 'ssh' as const, target })),
    ...inv.targets.keyDirs.map((target) => ({ kind: 'keyDir' as const, target })),
    ...inv.targets.aws.map((target) => ({ kind: 'aws' as const, target })),
  ]
}

function policiesOf(p: z.output<typeof PoliciesSchema> | undefined, file: string, baseDir: string, lineOf: (path: readonly PropertyKey[]) => number | undefined): Inventory['policies'] {
  const v = p ?? { library: true, paths: [], off: [], params: {} }
  const at = (path: PropertyKey[]) => `${file}:${lineOf(path) ?? '?'}: field ${path.map((x) => (typeof x === 'number' ? `[${x}]` : String(x))).join('.').replace(/\.\[/g, '[')}`
  const lines: Record<string, string> = {}
  v.off.forEach((k, i) => (lines[`off:${k}`] = at(['policies', 'off', i])))
  for (const k of Object.keys(v.params)) lines[`params:${k}`] = at(['policies', 'params', k])
  return { ...v, paths: v.paths.map((x) => (isAbsolute(x) ? x : join(baseDir, x))), lines }
}

/** The last inventory read, by file and text: `vigil run` reads its inventory twice (the locker's flags, then the run). */
let lastRead: { file: string; text: string; inventory: Inventory } | undefined

/** Forgets the last inventory read: a run that has judged lets its targets go (a large fleet's reports start from a smaller heap). */
export function forgetInventory(): void {
  lastRead = undefined
}

/**
 * Reads and validates an inventory. The same file with the same text is parsed once per process
 * (parsing a 1,000-target inventory is ~0.1 s of a run's start-up); each caller gets its own top
 * level and settings, the rest is shared and not to be changed.
 */
export function loadInventory(file: string): Inventory {
  const text = readConfigText(file)
  if (lastRead?.file !== file || lastRead.text !== text) lastRead = { file, text, inventory: parseInventory(file, text) }
  const { inventory } = lastRead
  return { ...inventory, settings: { ...inventory.settings } }
}

function parseInventory(file: string, text: string): Inventory {
  const { value, lineOf } = parseYaml(text, file, InventorySchema)
  const baseDir = dirname(resolve(file))

  // target names are ids in results and waivers: unique across all kinds
  const seen = new Map<string, string>()
  const targetLines: Record<string, number> = {}
  for (const [kind, list] of Object.entries(value.targets) as [string, { name: string }[]][]) {
    list.forEach((t, i) => {
      const where = `targets.${kind}[${i}].name`
      const line = lineOf(['targets', kind, i, 'name'])
      if (line) targetLines[t.name] = line
      const prior = seen.get(t.name)
      if (prior) throw new ConfigError(`${file}${line ? `:${line}` : ''}: field ${where}: the name "${t.name}" is already used by ${prior}; target names must be unique`)
      seen.set(t.name, where)
    })
  }

  const extraCaPems = value.trust.extraCaFiles.map((f, i) => {
    const path = resolve(baseDir, f)
    const line = lineOf(['trust', 'extraCaFiles', i])
    let pem: string
    try {
      pem = readConfigText(path)
    } catch {
      throw new ConfigError(`${file}${line ? `:${line}` : ''}: field trust.extraCaFiles[${i}]: cannot read ${path}`)
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----'))
      throw new ConfigError(`${file}${line ? `:${line}` : ''}: field trust.extraCaFiles[${i}]: ${path} holds no PEM certificate`)
    return pem
  })

  // file paths in the inventory are relative to the inventory, like extraCaFiles; `~/` is the user's home
  const path = (p: string) => (p.startsWith('~/') ? join(homedir(), p.slice(2)) : resolve(baseDir, p))
  const targets = {
    ...value.targets,
    ssh: value.targets.ssh.map((t) => (t.login ? { ...t, login: { ...t.login, privateKeyFile: path(t.login.privateKeyFile) } } : t)),
    keyDirs: value.targets.keyDirs.map((t) => ({ ...t, path: path(t.path) })),
  }

  return {
    file,
    text,
    baseDir,
    trust: { extraCaFiles: value.trust.extraCaFiles.map((f) => resolve(baseDir, f)), extraCaPems },
    settings: value.settings,
    targets,
    targetLines,
    ...(value.gate ? { gate: value.gate } : {}),
    ...(value.schedule ? { schedule: value.schedule } : {}),
    ...(value.locker ? { locker: value.locker } : {}),
    policies: policiesOf(value.policies, file, baseDir, lineOf),
    retired: value.retired.map((r, i) => ({ ...r, source: `${file}:${lineOf(['retired', i]) ?? '?'}` })),
  }
}
