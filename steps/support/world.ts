// The World every scenario runs in. It reads the observations collected before Cucumber started
// (worldParameters.observationsFile), never the network, and turns each judged target into a
// finding attachment that the runner collects.
import { readFileSync } from 'node:fs'
import { Before, World, setWorldConstructor, type IWorldOptions } from '@cucumber/cucumber'
import { getCheck } from '../../checks/catalog.ts'
import { FINDING_MEDIA_TYPE, deliverVerdict, type VerdictAttachment } from '../../runner/verdict-attachment.ts'
import { selects } from '../../runner/target-selection.ts'
import { errorVerdict, type TargetKind, type Verdict } from '../../checks/types.ts'
import type { StoredObservation } from '../../runner/observe.ts'

export interface VigilWorldParameters {
  observationsFile: string
  /** unique per judging run */
  runId: string
  /** target names selected by --targets; empty = all */
  targets?: string[]
  /** parameters by scenario key (`policies.params` of the inventory), over the phrase's own */
  paramOverrides?: Record<string, Record<string, unknown>>
}

export interface ObservationStore {
  schemaVersion: 1
  targets: StoredObservation[]
}

// Read once per run, not once per scenario. Keyed by run: a process that runs twice into the same
// folder (the lab, the benchmark, an embedding program) must not judge the previous observations.
let cached: { runId: string; store: ObservationStore } | undefined
function loadStore(file: string, runId: string): ObservationStore {
  if (cached?.runId !== runId) cached = { runId, store: JSON.parse(readFileSync(file, 'utf8')) as ObservationStore }
  return cached.store
}

export class VigilWorld extends World<VigilWorldParameters> {
  private selection: { kind: TargetKind; tag?: string }[] = []
  /** the running scenario's `@id:` key, set by the Before hook */
  scenarioId: string | undefined
  /** the running scenario's pickle, set by the Before hook: where its verdicts are delivered */
  pickleId: string | undefined

  constructor(options: IWorldOptions<VigilWorldParameters>) {
    super(options)
  }

  /** `Given every TLS endpoint [tagged "x"]`; several Given steps add up (`And every key folder`) */
  select(kind: TargetKind, tag?: string): void {
    this.selection.push({ kind, tag })
  }

  /**
   * Judge every selected target with one check and attach one verdict per target. The verdicts are
   * the result: a failing target does not fail the Cucumber step (Cucumber would format an error
   * report per failing scenario that nobody reads); a step fails only when it cannot judge at all.
   */
  async judge(checkId: string, phraseParams: Record<string, unknown>): Promise<void> {
    const check = getCheck(checkId)
    const params = { ...phraseParams, ...(this.scenarioId ? this.parameters.paramOverrides?.[this.scenarioId] : undefined) }
    if (this.selection.length === 0)
      throw new Error(`the scenario must select targets (e.g. "Given every TLS endpoint") before "${checkId}" can be judged`)
    const wrong = this.selection.filter((s) => !check.kinds.includes(s.kind))
    if (wrong.length > 0)
      throw new Error(`check ${checkId} applies to ${check.kinds.join('/')} targets, but the scenario selected ${wrong.map((s) => s.kind).join('/')} targets`)
    const store = loadStore(this.parameters.observationsFile, this.parameters.runId)
    const only = this.parameters.targets ?? []
    const chosen = store.targets.filter(
      (t) => (only.length === 0 || only.includes(t.target)) && this.selection.some((s) => selects(s, t)),
    )
    for (const obs of chosen) {
      let verdict: Verdict
      try {
        const pe = obs.probeError
        verdict = pe
          ? pe.kind === 'interrupted'
            ? errorVerdict('interrupted', pe.message)
            : errorVerdict(pe.kind === 'timeout' ? 'timeout' : pe.kind === 'unreachable' ? 'unreachable' : 'protocol', `the probe failed: ${pe.message}`)
          : check.judge(obs.data, params, { now: new Date(obs.startedAt) })
      } catch (e) {
        verdict = { status: 'error', errorKind: 'inconclusive', summary: `the check could not judge this observation: ${(e as Error).message}`, expected: {}, actual: {}, observed: {}, evidence: [] }
      }
      // every failing or erroring verdict names what offends; a check that names nothing gets one offender for the whole target
      if ((verdict.status === 'failed' || verdict.status === 'error') && !verdict.offenders?.length)
        verdict = { ...verdict, offenders: [{ id: verdict.status === 'error' ? `error/${verdict.errorKind ?? 'unknown'}` : 'target', why: verdict.summary }] }
      if (verdict.status === 'passed' || verdict.status === 'not-applicable') delete verdict.offenders
      const att: VerdictAttachment = { checkId, target: obs.target, targetKind: obs.kind, params, observedAt: obs.startedAt, verdict }
      if (!deliverVerdict(this.parameters.runId, this.pickleId, att)) await this.attach(JSON.stringify(att), FINDING_MEDIA_TYPE)
    }
  }
}

setWorldConstructor(VigilWorld)

Before(function (this: VigilWorld, { pickle }) {
  this.scenarioId = pickle.tags.find((t) => t.name.startsWith('@id:'))?.name.slice('@id:'.length)
  this.pickleId = pickle.id
})
