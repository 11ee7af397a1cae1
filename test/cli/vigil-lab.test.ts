// The README's first command: `vigil lab` starts real targets, runs every policy and keeps the
// results. It exits 0 only when every lab target showed the verdicts it was built to show.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ResultsSchema } from '../../reports/model.ts'

const BIN = fileURLToPath(new URL('../../bin/vigil.mjs', import.meta.url))

describe('vigil lab', () => {
  it('runs the policy library against the local lab and every target shows what it was built for', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vigil-lab-')), 'lab')
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'lab', '--out', out], { timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stdout, stderr }),
      ),
    )
    expect(r.stderr).not.toContain('NOT AS DESIGNED')
    expect(r.code).toBe(0)
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(out, 'results', 'results.json'), 'utf8')))
    for (const s of ['passed', 'failed', 'error'] as const) expect(results.totals[s], s).toBeGreaterThan(0)
    expect(results.findings.every((f) => f.controls.length > 0)).toBe(true)
    expect(existsSync(join(out, 'results', 'junit.xml'))).toBe(true)
    expect(existsSync(join(out, 'results', 'observations.json'))).toBe(true)
    expect(r.stderr).toMatch(/lab: done\. Report: /)
  }, 300_000)
})
