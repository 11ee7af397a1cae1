// `vigil policies` (the effective policy set, with policies.off and policies.params applied) and
// `vigil steps` (the phrase vocabulary, each with the check it judges and an example), run as a user
// runs them.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadInventory } from '../../runner/inventory.ts'
import { effectivePolicies } from '../../runner/policy-set.ts'
import { DEFAULT_FEATURES, loadPolicies, VIGIL_ROOT } from '../../runner/cucumber.ts'
import { STEP_DOCS } from '../../lint/step-docs.ts'
import { stepDefinitionsOf } from '../../lint/support-library.ts'
import type { PolicyEntry } from '../../lint/policies.ts'
import type { StepEntry } from '../../lint/steps.ts'
import { STACK_TRACE } from '../run-vigil.ts'
import { removeScratchRepos, cleanRepo, write } from './scratch-repo.ts'
import { vigil } from './vigil-cli.ts'

afterAll(removeScratchRepos)

describe('vigil policies', () => {
  it('shows a switched-off scenario as off, a parameter policies.params overrides with its origin, and the team\'s scenarios', async () => {
    const dir = cleanRepo('vigil-policies-')
    const r = await vigil(['policies', '--json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const list = JSON.parse(r.stdout) as PolicyEntry[]
    const by = new Map(list.map((p) => [p.key, p]))

    const off = by.get('tls.profile')!
    expect(off).toMatchObject({ state: 'off', checkId: 'tls.profile', file: 'features/tls/profile.feature', offBy: 'vigil.yaml:13' })

    const expiry = by.get('tls.cert.expiry')!
    expect(expiry).toMatchObject({ state: 'on', checkId: 'tls.cert.expiry', severity: 'high', severityFrom: 'check default', phraseParams: { days: 30 }, params: { days: 14 } })
    expect(expiry.overridden).toEqual([{ name: 'days', from: 'vigil.yaml:15', phrase: 30 }])
    expect(expiry.controls).toContain('soc2:CC6.7')
    expect(expiry.file).toBe('features/tls/cert-expiry.feature')
    expect(expiry.line).toBeGreaterThan(1)

    const team = by.get('team.public-protocols')!
    expect(team).toMatchObject({ state: 'on', checkId: 'tls.protocols', file: 'policies/team.feature', line: 6, severity: 'critical', severityFrom: '@severity', controls: ['soc2:CC6.7'], selects: ['every TLS endpoint tagged "public"'] })
    expect(team.params).toEqual({ forbidden: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1'] })
    const kex = by.get('team.prod-kex')!
    expect(kex.params).toEqual({ mode: 'baseline', baseline: ['curve25519-sha256', 'sntrup761x25519-sha512@openssh.com'], match: 'subset' })
    // what the phrase leaves to the check's defaults is shown as such
    expect(Object.keys(kex.defaults)).toContain('deny')

    // the same set `vigil run` would judge
    const eff = await effectivePolicies(loadInventory(join(dir, 'vigil.yaml')), {})
    expect(list.filter((p) => p.state === 'on').map((p) => p.key).sort()).toEqual(eff.set.scenarios.map((s) => s.scenarioKey).sort())
    expect(list.filter((p) => p.state === 'off').map((p) => p.key)).toEqual(eff.off)
  })

  it('prints the same as text: on/off, check, severity, controls, the effective parameters and where an override comes from', async () => {
    const dir = cleanRepo('vigil-policies-text-')
    const r = await vigil(['policies'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^off  tls\.profile  features\/tls\/profile\.feature:\d+  \(tls\.profile; switched off by policies\.off, vigil\.yaml:13\)$/m)
    expect(r.stdout).toMatch(/^on   tls\.cert\.expiry  features\/tls\/cert-expiry\.feature:\d+\n.*\n {5}check tls\.cert\.expiry · severity high \(check default\) · controls .*soc2:CC6\.7/m)
    expect(r.stdout).toContain('params days=14 (policies.params, vigil.yaml:15; the phrase says 30)')
    expect(r.stdout).toMatch(/^on   team\.public-protocols  policies\/team\.feature:6$/m)
    expect(r.stdout).toMatch(/severity critical \(@severity\)/)
    expect(r.stdout).toMatch(/\d+ scenarios: \d+ on, 1 off; 1 parameter\(s\) set by policies\.params in vigil\.yaml/)
  })

  it('a policy set a run could not load is exit 2 with every problem at its line (not only the first)', async () => {
    const dir = cleanRepo('vigil-policies-bad-')
    write(dir, {
      'vigil.yaml': readFileSync(join(dir, 'vigil.yaml'), 'utf8').replace('off: [tls.profile]', 'off: [tls.nope]'),
      'policies/bad.feature': 'Feature: bad\n  @check:tls.protocols @id:bad.one\n  Scenario: one\n    Given every TLS endpoint\n    Then TLS is fine\n',
    })
    const r = await vigil(['policies'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).not.toMatch(STACK_TRACE)
    expect(r.stderr).toMatch(/policies\/bad\.feature:5: no phrase of the step library matches "TLS is fine"/)
    expect(r.stderr).toMatch(/vigil\.yaml:13: field policies\.off\[0\]: "tls\.nope" names no scenario/)
  })
})

describe('vigil steps', () => {
  it('--json lists every step definition of the library with its pattern, parameters, the check it judges and an example it matches', async () => {
    const r = await vigil(['steps', '--json'], { cwd: VIGIL_ROOT })
    expect(r.code, r.stderr).toBe(0)
    const steps = JSON.parse(r.stdout) as StepEntry[]
    const { support } = await loadPolicies({ features: DEFAULT_FEATURES })
    const defs = stepDefinitionsOf(support)
    expect(steps).toHaveLength(defs.length)
    expect(steps.map((s) => s.pattern).sort()).toEqual(defs.map((d) => (typeof d.pattern === 'string' ? d.pattern : d.pattern.source)).sort())
    for (const s of steps) {
      const def = defs.find((d) => (typeof d.pattern === 'string' ? d.pattern : d.pattern.source) === s.pattern)!
      expect(s.documented, s.pattern).toBe(true)
      expect(s.says.length, s.pattern).toBeGreaterThan(10)
      expect(s.source, s.pattern).toMatch(/^steps\/[a-z]+\.steps\.ts:\d+$/)
      for (const p of s.parameters) expect(p.description, `${s.pattern}: ${p.name}`).not.toBe('')
      // an example, and it is one the phrase matches
      expect(s.example, s.pattern).toBeDefined()
      expect(def.matchesStepName(s.example!.text), s.example!.text).toBe(true)
      if (s.example!.from !== 'documentation') {
        const [file, line] = s.example!.from.split(':')
        expect(readFileSync(join(VIGIL_ROOT, file!), 'utf8').split('\n')[Number(line) - 1], s.example!.from).toContain(s.example!.text)
      }
      // every phrase but the selection judges a check of the catalog; the example shows how
      if (s.keyword === 'Given') expect(s.checks).toEqual([])
      else {
        expect(s.checks.length, s.pattern).toBeGreaterThan(0)
        expect(s.example!.judges!.length).toBe(1)
        expect(s.checks).toContain(s.example!.judges![0]!.checkId)
      }
    }
    // most examples come from the shipped feature files
    expect(steps.filter((s) => s.example!.from !== 'documentation').length).toBeGreaterThanOrEqual(35)
    const expiry = steps.find((s) => s.pattern === 'no certificate in the served chain expires within {int} days')!
    expect(expiry).toMatchObject({ keyword: 'Then', expression: 'cucumber-expression', checks: ['tls.cert.expiry'], parameters: [{ name: 'days', type: 'int' }] })
    expect(expiry.example).toMatchObject({ from: expect.stringMatching(/^features\/tls\/cert-expiry\.feature:\d+$/), judges: [{ checkId: 'tls.cert.expiry', params: { days: 30 } }] })
    const tables = steps.find((s) => s.pattern.startsWith('^no SSH server offers any of these'))!
    expect(tables.checks).toEqual(['ssh.server.ciphers', 'ssh.server.kex', 'ssh.server.macs'])
    expect(tables.parameters.map((p) => `${p.name}:${p.type}`)).toEqual(['kind:text', 'table:table'])
  })

  it('lint/step-docs.ts documents no phrase the library does not have', async () => {
    const { support } = await loadPolicies({ features: DEFAULT_FEATURES })
    const patterns = new Set(stepDefinitionsOf(support).map((d) => (typeof d.pattern === 'string' ? d.pattern : d.pattern.source)))
    for (const k of Object.keys(STEP_DOCS)) expect(patterns, k).toContain(k)
  })

  it('prints a readable reference', async () => {
    const r = await vigil(['steps'], { cwd: VIGIL_ROOT })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Then nothing outside the Mozilla \{string\} TLS profile is accepted\n {2}steps\/tls\.steps\.ts:\d+ · judges tls\.profile\n/m)
    expect(r.stdout).toContain('profile (string): "intermediate" or "modern"')
    expect(r.stdout).toMatch(/example \(features\/tls\/profile\.feature:\d+\): Then nothing outside the Mozilla "intermediate" TLS profile is accepted\n {4}→ tls\.profile \{"profile":"intermediate"\}/)
    expect(r.stdout).toMatch(/\n\d+ phrases\n$/)
  })
})
