// The planner (runner/policy-plan.ts: @cucumber/gherkin only, no Cucumber runtime) lists exactly the
// scenarios Cucumber's dry run selects, with the same fields and problems, so a run can plan and
// probe before Cucumber is loaded. The reference here is the dry run as loadPolicies did it before
// the split, verbatim: Cucumber's API, the tag expression, its test cases.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfiguration, runCucumber, type IRunEnvironment } from '@cucumber/cucumber/api'
import type { Envelope, Pickle } from '@cucumber/messages'
import { Writable } from 'node:stream'
import { DEFAULT_FEATURES, VIGIL_ROOT, checkPolicySteps, loadPolicies, type PolicySet } from '../../runner/cucumber.ts'
import { collectExampleRows, displayPath, parseErrorProblem, planPolicies, scenarioOf, scenarioProblems, type ExampleRows, type PolicyProblem, type Scenario } from '../../runner/policy-plan.ts'

const sink = () => new Writable({ write: (_c, _e, cb) => cb() })
const env = (): IRunEnvironment => ({ cwd: process.cwd(), stdout: sink(), stderr: sink(), env: process.env })

/** The dry run of loadPolicies before the planner existed (runner/cucumber.ts), problems in its order. */
async function dryRun(support: PolicySet['support'], features: string[], tags = ''): Promise<{ scenarios: Scenario[]; problems: PolicyProblem[]; stepProblems: PolicyProblem[] }> {
  const { runConfiguration } = await loadConfiguration({ file: false, provided: { paths: features, import: [`${VIGIL_ROOT}steps/**/*.ts`], tags, format: [], strict: true } }, env())
  const pickles: Pickle[] = []
  const problems: PolicyProblem[] = []
  const stepProblems: PolicyProblem[] = []
  const stepText = new Map<string, { text: string; pickle: Pickle }>()
  const selected = new Set<string>()
  const rows: ExampleRows = new Map()
  await runCucumber({ ...runConfiguration, support, runtime: { ...runConfiguration.runtime, dryRun: true } }, env(), (e: Envelope) => {
    if (e.gherkinDocument) collectExampleRows(e.gherkinDocument, rows)
    if (e.pickle) {
      pickles.push(e.pickle)
      for (const s of e.pickle.steps) stepText.set(s.id, { text: s.text, pickle: e.pickle })
    }
    if (e.parseError) problems.push(parseErrorProblem(e.parseError))
    if (e.testCase) {
      selected.add(e.testCase.pickleId)
      for (const ts of e.testCase.testSteps) {
        const ids = ts.stepDefinitionIds ?? []
        if (!ts.pickleStepId || ids.length === 1) continue
        const s = stepText.get(ts.pickleStepId)!
        const what = ids.length === 0 ? 'no step definition matches' : 'several step definitions match'
        const p = { kind: 'policy' as const, message: `${displayPath(s.pickle.uri)}:${s.pickle.location?.line ?? '?'}: scenario "${s.pickle.name}": ${what} the step "${s.text}"` }
        problems.push(p)
        stepProblems.push(p)
      }
    }
  })
  const scenarios = pickles.filter((p) => selected.has(p.id)).map((p) => scenarioOf(p, displayPath, rows))
  problems.push(...scenarioProblems(scenarios))
  return { scenarios, problems, stepProblems }
}

/** Everything but the pickle id, which every parse mints anew. */
const fields = (list: readonly Scenario[]) => list.map(({ pickleId: _id, ...s }) => s)

let support: PolicySet['support']
// inside the current directory, so relative feature paths and `file.feature:LINE` are exercised too
const dir = mkdtempSync(join(process.cwd(), '.tmp-policy-plan-'))
const rel = (f: string) => relative(process.cwd(), join(dir, f))
const write = (name: string, text: string) => {
  mkdirSync(join(dir, name, '..'), { recursive: true })
  writeFileSync(join(dir, name), text)
  return join(dir, name)
}

beforeAll(async () => {
  support = (await loadPolicies({ features: DEFAULT_FEATURES })).support
  write(
    'team/outline.feature',
    `@tls @team
Feature: Renewal windows
  Background:
    Given every TLS endpoint

  @check:tls.cert.expiry @soc2:CC6.7
  Scenario Outline: Certificates last <days> days
    Given every TLS endpoint tagged "<tier>"
    Then no certificate in the served chain expires within <days> days

    @public
    Examples: public
      | tier     | days |
      | public   | 30   |
      | edge     | 21   |

    @internal
    Examples: internal
      | tier     | days |
      | internal | 14   |

  Rule: legacy endpoints
    @check:tls.protocols @id:team.legacy-protocols @severity:critical
    Scenario: Legacy endpoints refuse old protocols
      Given every TLS endpoint tagged "legacy"
      Then only TLS 1.2 or TLS 1.3 is accepted
`,
  )
  write(
    'team/more/rules.feature',
    `@ssh
Feature: Team rules with problems the planner must find
  Scenario: No check tag at all
    Given every SSH server
    Then no SSH server offers password or keyboard-interactive authentication

  @check:ssh.server.password-auth @check:ssh.server.root-login @id:a @id:b
  Scenario: Two checks, two ids
    Given every SSH server
    Then no SSH server offers password or keyboard-interactive authentication

  @check:ssh.server.root-login @severity:dire @severity:high @soc2:CC99.9 @SOC2:cc6.1
  Scenario: Bad severity and unknown controls
    Given every SSH server
    Then the effective PermitRootLogin setting is "no"

  @check:ssh.server.root-login @id:tls.cert.expiry
  Scenario: Same key as a shipped scenario
    Given every SSH server
    Then the effective PermitRootLogin setting is "no"

  @check:ssh.server.root-login @id:bad!id
  Scenario: Invalid id and an undefined step
    Given every SSH server
    Then the moon is made of cheese
`,
  )
  write('broken/broken.feature', `Feature: Broken\n  Scenario: one\n    Given every TLS endpoint\n  Examples:\n  | a |\n  nonsense line here\n`)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cases: { name: string; features: () => string[]; tags?: string }[] = [
  { name: 'the whole shipped library', features: () => DEFAULT_FEATURES },
  { name: 'the library, @tls', features: () => DEFAULT_FEATURES, tags: '@tls' },
  { name: 'the library, an and/not expression', features: () => DEFAULT_FEATURES, tags: '@tls and not @id:tls.cert.expiry and not @id:tls.profile' },
  { name: 'the library, an or expression in parentheses', features: () => DEFAULT_FEATURES, tags: '(@aws or @ssh) and not @id:aws.iam.root-mfa' },
  { name: 'the library, a tag nothing has', features: () => DEFAULT_FEATURES, tags: '@no-such-tag' },
  { name: 'a folder of the library and one of its files again', features: () => [`${VIGIL_ROOT}features/ssh`, `${VIGIL_ROOT}features/ssh/server-kex.feature`] },
  { name: 'outlines, Examples tags, a Rule and a Background (relative folder)', features: () => [rel('team/outline.feature')] },
  { name: 'an Examples tag expression', features: () => [rel('team/outline.feature')], tags: '@public or @team and not @tls' },
  { name: 'an Examples-row tag', features: () => [rel('team')], tags: '@internal' },
  { name: 'the library and a team folder with problems (glob)', features: () => [...DEFAULT_FEATURES, `${dir}/team/**/*.feature`] },
  { name: 'file.feature:LINE on an outline and on an Examples row', features: () => [`${rel('team/outline.feature')}:7:15`] },
  { name: 'file.feature:LINE on one Examples row', features: () => [`${rel('team/outline.feature')}:15`] },
  { name: 'file.feature:LINE (absolute) on a scenario in a Rule', features: () => [`${join(dir, 'team/outline.feature')}:24`, rel('team/more/rules.feature')] },
  { name: 'a file that does not parse beside good ones', features: () => [`${VIGIL_ROOT}features/tls`, rel('broken/broken.feature')] },
  { name: 'a path that matches nothing', features: () => [rel('nothing/here.feature')] },
]

describe('the gherkin-only planner selects what the Cucumber dry run selects', () => {
  for (const c of cases)
    it(c.name, async () => {
      const features = c.features()
      const ref = await dryRun(support, features, c.tags)
      const plan = await planPolicies({ features, ...(c.tags ? { tags: c.tags } : {}) })
      expect(fields(plan.scenarios)).toEqual(fields(ref.scenarios))
      // the plan has every problem but the steps', which need the step definitions
      expect(plan.problems).toEqual(ref.problems.filter((p) => !ref.stepProblems.includes(p)))
      // loadPolicies (plan + step check) gives what it gave before the split, problems in the same order
      const set = await loadPolicies({ features, ...(c.tags ? { tags: c.tags } : {}) })
      expect(fields(set.scenarios)).toEqual(fields(ref.scenarios))
      expect(set.problems).toEqual(ref.problems)
    })

  it('selects scenarios on every case above (the cases are not vacuous)', async () => {
    const lib = await planPolicies({ features: DEFAULT_FEATURES })
    expect(lib.scenarios.length).toBeGreaterThan(30)
    expect(new Set(lib.scenarios.map((s) => s.checkId)).size).toBeGreaterThan(30)
    const outline = await planPolicies({ features: [rel('team/outline.feature')] })
    expect(outline.scenarios.map((s) => s.scenarioKey)).toEqual([
      `${rel('team/outline.feature')}#Certificates last 30 days[public | 30]`,
      `${rel('team/outline.feature')}#Certificates last 21 days[edge | 21]`,
      `${rel('team/outline.feature')}#Certificates last 14 days[internal | 14]`,
      'team.legacy-protocols',
    ])
    expect(outline.scenarios[0]!.selections).toEqual([{ kind: 'tls' }, { kind: 'tls', tag: 'public' }])
    // an outline's line selects every row of it; a row's line, that row
    const lines = await planPolicies({ features: [`${rel('team/outline.feature')}:7:15`] })
    expect(lines.scenarios.map((s) => s.name)).toEqual(['Certificates last 30 days', 'Certificates last 21 days', 'Certificates last 14 days'])
    const row = await planPolicies({ features: [`${rel('team/outline.feature')}:15`] })
    expect(row.scenarios.map((s) => s.scenarioKey)).toEqual([`${rel('team/outline.feature')}#Certificates last 21 days[edge | 21]`])
    const broken = await planPolicies({ features: [rel('broken/broken.feature')] })
    expect(broken.unrunnable).toBe(true)
    expect(broken.problems[0]!.message).toMatch(/broken\.feature:\d+: /)
    const rules = await planPolicies({ features: [rel('team/more/rules.feature')] })
    expect(rules.problems.length).toBeGreaterThanOrEqual(6)
  })

  it('an invalid tag expression is a policy problem, not a crash', async () => {
    const plan = await planPolicies({ features: DEFAULT_FEATURES, tags: '@tls and' })
    expect(plan.unrunnable).toBe(true)
    expect(plan.scenarios).toEqual([])
    expect(plan.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^--tags '@tls and': .*could not be parsed/)])
    // the step check does not hand it to Cucumber (which would throw)
    const set = await loadPolicies({ features: DEFAULT_FEATURES, tags: '@tls and' })
    expect(set.problems).toEqual(plan.problems)
  })

  it('the step check finds undefined steps, and refuses a plan Cucumber would not select', async () => {
    const plan = await planPolicies({ features: [rel('team/more/rules.feature')], tags: '@ssh' })
    const set = await checkPolicySteps(plan)
    expect(set.problems.map((p) => p.message)).toEqual([expect.stringContaining('scenario "Invalid id and an undefined step": no step definition matches the step "the moon is made of cheese"')])
    expect(set.scenarios).toBe(plan.scenarios)
    await expect(checkPolicySteps({ ...plan, scenarios: plan.scenarios.slice(1) })).rejects.toThrow(/planned 4 scenario\(s\), Cucumber selects 5/)
  })
})
