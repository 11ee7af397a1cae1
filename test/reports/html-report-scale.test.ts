// report.html at fleet scale: a synthetic TLS run of 1,000 endpoints (11,000 findings, ~90 % passed)
// must make a page of at most 10 MB that headless Chromium opens offline with the summary, the control
// matrix and every finding that needs attention in it, the passing findings grouped per check with
// counts and each one reachable a page at a time; at 10,000 endpoints (110,000 findings) the page must
// still open and show its summary. The findings are a stream made anew on each reading, as a spooled
// results file is: the report may read it at most twice and must not keep the passing findings.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { inflateSync } from 'node:zlib'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, CHROMIUM_ARGS, HOSTILE_FAILING_ENDPOINT, HOSTILE_PASSING_ENDPOINT, renderToFile, syntheticEndpoint, syntheticResults } from '../../bench/report-open.ts'
import { htmlReport, htmlReportChunks, type ResultsView } from '../../reports/html-report.ts'
import type { Finding } from '../../reports/model.ts'
import { sha256 } from '../../core/hash.ts'

const anchorOf = (id: string) => `f-${sha256(id).slice(0, 16)}`
const isPassing = (f: Finding) => f.status === 'passed' || f.status === 'not-applicable'

/** The view with its findings wrapped to count how many times they are read. */
function counting(view: ResultsView): { view: ResultsView; readings: () => number } {
  let readings = 0
  const inner = view.findings
  return { view: { ...view, findings: { [Symbol.iterator]: () => (readings++, inner[Symbol.iterator]()) } }, readings: () => readings }
}

const scratch = mkdtempSync(join(tmpdir(), 'vigil-report-scale-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('report.html at 1,000 endpoints', () => {
  const base = syntheticResults(1000)
  const { view, readings } = counting(base)
  let html: string
  let file: string
  /** what the page must show, from the findings themselves */
  const attention: { id: string; anchor: string; status: string; target: string; summary: string }[] = []
  const passingByCheck = new Map<string, Finding[]>()

  beforeAll(() => {
    html = htmlReport(view)
    file = join(scratch, 'report-1000.html')
    writeFileSync(file, html)
    for (const f of base.findings) {
      if (!isPassing(f)) attention.push({ id: f.id, anchor: anchorOf(f.id), status: f.status, target: f.target, summary: f.summary })
      else if (f.checkId === 'tls.protocols' || f.target === syntheticEndpoint(HOSTILE_PASSING_ENDPOINT).name) passingByCheck.set(f.checkId, [...(passingByCheck.get(f.checkId) ?? []), f])
    }
  }, 60_000)

  it('is at most 10 MB, read from the findings at most twice', () => {
    const t = base.totals
    expect(t.passed / (t.passed + t.failed + t.error + t.waived + t['not-applicable'])).toBeGreaterThan(0.88)
    expect(attention.length).toBe(t.failed + t.error + t.waived + t.skipped)
    expect(readings()).toBeLessThanOrEqual(2)
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(10_000_000)
    // the streamed chunks are the page
    expect([...htmlReportChunks(base)].join('')).toBe(html)
  })

  it('writes a card for every finding needing attention, and none for a passing one, whose data is only in the data blocks', () => {
    const cards = [...html.matchAll(/<article class="finding ([a-z-]+)" id="(f-[0-9a-f]{16})"/g)].map((m) => ({ status: m[1], anchor: m[2] }))
    expect(cards.map((c) => c.anchor).sort()).toEqual(attention.map((a) => a.anchor).sort())
    expect(cards.every((c) => ['failed', 'error', 'waived', 'skipped'].includes(c.status!))).toBe(true)
    // evidence is described by hash, never embedded: schema 3 items carry no content
    const card = html.slice(html.indexOf(`id="${attention.find((a) => a.status === 'failed')!.anchor}"`))
    expect(card.slice(0, card.indexOf('</article>'))).toMatch(/<code>application\/(x-pem-file|json)<\/code> · [\d.]+ (bytes|KiB) · SHA-256 <code class="hash">[0-9a-f]{64}<\/code>.*evidence\.jsonl/s)
    expect(html).not.toContain('BEGIN CERTIFICATE')
    // one executable script, pinned by hash; every other <script> is an inert JSON data block
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1])
    expect(scripts.filter((a) => a === '')).toHaveLength(1)
    expect(scripts.filter((a) => a !== '').every((a) => /^ type="application\/json" class="vigil-passing" data-group="passing-[a-z.-]+"$/.test(a!))).toBe(true)
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; script-src &#39;sha256-[A-Za-z0-9+/=]+&#39;/)
    // (attribute values blanked first: an escaped certificate subject in a title may read ` src=`)
    const tags = html.replace(/="[^"]*"/g, '=""')
    expect(/<[a-z][^<>]*\ssrc=/i.exec(tags)?.[0]).toBeUndefined()
    // hostile certificate subjects stay text, in the cards and in the data blocks (no `<` at all in JSON)
    expect(/<img|<\/script><script>window/.exec(html)?.[0]).toBeUndefined()
    for (const m of html.matchAll(/<script type="application\/json"[^>]*>([^<]*)<\/script>/g)) expect(() => JSON.parse(m[1]!)).not.toThrow()
  })

  it('keeps no passing finding in memory while it writes', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const refs: WeakRef<Finding>[] = []
    const watched: ResultsView = {
      ...base,
      findings: {
        *[Symbol.iterator]() {
          for (const f of base.findings) {
            if (f.status === 'passed') refs.push(new WeakRef(f))
            yield f
          }
        },
      },
    }
    const passed = base.totals.passed
    const chunks = htmlReportChunks(watched)
    let alive: number | undefined
    for (let r = chunks.next(); !r.done; r = chunks.next()) {
      // halfway through the second reading: a report that kept them would hold thousands by now
      if (alive === undefined && refs.length > passed * 1.5) {
        await new Promise((resolve) => setImmediate(resolve))
        gc()
        alive = refs.filter((ref) => ref.deref() !== undefined).length
      }
    }
    expect(alive).toBeDefined()
    expect(alive).toBeLessThanOrEqual(5)
  })

  describe('in headless Chromium, offline', () => {
    let browser: Browser
    let page: Page
    const errors: string[] = []
    const requests: string[] = []
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())))
      page.on('pageerror', (e) => void errors.push(e.message))
      await page.route('**/*', (route) => {
        requests.push(route.request().url())
        return route.request().url().startsWith('file:') ? route.continue() : route.abort()
      })
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 60_000 })
    }, 90_000)
    afterAll(async () => browser?.close())

    it('shows the summary first, then the control matrix, with nothing fetched and no script error', async () => {
      expect(requests).toEqual([pathToFileURL(file).href])
      expect(errors).toEqual([])
      expect(await page.locator('#summary h2').innerText()).toBe('Summary')
      expect(await page.locator('#summary .banner').innerText()).toBe(`Failed — ${base.totals.failed} finding(s) show a requirement that is not met.`)
      expect(await page.locator('#summary .banner').isVisible()).toBe(true)
      expect(await page.locator('.tile.passed .n').innerText()).toBe(String(base.totals.passed))
      const y = async (sel: string) => (await page.locator(sel).boundingBox())!.y
      const [summary, controls, exceptions, findings, passing] = await Promise.all(['#summary', '#controls', '#exceptions', '#findings', '#passing'].map(y))
      expect(summary! < controls! && controls! < exceptions! && exceptions! < findings! && findings! < passing!).toBe(true)
      // the matrix: each control, its checks with counts in words, failing targets linked, passing ones counted
      const row = page.locator('table.matrix tr', { hasText: 'Protection of information in transmission' }).first()
      expect(await row.locator('td.ref').innerText()).toBe('CC6.7')
      expect(await row.locator('td .chip.failed').first().innerText()).toBe('Failed')
      expect(await row.locator('.check').count()).toBe(11)
      expect(await row.locator('.check', { hasText: 'tls.protocols' }).locator('.cid .desc').innerText()).toMatch(/^\d+ failed · \d+ not checked · \d+ passed$/)
      expect(await row.locator('a.chip.passed.count').count()).toBe(11)
      expect(await page.locator('table.matrix').count()).toBe(2)
    })

    it('has every finding needing attention in the page, visible, worst first', async () => {
      // (a string: the project compiles without the DOM library)
      const shown = await page.evaluate<{ id: string; status: string; top: number; visible: boolean }[]>(`[...document.querySelectorAll('.cards > article.finding')].map((a) => ({
        id: a.id, status: a.dataset.status, top: a.getBoundingClientRect().top + window.scrollY, visible: a.checkVisibility({ visibilityProperty: true, opacityProperty: true }) && a.getBoundingClientRect().height > 0,
      }))`)
      expect(shown.map((s) => s.id).sort()).toEqual(attention.map((a) => a.anchor).sort())
      expect(shown.every((s) => s.visible)).toBe(true)
      // on screen in reading order: failed, then not checked, then waived
      const order = ['failed', 'error', 'waived', 'skipped']
      const byTop = [...shown].sort((a, b) => a.top - b.top).map((s) => order.indexOf(s.status))
      expect(byTop.every((v, i) => i === 0 || byTop[i - 1]! <= v)).toBe(true)
      // any one of them, scrolled to, reads as its finding (the hostile one: its subject stays text)
      const hostile = attention.find((a) => a.target === syntheticEndpoint(HOSTILE_FAILING_ENDPOINT).name && a.status === 'waived')!
      // (off screen, a card of a page this large is laid out when scrolled to: its text comes a frame later)
      const card = page.locator(`#${hostile.anchor}`)
      await card.scrollIntoViewIfNeeded()
      await expect.poll(() => card.innerText()).toContain(hostile.summary)
      expect(await card.innerText()).toMatch(/Waived by W-23 \(SEC-1023\), approved by Dana Reyes \(CISO\) until 2099-01-31/)
      const last = page.locator(`#${attention.at(-1)!.anchor}`)
      await last.scrollIntoViewIfNeeded()
      await expect.poll(() => last.innerText()).toContain(attention.at(-1)!.summary)
      // a matrix chip leads to its card
      await page.evaluate('window.scrollTo(0, 0)')
      const chip = page.locator('table.matrix a.chip.error').nth(40)
      const href = (await chip.getAttribute('href'))!
      await chip.click()
      expect(new URL(page.url()).hash).toBe(href)
      expect(Math.abs((await page.locator(href).boundingBox())!.y)).toBeLessThan(2)
      // the status filters work under the CSP
      await page.locator('[data-filter="failed"]').uncheck()
      expect(await page.locator('article.finding.failed').first().isVisible()).toBe(false)
      expect(await page.locator('article.finding.error').first().isVisible()).toBe(true)
      await page.locator('[data-filter="failed"]').check()
      expect(await page.locator('article.finding.failed').first().isVisible()).toBe(true)
    })

    it('groups the passing findings per check with counts, and pages through them', async () => {
      const groups = page.locator('details.group')
      expect(await groups.count()).toBe(11)
      let total = 0
      for (const text of await groups.locator('> summary .counts').allInnerTexts()) {
        const m = /^(\d+) passed(?: · (\d+) not applicable)?$/.exec(text)
        expect(m, text).not.toBeNull()
        total += Number(m![1]) + Number(m![2] ?? 0)
      }
      expect(total).toBe(base.totals.passed + base.totals['not-applicable'])
      // closed at first: no passing finding is drawn until asked for
      expect(await page.locator('article.finding.passed').count()).toBe(0)

      // the matrix's count leads to the group, which opens on its first page
      const protocols = passingByCheck.get('tls.protocols')!
      await page.locator('table.matrix a.chip.passed.count[href="#passing-tls.protocols"]').first().click()
      const group = page.locator('#passing-tls\\.protocols')
      await expect.poll(() => group.locator('article.finding.passed').count()).toBe(50)
      expect(await group.locator('.info').innerText()).toBe(`Showing 1–50 of ${protocols.length} (page 1 of ${Math.ceil(protocols.length / 50)})`)
      expect(await group.locator('article.finding').first().innerText()).toContain(`${protocols[0]!.target} ${protocols[0]!.summary}`)
      await group.locator('button[data-step="1"]').click()
      expect(await group.locator('.info').innerText()).toMatch(/^Showing 51–100 of /)
      expect(await group.locator('article.finding').first().innerText()).toContain(protocols[50]!.target)
      // and a passing finding is one click away: its evidence-free details
      const row = group.locator('article.finding').first()
      await row.locator('summary').click()
      expect(await row.innerText()).toMatch(/Required\s+refused\s+SSLv2, SSLv3, TLSv1\.0, TLSv1\.1/)
      // filtering by target
      await group.locator('input[type=search]').fill(protocols.at(-1)!.target)
      expect(await group.locator('article.finding').count()).toBe(1)
      await group.locator('input[type=search]').fill('')

      // a link straight to any passing finding opens its group at its page
      const wanted = protocols[protocols.length - 3]!
      await page.evaluate(`location.hash = '#${anchorOf(wanted.id)}'`)
      const drawn = page.locator(`#${anchorOf(wanted.id)}`)
      await expect.poll(() => drawn.isVisible()).toBe(true)
      expect(await drawn.innerText()).toContain(wanted.summary)
      expect(await group.locator('.info').innerText()).toMatch(new RegExp(`of ${protocols.length} \\(page ${Math.ceil(protocols.length / 50)} of`))
    })

    it('draws hostile text in passing rows as text', async () => {
      const hostile = passingByCheck.get('tls.cert.expiry')!.find((f) => f.target === syntheticEndpoint(HOSTILE_PASSING_ENDPOINT).name)!
      expect(hostile.summary).toContain('<img src=x')
      await page.evaluate(`location.hash = '#${anchorOf(hostile.id)}'`)
      const drawn = page.locator(`#${anchorOf(hostile.id)}`)
      await expect.poll(() => drawn.isVisible()).toBe(true)
      expect(await drawn.innerText()).toContain(hostile.summary)
      expect(await page.evaluate('[window.pwned, document.images.length, document.querySelectorAll("script:not([type])").length]')).toEqual([undefined, 0, 1])
      expect(errors).toEqual([])
    })
  })
})

/** The pixels of an 8-bit RGB(A), non-interlaced PNG (what Chromium writes). */
function decodePng(png: Buffer): { width: number; height: number; channels: number; pixels: Buffer } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  let width = 0, height = 0, channels = 0
  const idat: Buffer[] = []
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at)
    const type = png.toString('latin1', at + 4, at + 8)
    const data = png.subarray(at + 8, at + 8 + len)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      expect([data[8], data[12]]).toEqual([8, 0]) // bit depth 8, no interlace
      channels = ({ 2: 3, 6: 4 } as Record<number, number>)[data[9]!]!
    }
    if (type === 'IDAT') idat.push(data)
    at += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const pixels = Buffer.alloc(height * stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0
      const p = a + b - c
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c
      pixels[y * stride + x] = (v + [0, a, b, (a + b) >> 1, paeth][filter]!) & 0xff
    }
  }
  return { width, height, channels, pixels }
}

describe('report.html at 10,000 endpoints', () => {
  it('still opens: a screenshot shows the summary, and the DOM holds the matrix and every finding needing attention', () => {
    const { view, readings } = counting(syntheticResults(10_000))
    const t = view.totals
    const file = join(scratch, 'report-10000.html')
    const rendered = renderToFile(view, file)
    expect(readings()).toBeLessThanOrEqual(2)
    expect(Object.values(t).reduce((a, b) => a + b, 0)).toBe(110_000)
    const url = pathToFileURL(file).href

    const shot = join(scratch, 'report-10000.png')
    const s = spawnSync(CHROMIUM, ['--headless', ...CHROMIUM_ARGS, '--hide-scrollbars', '--window-size=1280,1600', `--screenshot=${shot}`, url], { encoding: 'utf8', timeout: 150_000 })
    expect(s.status, s.stderr).toBe(0)
    const png = readFileSync(shot)
    expect(png.length).toBeGreaterThan(50_000)
    const { width, height, channels, pixels } = decodePng(png)
    expect([width, height]).toEqual([1280, 1600])
    // the red "Failed" banner and tiles of the summary are painted: the fail background (#fef3f2) covers a
    // band of the page, the fail colour (#b42318) is in it, and the page is text, not a blank canvas
    const count = (r: number, g: number, b: number) => {
      let n = 0
      for (let i = 0; i < pixels.length; i += channels) if (Math.abs(pixels[i]! - r) + Math.abs(pixels[i + 1]! - g) + Math.abs(pixels[i + 2]! - b) <= 6) n++
      return n
    }
    expect(count(0xfe, 0xf3, 0xf2)).toBeGreaterThan(width * 40)
    expect(count(0xb4, 0x23, 0x18)).toBeGreaterThan(500)
    const colours = new Set<number>()
    for (let i = 0; i < pixels.length; i += channels * 7) colours.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!)
    expect(colours.size).toBeGreaterThan(100)

    const dump = spawnSync(CHROMIUM, ['--headless', ...CHROMIUM_ARGS, '--dump-dom', url], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 150_000 })
    expect(dump.status, dump.stderr).toBe(0)
    const dom = dump.stdout
    expect(dom).toContain('<h2 class="summary-head">Summary</h2>')
    expect(dom).toContain(`<strong>Failed</strong> — ${t.failed} finding(s) show a requirement that is not met.`)
    expect(dom).toContain('<section id="controls"><h2>Control matrix</h2>')
    expect(dom.match(/<table class="matrix">/g)).toHaveLength(2)
    const cards = dom.match(/<article class="finding (failed|error|waived|skipped)" id="f-[0-9a-f]{16}"/g) ?? []
    expect(cards).toHaveLength(t.failed + t.error + t.waived + t.skipped)
    expect(dom.match(/<details class="group" id="passing-[a-z.-]+">/g)).toHaveLength(11)
    process.stdout.write(`report.html at 10,000 endpoints: ${(rendered.bytes / 1e6).toFixed(1)} MB, ${cards.length} cards\n`)
  }, 300_000)
})
