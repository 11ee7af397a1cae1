// Long runs as an operator sees them: the run's budget (--max-duration ends it like an interruption),
// one JSON log line per event, the settings the command line overrides, and the per-host rate cap.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ResultsSchema } from '../../reports/model.ts'
import { generateLabPki } from '../../lab/tls/certificates.ts'
import { startNodeTlsServer, startSilentServer, type RunningServer } from '../../lab/tls/servers.ts'
import { hardened } from '../../lab/tls/lab-fleet.ts'
import { makeLimiter } from '../../runner/observe.ts'
import { runVigil, STACK_TRACE } from '../run-vigil.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-operator-'))
const servers: RunningServer[] = []
const TAGS = ['--tags', '@check:tls.protocols']

beforeAll(async () => {
  const pki = await generateLabPki(join(dir, 'pki'))
  const good = await startNodeTlsServer(hardened(pki, 'good'))
  const silent = await startSilentServer()
  servers.push(good, silent)
  const t = (name: string, port: number) => ({ name, host: 'localhost', address: '127.0.0.1', port })
  writeFileSync(join(dir, 'slow.yaml'), stringify({ settings: { timeoutMs: 30_000 }, targets: { tls: [t('good', good.port), t('silent', silent.port)] } }))
  writeFileSync(join(dir, 'fast.yaml'), stringify({ targets: { tls: [t('good', good.port)] } }))
}, 60_000)

afterAll(async () => Promise.all(servers.map((s) => s.stop())))

describe('operator flags', () => {
  it('--max-duration ends the run like an interruption: what was observed is judged, the rest is error/interrupted, reports marked incomplete', async () => {
    const started = performance.now()
    const r = await runVigil(['run', '-c', 'slow.yaml', '-o', 'budget', ...TAGS, '--max-duration', '1s'], { cwd: dir })
    const seconds = (performance.now() - started) / 1000
    expect(r.code, r.stderr).toBe(3)
    expect(seconds).toBeLessThan(15) // not the 30 s operation timeout
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'budget', 'results.json'), 'utf8')))
    expect(results.run.incomplete).toBe(true)
    expect(results.run.interruption?.reason).toBe('the run budget of 1 s was spent')
    expect(results.run.interruption?.unobserved).toEqual(['silent'])
    expect(results.findings.map((f) => [f.target, f.status, f.errorKind])).toEqual([['good', 'passed', undefined], ['silent', 'error', 'interrupted']])
    expect(results.run.settings?.maxDurationMs).toBe(1000)
  }, 60_000)

  it('--log-format json: one JSON object per event on stderr', async () => {
    const r = await runVigil(['run', '-c', 'fast.yaml', '-o', 'json-log', ...TAGS, '--log-format', 'json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string; time: string; target?: string; done?: number; total?: number; totals?: { passed: number } })
    expect(events.map((e) => e.event)).toEqual(['stage', 'stage', 'target-observed', 'stage', 'run-finished'])
    expect(events[2]).toMatchObject({ target: 'good', done: 1, total: 1 })
    expect(events[4]!.totals!.passed).toBe(1)
    for (const e of events) expect(Date.parse(e.time)).toBeGreaterThan(0)
  }, 60_000)

  it('--concurrency, --per-host, --per-host-rate and --timeout override the inventory, and are recorded; bad values are exit 2', async () => {
    const r = await runVigil(['run', '-c', 'fast.yaml', '-o', 'settings', ...TAGS, '--concurrency', '3', '--per-host', '2', '--per-host-rate', '5', '--timeout', '2s', '-q'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'settings', 'results.json'), 'utf8')))
    expect(results.run.settings).toMatchObject({ concurrency: 3, perHost: 2, perHostRate: 5, timeoutMs: 2000 })
    for (const [flag, value, message] of [['--timeout', '5x', 'a duration like'], ['--concurrency', '0', 'between 1 and 2000'], ['--timeout', '10m', 'between 100ms and 120s'], ['--log-format', 'xml', 'text or json']]) {
      const bad = await runVigil(['run', '-c', 'fast.yaml', '-o', 'bad', flag!, value!], { cwd: dir })
      expect(bad.code, `${flag} ${value}`).toBe(2)
      expect(bad.stderr).toContain(message)
      expect(bad.stderr).not.toMatch(STACK_TRACE)
    }
  }, 60_000)
})

describe('the per-host rate cap', () => {
  it('spaces new operations to one host evenly; other hosts and loopback are not held back', async () => {
    const limit = makeLimiter(50, 10, 20) // 20 per second: one every 50 ms
    const startedAt: Record<string, number[]> = {}
    const t0 = performance.now()
    const op = (host: string) => limit(host, async () => void (startedAt[host] ??= []).push(performance.now() - t0))
    await Promise.all([...Array.from({ length: 6 }, () => op('192.0.2.10')), ...Array.from({ length: 6 }, () => op('192.0.2.11')), ...Array.from({ length: 6 }, () => op('127.0.0.1'))])
    for (const host of ['192.0.2.10', '192.0.2.11']) {
      const times = startedAt[host]!
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, host).toBeGreaterThanOrEqual(45)
      expect(times[5]!).toBeGreaterThanOrEqual(240)
    }
    // the second host did not wait for the first; loopback was not spaced at all (relative to the
    // first host's own spacing, so a busy machine's timer delays do not decide the test)
    expect(startedAt['192.0.2.11']![0]!).toBeLessThan(startedAt['192.0.2.10']![1]!)
    expect(startedAt['127.0.0.1']![5]!).toBeLessThan(startedAt['192.0.2.10']![1]!)
  })
})
