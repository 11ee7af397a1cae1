// The README's first command: `vigil lab` starts real targets, runs every policy and keeps the
// results and a signed evidence bundle. It exits 0 only when every lab target showed the verdicts
// it was built to show, the lab's waiver waived what it should, and the bundle verified and
// re-derived every verdict.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runVigil } from '../run-vigil.ts'
import { ResultsSchema } from '../../reports/model.ts'
import { DEFAULT_FEATURES, judgeWithCucumber, loadPolicies } from '../../runner/cucumber.ts'
import { toFindings } from '../../runner/run.ts'
import { FINDING_MEDIA_TYPE } from '../../runner/verdict-attachment.ts'


describe('vigil lab', () => {
  it('runs the policy library against the local lab and every target shows what it was built for', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vigil-lab-')), 'lab')
    const r = await runVigil(['lab', '--out', out], { cwd: process.cwd(), timeoutMs: 240_000 })
    expect(r.stderr).not.toContain('NOT AS DESIGNED')
    expect(r.code).toBe(0)
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(out, 'results', 'results.json'), 'utf8')))
    for (const s of ['passed', 'failed', 'error'] as const) expect(results.totals[s], s).toBeGreaterThan(0)
    expect(results.findings.every((f) => f.controls.length > 0)).toBe(true)
    for (const f of ['junit.xml', 'observations.json', 'report.html', 'summary.md', 'findings.csv', 'run.json', 'manifest.json', 'SHA256SUMS.p7s'])
      expect(existsSync(join(out, 'results', f)), f).toBe(true)
    expect(results.totals.waived).toBe(1)
    expect(results.problems.map((p) => p.kind)).toContain('waiver-expired')
    expect(readdirSync(out).filter((f) => /^vigil-evidence-.+\.tar\.gz$/.test(f))).toHaveLength(1)
    const m = /lab: evidence bundle .* signature and hashes verified against .*; (\d+) of (\d+) verdicts re-derived from its observations/.exec(r.stderr)
    expect(m, r.stderr).not.toBeNull()
    expect(m![1]).toBe(m![2])
    expect(Number(m![1])).toBe(results.findings.length)
    expect(r.stderr).toMatch(/lab: done\. Report: /)

    // Verdicts reach the runner in-process, as objects, and are written out at the end of their
    // batch; attached to Cucumber's messages they were JSON at once. Both roads give the same
    // findings over every kind of lab observation: no check changes an observation, or a verdict
    // it returned, after the fact.
    const set = await loadPolicies({ features: DEFAULT_FEATURES })
    const params = { observationsFile: join(out, 'results', 'observations.json'), paramOverrides: {} }
    const inProcess = await judgeWithCucumber(set, { ...params, runId: 'lab-in-process' }, FINDING_MEDIA_TYPE)
    const attached = await judgeWithCucumber(set, params, FINDING_MEDIA_TYPE)
    expect(inProcess.attachments.length).toBeGreaterThan(results.findings.length / 2)
    expect(inProcess.attachments.every((a) => 'verdict' in a) && attached.attachments.every((a) => 'body' in a)).toBe(true)
    expect(JSON.stringify(toFindings(inProcess.attachments))).toBe(JSON.stringify(toFindings(attached.attachments)))
  }, 300_000)
})
