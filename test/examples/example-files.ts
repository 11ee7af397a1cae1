// Shared by the example tests: where the examples are, the shell scripts inside each, the `vigil`
// invocations in those scripts, and the flags `vigil <command> --help` documents.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'
import { VIGIL_ROOT } from '../../core/vigil-root.ts'
import { runVigil } from '../run-vigil.ts'

export const ROOT = VIGIL_ROOT
export const EXAMPLES = {
  gate: join(ROOT, 'examples/github/vigil-gate.yml'),
  nightly: join(ROOT, 'examples/github/vigil-nightly.yml'),
  gitlab: join(ROOT, 'examples/gitlab/.gitlab-ci.yml'),
  cron: join(ROOT, 'examples/cron/vigil.cron'),
  kubernetes: join(ROOT, 'examples/kubernetes/vigil-cronjob.yaml'),
  action: join(ROOT, 'action.yml'),
}

/** Where scripts/install-actionlint.sh puts actionlint. */
export const ACTIONLINT = join(ROOT, '.tools/bin/actionlint')
export const hasActionlint = () => existsSync(ACTIONLINT)

export const text = (file: string) => readFileSync(file, 'utf8')
export const yamlOf = (file: string): any => parse(text(file))
export const yamlDocsOf = (file: string): any[] => parseAllDocuments(text(file)).map((d) => d.toJS())

/** The commands of the CLI; a `vigil <word>` whose word is not one of these is prose, not a call. */
export const COMMANDS = ['run', 'gate', 'bundle', 'verify', 'recheck', 'init', 'checks', 'controls', 'doctor', 'lab'] as const

export interface Invocation {
  command: string
  flags: string[]
  /** the call as written, continuation lines joined */
  text: string
}

/**
 * The `vigil <command> …` calls in a shell script (a workflow's `run:`, a GitLab `script:` entry, a
 * crontab command), with every `--flag` each passes. Flags gathered into an argument list first
 * (`vigil_opts+=(--sarif …)`, `set -- --tags …`) count for every call of the script.
 */
export function invocationsIn(script: string): { calls: Invocation[]; listFlags: string[] } {
  const joined = script.replace(/\\\r?\n[ \t]*/g, ' ')
  const calls: Invocation[] = []
  const listFlags: string[] = []
  const flagsOf = (s: string) => [...s.matchAll(/(?:^|[\s(])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]!)
  for (const line of joined.split('\n')) {
    if (/^\s*#/.test(line)) continue
    for (const m of line.matchAll(/(?:^|[\s;&|("'/])vigil(?:\.mjs)?["']?[ \t]+([a-z]+)\b([^;&|>\n]*)/g)) {
      if (!(COMMANDS as readonly string[]).includes(m[1]!)) continue
      calls.push({ command: m[1]!, flags: flagsOf(m[2]!), text: m[0].trim() })
    }
    if (/\bvigil_(?:opts|args)\+?=\(/.test(line) || /(?:^|[\s;])set -- /.test(line)) listFlags.push(...flagsOf(line.replace(/.*?(?:\bvigil_(?:opts|args)\+?=\(|\bset -- )/, ' ')))
  }
  return { calls, listFlags }
}

/** Every shell script of a GitHub workflow or composite action: the `run:` of each step. */
export function githubScripts(doc: any): string[] {
  const steps: any[] = doc.runs?.steps ?? Object.values(doc.jobs ?? {}).flatMap((j: any) => j.steps ?? [])
  return steps.filter((s) => typeof s.run === 'string').map((s) => s.run as string)
}

/** Every script of a GitLab CI file: each job's before_script, script and after_script, one string per job. */
export function gitlabScripts(doc: any): string[] {
  const out: string[] = []
  for (const [name, job] of Object.entries<any>(doc)) {
    if (!job || typeof job !== 'object' || Array.isArray(job) || name === 'default' || name === 'variables' || name === 'workflow') continue
    const lines = [job.before_script, job.script, job.after_script].flat().filter((x) => typeof x === 'string')
    if (lines.length) out.push(lines.join('\n'))
  }
  return out
}

/** The crontab's entries: lines that are neither comments nor blank nor `NAME=value` settings. */
export function cronEntries(body: string): string[] {
  return body
    .split('\n')
    .filter((l) => l.trim() && !l.trimStart().startsWith('#') && !/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(l))
}

const helpCache = new Map<string, Set<string>>()

/** The flags `vigil <command> --help` documents (long forms, `--help` and `--no-…` included). */
export async function documentedFlags(command: string): Promise<Set<string>> {
  const have = helpCache.get(command)
  if (have) return have
  const r = await runVigil([command, '--help'], { cwd: ROOT })
  if (r.code !== 0) throw new Error(`vigil ${command} --help exited ${r.code}: ${r.stderr}`)
  const flags = new Set([...r.stdout.matchAll(/(?:^|[\s,])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]!))
  helpCache.set(command, flags)
  return flags
}
