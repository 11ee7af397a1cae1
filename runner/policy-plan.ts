// The policy plan: which scenarios a run judges, known before anything is probed and without
// loading Cucumber (its API and Vigil's step library cost more CPU than a small run's probes). The
// feature files are found, parsed and filtered exactly as Cucumber does it (its path resolution,
// `@cucumber/gherkin`, its line and tag filters), so the scenarios are the ones Cucumber's dry run
// and judging run select (test/runner/policy-plan.test.ts holds the two side by side). What needs
// the step definitions — undefined or ambiguous steps — is checked by runner/cucumber.ts
// (`checkPolicySteps`), which a run calls once its first probes are under way.
import { globSync, readFileSync } from 'node:fs'
import { basename, extname, isAbsolute, join, normalize, relative, resolve } from 'node:path'
import { generateMessages, makeSourceEnvelope } from '@cucumber/gherkin'
import { IdGenerator, type GherkinDocument, type Pickle } from '@cucumber/messages'
import { parse as parseTagExpression } from '@cucumber/tag-expressions'
import { SEVERITIES } from '../checks/types.ts'
import { parseSelection, type Selection } from './target-selection.ts'
import { controlTagProblem } from '../reports/control-catalog.ts'
import { VIGIL_ROOT } from '../core/vigil-root.ts'

export { VIGIL_ROOT }
export const DEFAULT_FEATURES = [`${VIGIL_ROOT}features/**/*.feature`]

export interface Scenario {
  pickleId: string
  name: string
  /** feature file, relative to the current directory when inside it */
  policy: string
  /** absolute path of the feature file */
  file: string
  line: number
  tags: string[]
  checkId: string | undefined
  controls: string[]
  /** the targets its `Given every …` steps select */
  selections: Selection[]
  /** stable key: the `@id:<slug>` tag, else `<policy>#<name>[<Examples row>]` (finding identity v1) */
  scenarioKey: string
  /** the `@id:` tag's slug, when the scenario has one */
  idTag?: string
  /** `@severity:<level>`: overrides the check's default severity */
  severity?: string
}

export interface PolicyProblem {
  kind: 'policy'
  message: string
}

/**
 * How a feature file is named in findings and messages: relative to the current directory when
 * inside it, else relative to Vigil's folder for the shipped library (`features/tls/…`, the same
 * on every machine, so finding ids are stable), else absolute.
 */
export function displayPath(uri: string): string {
  for (const base of [process.cwd(), VIGIL_ROOT]) {
    const rel = relative(base, resolve(base, uri))
    if (!rel.startsWith('..') && !isAbsolute(rel)) return rel
  }
  return uri
}

/** Tags that carry a control mapping: `@soc2:CC6.7`, `@hipaa:164.312(e)(1)`. */
export const CONTROL_TAG = /^@(soc2|hipaa):(.+)$/

/** How a scenario's feature file is named in findings (default: its path relative to the current directory). */
export type PolicyNamer = (file: string) => string

/** Examples rows of Scenario Outlines, by AST node id: a pickle of an outline names its row. */
export type ExampleRows = Map<string, string>

export function collectExampleRows(doc: GherkinDocument, rows: ExampleRows): void {
  const visit = (children: readonly { scenario?: { examples: readonly { tableBody: readonly { id: string; cells: readonly { value: string }[] }[] }[] }; rule?: { children: readonly unknown[] } }[]) => {
    for (const c of children) {
      for (const ex of c.scenario?.examples ?? []) for (const row of ex.tableBody) rows.set(row.id, row.cells.map((cell) => cell.value).join(' | '))
      if (c.rule) visit(c.rule.children as Parameters<typeof visit>[0])
    }
  }
  if (doc.feature) visit(doc.feature.children as Parameters<typeof visit>[0])
}

/** The tag's value after `@<name>:`, when there is exactly such a tag. */
const tagValue = (tags: readonly string[], name: string): string | undefined => tags.find((t) => t.startsWith(`@${name}:`))?.slice(name.length + 2)

export function scenarioOf(p: Pickle, name: PolicyNamer = displayPath, rows: ExampleRows = new Map()): Scenario {
  const tags = p.tags.map((t) => t.name)
  const checkTags = tags.filter((t) => t.startsWith('@check:'))
  const file = resolve(process.cwd(), p.uri)
  const policy = name(file)
  const idTag = tagValue(tags, 'id')
  const row = p.astNodeIds.length > 1 ? rows.get(p.astNodeIds[p.astNodeIds.length - 1]!) : undefined
  const severity = tagValue(tags, 'severity')
  return {
    pickleId: p.id,
    name: p.name,
    scenarioKey: idTag ?? `${policy}#${p.name}${row !== undefined ? `[${row}]` : ''}`,
    ...(idTag ? { idTag } : {}),
    ...(severity ? { severity } : {}),
    policy,
    file,
    line: p.location?.line ?? 0,
    tags,
    checkId: checkTags[0]?.slice('@check:'.length),
    controls: tags.filter((t) => CONTROL_TAG.test(t)).map((t) => t.slice(1)),
    selections: p.steps.map((s) => parseSelection(s.text)).filter((s) => s !== undefined),
  }
}

/** The problems of one feature file's parse error, as the dry run reports them. */
export function parseErrorProblem(e: { source: { uri?: string; location?: { line: number } }; message: string }): PolicyProblem {
  const where = e.source.uri ? `${displayPath(e.source.uri)}:${e.source.location?.line ?? '?'}` : 'feature file'
  return { kind: 'policy', message: `${where}: ${e.message}` }
}

/**
 * The rules a scenario list must keep whatever the step definitions: one `@check:`, at most one
 * valid `@id:` and `@severity:`, known control tags, and unique scenario keys.
 */
export function scenarioProblems(scenarios: readonly Scenario[]): PolicyProblem[] {
  const problems: PolicyProblem[] = []
  for (const s of scenarios) {
    const n = s.tags.filter((t) => t.startsWith('@check:')).length
    if (n !== 1)
      problems.push({
        kind: 'policy',
        message: `${s.policy}:${s.line}: scenario "${s.name}": needs exactly one @check:<id> tag (found ${n})`,
      })
    const where = `${s.policy}:${s.line}: scenario "${s.name}"`
    if (s.tags.filter((t) => t.startsWith('@id:')).length > 1) problems.push({ kind: 'policy', message: `${where}: has more than one @id: tag` })
    if (s.idTag !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/.test(s.idTag))
      problems.push({ kind: 'policy', message: `${where}: @id:${s.idTag} is not a valid scenario id (letters, digits, dot, dash, underscore, slash; at most 128)` })
    if (s.tags.filter((t) => t.startsWith('@severity:')).length > 1) problems.push({ kind: 'policy', message: `${where}: has more than one @severity: tag` })
    if (s.severity !== undefined && !(SEVERITIES as readonly string[]).includes(s.severity))
      problems.push({ kind: 'policy', message: `${where}: @severity:${s.severity} is not a severity (${SEVERITIES.join(', ')})` })
    // an unknown control id would put a finding under a control the auditor cannot look up
    for (const t of new Set(s.tags)) {
      const why = controlTagProblem(t)
      if (why) problems.push({ kind: 'policy', message: `${s.policy}:${s.line}: scenario "${s.name}": ${why}` })
    }
  }
  // findings are matched across runs by scenario key: two scenarios with one key would be one finding
  const byKey = new Map<string, Scenario[]>()
  for (const s of scenarios) byKey.set(s.scenarioKey, [...(byKey.get(s.scenarioKey) ?? []), s])
  for (const [key, same] of byKey)
    if (same.length > 1)
      problems.push({ kind: 'policy', message: `${same.map((s) => `${s.policy}:${s.line}`).join(', ')}: ${same.length} scenarios share the key "${key}"; give each a unique @id:<slug> tag (or a unique name)` })
  return problems
}

export interface PolicyPlan {
  /** the feature file arguments as given (files, folders, globs, `file.feature:LINE`) */
  features: string[]
  /** the tag expression selecting the scenarios ('' selects all); the judging run uses the same */
  tags: string
  /** the selected scenarios, in Cucumber's order (feature files sorted per argument, then file order) */
  scenarios: Scenario[]
  /**
   * Parse errors, an invalid tag expression, and the scenario rules (`scenarioProblems`). Undefined
   * and ambiguous steps are not among them: those need the step definitions (`checkPolicySteps`).
   */
  problems: PolicyProblem[]
  /** set when a feature file does not parse or the tag expression is invalid: Cucumber would run nothing */
  unrunnable: boolean
  policyName: PolicyNamer
}

// --- Cucumber's feature file resolution (@cucumber/cucumber 13: src/paths/paths.ts) -------------

/** Arguments as Cucumber reads them: `@rerun.txt` files list paths, one a line; none = its default. */
function unexpandedSourcePaths(cwd: string, args: readonly string[]): string[] {
  if (args.length > 0) {
    const listed = args.flatMap((arg) => (basename(arg)[0] === '@' ? readFileSync(join(cwd, arg), 'utf8').split('\n').map((x) => x.trim()) : [arg]))
    if (listed.length > 0) return listed.filter((x) => x !== '')
  }
  return ['features/**/*.{feature,feature.md}']
}

/** Each argument's matches, sorted (a folder stands for its `**\/*.feature`); then all of them, once each. */
function expandSourcePaths(cwd: string, args: readonly string[]): string[] {
  const expanded = args.map((arg) => {
    const pattern = arg.replace(/(:\d+)*$/g, '')
    return globSync(pattern, { cwd })
      .flatMap((m) => {
        const match = resolve(cwd, m)
        return extname(match) === '' ? globSync(`${match}/**/*.feature`) : [match]
      })
      .sort()
  })
  return [...new Set(expanded.flat().map((p) => normalize(p)))]
}

/** `file.feature:12:40` arguments: the lines of each feature file (relative to cwd) to run. */
function featureLines(cwd: string, args: readonly string[]): Map<string, number[]> {
  const lines = new Map<string, number[]>()
  for (const arg of args) {
    const m = /^(.*?)((?::[\d]+)+)?$/.exec(arg)
    if (!m || !m[2]) continue
    const uri = isAbsolute(m[1]!) ? relative(cwd, m[1]!) : normalize(m[1]!)
    const list = lines.get(uri) ?? []
    for (const n of m[2].slice(1).split(':')) list.push(parseInt(n, 10))
    lines.set(uri, list)
  }
  return lines
}

/** Scenario, outline and Examples row locations by AST node id (Cucumber's getGherkinScenarioLocationMap). */
function scenarioLines(doc: GherkinDocument): Map<string, number> {
  const lines = new Map<string, number>()
  for (const child of doc.feature?.children ?? []) {
    for (const c of child.rule ? child.rule.children : [child]) {
      if (!c.scenario) continue
      lines.set(c.scenario.id, c.scenario.location.line)
      for (const ex of c.scenario.examples) for (const row of ex.tableBody) lines.set(row.id, row.location.line)
    }
  }
  return lines
}

/**
 * Lists the scenarios the feature files and the tag expression select, and the problems that need
 * no step definition. Loads `@cucumber/gherkin` only: no Cucumber runtime, no step library.
 */
export async function planPolicies(opts: { features: string[]; tags?: string; policyName?: PolicyNamer }): Promise<PolicyPlan> {
  const policyName = opts.policyName ?? displayPath
  const tags = opts.tags ?? ''
  const cwd = process.cwd()
  const args = unexpandedSourcePaths(cwd, opts.features)
  const files = expandSourcePaths(cwd, args)
  const lines = featureLines(cwd, args)
  const problems: PolicyProblem[] = []
  let unrunnable = false
  let expression: { evaluate(tags: string[]): boolean } | undefined
  if (tags !== '') {
    try {
      expression = parseTagExpression(tags)
    } catch (e) {
      unrunnable = true
      problems.push({ kind: 'policy', message: `--tags '${tags}': ${(e as Error).message}` })
    }
  }
  const newId = IdGenerator.uuid()
  const rows: ExampleRows = new Map()
  const selected: Pickle[] = []
  for (const file of files) {
    const data = readFileSync(file, 'utf8')
    const uri = relative(cwd, file)
    const { mediaType } = makeSourceEnvelope(data, uri).source!
    let locations: Map<string, number> | undefined
    for (const e of generateMessages(data, uri, mediaType, { defaultDialect: 'en', includeSource: false, includeGherkinDocument: true, includePickles: true, newId })) {
      if (e.parseError) {
        unrunnable = true
        problems.push(parseErrorProblem(e.parseError))
      }
      if (e.gherkinDocument) {
        collectExampleRows(e.gherkinDocument, rows)
        if (lines.has(normalize(uri))) locations = scenarioLines(e.gherkinDocument)
      }
      const p = e.pickle
      if (!p) continue
      const wanted = lines.get(normalize(p.uri))
      if (wanted && !p.astNodeIds.some((id) => wanted.includes(locations?.get(id) ?? NaN))) continue
      if (expression && !expression.evaluate(p.tags.map((t) => t.name))) continue
      selected.push(p)
    }
  }
  // Cucumber runs nothing when a feature file does not parse: no scenario is selected then
  const scenarios = unrunnable ? [] : selected.map((p) => scenarioOf(p, policyName, rows))
  problems.push(...scenarioProblems(scenarios))
  return { features: [...opts.features], tags, scenarios, problems, unrunnable, policyName }
}
