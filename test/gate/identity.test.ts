// Finding identity v1 at the edges: a Scenario Outline's rows are distinct scenarios (the Examples
// row is part of the key), and `--since` reads an earlier run from its bundle as well as its folder.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadPolicies } from '../../runner/cucumber.ts'
import { readEarlierResults } from '../../gate/earlier-run.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-identity-'))

describe('scenario keys', () => {
  it('a Scenario Outline gives one key per Examples row: the row is part of the identity', async () => {
    const file = join(dir, 'outline.feature')
    writeFileSync(
      file,
      `@tls\nFeature: Renewal windows\n  @check:tls.cert.expiry\n  Scenario Outline: Certificates last <days> days\n    Given every TLS endpoint tagged "<tier>"\n    Then no certificate in the served chain expires within <days> days\n\n    Examples:\n      | tier     | days |\n      | public   | 30   |\n      | internal | 14   |\n`,
    )
    const set = await loadPolicies({ features: [file], policyName: () => 'policies/outline.feature' })
    expect(set.problems).toEqual([])
    expect(set.scenarios.map((s) => s.scenarioKey)).toEqual(['policies/outline.feature#Certificates last 30 days[public | 30]', 'policies/outline.feature#Certificates last 14 days[internal | 14]'])
  })
})

describe('--since', () => {
  it('reads results.json from a bundle archive (one top folder), and refuses an archive without one', async () => {
    const top = join(dir, 'b', 'vigil-evidence-x')
    mkdirSync(top, { recursive: true })
    const results = { schemaVersion: 2, identityVersion: 1, run: { id: 'x', startedAt: '2026-11-30T02:00:00Z', finishedAt: '2026-11-30T02:01:00Z', vigilVersion: 'v', nodeVersion: 'n', host: 'h', operator: 'o', inventory: 'vigil.yaml', features: [], incomplete: false }, totals: { passed: 0, failed: 0, error: 0, 'not-applicable': 0, skipped: 0, waived: 0 }, population: {}, findings: [], problems: [] }
    writeFileSync(join(top, 'results.json'), JSON.stringify(results))
    execFileSync('tar', ['-czf', join(dir, 'b.tar.gz'), '-C', join(dir, 'b'), 'vigil-evidence-x'])
    const read = await readEarlierResults(join(dir, 'b.tar.gz'))
    expect(read.results.run.startedAt).toBe('2026-11-30T02:00:00Z')
    writeFileSync(join(top, 'other.txt'), 'x')
    execFileSync('tar', ['-czf', join(dir, 'empty.tar.gz'), '-C', top, 'other.txt'])
    await expect(readEarlierResults(join(dir, 'empty.tar.gz'))).rejects.toThrow('the archive holds no results.json')
  })
})
