// The inventory (`vigil.yaml`): what Vigil checks. This schema is the public format.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { homedir } from 'node:os'
import * as z from 'zod'
import { ConfigError, loadYamlFile } from './config-file.ts'

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'use letters, digits, dot, dash or underscore (max 128)')
const hostname = z.string().min(1).max(253)
const port = z.number().int().min(1).max(65535)
const tags = z.array(z.string().regex(/^[A-Za-z0-9._:-]+$/, 'tags are letters, digits, dot, dash, colon')).default([])

export const TlsTargetSchema = z
  .object({
    name,
    /** SNI and hostname-verification name */
    host: hostname,
    /** connect here instead of resolving `host` */
    address: hostname.optional(),
    port: port.default(443),
    tags,
  })
  .strict()

export const SshTargetSchema = z
  .object({
    name,
    host: hostname,
    address: hostname.optional(),
    port: port.default(22),
    /** expected host key fingerprint (`SHA256:…` as printed by ssh-keygen -lf); mismatch = error, no login */
    hostKey: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'expected an OpenSSH SHA256 fingerprint like SHA256:abc… (43 base64 characters)')
      .optional(),
    login: z
      .object({
        user: z.string().min(1),
        privateKeyFile: z.string().min(1),
        /** name of the environment variable holding the passphrase; never the passphrase itself */
        passphraseEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
      })
      .strict()
      .optional(),
    keyPaths: z.array(z.string().min(1)).default([]),
    tags,
  })
  .strict()

export const KeyDirTargetSchema = z.object({ name, path: z.string().min(1), tags }).strict()

export const AwsTargetSchema = z
  .object({
    name,
    regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region like us-east-1')).min(1).default(['us-east-1']),
    profile: z.string().min(1).optional(),
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN').optional(),
    externalId: z.string().min(1).optional(),
    /** an emulator endpoint (e.g. moto); never set for real AWS */
    endpoint: z.url().optional(),
    tags,
  })
  .strict()

export const SettingsSchema = z
  .object({
    /** budget for one network operation (connect, handshake, read), ms */
    timeoutMs: z.number().int().min(100).max(120_000).default(5000),
    /** sockets open at once across the run */
    concurrency: z.number().int().min(1).max(2000).default(200),
    /** sockets open at once to one host */
    perHost: z.number().int().min(1).max(64).default(5),
    /** DNS servers (`host` or `host:port`) to resolve target names with, instead of the system's */
    nameservers: z.array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[0-9.]+|[0-9a-fA-F:]+)(:\d{1,5})?$/, 'an IP address, optionally with :port')).min(1).optional(),
  })
  .strict()

export const InventorySchema = z
  .object({
    trust: z.object({ extraCaFiles: z.array(z.string().min(1)).default([]) }).strict().default({ extraCaFiles: [] }),
    settings: SettingsSchema.default({ timeoutMs: 5000, concurrency: 200, perHost: 5 }),
    targets: z
      .object({
        tls: z.array(TlsTargetSchema).default([]),
        ssh: z.array(SshTargetSchema).default([]),
        keyDirs: z.array(KeyDirTargetSchema).default([]),
        aws: z.array(AwsTargetSchema).default([]),
      })
      .strict()
      .default({ tls: [], ssh: [], keyDirs: [], aws: [] }),
  })
  .strict()

export type TlsTarget = z.output<typeof TlsTargetSchema>
export type SshTarget = z.output<typeof SshTargetSchema>
export type KeyDirTarget = z.output<typeof KeyDirTargetSchema>
export type AwsTarget = z.output<typeof AwsTargetSchema>
export type Settings = z.output<typeof SettingsSchema>

export interface Inventory {
  file: string
  /** folder relative paths in the file are resolved against */
  baseDir: string
  trust: { extraCaFiles: string[]; extraCaPems: string[] }
  settings: Settings
  targets: { tls: TlsTarget[]; ssh: SshTarget[]; keyDirs: KeyDirTarget[]; aws: AwsTarget[] }
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

export function loadInventory(file: string): Inventory {
  const { value, lineOf } = loadYamlFile(file, InventorySchema)
  const baseDir = dirname(resolve(file))

  // target names are ids in results and waivers: unique across all kinds
  const seen = new Map<string, string>()
  for (const [kind, list] of Object.entries(value.targets) as [string, { name: string }[]][]) {
    list.forEach((t, i) => {
      const where = `targets.${kind}[${i}].name`
      const line = lineOf(['targets', kind, i, 'name'])
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
      pem = readFileSync(path, 'utf8')
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
    baseDir,
    trust: { extraCaFiles: value.trust.extraCaFiles.map((f) => resolve(baseDir, f)), extraCaPems },
    settings: value.settings,
    targets,
  }
}
