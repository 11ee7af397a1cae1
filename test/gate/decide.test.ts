// The gate's decision table, row by row (the README's table is this, in words).
import { describe, expect, it } from 'vitest'
import { decide, environmentRows, type DecideInput, type GateRow } from '../../gate/decide.ts'
import { failsGate, stricter } from '../../gate/gate-report.ts'
import type { Finding, Results } from '../../reports/model.ts'

type V = Finding['verdict']
function finding(verdict: V, offenders: string[] = [], over: Partial<Finding> = {}): Finding {
  return {
    id: `tls.protocols@web#p.feature:${Math.random()}`, fingerprint: '0'.repeat(64), scenarioKey: 'tls.protocols', severity: 'high',
    checkId: 'tls.protocols', target: 'web', targetKind: 'tls', status: verdict, verdict, policy: 'p.feature', scenario: 's', controls: [],
    summary: `${verdict}`, params: {}, expected: {}, actual: {}, observed: {}, evidence: [], observedAt: '2026-12-01T00:00:00Z',
    ...(offenders.length ? { offenders: offenders.map((id) => ({ id, why: `${id} offends` })) } : {}),
    ...over,
  }
}
function results(findings: Finding[], startedAt = '2026-12-01T00:00:00Z'): Results {
  return {
    schemaVersion: 2, identityVersion: 1,
    run: { id: `run-${startedAt}`, startedAt, finishedAt: startedAt, vigilVersion: 'v', nodeVersion: 'n', host: 'h', operator: 'o', inventory: 'i', features: [], incomplete: false },
    totals: { passed: 0, failed: 0, error: 0, 'not-applicable': 0, skipped: 0, waived: 0 }, population: {}, findings, problems: [],
  }
}
function classify(base: Finding | undefined, change: Finding | undefined, over: Partial<DecideInput> = {}): [string, string | undefined, boolean][] {
  const rows = decide({
    base: results(base ? [base] : []),
    change: results(change ? [change] : []),
    rejudge: () => undefined,
    retired: [],
    baseWaiverIds: new Set(),
    ...over,
  })
  return rows.map((r) => [r.class, r.offender?.id, !!r.declared])
}

describe('decision table', () => {
  it('passed → failed: every offender is new', () => {
    expect(classify(finding('passed'), finding('failed', ['TLSv1.0', 'SSLv3']))).toEqual([['new', 'TLSv1.0', false], ['new', 'SSLv3', false]])
  })
  it('failed → failed: offenders on both sides still fail (old debt), the others are new', () => {
    expect(classify(finding('failed', ['TLSv1.0']), finding('failed', ['TLSv1.0', 'SSLv3']))).toEqual([['still-failing', 'TLSv1.0', false], ['new', 'SSLv3', false]])
  })
  it('missing, error or not applicable → failed: new', () => {
    for (const b of [undefined, finding('error'), finding('not-applicable')]) expect(classify(b, finding('failed', ['TLSv1.0']))).toEqual([['new', 'TLSv1.0', false]])
  })
  it("failed → passed: fixed when the change's policy still catches the offender on the base side's observation", () => {
    expect(classify(finding('failed', ['TLSv1.0']), finding('passed'), { rejudge: () => new Set(['TLSv1.0']) })).toEqual([['fixed', 'TLSv1.0', false]])
  })
  it("failed → passed: weakened when it does not (the policy got looser), or cannot be shown", () => {
    expect(classify(finding('failed', ['TLSv1.0']), finding('passed'), { rejudge: () => new Set() })).toEqual([['weakened', 'TLSv1.0', false]])
    expect(classify(finding('failed', ['TLSv1.0']), finding('passed'))).toEqual([['weakened', 'TLSv1.0', false]])
  })
  it('an offender that drops out of a still-failing finding: fixed or weakened by the same rule', () => {
    expect(classify(finding('failed', ['TLSv1.0', 'SSLv3']), finding('failed', ['TLSv1.0']), { rejudge: () => new Set(['TLSv1.0', 'SSLv3']) })).toEqual([['still-failing', 'TLSv1.0', false], ['fixed', 'SSLv3', false]])
  })
  it('failed → failed with a lower severity: weakened', () => {
    expect(classify(finding('failed', ['TLSv1.0']), finding('failed', ['TLSv1.0'], { severity: 'low' }))).toEqual([['weakened', 'TLSv1.0', false]])
  })
  it('failed → failed, waived by a waiver the change adds: weakened, declared by the waiver (listed, does not fail)', () => {
    const waiver = { id: 'W-9', justification: 'vendor fix due', approver: 'CISO', ticket: 'SEC-9', expires: '2027-01-01' }
    expect(classify(finding('failed', ['TLSv1.0']), finding('failed', ['TLSv1.0'], { status: 'waived', waiver }))).toEqual([['weakened', 'TLSv1.0', true]])
    // a waiver the base side already had: still failing, old debt
    expect(classify(finding('failed', ['TLSv1.0']), finding('failed', ['TLSv1.0'], { status: 'waived', waiver }), { baseWaiverIds: new Set(['W-9']) })).toEqual([['still-failing', 'TLSv1.0', false]])
  })
  it('a waiver the change adds never declares a new failure: the change cannot excuse what it introduces', () => {
    const waiver = { id: 'W-9', justification: 'we will fix it later', approver: 'CISO', ticket: 'SEC-9', expires: '2027-01-01' }
    const rows = decide({ base: results([finding('passed')]), change: results([finding('failed', ['SSLv3'], { status: 'waived', waiver })]), rejudge: () => undefined, retired: [], baseWaiverIds: new Set() })
    expect(rows.map((r) => [r.class, r.offender?.id, !!r.declared, failsGate(r, { failOn: ['new'], minSeverity: 'info' })])).toEqual([['new', 'SSLv3', false, true]])
  })
  it("fixing a finding's worst offender is not a lowered severity: the policy's severity is compared", () => {
    const base = finding('failed', ['SSLv3', 'TLSv1.0'], { severity: 'critical', policySeverity: 'high', offenders: [{ id: 'SSLv3', why: 'x', severity: 'critical' }, { id: 'TLSv1.0', why: 'y' }] })
    const change = finding('failed', ['TLSv1.0'], { severity: 'high', policySeverity: 'high' })
    expect(classify(base, change, { rejudge: () => new Set(['SSLv3', 'TLSv1.0']) })).toEqual([['still-failing', 'TLSv1.0', false], ['fixed', 'SSLv3', false]])
  })
  it("a new low offender in a finding that also has a critical one is judged at its own severity against --min-severity", () => {
    const rows = decide({
      base: results([finding('failed', ['SSLv3'], { severity: 'critical', policySeverity: 'low', offenders: [{ id: 'SSLv3', why: 'x', severity: 'critical' }] })]),
      change: results([finding('failed', ['SSLv3', 'cbc'], { severity: 'critical', policySeverity: 'low', offenders: [{ id: 'SSLv3', why: 'x', severity: 'critical' }, { id: 'cbc', why: 'y' }] })]),
      rejudge: () => undefined, retired: [], baseWaiverIds: new Set(),
    })
    const fresh = rows.find((r) => r.class === 'new')!
    expect([fresh.offender?.id, fresh.severity, failsGate(fresh, { failOn: ['new'], minSeverity: 'high' })]).toEqual(['cbc', 'low', false])
  })
  it('`retired:` declares coverage loss only: it never excuses a loosened parameter on a target still checked', () => {
    expect(classify(finding('failed', ['TLSv1.0']), finding('passed'), { rejudge: () => new Set(), retired: [{ target: 'web', reason: 'decommissioned', ticket: 'OPS-1' }] })).toEqual([['weakened', 'TLSv1.0', false]])
  })
  it('passed or failed → error, not applicable or missing: coverage lost', () => {
    for (const b of [finding('passed'), finding('failed', ['TLSv1.0'])])
      for (const c of [finding('error'), finding('not-applicable'), undefined]) expect(classify(b, c)).toEqual([['coverage-lost', undefined, false]])
  })
  it('coverage lost that the change retires (target, scenario or check) is declared', () => {
    const retired = [{ target: 'web', reason: 'decommissioned', ticket: 'OPS-1' }]
    expect(classify(finding('failed', ['TLSv1.0']), undefined, { retired })).toEqual([['coverage-lost', undefined, true]])
    expect(classify(finding('passed'), undefined, { retired: [{ check: 'tls.protocols', reason: 'moved to a new check', ticket: 'OPS-2' }] })).toEqual([['coverage-lost', undefined, true]])
    expect(classify(finding('passed'), undefined, { retired: [{ target: 'other', reason: 'decommissioned', ticket: 'OPS-1' }] })).toEqual([['coverage-lost', undefined, false]])
  })
  it('missing, error or not applicable → passed: coverage gained (informational)', () => {
    for (const b of [undefined, finding('error'), finding('not-applicable')]) expect(classify(b, finding('passed'))).toEqual([['coverage-gained', undefined, false]])
  })
  it('unchanged pairs produce no row', () => {
    expect(classify(finding('passed'), finding('passed'))).toEqual([])
    expect(classify(finding('error'), finding('error'))).toEqual([])
    expect(classify(finding('not-applicable'), finding('not-applicable'))).toEqual([])
    expect(classify(undefined, finding('error'))).toEqual([])
    expect(classify(finding('error'), undefined)).toEqual([])
  })
  it('findings match on identity (check, scenario key, target), never on the line in the id', () => {
    const b = finding('failed', ['TLSv1.0'], { id: 'tls.protocols@web#p.feature:3' })
    const c = finding('failed', ['TLSv1.0'], { id: 'tls.protocols@web#p.feature:40' })
    expect(classify(b, c)).toEqual([['still-failing', 'TLSv1.0', false]])
    expect(classify(b, finding('failed', ['TLSv1.0'], { scenarioKey: 'other' })).sort()).toEqual([['coverage-lost', undefined, false], ['new', 'TLSv1.0', false]])
  })
})

describe('environment changes (--since)', () => {
  it('an offender failing on the base side now and not in the earlier run is an environment change; first seen dates', () => {
    const then = results([finding('failed', ['TLSv1.0'])], '2026-11-28T02:00:00Z')
    const now = results([finding('failed', ['TLSv1.0', 'SSLv3'], { observedAt: '2026-12-01T09:00:00Z' })])
    const { rows, firstSeen } = environmentRows(now, then)
    expect(rows.map((r) => [r.class, r.offender?.id, r.firstSeen])).toEqual([['environment', 'SSLv3', '2026-12-01T09:00:00Z']])
    expect([...firstSeen.values()]).toEqual(['2026-11-28T02:00:00Z', '2026-12-01T09:00:00Z'])
  })
})

describe('what fails the gate', () => {
  const row = (cls: GateRow['class'], over: Partial<GateRow> = {}): GateRow => ({ class: cls, checkId: 'c', scenarioKey: 'k', target: 't', base: 'passed', change: 'failed', severity: 'high', reason: 'r', findingId: 'f', ...over })
  const s = { failOn: ['new' as const], minSeverity: 'info' as const }
  it('--fail-on new: new, coverage lost and weakened fail; old debt, fixed, environment do not', () => {
    expect(['new', 'coverage-lost', 'weakened', 'still-failing', 'fixed', 'environment', 'coverage-gained'].map((c) => failsGate(row(c as GateRow['class']), s))).toEqual([true, true, true, false, false, false, false])
  })
  it('--fail-on all adds old debt and environment changes; --fail-on environment adds environment changes', () => {
    expect(failsGate(row('still-failing'), { ...s, failOn: ['all'] })).toBe(true)
    expect(failsGate(row('environment'), { ...s, failOn: ['new', 'environment'] })).toBe(true)
    expect(failsGate(row('still-failing'), { ...s, failOn: ['new', 'environment'] })).toBe(false)
  })
  it('declared rows never fail; rows below --min-severity do not fail', () => {
    expect(failsGate(row('coverage-lost', { declared: { kind: 'retired', reason: 'x', ticket: 'y' } }), s)).toBe(false)
    expect(failsGate(row('new', { severity: 'low' }), { ...s, minSeverity: 'medium' })).toBe(false)
    expect(failsGate(row('new', { severity: 'medium' }), { ...s, minSeverity: 'medium' })).toBe(true)
  })
  it('the command line makes the base side\'s settings stricter, never looser', () => {
    expect(stricter({ failOn: ['new'], minSeverity: 'high' }, { minSeverity: 'low' })).toEqual({ failOn: ['new'], minSeverity: 'low' })
    expect(stricter({ failOn: ['new'], minSeverity: 'low' }, { minSeverity: 'critical' })).toEqual({ failOn: ['new'], minSeverity: 'low' })
    expect(stricter({ failOn: ['all'], minSeverity: 'info' }, { failOn: ['new'] }).failOn).toEqual(['all', 'new'])
  })
})
