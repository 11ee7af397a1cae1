// The human summary printed at the end of `vigil run`: totals, then every non-passing finding.
import { findingCount, findingsWithStatus, type Finding, type ResultsView } from './model.ts'
import { CHECK_IDS } from '../checks/check-metadata.ts'

const COLOR: Record<Finding['status'], string> = { passed: '32', failed: '31', error: '33', 'not-applicable': '90', skipped: '90', waived: '36' }

/** The summary a line at a time: a fleet's non-passing findings are printed as they are read, never held together. */
export function* consoleLines(results: ResultsView, opts: { color: boolean; verbose?: boolean }): Generator<string> {
  const paint = (status: Finding['status'], text: string) => (opts.color ? `\u001b[${COLOR[status]}m${text}\u001b[0m` : text)
  const r = results.run
  let any = false
  if (r.incomplete) {
    any = true
    yield `INCOMPLETE RUN: ${r.interruption ? `${r.interruption.reason} at ${r.interruption.at}; ${r.interruption.unobserved.length} target(s) not observed` : 'not every target was observed'}`
  }
  const shown = opts.verbose ? results.findings : findingsWithStatus(results.findings, ['failed', 'error', 'skipped', 'waived'])
  // the check column as wide as the longest check id Vigil has (every id fits; no pass to measure them)
  const width = Math.min(40, Math.max(...CHECK_IDS.map((id) => id.length)))
  for (const f of shown) {
    any = true
    yield `${paint(f.status, f.status.toUpperCase().padEnd(7))} ${f.checkId.padEnd(width)}  ${`[${f.severity}]`.padEnd(10)} ${f.target}: ${f.summary}`
  }
  for (const p of results.problems) {
    any = true
    yield `PROBLEM ${p.kind}: ${p.message}`
  }
  const t = results.totals
  const pop = Object.entries(results.population)
    .map(([k, v]) => `${v.observed}/${v.planned} ${k}`)
    .join(', ')
  if (any) yield ''
  yield (
    `${findingCount(results)} findings: ${paint('passed', `${t.passed} passed`)}, ${paint('failed', `${t.failed} failed`)}, ${paint('error', `${t.error} error`)}` +
      (t.waived ? `, ${paint('waived', `${t.waived} waived`)}` : '') +
      (t['not-applicable'] ? `, ${paint('not-applicable', `${t['not-applicable']} not applicable`)}` : '') +
      (t.skipped ? `, ${t.skipped} skipped` : '') +
      ` — targets observed: ${pop || 'none'}`
  )
}
