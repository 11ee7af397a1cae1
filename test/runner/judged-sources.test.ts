// The judging run reads only the feature files that hold the plan's scenarios (each judging batch
// parses them again), and selects exactly the plan's scenarios: no fewer, and none from a file
// named with a line filter that a bare file name would widen.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { judgeWithCucumber, judgedSources, loadPolicies } from '../../runner/cucumber.ts'
import { toFindings } from '../../runner/run.ts'
import { FINDING_MEDIA_TYPE } from '../../runner/verdict-attachment.ts'
import { DEFAULT_FEATURES } from '../../runner/policy-plan.ts'
import { storedObservation } from './stored-observation.ts'
import { tlsObservation } from '../tls/observations.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-judged-sources-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const store = (names: string[]) => {
  const file = join(dir, `observations-${names.join('-')}.json`)
  const targets = names.map((name) => storedObservation(name, tlsObservation({ target: { name, host: `${name}.test`, address: '127.0.0.1', port: 443 } })))
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, targets }))
  return file
}

describe('the judging run’s feature files', () => {
  it('are the files of the selected scenarios, and the same scenarios are judged', async () => {
    const set = await loadPolicies({ features: DEFAULT_FEATURES, tags: '@tls' })
    expect(set.problems).toEqual([])
    const files = [...new Set(set.scenarios.map((s) => s.file))]
    expect(set.runConfiguration.sources.paths).not.toEqual(files)
    expect(judgedSources(set).paths).toEqual(files)
    expect(files.every((f) => f.includes('/features/tls/'))).toBe(true)
    const { attachments, stepFailures } = await judgeWithCucumber(set, { observationsFile: store(['a', 'b']), runId: 'judged-sources-1' }, FINDING_MEDIA_TYPE)
    expect(stepFailures).toEqual([])
    const findings = toFindings(attachments)
    const judged = [...new Set(findings.map((f) => f.scenarioKey))].sort()
    expect(judged).toEqual(set.scenarios.map((s) => s.scenarioKey).sort())
    expect(findings).toHaveLength(set.scenarios.length * 2)
  })

  it('keep a line filter: a file named with one line judges that scenario only', async () => {
    const feature = join(dir, 'two.feature')
    writeFileSync(
      feature,
      [
        'Feature: two scenarios',
        '  @check:tls.protocols @id:two.protocols',
        '  Scenario: protocols',
        '    Given every TLS endpoint',
        '    Then only TLS 1.2 or TLS 1.3 is accepted',
        '',
        '  @check:tls.forward-secrecy @id:two.forward-secrecy',
        '  Scenario: forward secrecy',
        '    Given every TLS endpoint',
        '    Then every accepted cipher suite uses ephemeral key exchange',
        '',
      ].join('\n'),
    )
    const set = await loadPolicies({ features: [`${feature}:3`] })
    expect(set.problems).toEqual([])
    expect(set.scenarios.map((s) => s.name)).toEqual(['protocols'])
    expect(judgedSources(set)).toBe(set.runConfiguration.sources)
    const { attachments } = await judgeWithCucumber(set, { observationsFile: store(['c']), runId: 'judged-sources-2' }, FINDING_MEDIA_TYPE)
    expect(toFindings(attachments).map((f) => [f.scenario, f.target])).toEqual([['protocols', 'c']])
  })
})
