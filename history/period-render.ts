// The period report for people: Markdown (a pull request, a wiki page) and one self-contained HTML
// page (no fetch, like report.html): per control the nights passed, failed, …, missing, its failure
// intervals and time to fix; per night the proof (run, bundle SHA-256, trusted time, locker version).
import { createHash } from 'node:crypto'
import { cell } from '../reports/markdown-summary.ts'
import type { PeriodReport, NightStatus } from './period.ts'

const COLUMNS: NightStatus[] = ['passed', 'failed', 'error', 'waived', 'not-applicable', 'incomplete', 'missing']
const SHORT: Record<NightStatus, string> = { passed: 'P', failed: 'F', error: 'E', incomplete: 'I', waived: 'W', 'not-applicable': '–', missing: '·' }

export function periodMarkdown(r: PeriodReport): string {
  const out = [
    `# ${r.schedule}: ${r.since} to ${r.until} (${r.timezone}, nights from ${r.slotStart})`,
    '',
    `${r.counts.nights} nights: ${r.counts.proven} proven by a trusted time inside the night, ${r.counts.unproven} unproven, ${r.counts.missing} missing.` +
      ` Counted: branch ${r.reference.branch ?? 'any'}, inventory ${r.reference.inventory || 'any'}.`,
    '',
    `| control | ${COLUMNS.join(' | ')} | failure intervals (time to fix) |`,
    `| --- | ${COLUMNS.map(() => '---:').join(' | ')} | --- |`,
  ]
  for (const c of r.controls)
    out.push(
      `| \`${c.control}\` | ${COLUMNS.map((s) => c.counts[s] ?? 0).join(' | ')} | ${c.intervals.map((i) => `${i.from.slice(0, 10)} → ${i.fixedAt ? `${i.fixedAt.slice(0, 10)} (${i.hoursToFix} h)` : 'not fixed'}`).join('; ') || '—'} |`,
    )
  out.push('', '## Nights', '', '| night | run | coverage | trusted time | bundle SHA-256 | locker version |', '| --- | --- | --- | --- | --- | --- |')
  for (const n of r.nights) {
    const run = n.run
    const cov = run ? Object.entries(run.coverage).map(([k, v]) => `${v.observed}/${v.planned} ${k}`).join(', ') : ''
    out.push(
      `| ${n.date} | ${run ? `\`${run.id.slice(0, 8)}\`${run.incomplete ? ' (incomplete)' : ''}` : '**missing**'} | ${cov} | ${run ? (n.proven ? run.timestampTime : `**unproven**${run.timestampTime ? ` (${run.timestampTime}, outside the night)` : ''}`) : ''} | ${run?.bundleSha256 ? `\`${run.bundleSha256.slice(0, 16)}…\`` : ''} | ${run?.lockerVersion ? cell(run.lockerVersion, 40) : ''} |`,
    )
  }
  if (r.excluded.length) {
    out.push('', '## Excluded runs (never counted)', '')
    for (const x of r.excluded) out.push(`- \`${x.id}\` ${x.startedAt}: ${cell(x.why, 200)}`)
  }
  return out.join('\n') + '\n'
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

export function periodHtml(r: PeriodReport): string {
  const style = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#101828}table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #d0d5dd;padding:3px 6px;text-align:center}
td.c{text-align:left;white-space:nowrap}.failed{background:#fef3f2;color:#b42318}.error,.incomplete{background:#fffaeb;color:#b54708}.passed{background:#ecfdf3;color:#067647}
.waived{background:#eff8ff;color:#175cd3}.missing{background:#f2f4f7;color:#475467}.unproven{color:#b42318;font-weight:600}`
  const csp = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`
  const head = r.nights.map((n) => `<th title="${esc(n.slot.start)} → ${esc(n.slot.end)}">${esc(n.date.slice(5))}</th>`).join('')
  const rows = r.controls
    .map((c) => `<tr><td class="c">${esc(c.control)}</td>${r.nights.map((n) => `<td class="${c.nights[n.date]}" title="${esc(`${c.nights[n.date]}: ${c.coverage[n.date]?.observed ?? 0} of ${c.coverage[n.date]?.planned ?? 0} target(s) decided`)}">${SHORT[c.nights[n.date]!]}</td>`).join('')}<td class="c">${COLUMNS.map((s) => `${c.counts[s] ?? 0} ${s}`).join(', ')}</td></tr>`)
    .join('')
  const proof = r.nights
    .map((n) => `<tr><td>${esc(n.date)}</td><td>${n.run ? esc(n.run.id) : '<span class="unproven">missing</span>'}</td><td>${n.run ? (n.proven ? esc(n.run.timestampTime) : '<span class="unproven">unproven</span>') : ''}</td><td>${esc(n.run?.bundleSha256 ?? '')}</td><td>${esc(n.run?.lockerVersion ?? '')}</td></tr>`)
    .join('')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${esc(csp)}"><title>${esc(r.schedule)} ${esc(r.since)} to ${esc(r.until)}</title><style>${style}</style></head><body>
<h1>Did each control operate every night? ${esc(r.schedule)}, ${esc(r.since)} to ${esc(r.until)}</h1>
<p>${r.counts.nights} nights (${esc(r.timezone)}, from ${esc(r.slotStart)}): ${r.counts.proven} proven by a trusted time inside the night, <span class="unproven">${r.counts.unproven} unproven</span>, ${r.counts.missing} missing. P passed · F failed · E error · I incomplete · W waived · – not applicable · · missing.</p>
<table><thead><tr><th>control</th>${head}<th>nights</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Proof per night</h2><table><thead><tr><th>night</th><th>run</th><th>trusted time</th><th>bundle SHA-256</th><th>locker version</th></tr></thead><tbody>${proof}</tbody></table>
${r.excluded.length ? `<h2>Excluded runs (never counted)</h2><ul>${r.excluded.map((x) => `<li><code>${esc(x.id)}</code> ${esc(x.startedAt)}: ${esc(x.why)}</li>`).join('')}</ul>` : ''}
</body></html>
`
}
