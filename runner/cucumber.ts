// Runs Cucumber in-process through its API, twice per run: a dry run that lists the scenarios
// (and finds undefined or ambiguous steps before anything is probed), and the judging run that
// reads the stored observations. Cucumber's own output is discarded; Vigil writes its reports from
// the message envelopes.
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { isAbsolute, relative, resolve } from 'node:path'
import { loadConfiguration, loadSupport, runCucumber, type IRunEnvironment, type IRunConfiguration } from '@cucumber/cucumber/api'
import type { Envelope, Pickle } from '@cucumber/messages'
import { parseSelection, type Selection } from './target-selection.ts'
import { controlTagProblem } from '../reports/control-catalog.ts'

export const VIGIL_ROOT = fileURLToPath(new URL('..', import.meta.url))
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

function scenarioOf(p: Pickle, name: PolicyNamer = displayPath): Scenario {
  const tags = p.tags.map((t) => t.name)
  const checkTags = tags.filter((t) => t.startsWith('@check:'))
  const file = resolve(process.cwd(), p.uri)
  return {
    pickleId: p.id,
    name: p.name,
    policy: name(file),
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
  await runCucumber({ ...runConfiguration, support, runtime: { ...runConfiguration.runtime, dryRun: true } }, env, (e: Envelope) => {
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
  const scenarios = pickles.filter((p) => selected.has(p.id)).map((p) => scenarioOf(p, policyName))
  for (const s of scenarios) {
    const n = s.tags.filter((t) => t.startsWith('@check:')).length
    if (n !== 1)
      problems.push({
        kind: 'policy',
        message: `${s.policy}:${s.line}: scenario "${s.name}": needs exactly one @check:<id> tag (found ${n})`,
      })
    // an unknown control id would put a finding under a control the auditor cannot look up
    for (const t of new Set(s.tags)) {
      const why = controlTagProblem(t)
      if (why) problems.push({ kind: 'policy', message: `${s.policy}:${s.line}: scenario "${s.name}": ${why}` })
    }
  }
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
  await runCucumber(
    { ...set.runConfiguration, support: set.support, runtime: { ...set.runConfiguration.runtime, worldParameters: worldParameters as IRunConfiguration['runtime']['worldParameters'] } },
    env,
    (e: Envelope) => {
      if (e.pickle) scenarios.set(e.pickle.id, scenarioOf(e.pickle, set.policyName))
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
