// junit.xml's text escaping, one pass over each value, against the five-step replace chain it
// replaced (the oracle), and a testcase's detail only where a CI system shows it.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { junitXml, xmlEscape } from '../../reports/junit.ts'
import type { Finding, ResultsView } from '../../reports/model.ts'

const chain = (s: string) =>
  s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')

describe('junit.xml', () => {
  it('escapes as the replace chain did: control characters dropped, & < > " as entities, the rest as is', () => {
    const tricky = fc.constantFrom('&', '<', '>', '"', "'", '\u0000', '\u0008', '\t', '\n', '\u000B', '\u000C', '\r', '\u001F', '&amp;', 'é', '💥', 'a')
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.array(tricky).map((a) => a.join(''))), (s) => {
        expect(xmlEscape(s)).toBe(chain(s))
      }),
      { numRuns: 2000 },
    )
  })

  it('a failed or erroring testcase carries what was expected and seen; a passing one does not', () => {
    const finding = (status: Finding['status']) =>
      ({ id: status, checkId: 'tls.protocols', target: `t-${status}`, status, verdict: status, scenario: 'S', policy: 'p.feature', summary: `${status} <because>`, expected: { min: 'TLSv1.2' }, actual: { accepted: ['TLSv1.0'] }, controls: [] }) as unknown as Finding
    const findings = [finding('passed'), finding('failed'), finding('error')]
    const xml = junitXml({ run: { id: 'r1', startedAt: '2026-12-03T00:00:00.000Z', incomplete: false }, totals: { passed: 1, failed: 1, error: 1, 'not-applicable': 0, skipped: 0, waived: 0 }, findings } as unknown as ResultsView)
    const cases = xml.split('<testcase ').slice(1)
    expect(cases).toHaveLength(3)
    expect(cases[0]).not.toContain('TLSv1.0')
    for (const c of cases.slice(1)) expect(c).toContain(xmlEscape(JSON.stringify({ expected: { min: 'TLSv1.2' }, actual: { accepted: ['TLSv1.0'] } }, null, 1)))
    expect(cases[1]).toContain('message="failed &lt;because&gt;"')
  })
})
