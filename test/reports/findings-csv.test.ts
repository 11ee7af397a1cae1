// findings.csv is written by reports/findings-csv.ts; csv-stringify (a dev dependency, used here
// only) is the oracle: the same cells give the same bytes, formula escaping and quoting included,
// and a multi-line cell stays one cell for an RFC 4180 reader.
import { stringify } from 'csv-stringify/sync'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { syntheticResults } from '../../bench/report-open.ts'
import { CSV_COLUMNS, csvRecord, findingRow, findingsCsv } from '../../reports/findings-csv.ts'

// quote_record_delimiter: csv-stringify leaves a bare LF or CR inside a cell unquoted once a record
// delimiter is named (its default), which splits the row for every RFC 4180 reader; findings.csv
// quotes them (an offender list is one id per line)
const OPTIONS = { record_delimiter: 'windows', escape_formulas: true, quote_record_delimiter: true } as const
const runs = Number(process.env.VIGIL_FUZZ_RUNS ?? 500)

describe('findings.csv', () => {
  it('a record is what csv-stringify writes, for any cells', () => {
    // the characters that matter (quotes, commas, line breaks, formula starts, full-width forms) among any others
    const special = fc.constantFrom('"', ',', '\n', '\r', '\r\n', '=', '+', '-', '@', '\t', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', "'", ' ', 'é', '😀')
    const text = fc.array(fc.oneof(special, fc.string({ maxLength: 4 })), { maxLength: 8 }).map((parts) => parts.join(''))
    const cell = fc.oneof(text, fc.integer({ min: -1000, max: 100_000 }))
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (values) => {
        expect(csvRecord(values)).toBe(stringify([values], OPTIONS))
      }),
      { numRuns: runs },
    )
  })

  it('the whole file is what csv-stringify writes from the same rows (BOM, header, CRLF, hostile values)', () => {
    const view = syntheticResults(60)
    const findings = [...view.findings]
    const expected = stringify(
      findings.map((f) => findingRow(f, false)),
      { ...OPTIONS, columns: [...CSV_COLUMNS], header: true, bom: true },
    )
    const csv = findingsCsv({ ...view, findings })
    expect(csv).toBe(expected)
    expect(csv.split('\r\n').length).toBeGreaterThan(findings.length)
    // the offenders cell holds one id per line: quoted, so every row is one record
    const multi = findings.find((f) => (f.offenders?.length ?? 0) > 1)!
    expect(csv).toContain(`,"${multi.offenders!.map((o) => o.id).join('\n')}"\r\n`)
    // with no findings: the BOM and the header
    expect(findingsCsv({ ...view, findings: [] })).toBe(stringify([], { ...OPTIONS, columns: [...CSV_COLUMNS], header: true, bom: true }))
  })
})
