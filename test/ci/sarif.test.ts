// SARIF from a real run of the TLS lab: valid against the published SARIF 2.1.0 schema, one result per
// non-passing finding, a distinct fingerprint per target (GitHub would otherwise merge every target of
// a scenario into one alert), a category without run id or version.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Options, ValidateFunction } from 'ajv-draft-04'
import type * as Sarif from 'sarif'
import { startTlsLab, type TlsLab } from '../reports/tls-lab-inventory.ts'
import { ResultsSchema, type Results } from '../../reports/model.ts'
import { sarifLog, MAX_SARIF_RESULTS } from '../../reports/sarif.ts'
import { runVigil } from '../run-vigil.ts'

const require = createRequire(import.meta.url)
// a CommonJS package: its class is module.exports itself
const Ajv = require('ajv-draft-04') as new (opts: Options) => { compile(schema: object): ValidateFunction }
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'))
// the published schema has a pattern that is invalid under the u flag
const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }).compile(schema)

let lab: TlsLab
let log: Sarif.Log
let results: Results
let stdout = ''

beforeAll(async () => {
  lab = await startTlsLab('vigil-sarif-')
  const r = await runVigil(['run', '--config', lab.config, '--out', 'out', '--sarif', 'vigil.sarif'], { cwd: lab.dir, env: { GITHUB_ACTIONS: 'true' } })
  expect([1, 3]).toContain(r.code)
  stdout = r.stdout
  log = JSON.parse(readFileSync(join(lab.dir, 'vigil.sarif'), 'utf8'))
  results = ResultsSchema.parse(JSON.parse(readFileSync(join(lab.dir, 'out', 'results.json'), 'utf8')))
}, 180_000)

afterAll(async () => lab?.stop())

describe('SARIF 2.1.0 from the lab', () => {
  it('validates against the published schema', () => {
    const ok = validate(log)
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([])
    expect(ok).toBe(true)
  })

  it('one rule per check with help and security-severity; one result per non-passing finding', () => {
    const run = log.runs[0]!
    const rules = run.tool.driver.rules!
    expect(rules.length).toBeGreaterThanOrEqual(37)
    for (const r of rules) {
      expect(r.help?.markdown, r.id).toContain('Fails when')
      expect(Number(r.properties?.['security-severity'])).toBeGreaterThanOrEqual(0)
    }
    const nonPassing = results.findings.filter((f) => ['failed', 'error', 'waived'].includes(f.status))
    expect(run.results).toHaveLength(nonPassing.length)
    for (const res of run.results!) expect(rules.some((r) => r.id === res.ruleId)).toBe(true)
  })

  it('a distinct fingerprint per target, set by Vigil from the finding identity, stable across runs', async () => {
    const run = log.runs[0]!
    const hashes = run.results!.map((r) => r.partialFingerprints!.primaryLocationLineHash)
    expect(new Set(hashes).size).toBe(hashes.length)
    // several targets of one scenario share a location (the inventory entries differ, the rule is the same)
    const forward = run.results!.filter((r) => r.ruleId === 'tls.forward-secrecy')
    expect(new Set(forward.map((r) => r.partialFingerprints!.primaryLocationLineHash)).size).toBe(forward.length)
    const again = await runVigil(['run', '--config', lab.config, '--out', 'out2', '--sarif', 'again.sarif'], { cwd: lab.dir })
    expect(again.code, again.stderr).toBe(1)
    const log2 = JSON.parse(readFileSync(join(lab.dir, 'again.sarif'), 'utf8')) as Sarif.Log
    expect(new Set(log2.runs[0]!.results!.map((r) => r.partialFingerprints!.primaryLocationLineHash))).toEqual(new Set(hashes))
    expect(log2.runs[0]!.automationDetails!.id).toBe(run.automationDetails!.id)
    expect(run.automationDetails!.id).toBe('vigil/vigil.yaml/')
  }, 120_000)

  it("located at the target's entry in vigil.yaml for the shipped library, with offenders in the message", () => {
    const inv = readFileSync(join(lab.dir, lab.config), 'utf8').split('\n')
    for (const r of log.runs[0]!.results!) {
      const loc = r.locations![0]!.physicalLocation!
      expect(loc.artifactLocation!.uri).toBe('vigil.yaml')
      expect(inv[loc.region!.startLine! - 1]).toContain(`name: ${r.properties!.target}`)
    }
    const fs = log.runs[0]!.results!.find((r) => r.ruleId === 'tls.forward-secrecy' && r.properties!.target === 'web-mixed-fs')!
    expect(fs.message.text).toContain('- TLSv1.2/TLS_RSA_WITH_AES_128_GCM_SHA256:')
    expect(fs.level).toBe('warning')
  })

  it('GitHub annotations at the same lines', () => {
    expect(stdout).toMatch(/^::error file=vigil\.yaml,line=\d+,title=Vigil%3A tls\.forward-secrecy failed on web-mixed-fs \(medium\)::/m)
  })

  it(`keeps the highest severities when there are more than ${MAX_SARIF_RESULTS} results, and counts the rest`, () => {
    const f = results.findings.find((x) => x.status === 'failed')!
    const many: Results = {
      ...results,
      findings: Array.from({ length: MAX_SARIF_RESULTS + 300 }, (_, i) => ({ ...f, id: `${f.id}-${i}`, fingerprint: i.toString(16).padStart(64, '0'), severity: i < 300 ? 'critical' : 'low' })),
    }
    const big = sarifLog(many, { vigilVersion: 'test', inventory: 'vigil.yaml', locate: () => ({ file: 'vigil.yaml', line: 1 }) })
    const run = big.runs[0]!
    expect(run.results).toHaveLength(MAX_SARIF_RESULTS)
    expect(run.results!.filter((r) => r.properties!.severity === 'critical')).toHaveLength(300)
    expect(run.properties!.omittedResults).toBe(300)
    expect(validate(big)).toBe(true)
  })
})
