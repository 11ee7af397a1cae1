// `report.html`: one self-contained page for people who do not read JSON. It opens offline: no CDN,
// no external script, font or image, and a Content-Security-Policy that forbids fetching anything.
// Order: the summary (is everything fine? what was checked, when, by whom), the control matrix
// (control → checks → targets → status), the exceptions, then every finding with its evidence.
import { createHash } from 'node:crypto'
import { findCheck } from '../checks/catalog.ts'
import { CONTROL_CATALOG, FRAMEWORKS, findControl } from './control-catalog.ts'
import type { Finding, Results } from './model.ts'
import { sha256 } from '../core/hash.ts'

type Status = Finding['status']
/** worst first: the order a reader should look at things */
const SEVERITY: Status[] = ['failed', 'error', 'waived', 'skipped', 'passed', 'not-applicable']
const LABEL: Record<Status, string> = { failed: 'Failed', error: 'Not checked', waived: 'Waived', skipped: 'Skipped', passed: 'Passed', 'not-applicable': 'Not applicable' }
const MEANING: Record<Status, string> = {
  passed: 'the requirement is met',
  failed: 'the requirement is not met',
  error: 'Vigil could not check it (the target was unreachable, or the evidence could not decide); this is never counted as a pass',
  waived: 'the requirement is not met, but an approved exception covers it until its expiry date',
  skipped: 'not evaluated in this run',
  'not-applicable': 'there was nothing to judge (no bucket selected, no key found, no protocol accepted); this is never counted as a pass, and a control with nothing else is untested',
}
/** evidence shown inline is capped; the full material is in results.json and observations.json */
const MAX_EVIDENCE_CHARS = 32_000

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const worst = (statuses: Status[]): Status => SEVERITY.find((s) => statuses.includes(s)) ?? 'skipped'
const chip = (s: Status, text = LABEL[s]) => `<span class="chip ${s}">${esc(text)}</span>`
const humanKey = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ').toLowerCase()

function value(v: unknown): string {
  if (v === null || v === undefined) return '<span class="none">none</span>'
  if (Array.isArray(v)) {
    if (v.length === 0) return '<span class="none">none</span>'
    if (v.every((x) => typeof x !== 'object' || x === null)) {
      const shown = v.slice(0, 25).map((x) => `<code>${esc(x)}</code>`).join(', ')
      return v.length > 25 ? `${shown} <span class="none">and ${v.length - 25} more</span>` : shown
    }
  }
  if (typeof v === 'object') return `<code class="json">${esc(truncate(JSON.stringify(v), 2000))}</code>`
  return `<code>${esc(v)}</code>`
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters in results.json)` : s
}

function keyValues(o: Record<string, unknown>): string {
  const entries = Object.entries(o)
  if (entries.length === 0) return '<p class="none">nothing recorded</p>'
  return `<dl>${entries.map(([k, v]) => `<dt>${esc(humanKey(k))}</dt><dd>${value(v)}</dd>`).join('')}</dl>`
}

function summarySection(results: Results): string {
  const t = results.totals
  const r = results.run
  const overall: Status = t.failed > 0 ? 'failed' : t.error > 0 ? 'error' : 'passed'
  const headline =
    overall === 'passed'
      ? 'Every requirement checked in this run is met' + (t.waived ? ', apart from the approved exceptions listed below.' : '.')
      : overall === 'failed'
        ? `${t.failed} finding(s) show a requirement that is not met.`
        : `No requirement failed, but ${t.error} finding(s) could not be checked.`
  const tiles = (['passed', 'failed', 'error', 'waived', 'not-applicable'] as Status[])
    .map((s) => `<div class="tile ${s}"><div class="n">${t[s as keyof typeof t]}</div><div>${esc(LABEL[s])}</div></div>`)
    .join('')
  const durationS = ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1)
  const rows: [string, string][] = [
    ['Run id', r.id],
    ['Started (UTC)', r.startedAt],
    ['Finished (UTC)', `${r.finishedAt} (${durationS} s)`],
    ['Operator', r.operator],
    ['Host', r.host],
    ['Tool', `Vigil ${r.vigilVersion} on Node.js ${r.nodeVersion}`],
    ['Inventory', r.inventory],
    ['Policies', r.policyRepo ? `git commit ${r.policyRepo.commit}${r.policyRepo.dirty ? ' (with uncommitted changes)' : ''} of ${r.policyRepo.remote ?? r.policyRepo.root}` : r.features.join(', ')],
    ...(r.tags ? [['Scenario selection', r.tags] as [string, string]] : []),
    ...(r.targets ? [['Targets narrowed to', r.targets.join(', ')] as [string, string]] : []),
    ['Exceptions file', r.waivers ?? 'none'],
  ]
  const population = Object.entries(results.population)
    .map(([kind, p]) => `<li>${esc(KIND_NAMES[kind] ?? kind)}: ${p.observed} observed of ${p.planned} planned</li>`)
    .join('')
  const incomplete = r.incomplete
    ? `<div class="banner error incomplete"><strong>Incomplete run</strong> — ${esc(r.interruption ? `${r.interruption.reason} at ${r.interruption.at}; ${r.interruption.unobserved.length} target(s) were not observed and are reported as not checked` : 'the run ended before every target was observed')}. This report does not cover the whole inventory.</div>`
    : ''
  return `<section id="summary">
${incomplete}<div class="banner ${overall}"><strong>${esc(LABEL[overall] === 'Not checked' ? 'Undecided' : LABEL[overall])}</strong> — ${esc(headline)}</div>
<div class="tiles">${tiles}</div>
<div class="cols">
<div><h3>What was checked</h3><p>${results.findings.length} findings: each is one policy requirement judged against one target.</p><ul>${population || '<li>no targets</li>'}</ul>
<h3>What the statuses mean</h3><ul class="legend">${SEVERITY.map((s) => `<li>${chip(s)} ${esc(MEANING[s])}</li>`).join('')}</ul></div>
<div><h3>About this run</h3><table class="meta">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table></div>
</div>
</section>`
}

const KIND_NAMES: Record<string, string> = { tls: 'TLS endpoints', ssh: 'SSH servers', keyDir: 'key folders', aws: 'AWS accounts' }

function controlMatrix(results: Results): string {
  const byControl = new Map<string, Finding[]>()
  for (const f of results.findings) for (const c of f.controls) byControl.set(c, [...(byControl.get(c) ?? []), f])
  const parts: string[] = []
  for (const fw of FRAMEWORKS) {
    const meta = CONTROL_CATALOG.frameworks[fw]!
    // a control whose every finding is not applicable was not tested: there was nothing to judge
    const judged = (id: string) => (byControl.get(id) ?? []).some((f) => f.status !== 'not-applicable')
    const tested = CONTROL_CATALOG.controls.filter((c) => c.framework === fw && judged(c.id))
    const untested = CONTROL_CATALOG.controls.filter((c) => c.framework === fw && !judged(c.id))
    const rows = tested.map((c) => {
      const fs = byControl.get(c.id)!
      const checks = [...new Set(fs.map((f) => f.checkId))].map((id) => {
        const mine = fs.filter((f) => f.checkId === id)
        const targets = mine.map((f) => `<a href="#${anchor(f)}" class="chip ${f.status}" title="${esc(`${LABEL[f.status]}: ${f.summary}`)}">${esc(f.target)}</a>`).join(' ')
        // counts in words as well as colours: the matrix must read the same in black and white
        const counts = SEVERITY.map((s) => [s, mine.filter((f) => f.status === s).length] as const).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${LABEL[s].toLowerCase()}`).join(' · ')
        return `<div class="check"><span class="cid">${esc(findCheck(id)?.title ?? id)} <code>${esc(id)}</code> <span class="desc">${esc(counts)}</span></span> ${targets}</div>`
      })
      return `<tr><td class="ref">${esc(c.ref)}</td><td><strong>${esc(c.title)}</strong><div class="desc">${esc(c.description)}</div></td><td>${chip(worst(fs.map((f) => f.status).filter((s) => s !== 'not-applicable')))}</td><td>${checks.join('')}</td></tr>`
    })
    parts.push(`<h3>${esc(meta.name)} <span class="ver">${esc(meta.version)}</span></h3>
<p>${tested.length} of ${tested.length + untested.length} controls have at least one check in this run.</p>
${rows.length ? `<table class="matrix"><thead><tr><th>Control</th><th>Requirement</th><th>Status</th><th>Checks and targets</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : ''}
<details><summary>${untested.length} controls not tested by this run</summary><ul class="untested">${untested.map((c) => `<li><code>${esc(c.ref)}</code> ${esc(c.title)}${byControl.has(c.id) ? ` <span class="desc">(${byControl.get(c.id)!.length} finding(s), all not applicable: nothing to judge)</span>` : ''}</li>`).join('')}</ul></details>`)
  }
  const unknown = [...byControl.keys()].filter((c) => !findControl(c))
  if (unknown.length) parts.push(`<p class="warn">Controls not in the catalog: ${unknown.map(esc).join(', ')}</p>`)
  return `<section id="controls"><h2>Control matrix</h2><p>Each control, the checks that test it, and every target's result. Click a target to see its evidence.</p>${parts.join('')}</section>`
}

function exceptionsSection(results: Results): string {
  const uses = results.waivers ?? []
  const body = uses.length
    ? `<table><thead><tr><th>Waiver</th><th>Check / target</th><th>Justification</th><th>Approved by</th><th>Ticket</th><th>Until</th><th>Effect</th></tr></thead><tbody>${uses
        .map(
          (u) =>
            `<tr><td><code>${esc(u.id)}</code><div class="desc">${esc(u.source)}</div></td><td><code>${esc(u.check)}</code> on <code>${esc(u.target)}</code></td><td>${esc(u.justification)}</td><td>${esc(u.approver)}</td><td>${esc(u.ticket)}</td><td>${esc(u.expires)}${u.state === 'expired' ? ` ${chip('failed', 'expired')}` : ''}</td><td>${u.state === 'active' ? `waived ${u.waived.length} finding(s)` : `waived nothing (${u.waived.length} finding(s) matched)`}${u.matchedPassing.length ? `; ${u.matchedPassing.length} matched finding(s) passed anyway` : ''}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : `<p>${results.run.waivers ? 'The exceptions file holds no valid waiver.' : 'No exceptions file was used: nothing was waived.'}</p>`
  const problems = results.problems.length
    ? `<h3>Problems with the run</h3><ul class="problems">${results.problems.map((p) => `<li>${chip(p.severity === 'warning' ? 'error' : 'failed', p.severity ?? 'error')} ${esc(p.message)}</li>`).join('')}</ul>`
    : ''
  return `<section id="exceptions"><h2>Exceptions (waivers)</h2>${body}${problems}</section>`
}

const anchor = (f: Finding) => `f-${sha256(f.id).slice(0, 16)}`

function findingCard(f: Finding): string {
  const check = findCheck(f.checkId)
  const evidence = f.evidence
    .map((e) => {
      const text = typeof e.data === 'string' ? e.data : JSON.stringify(e.data, null, 2)
      return `<details class="evidence"><summary>${esc(e.description)} <code>${esc(e.kind)}</code></summary><pre>${esc(truncate(text, MAX_EVIDENCE_CHARS))}</pre></details>`
    })
    .join('')
  const p = f.provenance
  const how = p
    ? `<dl><dt>probe</dt><dd><code>${esc(p.probe)}</code></dd><dt>observed</dt><dd>${esc(p.startedAt)} → ${esc(p.finishedAt)} (${esc(p.durationMs)} ms, timeout ${esc(p.timeoutMs)} ms per operation)</dd><dt>target as configured</dt><dd>${value(p.target)}</dd><dt>observation parts</dt><dd>${value(p.parts)}</dd>${Object.entries(p.operations)
        .map(([k, v]) => `<dt>${esc(humanKey(k))}</dt><dd>${value(v)}</dd>`)
        .join('')}<dt>raw observation</dt><dd><code>${esc(p.observation)}</code></dd></dl>`
    : ''
  const population = f.population && Object.keys(f.population).length ? `<h4>Population examined</h4>${keyValues(f.population)}` : ''
  const waiver = f.waiver
    ? `<div class="waiver">Waived by <code>${esc(f.waiver.id)}</code> (${esc(f.waiver.ticket)}), approved by ${esc(f.waiver.approver)} until ${esc(f.waiver.expires)}: ${esc(f.waiver.justification.replace(/\.$/, ''))}. The check's own verdict was <strong>${esc(f.verdict)}</strong>.</div>`
    : ''
  return `<article class="finding ${f.status}" id="${anchor(f)}" data-status="${f.status}">
<header>${chip(f.status)} <span class="sev ${f.severity}">${esc(f.severity)}</span> <strong>${esc(check?.title ?? f.checkId)}</strong> on <strong>${esc(f.target)}</strong> <span class="desc">${esc(KIND_NAMES[f.targetKind] ?? f.targetKind)}</span></header>
<p class="summary">${esc(f.summary)}${f.errorKind ? ` <span class="desc">(${esc(f.errorKind)})</span>` : ''}</p>${waiver}
<p class="desc">Policy: “${esc(f.scenario)}” — <code>${esc(f.policy)}:${esc(f.scenarioLine ?? '')}</code> · check <code>${esc(f.checkId)}</code> · controls ${f.controls.map((c) => `<code>${esc(c)}</code>`).join(' ')}</p>
<div class="cols"><div><h4>Required</h4>${keyValues(f.expected)}</div><div><h4>Found</h4>${keyValues(f.actual)}</div></div>${f.offenders?.length ? `<h4>Offenders</h4><ul class="offenders">${f.offenders.slice(0, 200).map((o) => `<li><code>${esc(o.id)}</code> ${esc(o.why)}${o.severity ? ` <span class="sev ${o.severity}">${esc(o.severity)}</span>` : ''}</li>`).join('')}${f.offenders.length > 200 ? `<li class="none">and ${f.offenders.length - 200} more in results.json</li>` : ''}</ul>` : ''}
<details><summary>How this was observed, and the raw evidence</summary><h4>Decisive facts</h4>${keyValues(f.observed)}${population}<h4>How it was obtained</h4>${how}<h4>Raw evidence</h4>${evidence || '<p class="none">no raw evidence items</p>'}</details>
</article>`
}

function findingsSection(results: Results): string {
  const sorted = [...results.findings].sort((a, b) => SEVERITY.indexOf(a.status) - SEVERITY.indexOf(b.status) || a.checkId.localeCompare(b.checkId) || a.target.localeCompare(b.target))
  const filters = SEVERITY.filter((s) => results.findings.some((f) => f.status === s))
    .map((s) => `<label><input type="checkbox" data-filter="${s}" checked> ${esc(LABEL[s])} (${results.findings.filter((f) => f.status === s).length})</label>`)
    .join(' ')
  return `<section id="findings"><h2>Findings and evidence</h2><p class="filters">${filters}</p>${sorted.map(findingCard).join('\n')}</section>`
}

// Filtering is a convenience: without scripts every finding is shown.
const SCRIPT = `document.querySelectorAll('[data-filter]').forEach(function (box) {
  box.addEventListener('change', function () {
    document.querySelectorAll('article.finding[data-status="' + box.dataset.filter + '"]').forEach(function (a) { a.hidden = !box.checked })
  })
})`

const STYLE = `
:root{--fail:#b42318;--fail-bg:#fef3f2;--err:#b54708;--err-bg:#fffaeb;--pass:#067647;--pass-bg:#ecfdf3;--waive:#175cd3;--waive-bg:#eff8ff;--skip:#475467;--skip-bg:#f2f4f7;--line:#d0d5dd}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#101828;margin:0;background:#f9fafb}
main{max-width:1180px;margin:0 auto;padding:24px}h1{margin:0 0 4px;font-size:26px}h2{margin-top:40px;border-bottom:2px solid var(--line);padding-bottom:6px}
nav a{margin-right:16px}code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f2f4f7;padding:1px 4px;border-radius:4px;word-break:break-word}
.banner{padding:14px 18px;border-radius:8px;font-size:18px;margin:16px 0}.banner.failed{background:var(--fail-bg);color:var(--fail);border:1px solid var(--fail)}
.banner.error{background:var(--err-bg);color:var(--err);border:1px solid var(--err)}.banner.passed{background:var(--pass-bg);color:var(--pass);border:1px solid var(--pass)}
.tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{flex:1;min-width:140px;background:#fff;border:1px solid var(--line);border-top:5px solid;border-radius:8px;padding:10px 14px}
.tile .n{font-size:30px;font-weight:700}.tile.passed{border-top-color:var(--pass)}.tile.failed{border-top-color:var(--fail)}.tile.error{border-top-color:var(--err)}.tile.waived{border-top-color:var(--waive)}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:24px}@media (max-width:800px){.cols{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}th{background:#f2f4f7}
table.meta th{width:34%;font-weight:600}.ref{white-space:nowrap;font-weight:600}.desc{color:#475467;font-size:13px}.ver{font-weight:400;color:#475467;font-size:14px}
.chip{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid;text-decoration:none;margin:1px 0;white-space:nowrap}
.chip.passed{color:var(--pass);background:var(--pass-bg)}.chip.failed{color:var(--fail);background:var(--fail-bg)}.chip.error{color:var(--err);background:var(--err-bg)}
.chip.waived{color:var(--waive);background:var(--waive-bg)}.chip.skipped,.chip.not-applicable{color:var(--skip);background:var(--skip-bg)}.tile.not-applicable{border-top-color:var(--skip)}
.check{margin:2px 0 6px}.cid{display:block;font-size:13px}ul.legend{list-style:none;padding:0}ul.legend li{margin:4px 0}
ul.untested{columns:2;font-size:13px}.finding{background:#fff;border:1px solid var(--line);border-left:6px solid;border-radius:8px;padding:10px 16px;margin:14px 0}
.finding.failed{border-left-color:var(--fail)}.finding.error{border-left-color:var(--err)}.finding.passed{border-left-color:var(--pass)}.finding.waived{border-left-color:var(--waive)}.finding.skipped,.finding.not-applicable{border-left-color:var(--skip)}
.finding .summary{font-size:16px;margin:6px 0}.sev{font-size:11px;font-weight:700;text-transform:uppercase;border-radius:4px;padding:0 5px;border:1px solid #98a2b3;color:#344054}.sev.critical{background:#b42318;color:#fff;border-color:#b42318}.sev.high{color:#b42318;border-color:#b42318}.sev.medium{color:#b54708;border-color:#b54708}.waiver{background:var(--waive-bg);border:1px solid var(--waive);padding:6px 10px;border-radius:6px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0}dt{color:#475467}dd{margin:0}
pre{background:#101828;color:#f2f4f7;padding:10px;border-radius:6px;overflow:auto;max-height:420px;font-size:12px}
details>summary{cursor:pointer;color:#175cd3;margin:6px 0}.none{color:#667085}.warn{color:var(--fail)}.filters label{margin-right:14px}
@media print{details{display:block}details>summary{display:none}pre{max-height:none;white-space:pre-wrap}.filters{display:none}body{background:#fff}}
`

export function htmlReport(results: Results): string {
  const scriptHash = createHash('sha256').update(SCRIPT).digest('base64')
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:; base-uri 'none'; form-action 'none'`
  const r = results.run
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vigil compliance report — ${esc(r.startedAt)}</title>
<style>${STYLE}</style></head>
<body><main>
<h1>Compliance evidence report</h1>
<div class="desc">Vigil run <code>${esc(r.id)}</code>, ${esc(r.startedAt)} (UTC). Generated from <code>results.json</code>; the raw observations are in <code>observations.json</code>.</div>
<nav><a href="#summary">Summary</a><a href="#controls">Control matrix</a><a href="#exceptions">Exceptions</a><a href="#findings">Findings and evidence</a></nav>
${summarySection(results)}
${controlMatrix(results)}
${exceptionsSection(results)}
${findingsSection(results)}
<footer class="desc"><p>Integrity: when this report is part of an evidence bundle, <code>manifest.json</code> lists the SHA-256 of every file and <code>manifest.json.p7s</code> is its CMS signature; see the bundle's <code>VERIFY.txt</code>.</p></footer>
</main><script>${SCRIPT}</script></body></html>
`
}
