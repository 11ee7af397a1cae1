// `findings.csv`: one row per finding for the auditor's spreadsheet (sampling, tick marks). Values
// come from peers Vigil does not control (banners, certificate subjects, policy documents), so
// cells that a spreadsheet would run as a formula are escaped.
//
// Written here rather than with csv-stringify, which this file used: it allocated ~40 times the text
// it wrote (330 MB for the 8 MB of a 1,000-endpoint run, a fifth of the run's allocations). The
// output is csv-stringify's with `record_delimiter: 'windows', escape_formulas: true, bom: true,
// quote_record_delimiter: true`, byte for byte (test/reports/findings-csv.test.ts checks it against
// csv-stringify on random cells). Without the last option, which findings.csv lacked until then, a
// cell holding a bare line break (the offender ids, one per line) was left unquoted and split its
// row for every RFC 4180 reader.
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

export function findingRow(f: Finding, incomplete: boolean): Record<(typeof CSV_COLUMNS)[number], string | number> {
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

/** Cells a spreadsheet would run as a formula start with one of these (OWASP "CSV injection"; the full-width forms too, for Apple Numbers). */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'])

/** One cell: a formula start escaped with `'`; quoted (quotes doubled) when it holds a quote, a comma or a line break. */
export function csvCell(value: string | number): string {
  // a number is written as it is (a negative one is not a formula)
  if (typeof value === 'number') return String(value)
  if (value === '') return ''
  const v = FORMULA_START.has(value[0]!) ? `'${value}` : value
  const quote = v.includes('"')
  return quote || v.includes(',') || v.includes('\n') || v.includes('\r') ? `"${quote ? v.replaceAll('"', '""') : v}"` : v
}

/** One CRLF-ended record. */
export function csvRecord(values: readonly (string | number)[]): string {
  let out = ''
  for (let i = 0; i < values.length; i++) out += (i ? ',' : '') + csvCell(values[i]!)
  return out + '\r\n'
}

/** findings.csv in chunks of rows: a fleet's findings are never all in memory at once. A BOM so spreadsheet programs read UTF-8; CRLF as RFC 4180 says. */
export function* findingsCsvChunks(results: ResultsView, rowsPerChunk = 500): Generator<string> {
  let text = '\uFEFF' + csvRecord(CSV_COLUMNS)
  let rows = 0
  for (const f of results.findings) {
    const r = findingRow(f, !!results.run.incomplete)
    text += csvRecord(CSV_COLUMNS.map((c) => r[c]))
    if (++rows % rowsPerChunk === 0) {
      yield text
      text = ''
    }
  }
  if (text) yield text
}

export function findingsCsv(results: ResultsView): string {
  return [...findingsCsvChunks(results)].join('')
}
