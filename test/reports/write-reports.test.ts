// writeReports reads a run's findings once for results.json, junit.xml, findings.csv and the page's
// first pass (reports/findings-tee.ts), and once more for the page's cards: the files it writes are
// exactly what each report's own reading makes, from a spool as from an array.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { syntheticResults } from '../../bench/report-open.ts'
import { FindingsSpool } from '../../reports/findings-spool.ts'
import { findingsCsv } from '../../reports/findings-csv.ts'
import { htmlReport } from '../../reports/html-report.ts'
import { junitXml } from '../../reports/junit.ts'
import { markdownSummary } from '../../reports/markdown-summary.ts'
import type { Finding, FindingSource, ResultsView } from '../../reports/model.ts'
import { resultsJsonChunks, writeReports } from '../../reports/write-reports.ts'
import { teeFindings } from '../../reports/findings-tee.ts'
import { writeChunksTogether } from '../../core/bounded-write.ts'

const scratch = mkdtempSync(join(tmpdir(), 'vigil-write-reports-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The files each report makes from its own reading of an array of the findings. */
function expected(view: ResultsView): Record<string, string> {
  return {
    'results.json': [...resultsJsonChunks(view)].join(''),
    'junit.xml': junitXml(view),
    'findings.csv': findingsCsv(view),
    'report.html': htmlReport(view),
    'summary.md': markdownSummary(view),
  }
}

const read = (dir: string) => Object.fromEntries(['results.json', 'junit.xml', 'findings.csv', 'report.html', 'summary.md'].map((f) => [f, readFileSync(join(dir, f), 'utf8')]))

describe('writeReports', () => {
  it('writes from one spool reading what each report writes from its own, and reads the spool at most twice in full', async () => {
    const base = syntheticResults(300)
    const spool = new FindingsSpool(32)
    const order = new Map<string, number>()
    const byScenario = new Map<number, Finding[]>()
    for (const f of base.findings) {
      if (!order.has(f.scenarioKey)) order.set(f.scenarioKey, order.size)
      const at = order.get(f.scenarioKey)!
      byScenario.set(at, [...(byScenario.get(at) ?? []), f])
    }
    for (const [at, fs] of byScenario) await spool.add(at, fs)
    await spool.close()
    let fullReadings = 0
    const counted: FindingSource = {
      [Symbol.iterator]: () => (fullReadings++, spool[Symbol.iterator]()),
      jsonLines: () => (fullReadings++, spool.jsonLines()),
      withStatus: (s) => spool.withStatus(s),
      policySegments: () => spool.policySegments(),
    }
    const dir = mkdtempSync(join(scratch, 'spool-'))
    await writeReports(dir, { ...base, findings: counted })
    expect(fullReadings).toBe(2)
    const inSpoolOrder = [...spool]
    expect(inSpoolOrder).toHaveLength(byScenario.size * 300)
    expect(read(dir)).toEqual(expected({ ...base, findings: inSpoolOrder }))
    spool.remove()
  }, 60_000)

  it('writes the same from an array of findings', async () => {
    const base = syntheticResults(40)
    const findings = [...base.findings]
    const dir = mkdtempSync(join(scratch, 'array-'))
    await writeReports(dir, { ...base, findings })
    expect(read(dir)).toEqual(expected({ ...base, findings }))
  })

  it('written side by side, no reader falls far behind: what waits for it stays within one chunk of the fastest', async () => {
    const findings = [...syntheticResults(200).findings]
    const views = teeFindings(findings, 3)
    let most = 0
    // readers that take 10, 100 and 400 findings per chunk
    function* reader(i: number, per: number): Generator<string> {
      let n = 0
      for (const f of views[i]!) {
        most = Math.max(most, ...views.map((v) => v.waiting()))
        if (++n % per === 0) yield `${f.id}\n`
      }
      yield 'end\n'
    }
    const dir = mkdtempSync(join(scratch, 'together-'))
    await writeChunksTogether([10, 100, 400].map((per, i) => [join(dir, `${i}`), reader(i, per), () => views[i]!.waiting() > 0] as const))
    for (const [i, per] of [10, 100, 400].entries()) expect(readFileSync(join(dir, `${i}`), 'utf8').split('\n').filter(Boolean)).toHaveLength(Math.floor(findings.length / per) + 1)
    expect(findings.length).toBeGreaterThan(2000)
    expect(most).toBeLessThanOrEqual(400)
  })

  it('tee: every view sees every finding once, in order, whichever view reads first', () => {
    const findings = [...syntheticResults(5).findings]
    const seen: string[] = []
    const [a, b] = teeFindings(findings, 2, (f) => seen.push(f.id))
    const ib = b![Symbol.iterator]()
    const fromB = [ib.next().value!.id, ib.next().value!.id]
    const fromA = [...a!].map((f) => f.id)
    for (let r = ib.next(); !r.done; r = ib.next()) fromB.push(r.value.id)
    expect(fromA).toEqual(findings.map((f) => f.id))
    expect(fromB).toEqual(fromA)
    expect(seen).toEqual(fromA)
    // the text view of an array source is each finding's JSON
    expect([...teeFindings(findings.slice(0, 3), 1)[0]!.jsonLines!()]).toEqual(findings.slice(0, 3).map((f) => JSON.stringify(f)))
  })
})
