// The control catalog is data Vigil ships; scenario tags are validated against it and the coverage
// view joins it with the policy library.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CONTROL_CATALOG, controlCoverage, controlTagProblem, findControl, formatCoverage } from '../../reports/control-catalog.ts'
import { DEFAULT_FEATURES, loadPolicies } from '../../runner/cucumber.ts'
import { runVigil, STACK_TRACE } from '../run-vigil.ts'

describe('control catalog', () => {
  it('ships SOC 2 TSC and HIPAA Security Rule controls with ids, titles and one-line descriptions', () => {
    const soc2 = CONTROL_CATALOG.controls.filter((c) => c.framework === 'soc2')
    const hipaa = CONTROL_CATALOG.controls.filter((c) => c.framework === 'hipaa')
    // every common criterion series CC1–CC9 and the additional categories, every Security Rule section
    for (const ref of ['CC1.1', 'CC2.1', 'CC3.1', 'CC4.1', 'CC5.1', 'CC6.1', 'CC6.7', 'CC7.1', 'CC8.1', 'CC9.2', 'A1.2', 'C1.1', 'PI1.1', 'P8.1'])
      expect(soc2.map((c) => c.ref), ref).toContain(ref)
    for (const ref of ['164.308(a)(1)(ii)(A)', '164.310(d)(1)', '164.312(a)(2)(iv)', '164.312(e)(1)', '164.314(a)(1)', '164.316(b)(2)(i)'])
      expect(hipaa.map((c) => c.ref), ref).toContain(ref)
    expect(soc2.length).toBe(61)
    expect(hipaa.length).toBeGreaterThan(60)
    for (const c of CONTROL_CATALOG.controls) {
      expect(c.id).toBe(`${c.framework}:${c.ref}`)
      expect(c.title.length, c.id).toBeGreaterThan(3)
      expect(c.description, c.id).toMatch(/^[A-Z].{20,}\.$/)
      expect(c.description.includes('\n'), c.id).toBe(false)
    }
    expect(new Set(CONTROL_CATALOG.controls.map((c) => c.id)).size).toBe(CONTROL_CATALOG.controls.length)
    expect(findControl('hipaa:164.312(e)(2)(ii)')).toMatchObject({ title: 'Encryption', kind: 'addressable' })
  })

  it('knows every control the shipped policy library is tagged with', async () => {
    const { scenarios, problems } = await loadPolicies({ features: DEFAULT_FEATURES })
    expect(problems).toEqual([])
    const used = new Set(scenarios.flatMap((s) => s.controls))
    expect(used.size).toBeGreaterThan(20)
    for (const c of used) expect(findControl(c), c).toBeDefined()
  })

  it('a tag naming an unknown control, or a known one in the wrong case, is a lint problem with a hint', () => {
    expect(controlTagProblem('@soc2:CC6.7')).toBeUndefined()
    expect(controlTagProblem('@slow')).toBeUndefined()
    expect(controlTagProblem('@soc2:CC6.9')).toMatch(/unknown control "soc2:CC6.9"/)
    expect(controlTagProblem('@SOC2:CC6.1')).toMatch(/did you mean @soc2:CC6\.1\?/)
    expect(controlTagProblem('@hipaa:164.312(e)(1')).toMatch(/unknown control/)
  })

  it('coverage lists each control with the checks that test it, and the controls nothing tests', () => {
    const rows = controlCoverage([
      { checkId: 'tls.protocols', controls: ['soc2:CC6.7', 'hipaa:164.312(e)(1)'], policy: 'p.feature', line: 3 },
      { checkId: 'http.hsts', controls: ['soc2:CC6.7'], policy: 'p.feature', line: 9 },
    ])
    expect(rows).toHaveLength(CONTROL_CATALOG.controls.length)
    expect(rows.find((r) => r.control.id === 'soc2:CC6.7')).toMatchObject({ checks: ['http.hsts', 'tls.protocols'], scenarios: ['p.feature:3', 'p.feature:9'] })
    expect(rows.find((r) => r.control.id === 'soc2:CC1.1')).toMatchObject({ checks: [], scenarios: [] })
    const text = formatCoverage(rows)
    expect(text).toMatch(/SOC 2: AICPA Trust Services Criteria, .*: 1 of 61 controls tested/)
    expect(text).toMatch(/CC1\.1 +Integrity and ethical values: not tested by any policy/)
  })
})

describe('control tags through the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-controls-'))

  it('`vigil controls` shows tested and untested controls of the shipped library; --untested and --json narrow it', async () => {
    const all = await runVigil(['controls'], { cwd: dir })
    expect(all.code).toBe(0)
    expect(all.stdout).toMatch(/CC6\.7 +Protection of information in transmission: .*tls\.forward-secrecy/)
    expect(all.stdout).toMatch(/CC9\.2 +Vendor and business partner risk: not tested by any policy/)
    const untested = await runVigil(['controls', '--untested', '--json'], { cwd: dir })
    const rows = JSON.parse(untested.stdout) as { control: { id: string }; checks: string[] }[]
    expect(rows.length).toBeGreaterThan(50)
    expect(rows.every((r) => r.checks.length === 0)).toBe(true)
    expect(rows.map((r) => r.control.id)).not.toContain('soc2:CC6.7')
  })

  it('a policy tagged with an unknown control stops `vigil run` with exit 2 naming the file and line', async () => {
    mkdirSync(join(dir, 'policies'), { recursive: true })
    writeFileSync(
      join(dir, 'policies', 'typo.feature'),
      'Feature: typo\n\n  @check:tls.protocols @soc2:CC6.77\n  Scenario: Only modern TLS\n    Given every TLS endpoint\n    Then only TLS 1.2 or TLS 1.3 is accepted\n',
    )
    writeFileSync(join(dir, 'vigil.yaml'), 'targets:\n  tls:\n    - {name: web, host: 127.0.0.1, port: 9}\n')
    const r = await runVigil(['run', '--config', 'vigil.yaml', '--features', 'policies/typo.feature', '--out', 'out'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('policies/typo.feature:4: scenario "Only modern TLS": unknown control "soc2:CC6.77" in tag @soc2:CC6.77')
    expect(r.stderr).not.toMatch(STACK_TRACE)
    const controls = await runVigil(['controls', '--features', 'policies/typo.feature'], { cwd: dir })
    expect(controls.code).toBe(2)
  })
})
