// `summary.md`: the run in a few lines of GitHub-flavoured Markdown, for `$GITHUB_STEP_SUMMARY` or a
// pull-request comment. Bounded in size (GitHub caps a step summary at 1 MiB): totals, then the
// findings that need attention, then waivers and problems.
import { findingCount, findingsWithStatus, type Finding, type ResultsView } from './model.ts'

const MAX_ROWS = 200
const ICON: Record<Finding['status'], string> = { passed: '✅', failed: '❌', error: '⚠️', 'not-applicable': '➖', skipped: '⏭️', waived: '🟦' }

/** Text safe inside a Markdown table cell: no pipes, no line breaks, no HTML, no runaway length. */
export function cell(s: string, max = 300): string {
  const one = s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return one.length > max ? `${one.slice(0, max - 1)}…` : one
}

export function markdownSummary(results: ResultsView): string {
  const t = results.totals
  const r = results.run
  const verdict = t.failed > 0 ? '❌ **failed**' : t.error > 0 ? '⚠️ **undecided** (some targets could not be checked)' : '✅ **passed**'
  const out: string[] = [
    `## Vigil: ${verdict}${r.incomplete ? ' — ⏸️ **incomplete run**' : ''}`,
    '',
    ...(r.incomplete
      ? [`> **Incomplete:** ${r.interruption ? `${cell(r.interruption.reason, 200)} at ${r.interruption.at}; ${r.interruption.unobserved.length} target(s) not observed (reported as errors)` : 'the run ended before every target was observed'}. These results do not cover the whole inventory.`, '']
      : []),
    `${findingCount(results)} findings over ${Object.values(results.population).reduce((n, p) => n + p.observed, 0)} targets — ` +
      `${t.passed} passed, ${t.failed} failed, ${t.error} error, ${t.waived} waived, ${t['not-applicable']} not applicable${t.skipped ? `, ${t.skipped} skipped` : ''}.`,
    '',
    `Run \`${r.id}\` · ${r.startedAt} → ${r.finishedAt} · Vigil ${r.vigilVersion}` + (r.policyRepo ? ` · policies at \`${r.policyRepo.commit.slice(0, 12)}\`${r.policyRepo.dirty ? ' (uncommitted changes)' : ''}` : ''),
    '',
  ]
  // at most MAX_ROWS of each kind are kept: a fleet's findings are read as a stream
  const attention: Finding[] = []
  const waived: Finding[] = []
  for (const f of findingsWithStatus(results.findings, ['failed', 'error', 'waived'])) {
    const list = f.status === 'waived' ? waived : attention
    if (list.length < MAX_ROWS) list.push(f)
  }
  const needAttention = results.totals.failed + results.totals.error
  if (attention.length > 0) {
    out.push('| | check | severity | target | controls | why |', '| --- | --- | --- | --- | --- | --- |')
    for (const f of attention) out.push(`| ${ICON[f.status]} ${f.status} | \`${f.checkId}\` | ${f.severity} | ${cell(f.target)} | ${cell(f.controls.join(' '), 120)} | ${cell(f.summary)} |`)
    if (needAttention > MAX_ROWS) out.push('', `… and ${needAttention - MAX_ROWS} more in \`findings.csv\` / \`report.html\`.`)
    out.push('')
  }
  if (waived.length > 0) {
    out.push('<details><summary>Waived findings</summary>', '', '| check | target | waiver | approver | until | was |', '| --- | --- | --- | --- | --- | --- |')
    for (const f of waived) out.push(`| \`${f.checkId}\` | ${cell(f.target)} | ${cell(`${f.waiver?.id} (${f.waiver?.ticket})`)} | ${cell(f.waiver?.approver ?? '')} | ${f.waiver?.expires} | ${f.verdict} |`)
    out.push('', '</details>', '')
  }
  if (results.problems.length > 0) {
    out.push('**Problems**', '')
    for (const p of results.problems.slice(0, MAX_ROWS)) out.push(`- ${p.severity === 'warning' ? '⚠️' : '❌'} ${cell(p.message, 500)}`)
    out.push('')
  }
  return out.join('\n')
}
