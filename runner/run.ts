// `vigil run`: plan (inventory × policies) → observe (probes, once per target) → judge (Cucumber,
// from stored observations) → report (results.json, junit.xml, report.html, summary.md,
// findings.csv, and run.json with the inputs snapshot the evidence bundle is made of).
import { existsSync, globSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { hostname, tmpdir, userInfo } from 'node:os'
import { randomUUID } from 'node:crypto'
import { CHECK_IDS, findCheckMetadata as findCheck } from '../checks/check-metadata.ts'
import { SEVERITIES, type Severity } from '../checks/types.ts'
import { summarizeObservation, type ObservationSummary } from '../checks/observation-summary.ts'
import { ConfigError } from '../core/config-file.ts'
import { allTargets, forgetInventory, loadInventory, type AnyTarget, type Inventory, type Settings } from './inventory.ts'
import { selects } from './target-selection.ts'
import { DEFAULT_FEATURES, VIGIL_ROOT, judgeWithCucumber, type AttachmentRecord, type PolicyNamer, type PolicySet, type Scenario, type StepFailure } from './cucumber.ts'
import { PROBE_MODULES, observeAll, type ObserveOptions, type PlannedTarget, type StoredObservation } from './observe.ts'
import { FINDING_MEDIA_TYPE, type VerdictAttachment } from './verdict-attachment.ts'
import { redactTarget } from './redact.ts'
import { policyRepository, snapshotInputs } from './run-inputs.ts'
import { sha256 } from '../core/hash.ts'
import { planEffectivePolicies, withPolicySteps, type EffectivePolicies } from './policy-set.ts'
import { resolveNames } from './resolve-names.ts'
import { shardKey, shardOf, type Shard } from '../shards/select.ts'
import { claimOutputFolder, clearEarlierRun, ensureOutputFolder, finishRunFolder, releaseOutputFolder } from './output-folder.ts'
import { writeFileBounded } from '../core/bounded-write.ts'
import { IDENTITY_VERSION, RESULTS_SCHEMA_VERSION, type Finding, type Results, type ResultsView } from '../reports/model.ts'
import type { WaiverApplier, WaiverSet } from '../reports/waivers.ts'
import type { EvidenceWriter } from '../reports/evidence-store.ts'
import { EVIDENCE_FILE, RUN_RECORD_FILE } from '../reports/run-files.ts'
import type { FindingsSpool } from '../reports/findings-spool.ts'
import { OBSERVATIONS_FILE, OBSERVATIONS_JOURNAL, ObservationJournal, type ObservationsFile } from './observation-journal.ts'
import type { ReportFiles } from '../reports/write-reports.ts'

export const VIGIL_VERSION: string = JSON.parse(readFileSync(join(VIGIL_ROOT, 'package.json'), 'utf8')).version

export interface RunOptions {
  config: string
  out: string
  features?: string[]
  tags?: string
  targets?: string[]
  /** waivers file to apply */
  waivers?: string
  /**
   * Aborted on interruption (the CLI aborts it on the first SIGINT/SIGTERM): no new probe starts,
   * in-flight ones get a short grace, then what was observed is judged and every report is written
   * with `run.incomplete: true`; the unobserved targets are `error` (`interrupted`).
   */
  signal?: AbortSignal
  /**
   * Where observations come from. Default: the probes (observeAll). `vigil gate` passes observations
   * it already collected once for both sides of a pull request, so neither side probes again.
   */
  observer?: (inv: Inventory, planned: PlannedTarget[], opts: ObserveOptions) => Promise<StoredObservation[]>
  /** how feature files are named in findings (default: relative to the current directory, or to Vigil for the shipped library) */
  policyName?: PolicyNamer
  /** replaces the inventory file's name in the results (the gate's base side is read from a temporary copy) */
  inventoryLabel?: string
  /** the schedule the run belongs to (else the inventory's `schedule:`, if any) */
  schedule?: string
  /** the command line's `--concurrency`, `--per-host`, `--per-host-rate`, `--timeout`: over the inventory's settings */
  settings?: Partial<Settings>
  /** a budget for the whole run: when it is spent the run ends like an interruption (reports written, marked incomplete) */
  maxDurationMs?: number
  /** observe only this shard's targets (by resolved host); `vigil merge` combines the shards of one run id */
  shard?: Shard
  /** the run id (shards of one run share it); default a new UUID */
  runId?: string
  /** Markdown put first in summary.md, made from the results (the gate's comparison) */
  summaryPrefix?: (results: ResultsView) => string
  onProgress?: (stage: 'observe', done: number, total: number, target: string) => void
  onStage?: (message: string) => void
}

export interface RunOutcome {
  /** the findings are read back from disk on each pass (`materialize` for an array) */
  results: ResultsView
  files: ReportFiles & { observations: string; evidence: string; run: string }
  /** line of each target's entry in the inventory, by name (annotations of built-in policies point there) */
  targetLines: Record<string, number>
}

export interface Plan {
  scenarios: (Scenario & { checkId: string })[]
  targets: PlannedTarget[]
}

/**
 * Which targets each scenario will judge (its `Given every …` selections, narrowed by --targets) and,
 * per target, the observation parts the checks judging it need. A target no scenario selects is not
 * probed at all.
 */
export function planRun(inv: Inventory, scenarios: Scenario[], only: string[] | undefined): Plan {
  const planned: Plan['scenarios'] = []
  const needs = new Map<AnyTarget, Set<string>>()
  const candidates = allTargets(inv).filter((t) => !only || only.length === 0 || only.includes(t.target.name))
  for (const s of scenarios) {
    if (!s.checkId) continue
    const check = findCheck(s.checkId)
    if (!check) throw new ConfigError(`${s.policy}:${s.line}: scenario "${s.name}": unknown check id "${s.checkId}" (see \`vigil checks\`)`)
    planned.push({ ...s, checkId: s.checkId })
    for (const t of candidates) {
      if (!check.kinds.includes(t.kind) || !s.selections.some((sel) => selects(sel, { kind: t.kind, tags: t.target.tags }))) continue
      const set = needs.get(t) ?? new Set<string>()
      for (const n of check.needs) set.add(n)
      needs.set(t, set)
    }
  }
  return { scenarios: planned, targets: candidates.filter((t) => needs.has(t)).map((entry) => ({ entry, needs: needs.get(entry)! })) }
}

export async function run(opts: RunOptions): Promise<RunOutcome> {
  const startedAt = new Date()
  if (opts.runId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(opts.runId)) throw new ConfigError(`--run-id ${opts.runId}: letters, digits, dot, dash, underscore (at most 64)`)
  const runId = opts.runId ?? randomUUID()
  const inv = loadInventory(opts.config)
  if (opts.settings) inv.settings = { ...inv.settings, ...Object.fromEntries(Object.entries(opts.settings).filter(([, v]) => v !== undefined)) }
  // the run's own stop: the caller's signal (SIGINT/SIGTERM), or the budget running out
  const stop = new AbortController()
  const budget = opts.maxDurationMs ? setTimeout(() => stop.abort(`the run budget of ${formatDuration(opts.maxDurationMs!)} was spent`), opts.maxDurationMs) : undefined
  budget?.unref()
  const relay = () => stop.abort(opts.signal?.reason)
  opts.signal?.addEventListener('abort', relay, { once: true })
  // a signal that fired before this run started (the gate observes first) stops it too
  if (opts.signal?.aborted) relay()
  const known = new Set(allTargets(inv).map((t) => t.target.name))
  const unknown = (opts.targets ?? []).filter((n) => !known.has(n))
  if (unknown.length > 0)
    throw new ConfigError(`--targets: no target named ${unknown.map((n) => `"${n}"`).join(', ')} in ${opts.config} (known: ${[...known].join(', ') || 'none'})`)
  const waivers: WaiverSet | undefined = opts.waivers ? (await import('../reports/waivers.ts')).loadWaivers(opts.waivers, CHECK_IDS) : undefined

  opts.onStage?.('loading policies')
  // the scenarios, from the feature files alone: Cucumber and the step library load once probing has begun
  const planned = await planEffectivePolicies(inv, { ...(opts.features ? { features: opts.features } : {}), ...(opts.tags ? { tags: opts.tags } : {}), ...(opts.policyName ? { policyName: opts.policyName } : {}) })
  const { features, plan: policies } = planned
  const plan = planRun(inv, policies.scenarios, opts.targets)
  // a run that selects nothing would exit 0 as if everything passed
  const nothing = emptyPlanProblem({ inv, features, tags: opts.tags, targets: opts.targets, scenarios: policies.scenarios, plan })
  if (nothing) throw new ConfigError(nothing)
  // a shard observes its part of the plan; another shard of the same run id observes the rest
  if (opts.shard) {
    const names = plan.targets.flatMap((p) => (p.entry.kind === 'tls' || p.entry.kind === 'ssh' ? [p.entry.target.address ?? p.entry.target.host] : []))
    const resolved = await resolveNames(names, { timeoutMs: inv.settings.timeoutMs, concurrency: inv.settings.concurrency, nameservers: inv.settings.nameservers })
    const shard = opts.shard
    plan.targets = plan.targets.filter((p) => shardOf(shardKey(p.entry, resolved), shard.count) === shard.index)
  }

  // the folder is checked and claimed for this run; an earlier run's files are removed once the
  // policies' steps are known to be sound (a policy mistake leaves the earlier run as it was)
  ensureOutputFolder(opts.out)
  await claimOutputFolder(opts.out, { runId, pid: process.pid, host: hostname(), startedAt: startedAt.toISOString() }, { clearEarlierRun: false })
  const observationsFile = join(opts.out, OBSERVATIONS_FILE)
  // the exact inputs: the inventory's text as it was parsed; the copies (secrets removed from the
  // inventory: a second YAML parse) are written once probing has begun
  let snapshot: ReturnType<typeof snapshotInputs> | undefined
  const keepInputs = () =>
    (snapshot ??= snapshotInputs(opts.out, {
      inventoryFile: opts.config,
      inventoryText: inv.text,
      ...(waivers ? { waiversFile: waivers.file, waiversText: waivers.text } : {}),
      policies: new Map(policies.scenarios.map((s) => [s.file, s.policy])),
    }))
  // What is not needed to start probing starts once the first probe operation has (or observation
  // ended without any): the step check (undefined or ambiguous steps: Cucumber and the step library),
  // then the earlier run's files removed and the inputs' copies written; the policy repository's git
  // commit. A step problem stops the probes and the run (exit 2).
  let repoLookup: ReturnType<typeof policyRepository> | undefined
  const findRepo = () => (repoLookup ??= policyRepository([...new Set(policies.scenarios.map((s) => s.file))]))
  let stepCheck: Promise<EffectivePolicies> | undefined
  let stepProblem: unknown
  const checkSteps = () =>
    (stepCheck ??= withPolicySteps(planned).catch((e: unknown) => {
      stepProblem = e
      stop.abort('the policies have a problem')
      throw e
    }))
  let prepared: ReturnType<typeof snapshotInputs> | undefined
  const prepare = () =>
    (prepared ??= checkSteps().then(() => {
      clearEarlierRun(opts.out, [OBSERVATIONS_JOURNAL])
      return keepInputs()
    }))
  const afterFirstOperation = () =>
    setImmediate(() => {
      void prepare().catch(() => undefined)
      void findRepo()
    })

  // each observation goes to disk as its probe finishes; only what provenance needs stays in memory
  opts.onStage?.(`observing ${plan.targets.length} target(s) for ${plan.scenarios.length} scenario(s)`)
  const journal = new ObservationJournal(join(opts.out, OBSERVATIONS_JOURNAL), plan.targets.length)
  const summaries: ObservationSummary[] = []
  const keep = (i: number, o: StoredObservation) => {
    summaries[i] = summarizeObservation(o.kind, o.data)
    void journal.add(i, o)
  }
  let observations = await (opts.observer ?? observeAll)(inv, plan.targets, {
    onProgress: (d, t, name) => opts.onProgress?.('observe', d, t, name),
    signal: stop.signal,
    onObservation: keep,
    onFirstOperation: afterFirstOperation,
  })
  // an observer that returns its observations whole (the gate's), and targets cut short by an interruption
  observations.forEach((o, i) => {
    if (!journal.has(i) || o.probeError?.kind === 'interrupted') keep(i, o)
  })
  clearTimeout(budget)
  opts.signal?.removeEventListener('abort', relay)
  // the policies decide before anything is judged or reported (a step problem has stopped the probes):
  // on a problem, what this run wrote goes and the folder is left as the earlier run left it
  let inputs: Awaited<ReturnType<typeof snapshotInputs>>
  try {
    inputs = await (stepProblem ? Promise.reject(stepProblem) : prepare())
  } catch (e) {
    await journal.abandon()
    releaseOutputFolder(opts.out)
    throw e
  }
  const effective = await checkSteps()
  const policyRepo = await findRepo()
  const interruptedAt = stop.signal.aborted ? new Date() : undefined
  const why = String(stop.signal.reason ?? 'a signal')
  const interruptionReason = /^SIG[A-Z]+$/.test(why) ? `interrupted by ${why}` : why
  const unobserved = observations.filter((o) => o.probeError?.kind === 'interrupted').map((o) => o.target)
  // written before judging: whatever happens next, what was collected is kept
  const stored = await journal.finish(observationsFile, { runId, collectedAt: startedAt.toISOString() })

  const population: Results['population'] = {}
  for (const p of plan.targets) {
    const row = (population[p.entry.kind] ??= { planned: 0, observed: 0 })
    row.planned++
  }
  for (const o of observations) if (!o.probeError) population[o.kind]!.observed++

  collectGarbage()
  opts.onStage?.(interruptedAt ? `interrupted: judging what was observed (${unobserved.length} target(s) not observed)` : 'judging')
  const { WaiverApplier } = await import('../reports/waivers.ts')
  const { EvidenceWriter } = await import('../reports/evidence-store.ts')
  const judged = await judgeInBatches({
    policies: effective.set,
    scenarios: plan.scenarios,
    stored,
    runId,
    worldParameters: { targets: opts.targets ?? [], paramOverrides: effective.overrides },
    // a batch's provenance is made when it is judged: nothing per target is held for the whole run
    provenance: (from, to) => provenanceFor(observations.slice(from, to), summaries.slice(from, to), plan.targets.slice(from, to), inv, from),
    waivers: new WaiverApplier(waivers, startedAt),
    evidence: new EvidenceWriter(join(opts.out, EVIDENCE_FILE)),
  })
  // what was kept per target is in the findings now: the reports of a large fleet start from a smaller
  // heap (peak memory at 5,000 endpoints is set while the reports are written)
  observations = []
  summaries.length = 0
  plan.targets = []
  inv.targets = { tls: [], ssh: [], keyDirs: [], aws: [] }
  inv.text = ''
  forgetInventory()
  const problems: Results['problems'] = [
    ...judged.stepFailures.map((f) => {
      const s = f.scenario
      return { kind: 'scenario', severity: 'error' as const, message: `${s ? `${s.policy}:${s.line}: scenario "${s.name}"` : 'a scenario'}: ${f.message}` }
    }),
    ...judged.waivers.problems.map((p) => ({ ...p, severity: 'warning' as const })),
  ]

  const branch = branchName()
  const results: ResultsView = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    identityVersion: IDENTITY_VERSION,
    run: {
      id: runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      vigilVersion: VIGIL_VERSION,
      nodeVersion: process.version,
      host: hostname(),
      operator: process.env.VIGIL_OPERATOR ?? safeUser(),
      inventory: opts.inventoryLabel ?? opts.config,
      features,
      ...(opts.tags ? { tags: opts.tags } : {}),
      ...(effective.off.length || Object.keys(effective.overrides).length ? { policyChanges: { off: effective.off, params: effective.overrides } } : {}),
      ...(opts.targets && opts.targets.length > 0 ? { targets: opts.targets } : {}),
      ...(waivers ? { waivers: waivers.file } : {}),
      ...((opts.schedule ?? inv.schedule?.name) ? { schedule: opts.schedule ?? inv.schedule!.name } : {}),
      ...(branch ? { branch } : {}),
      ...(opts.shard ? { shard: { ...opts.shard, by: 'resolved host' } } : {}),
      settings: { timeoutMs: inv.settings.timeoutMs, concurrency: inv.settings.concurrency, perHost: inv.settings.perHost, perHostRate: inv.settings.perHostRate, ...(opts.maxDurationMs ? { maxDurationMs: opts.maxDurationMs } : {}) },
      ...(policyRepo ? { policyRepo } : {}),
      incomplete: !!interruptedAt,
      ...(interruptedAt ? { interruption: { reason: interruptionReason, at: interruptedAt.toISOString(), unobserved } } : {}),
    },
    totals: judged.totals,
    population,
    findings: judged.findings,
    ...(waivers ? { waivers: judged.waivers.uses } : {}),
    problems,
  }
  collectGarbage()
  const { writeReports } = await import('../reports/write-reports.ts')
  const reports = await writeReports(opts.out, results, opts.summaryPrefix?.(results))
  const files = { ...reports, observations: observationsFile, evidence: join(opts.out, EVIDENCE_FILE), run: join(opts.out, RUN_RECORD_FILE) }
  await finishRunFolder(opts.out, results.run, inputs)
  return { results, files, targetLines: inv.targetLines }
}

/** One paragraph saying what selected nothing, or undefined when the plan judges something. */
export function emptyPlanProblem(p: {
  inv: Inventory
  features: string[]
  tags?: string
  targets?: string[]
  scenarios: Scenario[]
  plan: Plan
}): string | undefined {
  const all = allTargets(p.inv)
  if (all.length === 0) return `${p.inv.file}: the inventory has no targets (targets.tls, targets.ssh, targets.keyDirs and targets.aws are all empty); nothing would be checked`
  const unmatched = p.features.filter((f) => !featureArgMatches(f))
  if (unmatched.length > 0)
    return `--features: ${unmatched.map((f) => `"${f}"`).join(', ')} ${unmatched.length === 1 ? 'matches' : 'match'} no feature file; nothing would be checked`
  const where = p.features.map((f) => (f === DEFAULT_FEATURES[0] ? 'the policy library shipped with Vigil' : f)).join(', ')
  if (p.scenarios.length === 0)
    return p.tags
      ? `--tags '${p.tags}' selects no scenario in ${where}; nothing would be checked`
      : `${where}: no scenario found; nothing would be checked`
  if (p.plan.targets.length === 0) {
    const kinds = [...new Set(p.plan.scenarios.flatMap((s) => s.selections.map((sel) => `${sel.kind}${sel.tag ? ` tagged "${sel.tag}"` : ''}`)))]
    const pool = p.targets?.length ? `--targets ${p.targets.join(',')} (${all.filter((t) => p.targets!.includes(t.target.name)).map((t) => `${t.target.name}: ${t.kind}${t.target.tags.length ? ` [${t.target.tags.join(', ')}]` : ''}`).join('; ')})` : `${p.inv.file} (${all.length} target(s): ${[...new Set(all.map((t) => t.kind))].join(', ')})`
    return `no target selected: the ${p.plan.scenarios.length} scenario(s) select ${kinds.join(', ') || 'no targets'}, and none of those is in ${pool}; nothing would be checked`
  }
  return undefined
}

/** A --features argument: a file or folder, a glob, or `file.feature:LINE`; does it name anything? */
function featureArgMatches(arg: string): boolean {
  const path = arg.replace(/(:\d+)+$/, '')
  if (/[*?[{]/.test(path)) return globSync(path).length > 0
  return existsSync(path)
}

/**
 * Provenance and population of each target's observation, by target name (`summaries` beside the
 * observations, from the raw data; `first`: the plan index of the first, where it is in observations.json).
 */
export function provenanceFor(observations: StoredObservation[], summaries: readonly ObservationSummary[], planned: PlannedTarget[], inv: Inventory, first = 0): Map<string, Pick<Finding, 'provenance' | 'population'>> {
  const entries = new Map(planned.map((p) => [p.entry.target.name, p.entry.target as unknown as Record<string, unknown>]))
  return new Map(
    observations.map((o, i) => {
      const summary = summaries[i]!
      return [
        o.target,
        {
          provenance: {
            probe: PROBE_MODULES[o.kind],
            target: redactTarget(entries.get(o.target) ?? { name: o.target }),
            parts: o.parts,
            timeoutMs: inv.settings.timeoutMs,
            startedAt: o.startedAt,
            finishedAt: o.finishedAt,
            durationMs: o.durationMs,
            operations: summary.operations,
            observation: `${OBSERVATIONS_FILE}#/targets/${first + i}`,
          },
          population: summary.population,
        },
      ]
    }),
  )
}

/** How many targets one Cucumber judging pass reads: bounds the memory judging takes, whatever the fleet's size. */
export const JUDGING_BATCH = 100

/**
 * The judging stage: Cucumber judges the stored observations a batch of targets at a time (each
 * batch's observations read back from observations.json by byte range), and each finding is waived
 * if a waiver says so, has its evidence stored once in evidence.jsonl and cited by hash, and goes to
 * the findings spool. Findings come back scenario by scenario, targets in plan order.
 */
async function judgeInBatches(j: {
  policies: PolicySet
  scenarios: readonly Scenario[]
  stored: ObservationsFile
  runId: string
  worldParameters: { targets: string[]; paramOverrides: Record<string, Record<string, unknown>> }
  provenance: (from: number, to: number) => ReadonlyMap<string, Pick<Finding, 'provenance' | 'population'>>
  waivers: WaiverApplier
  evidence: EvidenceWriter
}): Promise<{ findings: FindingsSpool; totals: Results['totals']; stepFailures: StepFailure[]; waivers: ReturnType<WaiverApplier['finish']> }> {
  const { FindingsSpool } = await import('../reports/findings-spool.ts')
  const spool = new FindingsSpool(j.scenarios.length + 1)
  const order = new Map(j.scenarios.map((s, i) => [s.scenarioKey, i]))
  const totals: Results['totals'] = { passed: 0, failed: 0, error: 0, 'not-applicable': 0, skipped: 0, waived: 0 }
  const failures = new Map<string, StepFailure>()
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-judge-'))
  try {
    const batches = Math.max(1, Math.ceil(j.stored.count / JUDGING_BATCH))
    const size = Math.ceil(j.stored.count / batches)
    for (let from = 0; from < j.stored.count; from += size) {
      const to = Math.min(j.stored.count, from + size)
      const observationsFile = join(scratch, `batch-${from}.json`)
      await writeFileBounded(observationsFile, j.stored.slice(from, to))
      const { attachments, stepFailures } = await judgeWithCucumber(j.policies, { ...j.worldParameters, observationsFile, runId: `${j.runId}/${from}` }, FINDING_MEDIA_TYPE)
      rmSync(observationsFile, { force: true })
      // a scenario that cannot run fails the same way in every batch: said once
      for (const f of stepFailures) failures.set(`${f.scenario?.scenarioKey ?? ''}\u0000${f.message}`, f)
      const byScenario = new Map<number, Finding[]>()
      for (const found of toFindings(attachments, j.provenance(from, to))) {
        const f = { ...j.waivers.apply(found), evidence: j.evidence.cite(found.evidence) }
        totals[f.status]++
        const at = order.get(f.scenarioKey) ?? j.scenarios.length
        const list = byScenario.get(at)
        if (list) list.push(f)
        else byScenario.set(at, [f])
      }
      await Promise.all([...[...byScenario].map(([at, fs]) => spool.add(at, fs)), j.evidence.flush()])
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
    await Promise.all([spool.close(), j.evidence.close()])
  }
  return { findings: spool, totals, stepFailures: [...failures.values()], waivers: j.waivers.finish() }
}

/**
 * Between stages, what the stage before left behind is collected, so the next stage starts from a
 * small heap instead of growing it further (peak memory of a 1,000-endpoint run: −40 MB). Needs
 * `node --expose-gc`, as bin/vigil.mjs runs; a no-op otherwise.
 */
function collectGarbage(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

/** `90s`, `10m`, `1h 30m`: how a budget is said back to the user. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 120) return `${s} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
}

/** The branch being checked: the CI's variable when set, else the current directory's git branch. */
function branchName(): string | undefined {
  const env = process.env.VIGIL_BRANCH ?? process.env.GITHUB_REF_NAME ?? process.env.CI_COMMIT_REF_NAME
  if (env) return env
  try {
    const b = execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    return b && b !== 'HEAD' ? b : undefined
  } catch {
    return undefined
  }
}

function safeUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}

/**
 * A finding's severity: the scenario's `@severity:` tag when it has one; else the worst of its
 * offenders' (an offender without its own takes the check's default); else the check's default.
 * An already expired certificate makes its finding critical, though the check's default is high.
 */
export function findingSeverity(tag: string | undefined, checkDefault: Severity, offenders: readonly { severity?: Severity }[] | undefined): Severity {
  if (tag) return tag as Severity
  if (!offenders?.length) return checkDefault
  return SEVERITIES.find((s) => offenders.some((o) => (o.severity ?? checkDefault) === s)) ?? checkDefault
}

/** Identity v1 of a finding, hashed: what the gate and the history match findings on. */
export function findingFingerprint(checkId: string, scenarioKey: string, target: string): string {
  return sha256(JSON.stringify([IDENTITY_VERSION, checkId, scenarioKey, target]))
}

export function toFindings(attachments: AttachmentRecord[], provenance: ReadonlyMap<string, Pick<Finding, 'provenance' | 'population'>> = new Map()): Finding[] {
  const findings: Finding[] = []
  for (const a of attachments) {
    const s = a.scenario
    const v = 'verdict' in a ? a.verdict : (JSON.parse(a.body) as VerdictAttachment)
    const check = findCheck(v.checkId)
    findings.push({
      id: `${v.checkId}@${v.target}#${s.policy}:${s.line}`,
      fingerprint: findingFingerprint(v.checkId, s.scenarioKey, v.target),
      scenarioKey: s.scenarioKey,
      severity: findingSeverity(s.severity, check?.severity.level ?? 'medium', v.verdict.offenders),
      policySeverity: (s.severity as Severity | undefined) ?? check?.severity.level ?? 'medium',
      checkId: v.checkId,
      target: v.target,
      targetKind: v.targetKind,
      status: v.verdict.status,
      verdict: v.verdict.status,
      ...(v.verdict.errorKind ? { errorKind: v.verdict.errorKind } : {}),
      policy: s.policy,
      scenario: s.name,
      scenarioLine: s.line,
      controls: s.controls,
      summary: v.verdict.summary,
      params: v.params,
      expected: v.verdict.expected,
      actual: v.verdict.actual,
      observed: v.verdict.observed,
      evidence: v.verdict.evidence,
      observedAt: v.observedAt,
      ...provenance.get(v.target),
      ...(v.verdict.offenders?.length ? { offenders: v.verdict.offenders } : {}),
    })
  }
  return findings
}
