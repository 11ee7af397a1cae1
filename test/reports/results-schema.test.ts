// The published JSON Schema of results.json is generated from the zod schema; they must not drift.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { resultsJsonSchema } from '../../reports/build-results-schema.ts'
import { countStatuses, exitCodeFor, type Finding } from '../../reports/model.ts'
import { junitXml } from '../../reports/junit.ts'

describe('results schema', () => {
  it('reports/results.schema.json is what `node reports/build-results-schema.ts` generates', () => {
    expect(readFileSync(new URL('../../reports/results.schema.json', import.meta.url), 'utf8')).toBe(resultsJsonSchema())
  })

  it('documents the required finding fields and the status enum', () => {
    const schema = JSON.parse(resultsJsonSchema())
    const finding = schema.properties.findings.items
    for (const f of ['checkId', 'target', 'status', 'policy', 'scenario', 'controls', 'summary', 'observed', 'evidence', 'expected', 'actual']) expect(finding.required).toContain(f)
    expect(finding.properties.status.enum).toEqual(['passed', 'failed', 'error', 'not-applicable', 'skipped', 'waived'])
    // version 3 is written; version 2 files (evidence inline) are still read
    expect(schema.properties.schemaVersion.anyOf.map((v: { const: number }) => v.const)).toEqual([2, 3])
    const evidence = schema.properties.findings.items.properties.evidence.items
    expect(Object.keys(evidence.properties)).toEqual(expect.arrayContaining(['kind', 'description', 'sha256', 'bytes']))
  })
})

describe('exit codes and JUnit', () => {
  const f = (status: Finding['status'], target: string): Finding => ({
    id: `x@${target}`, fingerprint: '0'.repeat(64), scenarioKey: 'k', severity: 'high', checkId: 'tls.protocols', target, targetKind: 'tls', status, verdict: status === 'waived' ? 'failed' : status,
    policy: 'features/tls/protocols.feature', scenario: 'Only <TLS> & "new"', controls: ['soc2:CC6.7'], summary: `s ${target} \u0007`,
    params: {}, expected: {}, actual: {}, observed: {}, evidence: [], observedAt: '2026-01-01T00:00:00Z',
  })
  it('0 when all pass, 1 on any failure, 3 on errors without failures', () => {
    expect(exitCodeFor(countStatuses([f('passed', 'a')]))).toBe(0)
    expect(exitCodeFor(countStatuses([f('passed', 'a'), f('error', 'b'), f('failed', 'c')]))).toBe(1)
    expect(exitCodeFor(countStatuses([f('passed', 'a'), f('error', 'b')]))).toBe(3)
    // an empty population neither fails nor passes the run
    expect(exitCodeFor(countStatuses([f('not-applicable', 'a')]))).toBe(0)
    expect(countStatuses([f('not-applicable', 'a'), f('passed', 'b')])['not-applicable']).toBe(1)
  })
  it('one escaped testcase per finding, failures and errors as such', () => {
    const findings = [f('passed', 'a'), f('failed', 'b'), f('error', 'c'), f('skipped', 'd'), f('not-applicable', 'e')]
    const xml = junitXml({
      schemaVersion: 2,
      identityVersion: 1,
      run: { id: 'r', startedAt: 't', finishedAt: 't', vigilVersion: 'v', nodeVersion: 'n', host: 'h', operator: 'o', inventory: 'i', features: [] },
      totals: countStatuses(findings), population: {}, findings, problems: [],
    })
    expect(xml.match(/<testcase /g)).toHaveLength(5)
    expect(xml).toContain('name="Only &lt;TLS&gt; &amp; &quot;new&quot; [b]"')
    expect(xml).toMatch(/<failure message="s b "/)
    expect(xml).toMatch(/<error message="s c " type="error">/)
    expect(xml).toContain('<skipped message="s d "/>')
    expect(xml).not.toContain('\u0007')
    // not applicable is <skipped> with its reason: never a pass, never a failure
    expect(xml).toContain('<skipped message="not applicable: s e " type="not-applicable"/>')
    expect(xml).toMatch(/<testsuites name="vigil" tests="5" failures="1" errors="1" skipped="2"/)
  })

  it("a policy whose findings are not together gets one testsuite per run of them, each with its own counts", () => {
    const of = (policy: string, status: Finding['status'], target: string) => ({ ...f(status, target), policy })
    const findings = [of('a.feature', 'failed', 'x'), of('b.feature', 'passed', 'y'), of('a.feature', 'passed', 'z'), of('a.feature', 'error', 'w')]
    const xml = junitXml({
      schemaVersion: 3,
      identityVersion: 1,
      run: { id: 'r', startedAt: 't', finishedAt: 't', vigilVersion: 'v', nodeVersion: 'n', host: 'h', operator: 'o', inventory: 'i', features: [] },
      totals: countStatuses(findings), population: {}, findings, problems: [],
    })
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)"/g)].map((m) => m.slice(1).join(' '))
    expect(suites).toEqual(['a.feature 1 1 0', 'b.feature 1 0 0', 'a.feature 2 0 1'])
    for (const body of xml.split('<testsuite ').slice(1)) expect(body.match(/<testcase /g)).toHaveLength(Number(/tests="(\d+)"/.exec(body)![1]))
  })
})
