// The pure parts of `vigil lint`: locations, step lines, the dry run's messages under their rules,
// and the `retired:` rule's combinations.
import { describe, expect, it } from 'vitest'
import { findStepLine, stepLines } from '../../lint/feature-lines.ts'
import { retiredProblems } from '../../lint/inventory-problems.ts'
import { classifyPolicyProblems, type PolicyContext } from '../../lint/policy-problems.ts'
import { formatProblems, problem, sortProblems, splitLocation } from '../../lint/problems.ts'
import type { Scenario } from '../../runner/cucumber.ts'
import type { Inventory } from '../../runner/inventory.ts'

const CWD = '/repo'

describe('locations', () => {
  it('splits file:line: message, file: message, and known files with a colon in their name', () => {
    expect(splitLocation('vigil.yaml:7: field x: y')).toEqual({ file: 'vigil.yaml', line: 7, rest: 'field x: y' })
    expect(splitLocation('waivers.yaml: not valid YAML: bad')).toEqual({ file: 'waivers.yaml', line: undefined, rest: 'not valid YAML: bad' })
    expect(splitLocation('a:b.feature:3: boom', ['a:b.feature'])).toEqual({ file: 'a:b.feature', line: 3, rest: 'boom' })
    expect(splitLocation('x.yaml:?: field y', ['x.yaml'])).toEqual({ file: 'x.yaml', line: undefined, rest: 'field y' })
    expect(splitLocation('no location here')).toBeUndefined()
  })

  it('sorts by file then line, drops exact repeats, and prints file:line: message [rule]', () => {
    const list = sortProblems([
      problem('waiver-expired', 'waivers.yaml', 8, 'late', CWD),
      problem('undefined-step', 'policies/a.feature', 12, 'b', CWD),
      problem('undefined-step', 'policies/a.feature', 3, 'a', CWD),
      problem('undefined-step', 'policies/a.feature', 3, 'a', CWD),
      problem('inventory', 'vigil.yaml', undefined, 'whole file', CWD),
    ])
    expect(formatProblems(list)).toBe(
      'policies/a.feature:3: a [undefined-step]\npolicies/a.feature:12: b [undefined-step]\nvigil.yaml:1: whole file [inventory]\nwaivers.yaml:8: late [waiver-expired]\n',
    )
  })
})

const FEATURE = `Feature: f
  Background:
    Given every TLS endpoint

  Scenario: one
    Then only TLS 1.2 or TLS 1.3 is accepted

  Scenario Outline: two <n>
    Given every SSH server tagged "<t>"
    Then no SSH server offers any of these ciphers:
      | aes128-cbc |
      | 3des-cbc   |
    Examples:
      | n | t |
      | 1 | a |
`

describe('step lines', () => {
  it('finds a step within its scenario, in the background, or before an outline row; else the scenario line', () => {
    expect(findStepLine(FEATURE, 5, 'only TLS 1.2 or TLS 1.3 is accepted')).toBe(6)
    expect(findStepLine(FEATURE, 5, 'every TLS endpoint')).toBe(3)
    expect(findStepLine(FEATURE, 15, 'no SSH server offers any of these ciphers:')).toBe(10)
    expect(findStepLine(FEATURE, 15, 'every SSH server tagged "a"')).toBe(15)
  })

  it('lists steps with their tables', () => {
    expect(stepLines(FEATURE).find((s) => s.line === 10)).toEqual({ line: 10, text: 'no SSH server offers any of these ciphers:', table: [['aes128-cbc'], ['3des-cbc']] })
  })
})

function context(source: string): PolicyContext {
  return {
    scenarios: [],
    files: new Map([['policies/a.feature', '/repo/policies/a.feature']]),
    source: () => source,
    definitionsMatching: () => ['steps/x.steps.ts:3', 'steps/y.steps.ts:9'],
    cwd: CWD,
  }
}

describe("the dry run's problems under their rules", () => {
  it('an ambiguous step is reported at the step, naming the phrases that match', () => {
    const { problems, stepTrouble } = classifyPolicyProblems(['policies/a.feature:5: scenario "one": several step definitions match the step "only TLS 1.2 or TLS 1.3 is accepted"'], context(FEATURE))
    expect(problems).toEqual([
      { file: 'policies/a.feature', path: '/repo/policies/a.feature', line: 6, rule: 'ambiguous-step', message: 'several phrases match "only TLS 1.2 or TLS 1.3 is accepted": steps/x.steps.ts:3, steps/y.steps.ts:9' },
    ])
    expect([...stepTrouble]).toEqual(['/repo/policies/a.feature:5'])
  })

  it('keeps a message of unknown wording under the rule `policy`, never drops it', () => {
    const { problems } = classifyPolicyProblems(['policies/a.feature:5: scenario "one": something new'], context(FEATURE))
    expect(problems).toMatchObject([{ rule: 'policy', line: 5, message: 'scenario "one": something new' }])
  })

  it('a duplicate key is one problem at each scenario, naming the others', () => {
    const { problems } = classifyPolicyProblems(['policies/a.feature:5, policies/a.feature:8: 2 scenarios share the key "k"; give each a unique @id:<slug> tag (or a unique name)'], context(FEATURE))
    expect(problems.map((p) => [p.line, p.rule, p.message])).toEqual([
      [5, 'duplicate-key', 'scenario key "k" is also the key of policies/a.feature:8; give each a unique @id:<slug> tag (or a unique name)'],
      [8, 'duplicate-key', 'scenario key "k" is also the key of policies/a.feature:5; give each a unique @id:<slug> tag (or a unique name)'],
    ])
  })
})

describe('retired: entries', () => {
  const scenario = (key: string, checkId: string, kind: 'tls' | 'ssh'): Scenario =>
    ({ pickleId: key, name: key, policy: 'features/x.feature', file: '/v/features/x.feature', line: 7, tags: [], checkId, controls: [], selections: [{ kind }], scenarioKey: key, idTag: key }) as Scenario
  const inv = (retired: Inventory['retired']): Inventory =>
    ({
      file: 'vigil.yaml',
      targets: { tls: [{ name: 'web', host: 'w', port: 443, tags: [] }], ssh: [], keyDirs: [], aws: [] },
      targetLines: { web: 3 },
      retired,
    }) as unknown as Inventory
  const entry = (r: Partial<Inventory['retired'][number]>, line: number) => ({ reason: 'because of this change', ticket: 'T-1', source: `vigil.yaml:${line}`, ...r }) as Inventory['retired'][number]
  const active = [scenario('tls.protocols', 'tls.protocols', 'tls'), scenario('ssh.server.kex', 'ssh.server.kex', 'ssh')]

  it('one field: still there while the target, the scenario or a scenario of the check is', () => {
    const p = retiredProblems(inv([entry({ target: 'web' }, 10), entry({ target: 'gone' }, 11), entry({ scenario: 'tls.protocols' }, 12), entry({ scenario: 'gone' }, 13), entry({ check: 'ssh.server.kex' }, 14), entry({ check: 'tls.profile' }, 15)]), active, CWD)
    expect(p.map((x) => x.line)).toEqual([10, 12, 14])
  })

  it('several fields: still there while a run would judge that combination', () => {
    const p = retiredProblems(inv([entry({ target: 'web', check: 'tls.protocols' }, 20), entry({ target: 'web', check: 'ssh.server.kex' }, 21), entry({ target: 'web', scenario: 'tls.protocols' }, 22)]), active, CWD)
    expect(p.map((x) => x.line)).toEqual([20, 22])
    expect(p[0]!.message).toMatch(/scenario "tls\.protocols" \(features\/x\.feature:7\) still judges target "web" with tls\.protocols/)
  })
})
