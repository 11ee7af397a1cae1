// Loads a team's policy repository for `vigil lint` and `vigil policies` without stopping at the first
// problem: the inventory (its problems kept), each feature file parsed on its own (one broken file
// does not hide the others' problems), then the dry run over the files that parse.
import { existsSync, globSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { loadSources } from '@cucumber/cucumber/api'
import { ConfigError, parseYamlDocument, readConfigText, type YamlDocument } from '../core/config-file.ts'
import { DEFAULT_FEATURES, loadPolicies, type PolicySet } from '../runner/cucumber.ts'
import { loadInventory, PoliciesSchema, type Inventory } from '../runner/inventory.ts'
import type { PolicyContext } from './policy-problems.ts'
import { problem, shownPath, splitLocation, type LintProblem } from './problems.ts'
import { stepDefinitionsOf } from './support-library.ts'

export interface LoadedRepository {
  /** undefined when vigil.yaml is not valid (its problems are in `problems`) */
  inv: Inventory | undefined
  /** vigil.yaml as a YAML document, for the line of any field */
  invDoc: YamlDocument | undefined
  /** feature files or globs loaded */
  features: string[]
  /** undefined when no feature file parses */
  set: PolicySet | undefined
  /** the dry run's problems, as messages (`loadPolicies().problems`) */
  policyMessages: string[]
  /** problems found while loading: the inventory, Gherkin syntax, `policies.paths` */
  problems: LintProblem[]
  ctx: PolicyContext
}

export interface LoadOptions {
  config: string
  features?: string[]
  cwd?: string
}

/** `file:1: a; file:3: b` (a ConfigError of the inventory) → one problem per part. */
function inventoryProblems(e: ConfigError, file: string, cwd: string): LintProblem[] {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return e.message.split(new RegExp(`; (?=${escaped}[:])`)).map((part) => {
    const at = splitLocation(part, [file])
    return at ? problem('inventory', at.file, at.line, at.rest, cwd) : problem('inventory', file, undefined, part, cwd)
  })
}

/** A `policies.paths` entry (file, folder or glob) that names no feature file. */
function matchesNoFeature(path: string): boolean {
  try {
    if (statSync(path).isDirectory()) return globSync('**/*.feature', { cwd: path }).length === 0
    return false
  } catch {
    return globSync(path).filter((f) => f.endsWith('.feature')).length === 0
  }
}

export async function loadRepository(opts: LoadOptions): Promise<LoadedRepository> {
  const cwd = opts.cwd ?? process.cwd()
  const problems: LintProblem[] = []
  // a missing or unreadable inventory is a usage error, as for `vigil run`
  const text = readConfigText(opts.config, 'the inventory')
  let inv: Inventory | undefined
  let invDoc: YamlDocument | undefined
  /** the feature files of `policies:` even when another part of vigil.yaml is wrong */
  let fallback: string[] = DEFAULT_FEATURES
  try {
    inv = loadInventory(opts.config)
    invDoc = parseYamlDocument(text, opts.config)
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
    problems.push(...inventoryProblems(e, opts.config, cwd))
    try {
      const p = PoliciesSchema.safeParse((parseYamlDocument(text, opts.config).raw as { policies?: unknown }).policies ?? {})
      if (p.success) fallback = [...(p.data.library ? DEFAULT_FEATURES : []), ...p.data.paths.map((x) => resolve(dirname(resolve(cwd, opts.config)), x))]
    } catch {
      // not even YAML: the library alone
    }
  }

  let features: string[]
  if (opts.features?.length) features = opts.features
  else if (inv) {
    const p = inv.policies
    features = [...(p.library ? DEFAULT_FEATURES : []), ...p.paths]
    const rawPaths = (invDoc?.raw as { policies?: { paths?: unknown[] } } | undefined)?.policies?.paths ?? []
    p.paths.forEach((path, i) => {
      if (matchesNoFeature(path))
        problems.push(problem('policies-paths', opts.config, invDoc?.lineOf(['policies', 'paths', i]), `field policies.paths[${i}]: "${String(rawPaths[i] ?? path)}" names no feature file (relative to ${relative(cwd, inv!.baseDir) || '.'})`, cwd))
    })
    if (features.length === 0) problems.push(problem('policies-paths', opts.config, invDoc?.lineOf(['policies']), 'field policies: library is false and paths is empty: there is no policy to run', cwd))
  } else features = fallback

  // Cucumber stops a run at the first file that does not parse: parse every file first, then load
  // only those that do, so every other problem is still found
  const files = new Map<string, string>()
  const sources = new Map<string, string>()
  const policyMessages: string[] = []
  let set: PolicySet | undefined
  if (features.length) {
    const { plan, errors } = await loadSources({ defaultDialect: 'en', paths: features, names: [], tagExpression: '', order: 'defined' }, { cwd, stdout: sink(), stderr: sink(), env: process.env })
    for (const e of errors) problems.push(problem('gherkin-syntax', resolve(cwd, e.uri), e.location.line, e.message.replace(/^\(\d+:\d+\): /, ''), cwd))
    const broken = new Set(errors.map((e) => resolve(cwd, e.uri)))
    const good = [...new Set(plan.map((p) => resolve(cwd, p.uri)))].filter((f) => !broken.has(f))
    if (opts.features?.length && plan.length === 0 && errors.length === 0)
      throw new ConfigError(`--features ${opts.features.join(' ')}: no scenario in the files these name (from ${cwd})`)
    if (good.length) {
      set = await loadPolicies({ features: good.map((f) => relativeIfInside(cwd, f)) })
      policyMessages.push(...set.problems.map((p) => p.message))
      for (const s of set.scenarios) files.set(s.policy, s.file)
    }
  }

  const definitions = set ? stepDefinitionsOf(set.support) : []
  const ctx: PolicyContext = {
    scenarios: set?.scenarios ?? [],
    files,
    cwd,
    source(abs) {
      if (!sources.has(abs)) sources.set(abs, existsSync(abs) ? readFileSync(abs, 'utf8') : '')
      return sources.get(abs) || undefined
    },
    definitionsMatching: (text) => definitions.filter((d) => d.matchesStepName(text)).map((d) => `${shownPath(resolve(cwd, d.uri), cwd)}:${d.line}`),
  }
  return { inv, invDoc, features, set, policyMessages, problems, ctx }
}

const sink = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb()
    },
  })

const relativeIfInside = (cwd: string, f: string) => {
  const rel = relative(cwd, f)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : f
}

/** `--waivers`, else `waivers.yaml` in the current folder when it exists, else none (not a problem). */
export function waiversFile(given: string | undefined, cwd = process.cwd()): string | undefined {
  if (given) return given
  return existsSync(join(cwd, 'waivers.yaml')) ? 'waivers.yaml' : undefined
}
