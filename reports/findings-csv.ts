// `findings.csv`: one row per finding for the auditor's spreadsheet (sampling, tick marks). Values
// come from peers Vigil does not control (banners, certificate subjects, policy documents), so
// cells that a spreadsheet would run as a formula are escaped.
import { stringify } from 'csv-stringify/sync'
import type { Finding, ResultsView } from './model.ts'

export const CSV_COLUMNS = [
  'finding_id',
  'status',
  'verdict',
  'check_id',
  'controls',
  'target',
  'target_kind',
  'summary',
  'error_kind',
  'expected',
  'actual',
  'observed_at',
  'policy',
  'scenario_line',
  'scenario',
  'waiver_id',
  'waiver_approver',
  'waiver_ticket',
  'waiver_expires',
  'waiver_justification',
  'raw_observation',
  /** `true` on every row of an interrupted run: the rows do not cover the whole inventory */
  'run_incomplete',
  'severity',
  /** identity v1 of the finding (check, scenario key, target), hashed: the same across runs */
  'fingerprint',
  'scenario_key',
  /** the offender ids, one per line */
  'offenders',
] as const

function row(f: Finding, incomplete: boolean): Record<(typeof CSV_COLUMNS)[number], string | number> {
  return {
    finding_id: f.id,
    status: f.status,
    verdict: f.verdict,
    check_id: f.checkId,
    controls: f.controls.join(' '),
    target: f.target,
    target_kind: f.targetKind,
    summary: f.summary,
    error_kind: f.errorKind ?? '',
    expected: JSON.stringify(f.expected),
    actual: JSON.stringify(f.actual),
    observed_at: f.observedAt,
    policy: f.policy,
    scenario_line: f.scenarioLine ?? '',
    scenario: f.scenario,
    waiver_id: f.waiver?.id ?? '',
    waiver_approver: f.waiver?.approver ?? '',
    waiver_ticket: f.waiver?.ticket ?? '',
    waiver_expires: f.waiver?.expires ?? '',
    waiver_justification: f.waiver?.justification ?? '',
    raw_observation: f.provenance?.observation ?? '',
    run_incomplete: incomplete ? 'true' : 'false',
    severity: f.severity,
    fingerprint: f.fingerprint,
    scenario_key: f.scenarioKey,
    offenders: (f.offenders ?? []).map((o) => o.id).join('\n'),
  }
}

/** findings.csv in chunks of rows: a fleet's findings are never all in memory at once. */
export function* findingsCsvChunks(results: ResultsView, rowsPerChunk = 500): Generator<string> {
  // a BOM so spreadsheet programs read UTF-8; CRLF as RFC 4180 says
  const options = { columns: [...CSV_COLUMNS], record_delimiter: 'windows', escape_formulas: true } as const
  let rows: ReturnType<typeof row>[] = []
  let first = true
  const chunk = () => {
    const text = stringify(rows, { ...options, header: first, bom: first })
    first = false
    rows = []
    return text
  }
  for (const f of results.findings) {
    rows.push(row(f, !!results.run.incomplete))
    if (rows.length >= rowsPerChunk) yield chunk()
  }
  if (rows.length > 0 || first) yield chunk()
}

export function findingsCsv(results: ResultsView): string {
  return [...findingsCsvChunks(results)].join('')
}
