// Exceptions: waivers.yaml entries keyed by check id and target (exact or glob), with
// justification, approver, ticket and expiry. A waived finding keeps its verdict and evidence and
// does not fail the run; expired and malformed waivers waive nothing and are reported.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyWaivers, parseWaivers, waiverActive } from '../../reports/waivers.ts'
import { ResultsSchema, type Finding } from '../../reports/model.ts'
import { runVigil, STACK_TRACE } from '../run-vigil.ts'
import { startTlsLab, type TlsLab } from './tls-lab-inventory.ts'

const CHECK_IDS = ['tls.cert.expiry', 'tls.protocols', 'ssh.server.kex', 'ssh.server.macs']

const waiver = (over: Record<string, string> = {}) => {
  const w = { id: 'W-1', check: 'tls.cert.expiry', target: 'web-*', justification: 'renewal booked', approver: 'Dana (CISO)', ticket: 'SEC-1', expires: '2026-12-31', ...over }
  return `  - ${JSON.stringify(w)}\n`
}

function finding(checkId: string, target: string, verdict: Finding['verdict']): Finding {
  return {
    id: `${checkId}@${target}#p.feature:3`, fingerprint: '0'.repeat(64), scenarioKey: checkId, severity: 'high', checkId, target, targetKind: 'tls', status: verdict, verdict, policy: 'p.feature', scenario: 's', controls: [],
    summary: `${verdict} summary`, params: {}, expected: { a: 1 }, actual: { a: 2 }, observed: { x: 1 }, evidence: [{ kind: 'k', description: 'd', data: 'raw' }], observedAt: '2026-12-01T00:00:00Z',
  }
}

describe('reading waivers.yaml', () => {
  it('reads valid entries with their source line', () => {
    const set = parseWaivers(`waivers:\n${waiver()}${waiver({ id: 'W-2', check: 'ssh.server.*', target: 'bastion' })}`, 'waivers.yaml', CHECK_IDS)
    expect(set.problems).toEqual([])
    expect(set.waivers.map((w) => [w.id, w.source])).toEqual([['W-1', 'waivers.yaml:2'], ['W-2', 'waivers.yaml:3']])
  })

  it('a malformed entry is reported with file, line and field and does not take the others down', () => {
    const text = [
      'waivers:',
      waiver({ id: 'GOOD' }).trimEnd(),
      '  - id: NO-APPROVER',
      '    check: tls.protocols',
      '    target: web-legacy',
      '    justification: legacy',
      '    ticket: SEC-2',
      '    expires: 2026-12-31',
      '  - {id: BAD-DATE, check: tls.protocols, target: x, justification: j, approver: a, ticket: t, expires: 31/12/2026}',
      '  - {id: EXTRA, check: tls.protocols, target: x, justification: j, approver: a, ticket: t, expires: 2026-12-31, scope: all}',
      '  - {id: NOT-A-DAY, check: tls.protocols, target: x, justification: j, approver: a, ticket: t, expires: 2026-02-30}',
      waiver({ id: 'GOOD' }).trimEnd(),
      waiver({ id: 'TYPO', check: 'tls.protocol' }).trimEnd(),
      '',
    ].join('\n')
    const set = parseWaivers(text, 'waivers.yaml', CHECK_IDS)
    expect(set.waivers.map((w) => w.id)).toEqual(['GOOD', 'TYPO'])
    const messages = set.problems.map((p) => `${p.kind}: ${p.message}`)
    expect(messages).toEqual([
      'waiver-invalid: waivers.yaml:3: field waivers[1].approver: approver is required; this waiver does not apply',
      'waiver-invalid: waivers.yaml:9: field waivers[2].expires: expires must be a date YYYY-MM-DD; this waiver does not apply',
      'waiver-invalid: waivers.yaml:10: field waivers[3]: Unrecognized key: "scope" (scope); this waiver does not apply',
      'waiver-invalid: waivers.yaml:11: field waivers[4].expires: expires is not a calendar date; this waiver does not apply',
      'waiver-invalid: waivers.yaml:12: field waivers[5].id: "GOOD" is already used at waivers.yaml:2; this waiver does not apply',
      'waiver-unknown-check: waivers.yaml:13: waiver TYPO: check "tls.protocol" matches no check id (see `vigil checks`); it waives nothing',
    ])
  })

  it('a file that is not YAML, or not a list of waivers, waives nothing and says why', () => {
    const broken = parseWaivers('waivers:\n  - {id: W-1, check: [\n', 'w.yaml', CHECK_IDS)
    expect(broken.waivers).toEqual([])
    expect(broken.problems[0]!.message).toMatch(/^w\.yaml:\d+: not valid YAML: .*; no waiver in this file applies$/)
    const wrong = parseWaivers('exceptions: []\n', 'w.yaml', CHECK_IDS)
    expect(wrong.waivers).toEqual([])
    expect(wrong.problems.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^w\.yaml:1: field .*exceptions.*no waiver in this file applies$/)]))
  })
})

describe('applying waivers', () => {
  const set = parseWaivers(
    `waivers:\n${waiver({ id: 'W-EXP', target: 'web-exp*' })}${waiver({ id: 'W-OLD', check: 'tls.protocols', target: 'web-legacy', expires: '2026-11-30' })}${waiver({ id: 'W-NONE', check: 'ssh.server.kex', target: 'nowhere' })}${waiver({ id: 'W-SECOND', target: 'web-expired' })}`,
    'waivers.yaml',
    CHECK_IDS,
  )
  const at = new Date('2026-12-01T10:00:00Z')
  const findings = [
    finding('tls.cert.expiry', 'web-expired', 'failed'),
    finding('tls.cert.expiry', 'web-expiring', 'error'),
    finding('tls.cert.expiry', 'web-exp-ok', 'passed'),
    finding('tls.cert.expiry', 'api', 'failed'),
    finding('tls.protocols', 'web-legacy', 'failed'),
  ]
  const r = applyWaivers(findings, set, at)

  it('a failed or error finding a waiver in force matches is waived, keeps its verdict and evidence, carries the waiver', () => {
    const [expired, expiring, ok, api, legacy] = r.findings
    expect(expired).toMatchObject({ status: 'waived', verdict: 'failed', evidence: findings[0]!.evidence, expected: { a: 1 }, actual: { a: 2 } })
    expect(expired!.waiver).toEqual({ id: 'W-EXP', justification: 'renewal booked', approver: 'Dana (CISO)', ticket: 'SEC-1', expires: '2026-12-31', source: 'waivers.yaml:2' })
    expect(expiring).toMatchObject({ status: 'waived', verdict: 'error' })
    expect(ok).toMatchObject({ status: 'passed' })
    expect(ok!.waiver).toBeUndefined()
    expect(api).toMatchObject({ status: 'failed' })
    expect(legacy).toMatchObject({ status: 'failed' })
    expect(legacy!.waiver).toBeUndefined()
  })

  it('reports what each waiver did: the first match in file order wins; expired and unused ones are problems', () => {
    expect(r.uses.map((u) => [u.id, u.state, u.waived.length, u.matchedPassing.length])).toEqual([
      ['W-EXP', 'active', 2, 1],
      ['W-OLD', 'expired', 1, 0],
      ['W-NONE', 'active', 0, 0],
      ['W-SECOND', 'active', 0, 0],
    ])
    expect(r.problems.map((p) => p.kind)).toEqual(['waiver-expired', 'waiver-unused', 'waiver-unused'])
    expect(r.problems[0]!.message).toBe('waivers.yaml:3: waiver W-OLD (tls.protocols on web-legacy, SEC-1) expired on 2026-11-30; it waives nothing and 1 finding(s) it matched keep their verdict')
  })

  it('a waiver applies through the end of its expiry day (UTC) and not a second longer', () => {
    expect(waiverActive({ expires: '2026-12-01' }, new Date('2026-12-01T23:59:59.999Z'))).toBe(true)
    expect(waiverActive({ expires: '2026-12-01' }, new Date('2026-12-02T00:00:00.000Z'))).toBe(false)
  })
})

describe('waivers in a real run (the TLS lab)', () => {
  let lab: TlsLab
  const features = ['cert-expiry', 'protocols'].map((f) => fileURLToPath(new URL(`../../features/tls/${f}.feature`, import.meta.url)))
  const targets = 'web-good,web-expired,web-expiring,web-legacy-tls10'
  beforeAll(async () => {
    lab = await startTlsLab('vigil-waivers-')
    writeFileSync(
      join(lab.dir, 'waivers.yaml'),
      `# exceptions approved for the quarter\nwaivers:\n${waiver({ id: 'W-EXP', target: 'web-exp*', expires: '2099-12-31' })}${waiver({ id: 'W-OLD', check: 'tls.protocols', target: 'web-legacy-*', expires: '2020-01-31' })}  - {id: W-BAD, check: tls.protocols, target: web-legacy-tls10, approver: nobody}\n`,
    )
  }, 120_000)
  afterAll(async () => lab?.stop())

  it('waived findings are reported as waived with their waiver, JUnit skips them, expired and malformed waivers are reported and waive nothing', async () => {
    const r = await runVigil(['run', '--config', lab.config, '--out', 'out', '--features', ...features, '--targets', targets, '--waivers', 'waivers.yaml', '--no-color'], { cwd: lab.dir })
    expect(r.stderr).not.toMatch(STACK_TRACE)
    // web-legacy-tls10 still fails tls.protocols: its waiver expired
    expect(r.code).toBe(1)
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(lab.dir, 'out', 'results.json'), 'utf8')))
    const get = (check: string, target: string) => results.findings.find((f) => f.checkId === check && f.target === target)!
    for (const t of ['web-expired', 'web-expiring']) {
      expect(get('tls.cert.expiry', t)).toMatchObject({ status: 'waived', verdict: 'failed', waiver: { id: 'W-EXP', approver: 'Dana (CISO)', ticket: 'SEC-1', expires: '2099-12-31' } })
      // the evidence stays with the waived finding
      expect(get('tls.cert.expiry', t).evidence.length).toBeGreaterThan(0)
    }
    expect(get('tls.cert.expiry', 'web-good')).toMatchObject({ status: 'passed' })
    expect(get('tls.protocols', 'web-legacy-tls10')).toMatchObject({ status: 'failed', verdict: 'failed' })
    expect(results.totals).toMatchObject({ waived: 2, failed: 1 })
    expect(results.run.waivers).toBe('waivers.yaml')
    expect(results.waivers!.map((u) => [u.id, u.state, u.waived.length])).toEqual([['W-EXP', 'active', 2], ['W-OLD', 'expired', 1]])
    const kinds = results.problems.map((p) => [p.kind, p.severity])
    expect(kinds).toEqual(expect.arrayContaining([['waiver-invalid', 'warning'], ['waiver-expired', 'warning']]))
    expect(results.problems.find((p) => p.kind === 'waiver-invalid')!.message).toMatch(/^waivers\.yaml:5: field waivers\[2\]\.justification: justification is required/)
    expect(r.stdout).toMatch(/WAIVED +tls\.cert\.expiry +\[critical\] +web-expired/)
    expect(r.stdout).toMatch(/PROBLEM waiver-expired: waivers\.yaml:4: waiver W-OLD/)

    const junit = readFileSync(join(lab.dir, 'out', 'junit.xml'), 'utf8')
    expect(junit).toMatch(/name="[^"]*\[web-expired\]"[^>]*>\s*<skipped message="waived by W-EXP: renewal booked \(approved by Dana \(CISO\), SEC-1, until 2099-12-31\); verdict was failed: /)
    expect(junit).toMatch(/\[web-legacy-tls10\]"[^>]*>\s*<failure /)
    // the waivers file that was used travels with the evidence, byte for byte
    expect(readFileSync(join(lab.dir, 'out', 'inputs', 'waivers.yaml'), 'utf8')).toBe(readFileSync(join(lab.dir, 'waivers.yaml'), 'utf8'))
  }, 120_000)

  it('a run whose only failures are waived passes (exit 0); without the waivers file it fails', async () => {
    const args = ['run', '--config', lab.config, '--out', 'out2', '--features', features[0]!, '--targets', 'web-good,web-expired']
    const waived = await runVigil([...args, '--waivers', 'waivers.yaml'], { cwd: lab.dir })
    expect(waived.code).toBe(0)
    const plain = await runVigil(args, { cwd: lab.dir })
    expect(plain.code).toBe(1)
  }, 120_000)

  it('a waivers file that does not exist is a usage error (exit 2) before anything is probed', async () => {
    const r = await runVigil(['run', '--config', lab.config, '--out', 'out3', '--waivers', 'no-such.yaml'], { cwd: lab.dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('vigil: no-such.yaml: cannot read the waivers file (it does not exist)\n')
  })
})
