// The `vigil` command as a user runs it: a separate Node process, real files, exit codes.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ResultsSchema } from '../../reports/model.ts'
import { freePort as deadPort } from '../../lab/free-port.ts'
import { runVigil, STACK_TRACE } from '../run-vigil.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'))
const vigil = (args: string[], env: Record<string, string> = {}) => runVigil(args, { cwd: dir, env, timeoutMs: 60_000 })

function noStackTrace(text: string) {
  expect(text).not.toMatch(STACK_TRACE)
}

describe('vigil CLI', () => {
  it('--help documents commands and exit codes; --version prints the version', async () => {
    const help = await vigil(['--help'])
    expect(help.code).toBe(0)
    for (const s of ['run', 'checks', 'controls', 'bundle', 'verify', 'recheck', 'lab', 'Exit codes', '3  no failure']) expect(help.stdout).toContain(s)
    const run = await vigil(['run', '--help'])
    for (const s of ['--config', '--tags', '--targets', '--out', '--waivers', '--bundle', '--signing-key', '--signing-cert', '--signing-passphrase-env']) expect(run.stdout).toContain(s)
    const verify = await vigil(['verify', '--help'])
    for (const s of ['--ca', 'Exit codes:', '3  intact, but no --ca was given']) expect(verify.stdout).toContain(s)
    const recheck = await vigil(['recheck', '--help'])
    expect(recheck.stdout).toContain('0  every verdict reproduced; intact')
    const v = await vigil(['--version'])
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version)
  })

  it('`checks --json` lists every TLS check with parameters and control tags', async () => {
    const r = await vigil(['checks', '--json'])
    expect(r.code).toBe(0)
    const entries = JSON.parse(r.stdout) as { id: string; controls: string[]; params: unknown[]; policies: string[]; population: string }[]
    const ids = entries.map((e) => e.id)
    for (const id of ['tls.cert.expiry', 'tls.cert.trust', 'tls.cert.hostname', 'tls.cert.key-strength', 'tls.cert.signature', 'tls.protocols', 'tls.forward-secrecy', 'tls.ciphers.weak', 'tls.dh-strength', 'tls.profile', 'http.hsts'])
      expect(ids).toContain(id)
    for (const e of entries) {
      expect(e.controls.some((c) => c.startsWith('soc2:')), e.id).toBe(true)
      expect(e.controls.some((c) => c.startsWith('hipaa:')), e.id).toBe(true)
      expect(e.policies.length, e.id).toBeGreaterThan(0)
      // every check says what it judges: an empty population is not applicable, never a pass
      expect(e.population.length, e.id).toBeGreaterThan(3)
    }
    expect(entries.find((e) => e.id === 'tls.cert.expiry')!.params).toEqual([expect.objectContaining({ name: 'days', default: 30 })])
  })

  it('a bad inventory is exit 2 with one paragraph naming file, line and field', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'targets:\n  tls:\n    - name: web\n      host: web.test\n      port: "https"\n')
    const r = await vigil(['run', '--config', 'bad.yaml', '--out', 'o1'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^vigil: bad\.yaml:5: field targets\.tls\[0\]\.port: /)
    noStackTrace(r.stderr)
  })

  it('an unknown --targets name and an unknown option are usage errors (exit 2)', async () => {
    writeFileSync(join(dir, 'one.yaml'), 'targets:\n  tls:\n    - {name: web, host: web.test}\n')
    const r = await vigil(['run', '--config', 'one.yaml', '--targets', 'nope'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('no target named "nope"')
    expect((await vigil(['run', '--frobnicate'])).code).toBe(2)
  })

  it('a policy with an undefined step or unknown check id is exit 2 naming the feature file and line', async () => {
    mkdirSync(join(dir, 'pol'), { recursive: true })
    writeFileSync(join(dir, 'pol', 'x.feature'), 'Feature: x\n\n  @check:tls.protocols\n  Scenario: s\n    Given every TLS endpoint\n    Then the moon is made of cheese\n')
    const r = await vigil(['run', '--config', 'one.yaml', '--features', 'pol/x.feature', '--out', 'o2'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/pol\/x\.feature:4: scenario "s": no step definition matches the step "the moon is made of cheese"/)
    writeFileSync(join(dir, 'pol', 'y.feature'), 'Feature: y\n\n  @check:tls.nonsense\n  Scenario: t\n    Given every TLS endpoint\n    Then only TLS 1.2 or TLS 1.3 is accepted\n')
    const r2 = await vigil(['run', '--config', 'one.yaml', '--features', 'pol/y.feature', '--out', 'o3'])
    expect(r2.code).toBe(2)
    expect(r2.stderr).toMatch(/pol\/y\.feature:4: scenario "t": unknown check id "tls\.nonsense"/)
    noStackTrace(r2.stderr)
  })

  it('a dead endpoint yields error findings (exit 3), a schema-valid results file and JUnit errors, quickly', async () => {
    const port = await deadPort()
    writeFileSync(join(dir, 'dead.yaml'), `settings: {timeoutMs: 2000}\ntargets:\n  tls:\n    - {name: dead, host: dead.test, address: 127.0.0.1, port: ${port}}\n`)
    const t0 = Date.now()
    const r = await vigil(['run', '--config', 'dead.yaml', '--out', 'o4', '--tags', '@check:tls.protocols or @check:tls.cert.expiry'])
    expect(Date.now() - t0).toBeLessThan(20_000)
    expect(r.code).toBe(3)
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'o4', 'results.json'), 'utf8')))
    expect(results.findings.map((f) => [f.checkId, f.status]).sort()).toEqual([
      ['tls.cert.expiry', 'error'],
      ['tls.protocols', 'error'],
    ])
    expect(results.findings[0]!.errorKind).toBe('unreachable')
    expect(results.population).toEqual({ tls: { planned: 1, observed: 1 } })
    const junit = readFileSync(join(dir, 'o4', 'junit.xml'), 'utf8')
    expect(junit.match(/<testcase /g)).toHaveLength(2)
    expect(junit.match(/<error /g)).toHaveLength(2)
    expect(r.stdout).toMatch(/2 findings: 0 passed, 0 failed, 2 error/)
  })

  it('selects targets by kind and tag in the policy, and narrows with --targets', async () => {
    const [a, b, c] = [await deadPort(), await deadPort(), await deadPort()]
    writeFileSync(
      join(dir, 'tagged.yaml'),
      `settings: {timeoutMs: 1000}\ntargets:\n  tls:\n    - {name: pub-1, host: a.test, address: 127.0.0.1, port: ${a}, tags: [public]}\n    - {name: pub-2, host: b.test, address: 127.0.0.1, port: ${b}, tags: [public]}\n    - {name: internal, host: c.test, address: 127.0.0.1, port: ${c}, tags: [internal]}\n`,
    )
    mkdirSync(join(dir, 'pol'), { recursive: true })
    writeFileSync(join(dir, 'pol', 'public.feature'), 'Feature: public only\n\n  @check:tls.protocols @soc2:CC6.7\n  Scenario: p\n    Given every TLS endpoint tagged "public"\n    Then only TLS 1.2 or TLS 1.3 is accepted\n')
    const all = await vigil(['run', '--config', 'tagged.yaml', '--features', 'pol/public.feature', '--out', 'o5'])
    expect(all.code).toBe(3)
    const targets = (out: string) => (JSON.parse(readFileSync(join(dir, out, 'results.json'), 'utf8')) as { findings: { target: string }[] }).findings.map((f) => f.target).sort()
    expect(targets('o5')).toEqual(['pub-1', 'pub-2'])
    // the planner probes only what some scenario selects: the internal target is never contacted
    const population = (out: string) => JSON.parse(readFileSync(join(dir, out, 'results.json'), 'utf8')).population
    expect(population('o5')).toEqual({ tls: { planned: 2, observed: 2 } })
    const observed = JSON.parse(readFileSync(join(dir, 'o5', 'observations.json'), 'utf8')).targets.map((t: { target: string }) => t.target)
    expect(observed).toEqual(['pub-1', 'pub-2'])
    const narrowed = await vigil(['run', '--config', 'tagged.yaml', '--features', 'pol/public.feature', '--targets', 'pub-2,internal', '--out', 'o6'])
    expect(narrowed.code).toBe(3)
    expect(targets('o6')).toEqual(['pub-2'])
    expect(population('o6')).toEqual({ tls: { planned: 1, observed: 1 } })
  })

  it('a scenario that cannot run is a policy problem (exit 2) reported with its file and line', async () => {
    const port = await deadPort()
    writeFileSync(join(dir, 'p.yaml'), `settings: {timeoutMs: 1000}\ntargets:\n  tls:\n    - {name: t, host: t.test, address: 127.0.0.1, port: ${port}}\n`)
    mkdirSync(join(dir, 'pol'), { recursive: true })
    writeFileSync(join(dir, 'pol', 'profile.feature'), 'Feature: f\n\n  @check:tls.profile @soc2:CC6.7\n  Scenario: ancient\n    Given every TLS endpoint\n    Then nothing outside the Mozilla "ancient" TLS profile is accepted\n')
    const r = await vigil(['run', '--config', 'p.yaml', '--features', 'pol/profile.feature', '--out', 'o7'])
    expect(r.code).toBe(2)
    expect(r.stdout).toMatch(/PROBLEM scenario: pol\/profile\.feature:4: scenario "ancient": FAILED: unknown Mozilla profile "ancient": use "intermediate" or "modern"$/m)
    noStackTrace(r.stdout)
  })
})
