// The human summary printed at the end of `vigil run`: totals, then every non-passing finding.
import { findingCount, findingsWithStatus, type Finding, type ResultsView } from './model.ts'

const COLOR: Record<Finding['status'], string> = { passed: '32', failed: '31', error: '33', 'not-applicable': '90', skipped: '90', waived: '36' }

export function consoleSummary(results: ResultsView, opts: { color: boolean; verbose?: boolean }): string {
  const paint = (status: Finding['status'], text: string) => (opts.color ? `\u001b[${COLOR[status]}m${text}\u001b[0m` : text)
  const out: string[] = []
  const r = results.run
  if (r.incomplete)
    out.push(`INCOMPLETE RUN: ${r.interruption ? `${r.interruption.reason} at ${r.interruption.at}; ${r.interruption.unobserved.length} target(s) not observed` : 'not every target was observed'}`)
  const shown = [...(opts.verbose ? results.findings : findingsWithStatus(results.findings, ['failed', 'error', 'skipped', 'waived']))]
  const width = Math.min(40, Math.max(0, ...shown.map((f) => f.checkId.length)))
  for (const f of shown) out.push(`${paint(f.status, f.status.toUpperCase().padEnd(7))} ${f.checkId.padEnd(width)}  ${`[${f.severity}]`.padEnd(10)} ${f.target}: ${f.summary}`)
  for (const p of results.problems) out.push(`PROBLEM ${p.kind}: ${p.message}`)
  const t = results.totals
  const pop = Object.entries(results.population)
    .map(([k, v]) => `${v.observed}/${v.planned} ${k}`)
    .join(', ')
  if (out.length > 0) out.push('')
  out.push(
    `${findingCount(results)} findings: ${paint('passed', `${t.passed} passed`)}, ${paint('failed', `${t.failed} failed`)}, ${paint('error', `${t.error} error`)}` +
      (t.waived ? `, ${paint('waived', `${t.waived} waived`)}` : '') +
      (t['not-applicable'] ? `, ${paint('not-applicable', `${t['not-applicable']} not applicable`)}` : '') +
      (t.skipped ? `, ${t.skipped} skipped` : '') +
      ` — targets observed: ${pop || 'none'}`,
  )
  return out.join('\n')
}
