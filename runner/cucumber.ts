// Runs Cucumber in-process through its API: a dry run that finds undefined or ambiguous steps
// (`checkPolicySteps`), and the judging run that reads the stored observations (`judgeWithCucumber`).
// Cucumber's own output is discarded; Vigil writes its reports from the message envelopes.
//
// Cucumber's API and Vigil's step library are loaded on first use (dynamic import): which scenarios a
// run judges is known without them (runner/policy-plan.ts), so a run plans and starts probing first
// and loads Cucumber while its first probes are under way.
import { globSync } from 'node:fs'
import { Writable } from 'node:stream'
import type { IRunEnvironment, IRunConfiguration, ISupportCodeLibrary } from '@cucumber/cucumber/api'
import type { Envelope, Pickle } from '@cucumber/messages'
import {
  VIGIL_ROOT,
  collectExampleRows,
  displayPath,
  planPolicies,
  scenarioOf,
  type ExampleRows,
  type PolicyNamer,
  type PolicyPlan,
  type PolicyProblem,
  type Scenario,
} from './policy-plan.ts'
import { FINDING_MEDIA_TYPE, receiveVerdicts, type VerdictAttachment } from './verdict-attachment.ts'

export { CONTROL_TAG, DEFAULT_FEATURES, VIGIL_ROOT, displayPath, planPolicies, type ExampleRows, type PolicyNamer, type PolicyPlan, type PolicyProblem, type Scenario } from './policy-plan.ts'

/**
 * The step library's files, listed once: Cucumber resolves its support paths again for every run,
 * and a judging run per batch would walk the folder each time.
 */
let stepFiles: string[] | undefined
const STEP_FILES = () => (stepFiles ??= globSync('steps/**/*.ts', { cwd: VIGIL_ROOT }).map((f) => `${VIGIL_ROOT}${f}`).sort())

const sink = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb()
    },
  })

function environment(): IRunEnvironment {
  return { cwd: process.cwd(), stdout: sink(), stderr: sink(), env: process.env }
}

const cucumberApi = () => import('@cucumber/cucumber/api')

let supportLibrary: Promise<ISupportCodeLibrary> | undefined

export interface PolicySet {
  runConfiguration: IRunConfiguration
  support: ISupportCodeLibrary
  scenarios: Scenario[]
  problems: PolicyProblem[]
  policyName: PolicyNamer
}

/** Cucumber's configuration for the plan's feature files and tag expression, and Vigil's step library (loaded once per process). */
async function cucumberFor(plan: Pick<PolicyPlan, 'features' | 'tags'>): Promise<{ runConfiguration: IRunConfiguration; support: ISupportCodeLibrary }> {
  const { loadConfiguration, loadSupport } = await cucumberApi()
  const env = environment()
  const { runConfiguration } = await loadConfiguration(
    {
      file: false,
      provided: { paths: plan.features, import: STEP_FILES(), tags: plan.tags, format: [], strict: true },
    },
    env,
  )
  // Step files are ES modules: a second import is a cache hit that registers nothing, so the support
  // library is loaded once per process and reused (Cucumber supports that for serial runs).
  supportLibrary ??= loadSupport(runConfiguration, env)
  return { runConfiguration, support: await supportLibrary }
}

/** What identifies a scenario across two listings of it (pickle ids differ from one parse to the next). */
const identity = (s: Scenario) => `${s.file}:${s.line} ${s.scenarioKey}`

/**
 * The step check: loads Cucumber and Vigil's step library and dry-runs the plan's scenarios. Its
 * problems are the steps no step definition matches, or several do. The set it returns is what the
 * judging run needs (`judgeWithCucumber`); its scenarios are the plan's. Throws when Cucumber selects
 * other scenarios than the plan (a feature file changed in between): the plan decided what was probed.
 */
export async function checkPolicySteps(plan: PolicyPlan): Promise<PolicySet> {
  const { runConfiguration, support } = await cucumberFor(plan)
  const problems: PolicyProblem[] = []
  // nothing runs when a file does not parse or the tag expression is invalid: the plan says why
  if (!plan.unrunnable) {
    const { runCucumber } = await cucumberApi()
    const pickles: Pickle[] = []
    const stepText = new Map<string, { text: string; pickle: Pickle }>()
    // Cucumber announces every pickle of the feature files, but makes test cases only for those the
    // tag expression selects: the scenarios of the run are those
    const selected = new Set<string>()
    const rows: ExampleRows = new Map()
    await runCucumber({ ...runConfiguration, support, runtime: { ...runConfiguration.runtime, dryRun: true } }, environment(), (e: Envelope) => {
      if (e.gherkinDocument) collectExampleRows(e.gherkinDocument, rows)
      if (e.pickle) {
        pickles.push(e.pickle)
        for (const s of e.pickle.steps) stepText.set(s.id, { text: s.text, pickle: e.pickle })
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
    const dry = pickles.filter((p) => selected.has(p.id)).map((p) => identity(scenarioOf(p, plan.policyName, rows)))
    const planned = plan.scenarios.map(identity)
    if (dry.length !== planned.length || dry.some((k, i) => k !== planned[i]))
      throw new Error(
        `the feature files changed while the run was under way, or the planner and Cucumber disagree: planned ${planned.length} scenario(s), Cucumber selects ${dry.length}` +
          ` (first difference: ${planned.find((k, i) => k !== dry[i]) ?? dry.find((k, i) => k !== planned[i])})`,
      )
  }
  return { runConfiguration, support, scenarios: plan.scenarios, problems, policyName: plan.policyName }
}

/**
 * Loads the feature files and Vigil's step library, lists the selected scenarios and lints them:
 * the plan and the step check in one, with every problem (`vigil lint`, `policies`, `controls`,
 * recheck). Problems come in the dry run's order: parse errors, steps, then the scenario rules.
 */
export async function loadPolicies(opts: { features: string[]; tags?: string; policyName?: PolicyNamer }): Promise<PolicySet> {
  const plan = await planPolicies(opts)
  const set = await checkPolicySteps(plan)
  const problems = plan.unrunnable ? plan.problems : [...set.problems, ...plan.problems]
  return { ...set, problems }
}

/** An attachment of the judging run: its text, or (a verdict delivered in-process) the object itself. */
export type AttachmentRecord = { scenario: Scenario; body: string } | { scenario: Scenario; verdict: VerdictAttachment }

export interface StepFailure {
  scenario: Scenario | undefined
  message: string
}

/**
 * The feature files the judging run reads: only those holding a selected scenario (a TLS run of the
 * shipped library parses 12 of its 48 files, once per judging batch). The tag expression and names
 * still apply, so the same scenarios are selected. Paths with line filters (`file.feature:12`) are
 * kept as they are: a file named without its filter would select more.
 */
export function judgedSources(set: PolicySet): IRunConfiguration['sources'] {
  const sources = set.runConfiguration.sources
  if (set.scenarios.length === 0 || sources.paths.some((p) => /:\d+$/.test(p))) return sources
  return { ...sources, paths: [...new Set(set.scenarios.map((s) => s.file))] }
}

/** The judging run: Cucumber executes the scenarios against the stored observations. */
export async function judgeWithCucumber(
  set: PolicySet,
  worldParameters: Record<string, unknown>,
  mediaType: string,
): Promise<{ attachments: AttachmentRecord[]; stepFailures: StepFailure[] }> {
  const { runCucumber } = await cucumberApi()
  const env = environment()
  // pickle ids are minted anew by every Cucumber run: map them to scenarios from this run's own pickles
  const scenarios = new Map<string, Scenario>()
  const caseToPickle = new Map<string, string>()
  const startedToPickle = new Map<string, string>()
  const attachments: AttachmentRecord[] = []
  const stepFailures: StepFailure[] = []
  const withVerdicts = new Set<string>()
  const rows: ExampleRows = new Map()
  // verdicts come in-process (runner/verdict-attachment.ts), in the order the world judged them
  const runId = worldParameters.runId
  const stopReceiving =
    mediaType === FINDING_MEDIA_TYPE && typeof runId === 'string'
      ? receiveVerdicts(runId, (pickleId, verdict) => {
          const scenario = scenarios.get(pickleId)
          if (scenario) attachments.push({ scenario, verdict })
          withVerdicts.add(pickleId)
        })
      : undefined
  try {
    await runCucumber(
      {
        ...set.runConfiguration,
        sources: judgedSources(set),
        support: set.support,
        runtime: { ...set.runConfiguration.runtime, worldParameters: worldParameters as IRunConfiguration['runtime']['worldParameters'] },
      },
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
  } finally {
    stopReceiving?.()
  }
  // A step that attached verdicts failed because of them; any other failure is a policy/runtime problem.
  return { attachments, stepFailures }
}
