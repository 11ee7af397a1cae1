// `vigil run`: plan (inventory × policies) → observe (probes, once per target) → judge (Cucumber,
// from stored observations) → report (results.json, junit.xml, console).
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { hostname, userInfo } from 'node:os'
import { randomUUID } from 'node:crypto'
import { findCheck } from '../checks/catalog.ts'
import { ConfigError } from './config-file.ts'
import { allTargets, loadInventory, type AnyTarget, type Inventory } from './inventory.ts'
import { selects } from './target-selection.ts'
import { DEFAULT_FEATURES, VIGIL_ROOT, judgeWithCucumber, loadPolicies, type AttachmentRecord, type Scenario } from './cucumber.ts'
import { observeAll, type PlannedTarget } from './observe.ts'
import { FINDING_MEDIA_TYPE, type VerdictAttachment } from './verdict-attachment.ts'
import { RESULTS_SCHEMA_VERSION, countStatuses, type Finding, type Results } from '../reports/model.ts'
import { writeJunit } from '../reports/junit.ts'

export const VIGIL_VERSION: string = JSON.parse(readFileSync(join(VIGIL_ROOT, 'package.json'), 'utf8')).version

export interface RunOptions {
  config: string
  out: string
  features?: string[]
  tags?: string
  targets?: string[]
  onProgress?: (stage: 'observe', done: number, total: number, target: string) => void
  onStage?: (message: string) => void
}

export interface RunOutcome {
  results: Results
  files: { results: string; junit: string; observations: string }
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
  const inv = loadInventory(opts.config)
  const known = new Set(allTargets(inv).map((t) => t.target.name))
  const unknown = (opts.targets ?? []).filter((n) => !known.has(n))
  if (unknown.length > 0)
    throw new ConfigError(`--targets: no target named ${unknown.map((n) => `"${n}"`).join(', ')} in ${opts.config} (known: ${[...known].join(', ') || 'none'})`)

  const features = opts.features && opts.features.length > 0 ? opts.features : DEFAULT_FEATURES
  opts.onStage?.('loading policies')
  const policies = await loadPolicies({ features, tags: opts.tags })
  if (policies.problems.length > 0) throw new ConfigError(policies.problems.map((p) => p.message).join('\n'))
  const plan = planRun(inv, policies.scenarios, opts.targets)

  mkdirSync(opts.out, { recursive: true })
  const files = {
    results: join(opts.out, 'results.json'),
    junit: join(opts.out, 'junit.xml'),
    observations: join(opts.out, 'observations.json'),
  }

  opts.onStage?.(`observing ${plan.targets.length} target(s) for ${plan.scenarios.length} scenario(s)`)
  const observations = await observeAll(inv, plan.targets, (d, t, name) => opts.onProgress?.('observe', d, t, name))
  // written before judging: whatever happens next, what was collected is kept
  writeFileSync(files.observations, JSON.stringify({ schemaVersion: 1, collectedAt: startedAt.toISOString(), targets: observations }, null, 1))

  opts.onStage?.('judging')
  const runId = randomUUID()
  const { attachments, stepFailures } = await judgeWithCucumber(
    policies,
    { observationsFile: files.observations, runId, targets: opts.targets ?? [] },
    FINDING_MEDIA_TYPE,
  )
  const findings = toFindings(attachments)
  const problems = stepFailures.map((f) => {
    const s = f.scenario
    return { kind: 'scenario', message: `${s ? `${s.policy}:${s.line}: scenario "${s.name}"` : 'a scenario'}: ${f.message}` }
  })

  const population: Results['population'] = {}
  for (const p of plan.targets) {
    const row = (population[p.entry.kind] ??= { planned: 0, observed: 0 })
    row.planned++
  }
  for (const o of observations) if (!o.probeError) population[o.kind]!.observed++

  const results: Results = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    run: {
      id: runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      vigilVersion: VIGIL_VERSION,
      nodeVersion: process.version,
      host: hostname(),
      operator: process.env.VIGIL_OPERATOR ?? safeUser(),
      inventory: opts.config,
      features,
      ...(opts.tags ? { tags: opts.tags } : {}),
      ...(opts.targets && opts.targets.length > 0 ? { targets: opts.targets } : {}),
    },
    totals: countStatuses(findings),
    population,
    findings,
    problems,
  }
  writeFileSync(files.results, JSON.stringify(results, null, 2) + '\n')
  writeJunit(files.junit, results)
  return { results, files }
}

function safeUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}

export function toFindings(attachments: AttachmentRecord[]): Finding[] {
  const findings: Finding[] = []
  for (const { scenario: s, body } of attachments) {
    const v = JSON.parse(body) as VerdictAttachment
    findings.push({
      id: `${v.checkId}@${v.target}#${s.policy}:${s.line}`,
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
    })
  }
  return findings
}
