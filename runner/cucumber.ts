// Runs Cucumber in-process through its API, twice per run: a dry run that lists the scenarios
// (and finds undefined or ambiguous steps before anything is probed), and the judging run that
// reads the stored observations. Cucumber's own output is discarded; Vigil writes its reports from
// the message envelopes.
import { Writable } from 'node:stream'
import { isAbsolute, relative, resolve } from 'node:path'
import { loadConfiguration, loadSupport, runCucumber, type IRunEnvironment, type IRunConfiguration } from '@cucumber/cucumber/api'
import type { Envelope, GherkinDocument, Pickle } from '@cucumber/messages'
import { SEVERITIES } from '../checks/types.ts'
import { parseSelection, type Selection } from './target-selection.ts'
import { controlTagProblem } from '../reports/control-catalog.ts'
import { VIGIL_ROOT } from '../core/vigil-root.ts'

export { VIGIL_ROOT }
export const DEFAULT_FEATURES = [`${VIGIL_ROOT}features/**/*.feature`]
const STEP_FILES = [`${VIGIL_ROOT}steps/**/*.ts`]

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

const sink = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb()
    },
  })

function environment(): IRunEnvironment {
  return { cwd: process.cwd(), stdout: sink(), stderr: sink(), env: process.env }
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

function collectExampleRows(doc: GherkinDocument, rows: ExampleRows): void {
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

function scenarioOf(p: Pickle, name: PolicyNamer = displayPath, rows: ExampleRows = new Map()): Scenario {
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

let supportLibrary: ReturnType<typeof loadSupport> | undefined

export interface PolicySet {
  runConfiguration: IRunConfiguration
  support: Awaited<ReturnType<typeof loadSupport>>
  scenarios: Scenario[]
  problems: PolicyProblem[]
  policyName: PolicyNamer
}

/** Loads the feature files and Vigil's step library, lists the selected scenarios and lints them. */
export async function loadPolicies(opts: { features: string[]; tags?: string; policyName?: PolicyNamer }): Promise<PolicySet> {
  const policyName = opts.policyName ?? displayPath
  const env = environment()
  const { runConfiguration } = await loadConfiguration(
    {
      file: false,
      provided: { paths: opts.features, import: STEP_FILES, tags: opts.tags ?? '', format: [], strict: true },
    },
    env,
  )
  // Step files are ES modules: a second import is a cache hit that registers nothing, so the support
  // library is loaded once per process and reused (Cucumber supports that for serial runs).
  supportLibrary ??= loadSupport(runConfiguration, env)
  const support = await supportLibrary
  const pickles: Pickle[] = []
  const problems: PolicyProblem[] = []
  const stepText = new Map<string, { text: string; pickle: Pickle }>()
  // Cucumber announces every pickle of the feature files, but makes test cases only for those the
  // tag expression selects: the scenarios of the run are those
  const selected = new Set<string>()
  const rows: ExampleRows = new Map()
  await runCucumber({ ...runConfiguration, support, runtime: { ...runConfiguration.runtime, dryRun: true } }, env, (e: Envelope) => {
    if (e.gherkinDocument) collectExampleRows(e.gherkinDocument, rows)
    if (e.pickle) {
      pickles.push(e.pickle)
      for (const s of e.pickle.steps) stepText.set(s.id, { text: s.text, pickle: e.pickle })
    }
    if (e.parseError) {
      const where = e.parseError.source.uri ? `${displayPath(e.parseError.source.uri)}:${e.parseError.source.location?.line ?? '?'}` : 'feature file'
      problems.push({ kind: 'policy', message: `${where}: ${e.parseError.message}` })
    }
    if (e.testCase) {
      selected.add(e.testCase.pickleId)
      for (const ts of e.testCase.testSteps) {
        if (!ts.pickleStepId) continue
        const ids = ts.stepDefinitionIds ?? []
        if (ids.length === 1) continue
        const s = stepText.get(ts.pickleStepId)
        if (!s) continue
        const what = ids.length === 0 ? 'no step definition matches' : 'several step definitions match'
        problems.push({
          kind: 'policy',
          message: `${displayPath(s.pickle.uri)}:${s.pickle.location?.line ?? '?'}: scenario "${s.pickle.name}": ${what} the step "${s.text}"`,
        })
      }
    }
  })
  const scenarios = pickles.filter((p) => selected.has(p.id)).map((p) => scenarioOf(p, policyName, rows))
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
  return { runConfiguration, support, scenarios, problems, policyName }
}

export interface AttachmentRecord {
  scenario: Scenario
  body: string
}

export interface StepFailure {
  scenario: Scenario | undefined
  message: string
}

/** The judging run: Cucumber executes the scenarios against the stored observations. */
export async function judgeWithCucumber(
  set: PolicySet,
  worldParameters: Record<string, unknown>,
  mediaType: string,
): Promise<{ attachments: AttachmentRecord[]; stepFailures: StepFailure[] }> {
  const env = environment()
  // pickle ids are minted anew by every Cucumber run: map them to scenarios from this run's own pickles
  const scenarios = new Map<string, Scenario>()
  const caseToPickle = new Map<string, string>()
  const startedToPickle = new Map<string, string>()
  const attachments: AttachmentRecord[] = []
  const stepFailures: StepFailure[] = []
  const withVerdicts = new Set<string>()
  const rows: ExampleRows = new Map()
  await runCucumber(
    { ...set.runConfiguration, support: set.support, runtime: { ...set.runConfiguration.runtime, worldParameters: worldParameters as IRunConfiguration['runtime']['worldParameters'] } },
    env,
    (e: Envelope) => {
      if (e.gherkinDocument) collectExampleRows(e.gherkinDocument, rows)
      if (e.pickle) scenarios.set(e.pickle.id, scenarioOf(e.pickle, set.policyName, rows))
      if (e.testCase) caseToPickle.set(e.testCase.id, e.testCase.pickleId)
      if (e.testCaseStarted) startedToPickle.set(e.testCaseStarted.id, caseToPickle.get(e.testCaseStarted.testCaseId) ?? '')
      if (e.attachment && e.attachment.mediaType === mediaType && e.attachment.testCaseStartedId) {
        const pickleId = startedToPickle.get(e.attachment.testCaseStartedId) ?? ''
        const scenario = scenarios.get(pickleId)
        if (scenario) attachments.push({ scenario, body: e.attachment.body })
        withVerdicts.add(pickleId)
      }
      const r = e.testStepFinished?.testStepResult
      if (r && e.testStepFinished && r.status !== 'PASSED' && r.status !== 'SKIPPED') {
        const pickleId = startedToPickle.get(e.testStepFinished.testCaseStartedId) ?? ''
        // the first line only: Cucumber's message carries the stack, which is for Vigil's developers
        const reason = (r.message ?? '').split('\n')[0]!.replace(/^Error: /, '')
        if (!withVerdicts.has(pickleId)) stepFailures.push({ scenario: scenarios.get(pickleId), message: `${r.status}: ${reason}`.trim() })
      }
    },
  )
  // A step that attached verdicts failed because of them; any other failure is a policy/runtime problem.
  return { attachments, stepFailures }
}
