// SARIF 2.1.0 for code scanning (GitHub and others): one rule per check, one result per non-passing
// finding, located at a line of the team's repository (the scenario of the team's own feature file,
// or the target's entry in vigil.yaml for a policy of the shipped library).
//
// GitHub merges results whose location and `primaryLocationLineHash` match into one alert; it would
// otherwise hash the line's text, and every target of one scenario (one line) would become a single
// alert. Vigil sets the hash from the finding's identity (check, scenario key, target), so each target
// is its own alert and stays the same alert across runs. `runAutomationDetails.id` is the category:
// stable per inventory, with no run id or version in it (a category that changes orphans alerts).
// GitHub keeps at most 5,000 results of a run and refuses files over 10 MB gzipped: the highest
// severities are kept and the rest counted.
import { gzipSync } from 'node:zlib'
import type * as Sarif from 'sarif'
import { CHECKS } from '../checks/catalog.ts'
import type { Severity } from '../checks/types.ts'
import { findingsWithStatus, type Finding, type ResultsView } from './model.ts'

export const MAX_SARIF_RESULTS = 5000
export const MAX_SARIF_GZIP_BYTES = 10 * 1024 * 1024
const MAX_OFFENDERS_IN_MESSAGE = 50

/** GitHub reads `security-severity` (0–10) into critical (≥ 9), high (7–8.9), medium (4–6.9), low (< 4). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' }
const LEVEL: Record<Severity, Sarif.Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' }
const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 }

export interface SarifOptions {
  vigilVersion: string
  /** where each finding is shown: a file relative to the repository root and a line */
  locate(f: Finding): { file: string; line: number }
  /** the inventory file as named in the repository: the automation category is made from it */
  inventory: string
  /** gate comparison per finding id: new offenders, still-failing ones (sets `baselineState`) */
  baseline?: ReadonlyMap<string, { newOffenders: number; oldOffenders: number }>
}

function rules(): Sarif.ReportingDescriptor[] {
  return CHECKS.map((c) => ({
    id: c.id,
    name: c.id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : '')),
    shortDescription: { text: c.title },
    fullDescription: { text: `Fails when ${c.description}.` },
    help: {
      text: `${c.title}. Fails when ${c.description}. Judges: ${c.population} (none: not applicable). Default severity ${c.severity.level}: ${c.severity.reason}`,
      markdown: `**${c.title}** (\`${c.id}\`)\n\nFails when ${c.description}.\n\nJudges: ${c.population} (none: not applicable).\n\nDefault severity **${c.severity.level}**: ${c.severity.reason}\n\nParameters: ${c.params.map((p) => `\`${p.name}\` (${JSON.stringify(p.default)})`).join(', ') || 'none'}.`,
    },
    defaultConfiguration: { level: LEVEL[c.severity.level] },
    properties: { tags: ['security', 'compliance'], 'security-severity': SECURITY_SEVERITY[c.severity.level], precision: 'very-high' },
  }))
}

function message(f: Finding): string {
  const offenders = f.offenders ?? []
  const head = `${f.status === 'waived' ? `waived (${f.verdict})` : f.status}: ${f.target}: ${f.summary}`
  if (!offenders.length) return head
  const list = offenders.slice(0, MAX_OFFENDERS_IN_MESSAGE).map((o) => `- ${o.id}: ${o.why}`)
  if (offenders.length > MAX_OFFENDERS_IN_MESSAGE) list.push(`- … and ${offenders.length - MAX_OFFENDERS_IN_MESSAGE} more (results.json)`)
  return `${head}\n${list.join('\n')}`
}

function result(f: Finding, o: SarifOptions): Sarif.Result {
  const where = o.locate(f)
  const base = o.baseline?.get(f.id)
  const baselineState: Sarif.Result.baselineState | undefined = base ? (base.newOffenders && base.oldOffenders ? 'updated' : base.newOffenders ? 'new' : 'unchanged') : undefined
  return {
    ruleId: f.checkId,
    level: LEVEL[f.severity],
    message: { text: message(f) },
    locations: [{ physicalLocation: { artifactLocation: { uri: where.file, uriBaseId: '%SRCROOT%' }, region: { startLine: Math.max(1, where.line) } } }],
    partialFingerprints: { primaryLocationLineHash: `${f.fingerprint}:1` },
    fingerprints: { 'vigil/identity/v1': f.fingerprint },
    ...(baselineState ? { baselineState } : {}),
    ...(f.status === 'waived' && f.waiver
      ? { suppressions: [{ kind: 'external' as const, status: 'accepted' as const, justification: `${f.waiver.id}: ${f.waiver.justification} (approved by ${f.waiver.approver}, ${f.waiver.ticket}, until ${f.waiver.expires})` }] }
      : {}),
    properties: {
      target: f.target,
      scenario: f.scenarioKey,
      status: f.status,
      verdict: f.verdict,
      ...(f.errorKind ? { errorKind: f.errorKind } : {}),
      severity: f.severity,
      'security-severity': SECURITY_SEVERITY[f.severity],
      controls: f.controls,
      offenders: (f.offenders ?? []).map((x) => x.id),
    },
  }
}

/** The SARIF log of a run's results. Non-passing findings only (failed, error, waived with a suppression). */
export function sarifLog(results: ResultsView, o: SarifOptions): Sarif.Log {
  const shown = [...findingsWithStatus(results.findings, ['failed', 'error', 'waived'])]
    .sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.checkId.localeCompare(b.checkId) || a.target.localeCompare(b.target))
  const build = (n: number): Sarif.Log => ({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Vigil', semanticVersion: o.vigilVersion, version: o.vigilVersion, rules: rules() } },
        automationDetails: { id: `vigil/${o.inventory.replace(/^\.\//, '')}/` },
        results: shown.slice(0, n).map((f) => result(f, o)),
        properties: {
          runId: results.run.id,
          startedAt: results.run.startedAt,
          incomplete: !!results.run.incomplete,
          nonPassingFindings: shown.length,
          omittedResults: Math.max(0, shown.length - n),
          ...(shown.length > n ? { omittedNote: `${shown.length - n} lower-severity results omitted (GitHub keeps ${MAX_SARIF_RESULTS} per run, 10 MB gzipped); every finding is in results.json` } : {}),
        },
      },
    ],
  })
  let n = Math.min(shown.length, MAX_SARIF_RESULTS)
  let log = build(n)
  // still too large once compressed: halve the tail until it fits
  while (n > 0 && gzipSync(JSON.stringify(log)).length > MAX_SARIF_GZIP_BYTES) {
    n = Math.floor(n / 2)
    log = build(n)
  }
  return log
}
