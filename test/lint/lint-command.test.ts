// `vigil lint` as a team runs it in its own policy repository: every planted mistake (one per rule)
// is reported at its file and line, nothing else is, in seconds and without the network; a clean
// repository exits 0; the JSON, SARIF 2.1.0 and GitHub annotation forms carry the same problems.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Options, ValidateFunction } from 'ajv-draft-04'
import type * as Sarif from 'sarif'
import { LINT_RULES } from '../../lint/problems.ts'
import { STACK_TRACE, type VigilResult } from '../run-vigil.ts'
import { removeScratchRepos, cleanRepo, lineOf, plantedRepo, write, type Expected } from './scratch-repo.ts'
import { vigil } from './vigil-cli.ts'

const require = createRequire(import.meta.url)
// a CommonJS package: its class is module.exports itself
const Ajv = require('ajv-draft-04') as new (opts: Options) => { compile(schema: object): ValidateFunction }
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'))
// the published schema's `language` pattern is not a valid Unicode-mode regular expression; formats (uri, date-time) are not checked
const validateSarif = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, logger: false }).compile(schema)

interface JsonProblem {
  file: string
  line: number
  rule: string
  message: string
}

let planted: { dir: string; expected: Expected[] }
let text: VigilResult
let json: VigilResult
let seconds = 0

beforeAll(async () => {
  planted = plantedRepo()
  const t0 = performance.now()
  text = await vigil(['lint'], { cwd: planted.dir })
  seconds = (performance.now() - t0) / 1000
  json = await vigil(['lint', '--json', '--sarif', 'lint.sarif'], { cwd: planted.dir })
}, 120_000)

afterAll(removeScratchRepos)

describe('vigil lint on a repository with one planted mistake per rule', () => {
  it('exits 2 and reports every planted mistake at its file and line, and nothing else', () => {
    expect(text.code, text.stderr).toBe(2)
    expect(text.stderr).not.toMatch(STACK_TRACE)
    const problems = JSON.parse(json.stdout) as JsonProblem[]
    expect(json.code).toBe(2)
    const key = (p: { file: string; line: number; rule: string }) => `${p.file}:${p.line} ${p.rule}`
    expect(problems.map(key).sort()).toEqual(planted.expected.map(key).sort())
    // every rule a team's mistake can trigger is covered by a planted one (ambiguous phrases and an
    // invalid inventory have tests of their own; `policy` is the fallback for unknown wording)
    const planted_rules = new Set(planted.expected.map((e) => e.rule))
    for (const rule of Object.keys(LINT_RULES).filter((r) => !['ambiguous-step', 'inventory', 'policy'].includes(r))) expect(planted_rules, rule).toContain(rule)
  })

  it('prints one `file:line: message` line per problem, sorted by file and line', () => {
    const lines = text.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(planted.expected.length)
    const at = lines.map((l) => /^([^:]+):(\d+): (.+) \[([a-z-]+)\]$/.exec(l))
    for (const [i, m] of at.entries()) expect(m, lines[i]).not.toBeNull()
    const order = at.map((m) => [m![1]!, Number(m![2])] as const)
    const sorted = [...order].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]))
    expect(order).toEqual(sorted)
    expect(text.stderr).toMatch(/vigil lint: 24 problem\(s\)/)
  })

  it('says what is wrong in each message', () => {
    const problems = JSON.parse(json.stdout) as JsonProblem[]
    const msg = (rule: string) => problems.filter((p) => p.rule === rule).map((p) => p.message).join('\n')
    expect(msg('gherkin-syntax')).toMatch(/inconsistent cell count/)
    expect(msg('undefined-step')).toContain('"every endpoint is perfectly fine"')
    expect(msg('unknown-check')).toContain('@check:tls.no-such-check')
    expect(msg('unknown-control')).toContain('soc2:CC99.9')
    expect(msg('check-tag')).toMatch(/exactly one @check:/)
    expect(msg('missing-id')).toMatch(/no @id:<slug> tag/)
    expect(msg('duplicate-key')).toMatch(/"team\.twice" is also the key of policies\/team\.feature:\d+/)
    expect(msg('invalid-tag')).toContain('@severity:urgent')
    expect(msg('check-mismatch')).toMatch(/tagged @check:tls\.protocols, but its phrase judges tls\.cert\.expiry/)
    expect(msg('wrong-kind')).toMatch(/selects every SSH server, but tls\.protocols applies to TLS endpoint/)
    expect(msg('no-selection')).toMatch(/selects no targets/)
    expect(msg('judges-nothing')).toMatch(/never produce a finding/)
    expect(msg('phrase-error')).toMatch(/unknown Mozilla profile "ultra"/)
    expect(msg('unmatched-selection')).toMatch(/no TLS endpoint in vigil\.yaml is tagged "internal" \(their tags: public\)/)
    expect(msg('policies-paths')).toContain('"missing-policies" names no feature file')
    expect(msg('policies-off')).toContain('"tls.no-such-scenario" names no scenario')
    expect(msg('policies-params')).toContain('tls.cert.expiry has no parameter "dayz" (it has: days)')
    expect(msg('retired-still-present')).toMatch(/target "web" is still in the inventory \(vigil\.yaml:3\)/)
    expect(msg('waiver-invalid')).toMatch(/approver is required/)
    expect(msg('waiver-expired')).toMatch(/W-expired .* expired on 2020-01-31/)
    expect(msg('waiver-unknown-check')).toContain('"tls.no-such-check" matches no check id')
    expect(msg('waiver-unknown-target')).toContain('"ghost-*" matches no target of vigil.yaml')
    expect(msg('waiver-matches-nothing')).toMatch(/W-nothing: no scenario judges a target matching "bastion" with a check matching "tls\.protocols"/)
  })

  it('takes seconds, not minutes (no network)', () => {
    // the figure is shown, the bound generous: lint is a dry run and a few file reads
    console.log(`vigil lint on the planted repository: ${seconds.toFixed(2)} s`)
    expect(seconds).toBeLessThan(20)
  })

  it('--sarif writes a SARIF 2.1.0 log valid against the published schema: one rule per lint rule, one result per problem at its file:line', () => {
    const log = JSON.parse(readFileSync(join(planted.dir, 'lint.sarif'), 'utf8')) as Sarif.Log
    const ok = validateSarif(log)
    expect(validateSarif.errors ?? [], JSON.stringify(validateSarif.errors?.slice(0, 3))).toEqual([])
    expect(ok).toBe(true)
    const run = log.runs[0]!
    expect(run.tool.driver.rules!.map((r) => r.id).sort()).toEqual(Object.keys(LINT_RULES).map((r) => `vigil-lint/${r}`).sort())
    const where = run.results!.map((r) => {
      const loc = r.locations![0]!.physicalLocation!
      expect(run.tool.driver.rules![r.ruleIndex!]!.id).toBe(r.ruleId)
      return `${loc.artifactLocation!.uri}:${loc.region!.startLine} ${r.ruleId!.replace('vigil-lint/', '')}`
    })
    expect(where.sort()).toEqual(planted.expected.map((e) => `${e.file}:${e.line} ${e.rule}`).sort())
  })

  it('on GitHub Actions, prints one ::error workflow command per problem at the file and line', async () => {
    const r = await vigil(['lint'], { cwd: planted.dir, env: { GITHUB_ACTIONS: 'true' } })
    expect(r.code).toBe(2)
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('::error '))
    expect(commands).toHaveLength(planted.expected.length)
    const line = lineOf(planted.dir, 'policies/team.feature', 'every endpoint is perfectly fine')
    expect(commands).toContainEqual(expect.stringMatching(new RegExp(`^::error file=policies/team\\.feature,line=${line},title=vigil lint%3A undefined-step::no phrase`)))
    expect(commands).toContainEqual(expect.stringMatching(/^::error file=waivers\.yaml,line=8,title=vigil lint%3A waiver-expired::/))
  })
})

describe('vigil lint on a clean repository', () => {
  it('exits 0 and prints no problem (library, team scenarios, off, params, waivers)', async () => {
    const dir = cleanRepo()
    const r = await vigil(['lint'], { cwd: dir })
    expect(r.stdout).toBe('')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/no problem in \d+ scenario\(s\) in \d+ feature file\(s\), vigil\.yaml, waivers\.yaml/)
    const j = await vigil(['lint', '--json', '--sarif', 'clean.sarif'], { cwd: dir })
    expect(j.code).toBe(0)
    expect(JSON.parse(j.stdout)).toEqual([])
    const log = JSON.parse(readFileSync(join(dir, 'clean.sarif'), 'utf8')) as Sarif.Log
    expect(validateSarif(log)).toBe(true)
    expect(log.runs[0]!.results).toEqual([])
  })

  it('a missing waivers.yaml is not a problem when --waivers is not given; a named one that is missing is a usage error', async () => {
    const dir = cleanRepo()
    write(dir, { 'waivers.yaml': '' })
    const { rmSync } = await import('node:fs')
    rmSync(join(dir, 'waivers.yaml'))
    const r = await vigil(['lint'], { cwd: dir })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stderr).not.toContain('waivers')
    const named = await vigil(['lint', '--waivers', 'exceptions.yaml'], { cwd: dir })
    expect(named.code).toBe(2)
    expect(named.stderr).toMatch(/exceptions\.yaml: cannot read the waivers file \(it does not exist\)/)
    expect(named.stderr).not.toMatch(STACK_TRACE)
  })

  it('--features replaces the inventory\'s choice of files; a broken feature file does not hide the problems of the others', async () => {
    const dir = cleanRepo()
    write(dir, {
      'other/a.feature': 'Feature: a\n  Scenario: broken\n    Given every TLS endpoint\n      | x | y |\n      | z |\n',
      'other/b.feature': 'Feature: b\n  @check:tls.protocols @id:b.one\n  Scenario: undefined\n    Given every TLS endpoint\n    Then nothing at all is checked\n',
    })
    const r = await vigil(['lint', '--json', '--features', 'other'], { cwd: dir })
    expect(r.code).toBe(2)
    const problems = JSON.parse(r.stdout) as JsonProblem[]
    expect(problems.map((p) => `${p.file}:${p.line} ${p.rule}`)).toEqual([
      'other/a.feature:5 gherkin-syntax',
      'other/b.feature:5 undefined-step',
      // with --features, off and params still apply: tls.profile is not among these files
      'vigil.yaml:13 policies-off',
      'vigil.yaml:15 policies-params',
    ])
  })
})

describe('vigil lint on an inventory that is not valid', () => {
  it('reports the inventory problem at its line and still lints the team\'s feature files', async () => {
    const dir = cleanRepo()
    write(dir, {
      'vigil.yaml': readFileSync(join(dir, 'vigil.yaml'), 'utf8').replace('address: 127.0.0.1', 'address: 127.0.0.1\n      port: 70000'),
      'policies/more.feature': 'Feature: more\n  @check:tls.protocols @id:more.one\n  Scenario: one\n    Given every TLS endpoint\n    Then TLS is fine\n',
    })
    const r = await vigil(['lint', '--json'], { cwd: dir })
    expect(r.code).toBe(2)
    const problems = JSON.parse(r.stdout) as JsonProblem[]
    expect(problems.map((p) => `${p.file}:${p.line} ${p.rule}`)).toEqual(['policies/more.feature:5 undefined-step', 'vigil.yaml:6 inventory'])
    expect(problems[1]!.message).toMatch(/field targets\.tls\[0\]\.port/)
  })

  it('a missing inventory is a usage error naming the file', async () => {
    const dir = cleanRepo()
    const r = await vigil(['lint', '--config', 'nope.yaml'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/nope\.yaml: cannot read the inventory \(it does not exist\)/)
  })
})
