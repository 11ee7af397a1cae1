// `gate.json` (versioned public schema, like results.json) and the gate's section of summary.md.
import * as z from 'zod'
import { SeveritySchema } from '../reports/model.ts'
import { cell } from '../reports/markdown-summary.ts'
import { GATE_CLASSES, severityRank, type GateClass, type GateRow } from './decide.ts'
import type { Severity } from '../checks/types.ts'

export const GATE_SCHEMA_VERSION = 1

const OutcomeSchema = z.enum(['passed', 'failed', 'error', 'not-applicable', 'missing'])

export const GateRowSchema = z.object({
  class: z.enum(GATE_CLASSES),
  checkId: z.string(),
  scenarioKey: z.string(),
  target: z.string(),
  offender: z.object({ id: z.string(), why: z.string() }).optional(),
  base: OutcomeSchema,
  change: OutcomeSchema,
  severity: SeveritySchema,
  reason: z.string(),
  declared: z.object({ kind: z.enum(['retired', 'waiver']), reason: z.string(), ticket: z.string(), source: z.string().optional() }).optional(),
  firstSeen: z.string().optional(),
  location: z.object({ file: z.string(), line: z.number().int() }).optional(),
  findingId: z.string(),
  /** this row fails the gate (its class is in failOn, it is at or above minSeverity, and nothing declares it) */
  failsGate: z.boolean(),
})

export const GateReportSchema = z.object({
  schemaVersion: z.literal(GATE_SCHEMA_VERSION),
  identityVersion: z.literal(1),
  passed: z.boolean(),
  base: z.object({ ref: z.string(), commit: z.string(), runId: z.string().optional(), findings: z.number().int() }),
  change: z.object({ runId: z.string(), findings: z.number().int() }),
  /** settings in force, read from the base side's vigil.yaml (`gate:`) and made stricter, never looser, by the command line */
  settings: z.object({ failOn: z.array(z.enum(['new', 'all', 'environment'])), minSeverity: SeveritySchema, source: z.string() }),
  since: z.object({ runId: z.string(), startedAt: z.string(), source: z.string() }).optional(),
  counts: z.record(z.enum(GATE_CLASSES), z.number().int()),
  rows: z.array(GateRowSchema),
  notes: z.array(z.string()),
})
export type GateReport = z.infer<typeof GateReportSchema>

export interface GateSettings {
  failOn: ('new' | 'all' | 'environment')[]
  minSeverity: Severity
}

/** Which classes fail the gate under `failOn`. Declared rows (retired, waivers the change adds) never do. */
export function failingClasses(failOn: GateSettings['failOn']): Set<GateClass> {
  const out = new Set<GateClass>(['new', 'coverage-lost', 'weakened'])
  if (failOn.includes('all')) for (const c of ['still-failing', 'environment'] as const) out.add(c)
  if (failOn.includes('environment')) out.add('environment')
  return out
}

export function failsGate(row: GateRow, s: GateSettings): boolean {
  return !row.declared && failingClasses(s.failOn).has(row.class) && severityRank(row.severity) >= severityRank(s.minSeverity)
}

/** The stricter of two settings: every class either fails on, the lower severity threshold. */
export function stricter(a: GateSettings, b: Partial<GateSettings>): GateSettings {
  const failOn = [...new Set([...a.failOn, ...(b.failOn ?? [])])]
  const minSeverity = b.minSeverity && severityRank(b.minSeverity) < severityRank(a.minSeverity) ? b.minSeverity : a.minSeverity
  return { failOn, minSeverity }
}

const TITLE: Record<GateClass, string> = {
  new: 'New',
  'coverage-lost': 'Coverage lost',
  weakened: 'Weakened',
  'still-failing': 'Still failing (old debt)',
  fixed: 'Fixed',
  environment: 'Changed outside this pull request',
  'coverage-gained': 'Coverage gained',
}

/** The gate's part of summary.md: the verdict, then each class with its rows. */
export function gateMarkdown(report: GateReport): string {
  const out = [
    `## Vigil gate: ${report.passed ? '✅ **passed**' : '❌ **failed**'} — base \`${report.base.ref}\` (${report.base.commit.slice(0, 12)})`,
    '',
    GATE_CLASSES.filter((c) => report.counts[c]).map((c) => `${report.counts[c]} ${TITLE[c].toLowerCase()}`).join(' · ') || 'No difference from the base side.',
    '',
    `Fails on: ${report.settings.failOn.join(', ')} at or above ${report.settings.minSeverity} (from ${report.settings.source}).`,
    '',
  ]
  for (const n of report.notes) out.push(`> ${cell(n, 400)}`, '')
  for (const c of GATE_CLASSES) {
    const rows = report.rows.filter((r) => r.class === c)
    if (!rows.length) continue
    const open = c === 'still-failing' || c === 'fixed' || c === 'coverage-gained'
    out.push(open ? `<details><summary>${TITLE[c]} (${rows.length})</summary>` : `### ${TITLE[c]} (${rows.length})`, '')
    out.push('| | check | target | offender | severity | why |', '| --- | --- | --- | --- | --- | --- |')
    for (const r of rows.slice(0, 200))
      out.push(
        `| ${r.failsGate ? '❌' : r.declared ? '📝' : '·'} | \`${r.checkId}\` | ${cell(r.target)} | ${cell(r.offender?.id ?? '—', 160)} | ${r.severity} | ${cell(r.reason + (r.declared ? ` — declared (${r.declared.kind}: ${r.declared.ticket}, ${r.declared.reason})` : '') + (r.firstSeen ? ` — first seen ${r.firstSeen}` : ''))} |`,
      )
    if (rows.length > 200) out.push('', `… and ${rows.length - 200} more in gate.json.`)
    out.push('', ...(open ? ['</details>', ''] : []))
  }
  return out.join('\n')
}
