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
  }, 300_000)
})
