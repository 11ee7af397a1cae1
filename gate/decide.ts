// The gate's decision table: every (base outcome, change outcome) pair of a finding, and every
// offender in it, maps to exactly one class, by a fixed precedence. Pure: the results of both sides
// in, the classified rows out. The README's table is this file, in words; each row has a test.
//
// A finding is matched on identity v1 (check id, scenario key, target name); a failure on each
// offender id. Outcomes compare *verdicts*: a waived offender is still failing for the comparison.
import type { Finding, Results } from '../reports/model.ts'
import { SEVERITIES, type Severity } from '../checks/types.ts'

export type Outcome = 'passed' | 'failed' | 'error' | 'not-applicable' | 'missing'

export const GATE_CLASSES = ['new', 'coverage-lost', 'weakened', 'still-failing', 'fixed', 'environment', 'coverage-gained'] as const
export type GateClass = (typeof GATE_CLASSES)[number]

export interface Declaration {
  /** `retired` entry of the change side's vigil.yaml, or a waiver the change adds */
  kind: 'retired' | 'waiver'
  reason: string
  ticket: string
  /** where it is written, `vigil.yaml:12` */
  source?: string
}

export interface GateRow {
  class: GateClass
  checkId: string
  scenarioKey: string
  target: string
  /** the offender this row is about; absent for finding-level rows (coverage) */
  offender?: { id: string; why: string }
  base: Outcome
  change: Outcome
  severity: Severity
  /** why this class, one line */
  reason: string
  /** a coverage loss or weakening the change declares (retired entry, waiver it adds): listed, does not fail */
  declared?: Declaration
  /** first time this offender was seen failing (from `--since`), when known */
  firstSeen?: string
  /** where to annotate: the team's scenario line, or the target's inventory entry */
  location?: { file: string; line: number }
  /** the change side's finding id (or the base side's when the change has none) */
  findingId: string
}

export interface RetiredEntry {
  target?: string
  scenario?: string
  check?: string
  reason: string
  ticket: string
  source?: string
}

export interface DecideInput {
  base: Results | undefined
  change: Results
  /**
   * The offenders the change side's policy (its parameters) finds on the BASE side's observation of
   * this finding: an offender that fails on the base side and passes on the change side is *fixed*
   * only when the change's policy still catches it on the base observation (the target got better),
   * and *weakened* when it does not (the policy got looser). Undefined: cannot re-judge.
   */
  rejudge(base: Finding, change: Finding): Set<string> | undefined
  retired: readonly RetiredEntry[]
  /** waiver ids present on the base side: a waiver the change adds is its own declaration */
  baseWaiverIds: ReadonlySet<string>
}

const key = (f: Pick<Finding, 'checkId' | 'scenarioKey' | 'target'>) => JSON.stringify([f.checkId, f.scenarioKey, f.target])

export function outcomeOf(f: Finding | undefined): Outcome {
  if (!f) return 'missing'
  return f.verdict === 'skipped' ? 'missing' : f.verdict
}

export const severityRank = (s: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(s)

/** The severity the policy gives a finding: its scenario's `@severity:` tag, else the check's default (not the worst offender's). */
export const policySeverity = (f: Pick<Finding, 'severity' | 'policySeverity'>): Severity => f.policySeverity ?? f.severity

function retiredFor(entries: readonly RetiredEntry[], f: Pick<Finding, 'checkId' | 'scenarioKey' | 'target'>): RetiredEntry | undefined {
  return entries.find(
    (r) => (r.target === undefined || r.target === f.target) && (r.scenario === undefined || r.scenario === f.scenarioKey) && (r.check === undefined || r.check === f.checkId),
  )
}

/** The classified rows; `unchanged` pairs (passed → passed, error → error, …) produce none. */
export function decide(input: DecideInput): GateRow[] {
  const rows: GateRow[] = []
  const baseBy = new Map((input.base?.findings ?? []).map((f) => [key(f), f]))
  const changeBy = new Map(input.change.findings.map((f) => [key(f), f]))
  const keys = [...new Set([...baseBy.keys(), ...changeBy.keys()])]
  for (const k of keys) {
    const b = baseBy.get(k)
    const c = changeBy.get(k)
    const bo = outcomeOf(b)
    const co = outcomeOf(c)
    const any = (c ?? b)!
    const row = (cls: GateClass, reason: string, extra: Partial<GateRow> = {}): GateRow => ({
      class: cls,
      checkId: any.checkId,
      scenarioKey: any.scenarioKey,
      target: any.target,
      base: bo,
      change: co,
      severity: b && c ? (severityRank(b.severity) >= severityRank(c.severity) ? b.severity : c.severity) : any.severity,
      reason,
      findingId: any.id,
      ...extra,
    })
    const waiverDeclaration = (): Declaration | undefined =>
      c?.waiver && !input.baseWaiverIds.has(c.waiver.id)
        ? { kind: 'waiver', reason: c.waiver.justification, ticket: c.waiver.ticket, ...(c.waiver.source ? { source: c.waiver.source } : {}) }
        : undefined

    // 1. the change side fails: each offender is new or still failing
    if (co === 'failed') {
      const baseIds = new Set(bo === 'failed' ? (b!.offenders ?? []).map((o) => o.id) : [])
      // the policy's severity (the scenario's tag, else the check's default), not the worst offender's:
      // fixing the critical offender of a finding lowers the finding, not the policy
      const lowered = b && bo === 'failed' && severityRank(policySeverity(c!)) < severityRank(policySeverity(b))
      for (const o of c!.offenders ?? []) {
        const own = { severity: o.severity ?? policySeverity(c!) }
        // a waiver the change adds never declares a NEW failure: the change cannot excuse what it introduces
        if (!baseIds.has(o.id)) rows.push(row('new', bo === 'failed' ? 'fails on the change side, not on the base side' : `fails on the change side; the base side was ${bo}`, { offender: o, ...own }))
        else if (lowered) rows.push(row('weakened', `severity lowered from ${policySeverity(b!)} to ${policySeverity(c!)}`, { offender: o, severity: o.severity ?? policySeverity(b!) }))
        else {
          const w = waiverDeclaration()
          rows.push(row(w ? 'weakened' : 'still-failing', w ? `waived by ${c!.waiver!.id}, which the change adds` : 'fails on both sides (old debt)', { offender: o, ...own, ...declared(w) }))
        }
      }
    }
    // 2. offenders failing on the base side that the change side no longer fails: fixed, or weakened
    if (bo === 'failed' && (co === 'failed' || co === 'passed')) {
      const changeIds = new Set(co === 'failed' ? (c!.offenders ?? []).map((o) => o.id) : [])
      const gone = (b!.offenders ?? []).filter((o) => !changeIds.has(o.id))
      const still = gone.length ? input.rejudge(b!, c!) : undefined
      for (const o of gone) {
        if (still?.has(o.id)) rows.push(row('fixed', "passes on the change side, and the change's policy still catches it on the base side's observation", { offender: o }))
        else
          // `retired:` declares coverage loss only: a loosened parameter on a target still checked is never excused by it
          rows.push(row('weakened', still ? "passes on the change side only because the change's policy no longer catches it (a parameter was loosened)" : 'no longer fails, and it cannot be shown that the target improved', { offender: o }))
      }
    }
    // 3. the change side no longer decides what the base side decided
    if ((bo === 'passed' || bo === 'failed') && (co === 'error' || co === 'not-applicable' || co === 'missing')) {
      const r = retiredFor(input.retired, any)
      const what = co === 'missing' ? 'no longer checked (target, scenario or check removed, switched off or filtered out)' : co === 'error' ? `not decided on the change side: ${c!.summary}` : `not applicable on the change side: ${c!.summary}`
      rows.push(row('coverage-lost', `was ${bo} on the base side; ${what}`, declared(retiredAsDeclaration(r))))
    }
    // 4. new coverage: informational
    if (co === 'passed' && (bo === 'missing' || bo === 'error' || bo === 'not-applicable')) rows.push(row('coverage-gained', `passes on the change side; the base side was ${bo}`))
  }
  return rows
}

function retiredAsDeclaration(r: RetiredEntry | undefined): Declaration | undefined {
  return r ? { kind: 'retired', reason: r.reason, ticket: r.ticket, ...(r.source ? { source: r.source } : {}) } : undefined
}

const declared = (d: Declaration | undefined): Partial<GateRow> => (d ? { declared: d } : {})

/**
 * `--since`: offenders failing on the base side now that did not fail in the earlier run (what changed
 * in the environment, not in the pull request), and first-seen dates for every failing offender.
 */
export function environmentRows(baseNow: Results, since: Results): { rows: GateRow[]; firstSeen: Map<string, string> } {
  const then = new Map(since.findings.map((f) => [key(f), f]))
  const rows: GateRow[] = []
  const firstSeen = new Map<string, string>()
  for (const f of baseNow.findings) {
    if (f.verdict !== 'failed') continue
    const earlier = then.get(key(f))
    const before = new Set(earlier?.verdict === 'failed' ? (earlier.offenders ?? []).map((o) => o.id) : [])
    for (const o of f.offenders ?? []) {
      const k = offenderKey(f, o.id)
      if (before.has(o.id)) firstSeen.set(k, since.run.startedAt)
      else {
        firstSeen.set(k, f.observedAt)
        rows.push({
          class: 'environment',
          checkId: f.checkId,
          scenarioKey: f.scenarioKey,
          target: f.target,
          offender: o,
          base: 'failed',
          change: 'failed',
          severity: f.severity,
          reason: `fails now on the base side, and did not in the run of ${since.run.startedAt} (changed outside this pull request)`,
          findingId: f.id,
          firstSeen: f.observedAt,
        })
      }
    }
  }
  return { rows, firstSeen }
}

export const offenderKey = (f: Pick<Finding, 'checkId' | 'scenarioKey' | 'target'>, offender: string) => JSON.stringify([f.checkId, f.scenarioKey, f.target, offender])
