// `vigil diff`: what changed between two recorded runs (by default the last two complete runs of a
// schedule) — the morning message: what broke since yesterday, what was fixed. Same identity and
// same classes as the gate (gate/decide.ts), read from the history instead of two live sides: an
// offender that no longer fails is fixed (between two nights the environment changed, not the
// pull request), one that fails and did not is new, a finding no longer decided is coverage lost.
import { decide, type GateRow } from '../gate/decide.ts'
import type { Finding, Results } from '../reports/model.ts'
import { cell } from '../reports/markdown-summary.ts'
import type { StoredFinding, StoredRun } from './store.ts'

export interface RunDiff {
  from: { id: string; startedAt: string }
  to: { id: string; startedAt: string }
  counts: Record<'new' | 'fixed' | 'still-failing' | 'coverage-lost' | 'coverage-gained' | 'weakened', number>
  rows: GateRow[]
}

/** A stored finding in the results model's shape, enough for the comparison. */
function asFinding(f: StoredFinding, observedAt: string): Finding {
  return {
    id: f.fingerprint,
    fingerprint: f.fingerprint,
    scenarioKey: f.scenarioKey,
    severity: f.severity as Finding['severity'],
    checkId: f.checkId,
    target: f.target,
    targetKind: '',
    status: f.status as Finding['status'],
    verdict: f.verdict as Finding['verdict'],
    policy: '',
    scenario: '',
    controls: f.controls,
    summary: f.summary,
    params: {},
    expected: {},
    actual: {},
    observed: {},
    evidence: [],
    observedAt,
    ...(f.offenders.length ? { offenders: f.offenders.map((o) => ({ id: o.id, why: o.why })) } : {}),
  }
}

function asResults(run: StoredRun, findings: StoredFinding[]): Results {
  return {
    schemaVersion: 2,
    identityVersion: 1,
    run: { id: run.id, startedAt: run.startedAt, finishedAt: run.finishedAt, vigilVersion: run.vigilVersion, nodeVersion: '', host: '', operator: '', inventory: '', features: [], incomplete: run.incomplete },
    totals: run.totals,
    population: {},
    findings: findings.map((f) => asFinding(f, run.startedAt)),
    problems: [],
  }
}

export function diffRuns(a: StoredRun, aFindings: StoredFinding[], b: StoredRun, bFindings: StoredFinding[]): RunDiff {
  const rows = decide({
    base: asResults(a, aFindings),
    change: asResults(b, bFindings),
    // between two runs the policy is the same (or its change is recorded): what no longer fails was fixed
    rejudge: (base) => new Set((base.offenders ?? []).map((o) => o.id)),
    retired: [],
    baseWaiverIds: new Set(aFindings.flatMap((f) => (f.waiverId ? [f.waiverId] : []))),
  }).map((r) => ({ ...r, findingId: r.findingId }))
  const counts = { new: 0, fixed: 0, 'still-failing': 0, 'coverage-lost': 0, 'coverage-gained': 0, weakened: 0 }
  for (const r of rows) if (r.class in counts) counts[r.class as keyof typeof counts]++
  return { from: { id: a.id, startedAt: a.startedAt }, to: { id: b.id, startedAt: b.startedAt }, counts, rows }
}

const TITLES: [GateRow['class'], string][] = [
  ['new', '🆕 New since the last run'],
  ['coverage-lost', '🕳️ No longer checked'],
  ['weakened', '⚠️ Weakened'],
  ['fixed', '✅ Fixed'],
  ['still-failing', '⏳ Still failing'],
]

/** The morning message, in Markdown: nothing secret, nothing but ids, reasons and counts. */
export function diffMarkdown(d: RunDiff, schedule?: string): string {
  const out = [
    `## Vigil${schedule ? ` ${schedule}` : ''}: ${d.counts.new} new, ${d.counts.fixed} fixed, ${d.counts['still-failing']} still failing${d.counts['coverage-lost'] ? `, ${d.counts['coverage-lost']} no longer checked` : ''}`,
    '',
    `From run \`${d.from.id}\` (${d.from.startedAt}) to run \`${d.to.id}\` (${d.to.startedAt}).`,
    '',
  ]
  for (const [cls, title] of TITLES) {
    const rows = d.rows.filter((r) => r.class === cls)
    if (!rows.length) continue
    out.push(`### ${title} (${rows.length})`, '')
    for (const r of rows.slice(0, 100)) out.push(`- \`${r.checkId}\` on **${cell(r.target, 120)}**${r.offender ? `: ${cell(r.offender.id, 160)} — ${cell(r.offender.why, 200)}` : `: ${cell(r.reason, 200)}`} (${r.severity})`)
    if (rows.length > 100) out.push(`- … and ${rows.length - 100} more`)
    out.push('')
  }
  return out.join('\n')
}

/** Slack-compatible JSON (`{text, blocks}`), built from the Markdown: one section per class. */
export function slackPayload(d: RunDiff, schedule?: string): { text: string; blocks: unknown[] } {
  const md = diffMarkdown(d, schedule)
  const [head, ...rest] = md.split('\n### ')
  const text = head!.split('\n')[0]!.replace(/^## /, '')
  const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: text.slice(0, 150) } }]
  for (const section of rest) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${section.replace(/\*\*/g, '*').slice(0, 2900)}` } })
  return { text, blocks }
}
