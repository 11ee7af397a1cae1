// `vigil history`: per check × target × offender, when it started failing, when it was fixed, how
// long that took, and whether it flaps — over the complete runs of a schedule, in order.
import type { HistoryStore, StoredRun } from './store.ts'

export interface TimelineFilter {
  schedule?: string
  check?: string
  target?: string
  control?: string
  severity?: string
  since?: string
  until?: string
}

export interface FailureInterval {
  /** first run it failed in */
  from: string
  /** first run it no longer failed in; absent while it still fails */
  fixedAt?: string
  hoursToFix?: number
}

export interface TimelineRow {
  checkId: string
  target: string
  scenarioKey: string
  offender: string
  severity: string
  controls: string[]
  intervals: FailureInterval[]
  /** failing in the last run considered */
  failingNow: boolean
  /** times it came back after being fixed */
  flaps: number
  runsFailing: number
  runsConsidered: number
}

export function timeline(store: HistoryStore, f: TimelineFilter = {}): { runs: StoredRun[]; rows: TimelineRow[] } {
  const runs = store.runs({ ...(f.schedule ? { schedule: f.schedule } : {}), ...(f.since ? { since: f.since } : {}), ...(f.until ? { until: f.until } : {}) }).filter((r) => !r.incomplete)
  const rows = new Map<string, TimelineRow & { open?: FailureInterval; decided: boolean }>()
  for (const run of runs) {
    const failingHere = new Set<string>()
    const decidedHere = new Set<string>()
    for (const finding of store.findings(run.id)) {
      if (f.check && finding.checkId !== f.check) continue
      if (f.target && finding.target !== f.target) continue
      if (f.control && !finding.controls.includes(f.control)) continue
      if (f.severity && finding.severity !== f.severity) continue
      if (finding.verdict === 'passed' || finding.verdict === 'failed') decidedHere.add(finding.fingerprint)
      if (finding.verdict !== 'failed') continue
      for (const o of finding.offenders) {
        const key = JSON.stringify([finding.fingerprint, o.id])
        failingHere.add(key)
        let row = rows.get(key)
        if (!row) {
          row = { checkId: finding.checkId, target: finding.target, scenarioKey: finding.scenarioKey, offender: o.id, severity: o.severity ?? finding.severity, controls: finding.controls, intervals: [], failingNow: false, flaps: 0, runsFailing: 0, runsConsidered: 0, decided: true }
          rows.set(key, row)
        }
        row.runsFailing++
        if (!row.open) {
          if (row.intervals.length) row.flaps++
          row.open = { from: run.startedAt }
          row.intervals.push(row.open)
        }
      }
    }
    for (const [key, row] of rows) {
      row.runsConsidered++
      const fingerprint = JSON.parse(key)[0] as string
      // fixed only when the finding was decided (passed, or failed without this offender) — not when it errored
      if (!failingHere.has(key) && row.open && decidedHere.has(fingerprint)) {
        row.open.fixedAt = run.startedAt
        row.open.hoursToFix = Math.round(((Date.parse(run.startedAt) - Date.parse(row.open.from)) / 3_600_000) * 10) / 10
        row.open = undefined
      }
    }
  }
  const out = [...rows.values()].map(({ open, decided: _d, ...r }) => ({ ...r, failingNow: !!open }))
  out.sort((a, b) => a.checkId.localeCompare(b.checkId) || a.target.localeCompare(b.target) || a.offender.localeCompare(b.offender))
  return { runs, rows: out }
}
