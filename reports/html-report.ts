// `report.html`: one self-contained page for people who do not read JSON. It opens offline: no CDN,
// no external script, font or image, and a Content-Security-Policy that forbids fetching anything.
// Order: the summary (is everything fine? what was checked, when, by whom), the control matrix
// (control → checks → targets → status), the exceptions, every finding that needs attention with its
// evidence, then the passing findings grouped by check.
//
// Fleet scale (10,000 endpoints, 110,000 findings) shapes the page:
// - Findings are a stream (`ResultsView.findings`, possibly parsed from disk on each iteration), read
//   at most twice: pass 1 counts (per status, check and control) and keeps the non-passing findings'
//   ids and chip data; pass 2 writes the cards and the passing findings' compact data.
// - Every finding that needs attention (failed, error, waived, skipped) is a full card in the page.
//   Cards come out in stream order and are put in reading order (worst first, then check, then
//   target) by CSS `order` from ranks computed in pass 1, so no card is held in memory. (The order is
//   visual: keyboard and screen-reader order is the stream's. Sorting the DOM in the script costs
//   ~1 s at 10,000 endpoints; holding the cards to write them sorted costs their size in memory.)
// - Passing and not-applicable findings are not cards: each check gets a group with its counts, and the
//   rows are compact JSON in `<script type="application/json">` data blocks (inert: never executed,
//   so outside the CSP's script-src), rendered a page at a time by the page's one script. The blocks
//   are flushed a few hundred rows at a time as the stream goes by, never accumulated.
// - In a large report, cards off screen are not laid out until scrolled to (`content-visibility:
//   auto`): at 10,000 endpoints that is the difference between ~5 s and ~45 s for Chromium to open it.
// - Evidence is described (description, media type, size, SHA-256; its content is in
//   `evidence.jsonl`), and shown inline only when an item still carries small data; never for
//   passing findings.
import { createHash } from 'node:crypto'
import { findCheck } from '../checks/catalog.ts'
import { CONTROL_CATALOG, FRAMEWORKS, findControl } from './control-catalog.ts'
import type { Finding, ResultsView } from './model.ts'
import { sha256 } from '../core/hash.ts'

// What the report reads: results whose findings may be a re-readable stream (iterated at most twice).
export type { ResultsView }

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
/** passed and not-applicable findings are grouped per check and rendered on demand; everything else is a card */
const isPassing = (s: Status): boolean => s === 'passed' || s === 'not-applicable'

/** evidence content is shown inline only below this size (the full material is in evidence.jsonl) */
const MAX_INLINE_EVIDENCE_BYTES = 4096
/** matrix cells list at most this many non-passing targets (every one of them has a card below) */
const MATRIX_CHIPS = 100
/** a matrix cell lists its passing targets one by one only up to this many; above, a count linking to the group */
const MATRIX_PASSING_CHIPS = 50
/** passing rows per page, in the page's script; a group this small or smaller opens expanded */
const PAGE_SIZE = 50
/** passing rows per data block per check: what is buffered before it is written out */
const BLOCK_ROWS = 250
/**
 * above this many cards, cards off screen are laid out only when scrolled to (content-visibility):
 * what lets a 10,000-endpoint page open; below it, every card is laid out (exact scroll positions,
 * innerText of off-screen cards)
 */
const LAZY_CARDS = 200
/** distinct scenario descriptions remembered for the data blocks; past this each row carries its own */
const MAX_DEFS = 5000
/** a passing row's `actual` larger than this is left to results.json */
const MAX_ROW_ACTUAL_CHARS = 1500

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
/** JSON inside a `<script type="application/json">`: no `<` at all, so neither `</script` nor `<!--` can occur */
const jsonData = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c')

const worst = (statuses: Iterable<Status>): Status => {
  const set = new Set(statuses)
  return SEVERITY.find((s) => set.has(s)) ?? 'skipped'
}
const chip = (s: Status, text = LABEL[s]) => `<span class="chip ${s}">${esc(text)}</span>`
const humanKey = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ').toLowerCase()
const emptyCounts = (): Record<Status, number> => ({ failed: 0, error: 0, waived: 0, skipped: 0, passed: 0, 'not-applicable': 0 })
const countsInWords = (counts: Record<Status, number>) =>
  SEVERITY.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${LABEL[s].toLowerCase()}`)
    .join(' · ')

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

const anchor = (f: Pick<Finding, 'id'>) => `f-${sha256(f.id).slice(0, 16)}`

/** A finding as the control matrix shows it: a linked chip. */
interface Chip {
  anchor: string
  target: string
  status: Status
  title: string
}
const chipOf = (f: Finding): Chip => ({ anchor: anchor(f), target: f.target, status: f.status, title: truncate(`${LABEL[f.status]}: ${f.summary}`, 200) })
const chipLink = (c: Chip) => `<a href="#${c.anchor}" class="chip ${c.status}" title="${esc(c.title)}">${esc(c.target)}</a>`

/** One check under one control in the matrix. */
interface Cell {
  counts: Record<Status, number>
  /** the first MATRIX_CHIPS non-passing findings */
  attention: Chip[]
  /** every passing finding while there are at most MATRIX_PASSING_CHIPS, then null (a count is shown instead) */
  passing: Chip[] | null
}

interface Group {
  checkId: string
  /** element id of the group: what the matrix links to */
  id: string
  counts: Record<Status, number>
}

/** Pass 1: what the summary, the matrix, the filters and the groups need, without keeping any finding. */
export interface Scan {
  counts: Record<Status, number>
  /** control → check → cell, in first-seen order */
  controls: Map<string, Map<string, Cell>>
  groups: Map<string, Group>
  /** non-passing finding id → its place in reading order */
  ranks: Map<string, number>
  /** place of the first card of each status (for the status headings) */
  firstRank: Partial<Record<Status, number>>
}

/**
 * Pass 1, a finding at a time (`add`): a writer that reads the findings for other files can build
 * the page's first pass in the same reading (reports/write-reports.ts).
 */
export class FindingScanner {
  private readonly counts = emptyCounts()
  private readonly controls = new Map<string, Map<string, Cell>>()
  private readonly groups = new Map<string, Group>()
  private readonly attention: { id: string; status: Status; checkId: string; target: string }[] = []

  add(f: Finding): void {
    const { counts, controls, groups, attention } = this
    counts[f.status]++
    const passing = isPassing(f.status)
    let c: Chip | undefined
    if (passing) {
      let g = groups.get(f.checkId)
      if (!g) groups.set(f.checkId, (g = { checkId: f.checkId, id: '', counts: emptyCounts() }))
      g.counts[f.status]++
    } else {
      attention.push({ id: f.id, status: f.status, checkId: f.checkId, target: f.target })
    }
    for (const control of f.controls) {
      let checks = controls.get(control)
      if (!checks) controls.set(control, (checks = new Map()))
      let cell = checks.get(f.checkId)
      if (!cell) checks.set(f.checkId, (cell = { counts: emptyCounts(), attention: [], passing: [] }))
      cell.counts[f.status]++
      if (!passing) {
        if (cell.attention.length < MATRIX_CHIPS) cell.attention.push((c ??= chipOf(f)))
      } else if (cell.passing) {
        if (cell.passing.length < MATRIX_PASSING_CHIPS) cell.passing.push((c ??= chipOf(f)))
        else cell.passing = null
      }
    }
  }

  finish(): Scan {
    const { counts, controls, groups, attention } = this
    attention.sort((a, b) => SEVERITY.indexOf(a.status) - SEVERITY.indexOf(b.status) || a.checkId.localeCompare(b.checkId) || a.target.localeCompare(b.target))
    const ranks = new Map<string, number>()
    const firstRank: Scan['firstRank'] = {}
    attention.forEach((a, i) => {
      ranks.set(a.id, i)
      firstRank[a.status] ??= i
    })
    // group element ids: readable, unique
    const used = new Set<string>()
    const sorted = new Map([...groups].sort(([a], [b]) => a.localeCompare(b)))
    for (const g of sorted.values()) {
      let id = `passing-${g.checkId.replace(/[^A-Za-z0-9_.:-]/g, '_')}`
      for (let i = 2; used.has(id); i++) id = `passing-${g.checkId.replace(/[^A-Za-z0-9_.:-]/g, '_')}-${i}`
      used.add(id)
      g.id = id
    }
    return { counts, controls, groups: sorted, ranks, firstRank }
  }
}

function scan(findings: Iterable<Finding>): Scan {
  const s = new FindingScanner()
  for (const f of findings) s.add(f)
  return s.finish()
}

function summarySection(results: ResultsView): string {
  const t = results.totals
  const r = results.run
  const total = SEVERITY.reduce((n, s) => n + (t[s] ?? 0), 0)
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
  return `<section id="summary"><h2 class="summary-head">Summary</h2>
${incomplete}<div class="banner ${overall}"><strong>${esc(LABEL[overall] === 'Not checked' ? 'Undecided' : LABEL[overall])}</strong> — ${esc(headline)}</div>
<div class="tiles">${tiles}</div>
<div class="cols">
<div><h3>What was checked</h3><p>${total} findings: each is one policy requirement judged against one target.</p><ul>${population || '<li>no targets</li>'}</ul>
<h3>What the statuses mean</h3><ul class="legend">${SEVERITY.map((s) => `<li>${chip(s)} ${esc(MEANING[s])}</li>`).join('')}</ul></div>
<div><h3>About this run</h3><table class="meta">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table></div>
</div>
</section>`
}

const KIND_NAMES: Record<string, string> = { tls: 'TLS endpoints', ssh: 'SSH servers', keyDir: 'key folders', aws: 'AWS accounts' }

function matrixCell(checkId: string, cell: Cell, scan: Scan): string {
  const attentionCount = SEVERITY.filter((s) => !isPassing(s)).reduce((n, s) => n + cell.counts[s], 0)
  const more = attentionCount - cell.attention.length
  const group = scan.groups.get(checkId)
  const passingChips = cell.passing
    ? cell.passing.map(chipLink)
    : (['passed', 'not-applicable'] as Status[])
        .filter((s) => cell.counts[s] > 0)
        .map((s) => `<a href="#${esc(group?.id ?? 'passing')}" class="chip ${s} count" title="${esc(`${cell.counts[s]} ${LABEL[s].toLowerCase()}: listed under Passing findings`)}">${cell.counts[s]} ${esc(LABEL[s].toLowerCase())}</a>`)
  const targets = [
    ...cell.attention.map(chipLink),
    ...(more > 0 ? [`<a href="#findings" class="more">and ${more} more needing attention</a>`] : []),
    ...passingChips,
  ].join(' ')
  // counts in words as well as colours: the matrix must read the same in black and white
  return `<div class="check"><span class="cid">${esc(findCheck(checkId)?.title ?? checkId)} <code>${esc(checkId)}</code> <span class="desc">${esc(countsInWords(cell.counts))}</span></span> ${targets}</div>`
}

function controlMatrix(scan: Scan): string {
  const parts: string[] = []
  const count = (id: string) => [...(scan.controls.get(id)?.values() ?? [])].reduce((n, cell) => n + SEVERITY.reduce((m, s) => m + cell.counts[s], 0), 0)
  for (const fw of FRAMEWORKS) {
    const meta = CONTROL_CATALOG.frameworks[fw]!
    // a control whose every finding is not applicable was not tested: there was nothing to judge
    const judged = (id: string) => [...(scan.controls.get(id)?.values() ?? [])].some((cell) => SEVERITY.some((s) => s !== 'not-applicable' && cell.counts[s] > 0))
    const tested = CONTROL_CATALOG.controls.filter((c) => c.framework === fw && judged(c.id))
    const untested = CONTROL_CATALOG.controls.filter((c) => c.framework === fw && !judged(c.id))
    const rows = tested.map((c) => {
      const checks = scan.controls.get(c.id)!
      const statuses = [...checks.values()].flatMap((cell) => SEVERITY.filter((s) => s !== 'not-applicable' && cell.counts[s] > 0))
      return `<tr><td class="ref">${esc(c.ref)}</td><td><strong>${esc(c.title)}</strong><div class="desc">${esc(c.description)}</div></td><td>${chip(worst(statuses))}</td><td>${[...checks].map(([id, cell]) => matrixCell(id, cell, scan)).join('')}</td></tr>`
    })
    parts.push(`<h3>${esc(meta.name)} <span class="ver">${esc(meta.version)}</span></h3>
<p>${tested.length} of ${tested.length + untested.length} controls have at least one check in this run.</p>
${rows.length ? `<table class="matrix"><thead><tr><th>Control</th><th>Requirement</th><th>Status</th><th>Checks and targets</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : ''}
<details><summary>${untested.length} controls not tested by this run</summary><ul class="untested">${untested.map((c) => `<li><code>${esc(c.ref)}</code> ${esc(c.title)}${scan.controls.has(c.id) ? ` <span class="desc">(${count(c.id)} finding(s), all not applicable: nothing to judge)</span>` : ''}</li>`).join('')}</ul></details>`)
  }
  const unknown = [...scan.controls.keys()].filter((c) => !findControl(c))
  if (unknown.length) parts.push(`<p class="warn">Controls not in the catalog: ${unknown.map(esc).join(', ')}</p>`)
  return `<section id="controls"><h2>Control matrix</h2><p>Each control, the checks that test it, and every target's result. Click a target to see its evidence; passing targets of a large run are counted, and the count leads to them.</p>${parts.join('')}</section>`
}

function exceptionsSection(results: ResultsView): string {
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

/**
 * An evidence item, in either shape: the current one carries its content in `data`; the new one
 * carries `sha256` and `bytes`, its content stored once in evidence.jsonl beside the report.
 */
interface EvidenceLike {
  kind: string
  description: string
  mediaType?: string
  sha256?: string
  bytes?: number
  data?: unknown
}

const size = (n: number) => (n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`)

function evidenceItem(e: EvidenceLike): string {
  // the content as evidence.jsonl hashes it: a string as it is, anything else as its JSON text
  const content = e.data === undefined ? undefined : typeof e.data === 'string' ? e.data : JSON.stringify(e.data)
  const contentBytes = content === undefined ? undefined : Buffer.byteLength(content)
  const bytes = e.bytes ?? contentBytes
  const hash = e.sha256 ?? (content === undefined ? undefined : sha256(content))
  const facts = [
    e.mediaType ? `<code>${esc(e.mediaType)}</code>` : '',
    bytes !== undefined ? esc(size(bytes)) : '',
    hash ? `SHA-256 <code class="hash">${esc(hash)}</code>` : '',
  ].filter(Boolean)
  const shown =
    content !== undefined && contentBytes! <= MAX_INLINE_EVIDENCE_BYTES
      ? `<pre>${esc(typeof e.data === 'string' ? e.data : JSON.stringify(e.data, null, 2))}</pre>`
      : `<p class="none">${content !== undefined ? 'Content too large to show here: it is in <code>results.json</code>.' : e.sha256 ? 'Content in <code>evidence.jsonl</code>, under this SHA-256.' : 'No content recorded.'}</p>`
  return `<div class="evidence"><div><strong>${esc(e.description)}</strong> <code>${esc(e.kind)}</code>${facts.length ? ` <span class="desc">${facts.join(' · ')}</span>` : ''}</div>${shown}</div>`
}

function findingCard(f: Finding, order: number): string {
  const check = findCheck(f.checkId)
  const items: readonly EvidenceLike[] = f.evidence
  const evidence = items.map(evidenceItem).join('')
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
  return `<article class="finding ${f.status}" id="${anchor(f)}" data-status="${f.status}" style="order:${2 * order + 1}">
<header>${chip(f.status)} <span class="sev ${esc(f.severity)}">${esc(f.severity)}</span> <strong>${esc(check?.title ?? f.checkId)}</strong> on <strong>${esc(f.target)}</strong> <span class="desc">${esc(KIND_NAMES[f.targetKind] ?? f.targetKind)}</span></header>
<p class="summary">${esc(f.summary)}${f.errorKind ? ` <span class="desc">(${esc(f.errorKind)})</span>` : ''}</p>${waiver}
<p class="desc">Policy: “${esc(f.scenario)}” — <code>${esc(f.policy)}:${esc(f.scenarioLine ?? '')}</code> · check <code>${esc(f.checkId)}</code> · controls ${f.controls.map((c) => `<code>${esc(c)}</code>`).join(' ')}</p>
<div class="cols"><div><h4>Required</h4>${keyValues(f.expected)}</div><div><h4>Found</h4>${keyValues(f.actual)}</div></div>${f.offenders?.length ? `<h4>Offenders</h4><ul class="offenders">${f.offenders.slice(0, 200).map((o) => `<li><code>${esc(o.id)}</code> ${esc(o.why)}${o.severity ? ` <span class="sev ${esc(o.severity)}">${esc(o.severity)}</span>` : ''}</li>`).join('')}${f.offenders.length > 200 ? `<li class="none">and ${f.offenders.length - 200} more in results.json</li>` : ''}</ul>` : ''}
<details><summary>How this was observed, and the raw evidence</summary><h4>Decisive facts</h4>${keyValues(f.observed)}${population}<h4>How it was obtained</h4>${how}<h4>Raw evidence</h4>${evidence || '<p class="none">no raw evidence items</p>'}</details>
</article>`
}

/**
 * The passing findings' compact data, per check, written out BLOCK_ROWS rows at a time.
 * A block: `{"d": [[defIndex, def], …], "r": [[status, anchor, target, summary, defIndex, actual, expected?], …]}`
 * where a def is what the findings of one scenario share (check title, policy, controls, and the
 * expected values of the first one), status is 0 passed / 1 not applicable, actual is 0 when too
 * large to carry, and expected is there only when it differs from the def's.
 */
class PassingData {
  private readonly defs = new Map<string, { index: number; expected: string }>()
  private nextDef = 0
  private readonly buffers = new Map<string, { d: unknown[]; r: unknown[] }>()
  private readonly scan: Scan
  constructor(scan: Scan) {
    this.scan = scan
  }

  /** adds a passing finding; returns a data block when its check's buffer is full */
  add(f: Finding): string | undefined {
    const scenario = {
      check: f.checkId,
      title: findCheck(f.checkId)?.title ?? f.checkId,
      kind: KIND_NAMES[f.targetKind] ?? f.targetKind,
      severity: f.severity,
      policy: f.policy,
      scenario: f.scenario,
      line: f.scenarioLine ?? null,
      controls: f.controls,
    }
    const key = JSON.stringify(scenario)
    const expected = JSON.stringify(f.expected)
    let buf = this.buffers.get(f.checkId)
    if (!buf) this.buffers.set(f.checkId, (buf = { d: [], r: [] }))
    let def = this.defs.get(key)
    if (!def) {
      def = { index: this.nextDef++, expected }
      // past MAX_DEFS distinct scenarios, a new one is written again each time it is used (a def's
      // check is its group's, so its rows always come after it in the blocks their group reads)
      if (this.defs.size < MAX_DEFS) this.defs.set(key, def)
      buf.d.push([def.index, { ...scenario, expected: f.expected }])
    }
    const actual = JSON.stringify(f.actual)
    const row: unknown[] = [f.status === 'passed' ? 0 : 1, anchor(f).slice(2), f.target, f.summary, def.index, actual.length <= MAX_ROW_ACTUAL_CHARS ? f.actual : 0]
    if (expected !== def.expected) row.push(f.expected)
    buf.r.push(row)
    return buf.r.length >= BLOCK_ROWS ? this.flush(f.checkId) : undefined
  }

  flush(checkId: string): string | undefined {
    const buf = this.buffers.get(checkId)
    if (!buf || buf.r.length + buf.d.length === 0) return undefined
    this.buffers.set(checkId, { d: [], r: [] })
    const group = this.scan.groups.get(checkId)
    // rows of a check the first reading did not see (the stream changed between readings) have no
    // group to be drawn in; they remain in results.json
    return `<script type="application/json" class="vigil-passing" data-group="${esc(group?.id ?? '')}">${jsonData(buf)}</script>\n`
  }

  *flushAll(): Generator<string> {
    for (const checkId of [...this.buffers.keys()]) {
      const block = this.flush(checkId)
      if (block) yield block
    }
  }
}

function filters(scan: Scan): string {
  return SEVERITY.filter((s) => scan.counts[s] > 0)
    .map((s) => `<label><input type="checkbox" data-filter="${s}" checked> ${esc(LABEL[s])} (${scan.counts[s]})</label>`)
    .join(' ')
}

/** Pass 2: the cards, in stream order, placed by rank; the passing data blocks as they fill. */
function* findingsSection(findings: Iterable<Finding>, scan: Scan): Generator<string> {
  const attention = SEVERITY.filter((s) => !isPassing(s)).reduce((n, s) => n + scan.counts[s], 0)
  const passing = scan.counts.passed + scan.counts['not-applicable']
  yield `<section id="findings"><h2>Findings and evidence</h2><p class="filters">${filters(scan)}</p>
<p>${attention ? `${attention} finding(s) need attention; each is shown below with its evidence, worst first.` : 'No finding needs attention: nothing failed, could not be checked, was waived or skipped.'}${passing ? ` The ${passing} passing and not-applicable finding(s) follow, grouped by check (<a href="#passing">Passing findings</a>).` : ''}</p>
<div class="cards${attention > LAZY_CARDS ? ' lazy' : ''}">${SEVERITY.filter((s) => scan.firstRank[s] !== undefined)
    .map((s) => `<h3 class="status-head ${s}" style="order:${2 * scan.firstRank[s]!}">${chip(s)} ${scan.counts[s]} ${esc(LABEL[s].toLowerCase())}</h3>`)
    .join('')}\n`
  const data = new PassingData(scan)
  // findings the first reading did not see (the stream changed) go last, in stream order
  let late = scan.ranks.size
  for (const f of findings) {
    if (isPassing(f.status)) {
      const block = data.add(f)
      if (block) yield block
    } else {
      yield findingCard(f, scan.ranks.get(f.id) ?? late++)
    }
  }
  yield* data.flushAll()
  yield `</div>\n${passingGroups(scan)}</section>`
}

function passingGroups(scan: Scan): string {
  const passing = scan.counts.passed + scan.counts['not-applicable']
  if (!passing) return `<div id="passing"><h3>Passing findings</h3><p class="none">No finding passed.</p></div>`
  const groups = [...scan.groups.values()].map((g) => {
    const n = g.counts.passed + g.counts['not-applicable']
    return `<details class="group" id="${esc(g.id)}"${n <= PAGE_SIZE ? ' open' : ''}><summary><strong>${esc(findCheck(g.checkId)?.title ?? g.checkId)}</strong> <code>${esc(g.checkId)}</code> — <span class="counts">${esc(countsInWords(g.counts))}</span></summary>
<div class="pager" hidden><button type="button" data-step="-1">‹ Previous</button> <span class="info"></span> <button type="button" data-step="1">Next ›</button> <input type="search" placeholder="Filter by target" aria-label="Filter by target"></div><div class="rows"></div><noscript><p class="none">The list is drawn by this page's script, which is switched off; every finding is in results.json and findings.csv.</p></noscript></details>`
  })
  return `<div id="passing"><h3>Passing findings, by check</h3><p>${passing} finding(s) passed or had nothing to judge. Open a check to page through its targets, ${PAGE_SIZE} at a time; every one of them is in results.json and findings.csv too.</p>${groups.join('\n')}</div>`
}

// The page's one script, pinned by its hash in the CSP. Without it every finding that needs
// attention is still shown; it adds the status filters and draws the passing findings from the data
// blocks, a page at a time, with DOM methods only (textContent: nothing from a finding is parsed as HTML).
const SCRIPT = `(function () {
  var root = document.getElementById('findings')
  document.querySelectorAll('[data-filter]').forEach(function (box) {
    box.addEventListener('change', function () { root.classList.toggle('hide-' + box.dataset.filter, !box.checked) })
  })
  var SIZE = ${PAGE_SIZE}, LABEL = { passed: 'Passed', 'not-applicable': 'Not applicable' }, STATUS = ['passed', 'not-applicable'], defs = {}, groups = {}
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = String(text); return e }
  function human(k) { return k.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ').toLowerCase() }
  function value(v) {
    if (v == null || (Array.isArray(v) && !v.length)) return el('span', 'none', 'none')
    if (Array.isArray(v) && v.every(function (x) { return typeof x !== 'object' || x === null })) {
      var s = el('span')
      v.slice(0, 25).forEach(function (x, i) { if (i) s.append(', '); s.append(el('code', null, x)) })
      if (v.length > 25) s.append(' ', el('span', 'none', 'and ' + (v.length - 25) + ' more'))
      return s
    }
    if (typeof v === 'object') { var j = JSON.stringify(v); return el('code', 'json', j.length > 2000 ? j.slice(0, 2000) + '… (' + (j.length - 2000) + ' more characters in results.json)' : j) }
    return el('code', null, v)
  }
  function keyValues(o) {
    var keys = Object.keys(o || {})
    if (!keys.length) return el('p', 'none', 'nothing recorded')
    var dl = el('dl')
    keys.forEach(function (k) { var dd = el('dd'); dd.append(value(o[k])); dl.append(el('dt', null, human(k)), dd) })
    return dl
  }
  // a passing finding: one line (status, target, what was found), the rest one click away
  function card(r) {
    var d = defs[r[4]], s = STATUS[r[0]], a = el('article', 'finding compact ' + s)
    a.id = 'f-' + r[1]; a.dataset.status = s
    var h = el('header')
    h.append(el('span', 'chip ' + s, LABEL[s]), ' ', el('strong', null, r[2]), ' ', el('span', 'summary', r[3]))
    var more = el('details'), p = el('p', 'desc')
    more.append(el('summary', null, 'Policy, required and found'))
    p.append(el('span', 'sev ' + d.severity, d.severity), ' ' + d.title + ' \u00b7 ' + d.kind + ' \u00b7 policy \u201c' + d.scenario + '\u201d \u2014 ', el('code', null, d.policy + ':' + (d.line == null ? '' : d.line)), ' \u00b7 check ', el('code', null, d.check), ' \u00b7 controls')
    d.controls.forEach(function (c) { p.append(' ', el('code', null, c)) })
    var cols = el('div', 'cols'), req = el('div'), found = el('div')
    req.append(el('h4', null, 'Required'), keyValues(r.length > 6 ? r[6] : d.expected))
    found.append(el('h4', null, 'Found'), r[5] === 0 ? el('p', 'none', 'too large to show here: see results.json') : keyValues(r[5]))
    cols.append(req, found)
    more.append(p, cols)
    a.append(h, more)
    return a
  }
  function group(details) {
    var g = groups[details.id]
    if (g) return g
    g = groups[details.id] = { details: details, rows: [], shown: null, page: 0, drawn: false }
    document.querySelectorAll('script.vigil-passing').forEach(function (block) {
      if (block.dataset.group !== details.id) return
      var data = JSON.parse(block.textContent)
      data.d.forEach(function (d) { defs[d[0]] = d[1] })
      for (var i = 0; i < data.r.length; i++) g.rows.push(data.r[i])
    })
    return g
  }
  function draw(g) {
    var list = g.shown || g.rows, pages = Math.max(1, Math.ceil(list.length / SIZE))
    g.page = Math.min(Math.max(0, g.page), pages - 1)
    var from = g.page * SIZE, to = Math.min(list.length, from + SIZE), d = g.details, pager = d.querySelector('.pager')
    d.querySelector('.rows').replaceChildren.apply(d.querySelector('.rows'), list.slice(from, to).map(card))
    pager.querySelector('.info').textContent = list.length ? 'Showing ' + (from + 1) + '\\u2013' + to + ' of ' + list.length + ' (page ' + (g.page + 1) + ' of ' + pages + ')' : 'No target matches'
    pager.querySelector('[data-step="-1"]').disabled = g.page === 0
    pager.querySelector('[data-step="1"]').disabled = g.page >= pages - 1
    pager.hidden = false
    g.drawn = true
  }
  document.querySelectorAll('details.group').forEach(function (d) {
    d.addEventListener('toggle', function () { if (d.open && !group(d).drawn) draw(group(d)) })
    d.querySelectorAll('[data-step]').forEach(function (b) {
      b.addEventListener('click', function () { var g = group(d); g.page += Number(b.dataset.step); draw(g) })
    })
    d.querySelector('input[type=search]').addEventListener('input', function (e) {
      var q = e.target.value.trim().toLowerCase(), g = group(d)
      g.shown = q ? g.rows.filter(function (r) { return String(r[2]).toLowerCase().indexOf(q) >= 0 }) : null
      g.page = 0; draw(g)
    })
    if (d.open) draw(group(d))
  })
  // a link to a passing finding (from the matrix, or from outside) opens its group at its page. On
  // load the browser has jumped to the fragment while the page was still arriving (and cards off
  // screen are laid out at an estimated height), so the target is brought into view again.
  function reveal(loading) {
    var id = decodeURIComponent(location.hash.slice(1))
    if (!id) return
    var t = document.getElementById(id)
    if (t && t.matches('details.group')) { t.open = true; if (loading) t.scrollIntoView(); return }
    if (t || id.indexOf('f-') !== 0) { if (t && loading) t.scrollIntoView(); return }
    var all = document.querySelectorAll('details.group')
    for (var i = 0; i < all.length; i++) {
      var g = group(all[i]), at = -1
      for (var j = 0; j < g.rows.length; j++) if ('f-' + g.rows[j][1] === id) { at = j; break }
      if (at < 0) continue
      g.shown = null; all[i].querySelector('input[type=search]').value = ''
      g.page = Math.floor(at / SIZE); all[i].open = true; draw(g)
      var e = document.getElementById(id)
      if (e) { e.querySelector('details').open = true; e.scrollIntoView() }
      return
    }
  }
  window.addEventListener('hashchange', function () { reveal(false) })
  reveal(true)
})()`

const STYLE = `
:root{--fail:#b42318;--fail-bg:#fef3f2;--err:#b54708;--err-bg:#fffaeb;--pass:#067647;--pass-bg:#ecfdf3;--waive:#175cd3;--waive-bg:#eff8ff;--skip:#475467;--skip-bg:#f2f4f7;--line:#d0d5dd}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#101828;margin:0;background:#f9fafb}
main{max-width:1180px;margin:0 auto;padding:24px}h1{margin:0 0 4px;font-size:26px}h2{margin-top:40px;border-bottom:2px solid var(--line);padding-bottom:6px}h2.summary-head{margin-top:24px}
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
.chip.count{border-style:dashed}a.more{font-size:12px}
.check{margin:2px 0 6px}.cid{display:block;font-size:13px}ul.legend{list-style:none;padding:0}ul.legend li{margin:4px 0}
ul.untested{columns:2;font-size:13px}.finding{background:#fff;border:1px solid var(--line);border-left:6px solid;border-radius:8px;padding:10px 16px;margin:14px 0}
.cards{display:flex;flex-direction:column}.cards>.finding{margin:7px 0}.cards.lazy>.finding{content-visibility:auto;contain-intrinsic-size:auto 470px}
.finding.compact{padding:4px 12px;margin:6px 0}.finding.compact>details>summary{margin:2px 0;font-size:13px}.finding.compact .summary{color:#344054}.status-head{margin:18px 0 4px}
.finding.failed{border-left-color:var(--fail)}.finding.error{border-left-color:var(--err)}.finding.passed{border-left-color:var(--pass)}.finding.waived{border-left-color:var(--waive)}.finding.skipped,.finding.not-applicable{border-left-color:var(--skip)}
.finding .summary{font-size:16px;margin:6px 0}.sev{font-size:11px;font-weight:700;text-transform:uppercase;border-radius:4px;padding:0 5px;border:1px solid #98a2b3;color:#344054}.sev.critical{background:#b42318;color:#fff;border-color:#b42318}.sev.high{color:#b42318;border-color:#b42318}.sev.medium{color:#b54708;border-color:#b54708}.waiver{background:var(--waive-bg);border:1px solid var(--waive);padding:6px 10px;border-radius:6px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0}dt{color:#475467}dd{margin:0}
pre{background:#101828;color:#f2f4f7;padding:10px;border-radius:6px;overflow:auto;max-height:420px;font-size:12px}
.evidence{margin:6px 0 10px}.evidence pre{margin:4px 0}.evidence p{margin:2px 0}code.hash{word-break:break-all}
details.group{background:#fff;border:1px solid var(--line);border-left:6px solid var(--pass);border-radius:8px;padding:2px 14px;margin:10px 0}
.pager{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:6px 0}.pager[hidden]{display:none}.pager input{margin-left:auto;padding:2px 6px}
details>summary{cursor:pointer;color:#175cd3;margin:6px 0}.none{color:#667085}.warn{color:var(--fail)}.filters label{margin-right:14px}
${SEVERITY.map((s) => `#findings.hide-${s} .finding.${s},#findings.hide-${s} .status-head.${s}`).join(',')}{display:none}
@media print{details{display:block}details>summary{display:none}pre{max-height:none;white-space:pre-wrap}.filters,.pager{display:none}body{background:#fff}}
`

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64')
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`

/**
 * The report, a piece at a time: write each chunk as it comes and the page is never held whole.
 * `results.findings` is read twice (counting, then writing; `scanned`: the counting was done by a
 * FindingScanner in another reading); nothing but counts, the non-passing findings' ids and matrix
 * chips, and a bounded buffer of passing rows is kept between readings.
 */
export function* htmlReportChunks(results: ResultsView, scanned?: Scan): Generator<string> {
  const r = results.run
  yield `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vigil compliance report — ${esc(r.startedAt)}</title>
<style>${STYLE}</style></head>
<body><main>
<h1>Compliance evidence report</h1>
<div class="desc">Vigil run <code>${esc(r.id)}</code>, ${esc(r.startedAt)} (UTC). Generated from <code>results.json</code>; the raw observations are in <code>observations.json</code> and the evidence content, by SHA-256, in <code>evidence.jsonl</code> (inline in <code>results.json</code> for runs before schema 3).</div>
<nav><a href="#summary">Summary</a><a href="#controls">Control matrix</a><a href="#exceptions">Exceptions</a><a href="#findings">Findings and evidence</a><a href="#passing">Passing findings</a></nav>
${summarySection(results)}
`
  const s = scanned ?? scan(results.findings)
  yield `${controlMatrix(s)}\n${exceptionsSection(results)}\n`
  yield* findingsSection(results.findings, s)
  yield `
<footer class="desc"><p>Integrity: when this report is part of an evidence bundle, <code>manifest.json</code> lists the SHA-256 of every file and <code>manifest.json.p7s</code> is its CMS signature; see the bundle's <code>VERIFY.txt</code>.</p></footer>
</main><script>${SCRIPT}</script></body></html>
`
}

export function htmlReport(results: ResultsView): string {
  return [...htmlReportChunks(results)].join('')
}
