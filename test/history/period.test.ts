// The period report over nights played with libfaketime against the lab: a real TLS server, a real
// timestamp authority (openssl ts -reply) answering under each night's clock — or not, for the night
// that must show as unproven — a skipped night, and a run of another schedule that must not count.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { startTlsSection, type LabSection } from '../../lab/run-lab.ts'
import { createEvidenceSigner, type EvidenceSigner } from '../../lab/evidence-signer.ts'
import { startTimestampAuthority, type TimestampAuthorityLab } from '../../lab/timestamp-authority.ts'
import { PeriodReportSchema, type PeriodReport } from '../../history/period.ts'
import { runVigil, VIGIL_BIN } from '../run-vigil.ts'
import { nightOf } from './nights.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-period-'))
const db = join(dir, 'history.db')
let lab: LabSection & { caFile: string }
let tsa: TimestampAuthorityLab
let signing: EvidenceSigner
let port: Record<string, number>

function night(d: number, server: string, opts: { schedule?: string; stampAt?: number } = {}): Promise<{ code: number; stderr: string }> {
  tsa.setFakeTime(opts.stampAt === undefined ? `+${d}d` : opts.stampAt === 0 ? undefined : `+${opts.stampAt}d`)
  writeFileSync(join(dir, 'vigil.yaml'), stringify({ settings: { timeoutMs: 2000 }, schedule: { name: 'nightly', start: '02:00', timezone: 'UTC' }, targets: { tls: [{ name: 'web', host: 'localhost', address: '127.0.0.1', port: port[server] }] } }))
  const args = ['-f', `+${d}d`, process.execPath, VIGIL_BIN, 'run', '--out', join(dir, `night-${d}`), '--history', db, '--bundle', join(dir, 'bundles', `night-${d}.tar.gz`), '--signing-key', signing.signerKey, '--signing-cert', signing.signerCert, '--tsa', tsa.url, '--tsa-ca', tsa.caCert, '--tags', '@check:tls.forward-secrecy', '-q', ...(opts.schedule ? ['--schedule', opts.schedule] : [])]
  return new Promise((resolve) =>
    execFile('faketime', args, { cwd: dir, env: { ...process.env, VIGIL_SIGNING_PASSPHRASE: signing.passphrase }, timeout: 120_000 }, (err, _o, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stderr })),
  )
}

async function report(history: string, out: string): Promise<PeriodReport> {
  const r = await runVigil(['report', '--since', nightOf(0), '--until', nightOf(7), '--history', history, '--out', out], { cwd: dir })
  expect(r.code, r.stderr).toBe(0)
  return PeriodReportSchema.parse(JSON.parse(readFileSync(join(dir, out, 'period-report.json'), 'utf8')))
}

beforeAll(async () => {
  lab = await startTlsSection(join(dir, 'lab'))
  port = Object.fromEntries((lab.targets.tls as { name: string; port: number }[]).map((t) => [t.name, t.port]))
  tsa = await startTimestampAuthority(join(dir, 'tsa'))
  signing = await createEvidenceSigner(join(dir, 'signing'))
  mkdirSync(join(dir, 'bundles'))
  const plan: [number, string, Parameters<typeof night>[2]?][] = [
    [0, 'web-good'],
    [1, 'web-mixed-fs'],
    [2, 'web-mixed-fs', { stampAt: 0 }], // the authority's clock not moved: stamped days before its night
    // night 3 skipped
    [4, 'web-good'],
    [5, 'web-good', { schedule: 'weekly' }], // another schedule: listed, never counted; night 5 is missing
    [6, 'web-good'],
  ]
  for (const [d, server, o] of plan) {
    const r = await night(d, server, o)
    expect([0, 1], r.stderr).toContain(r.code)
  }
  tsa.setFakeTime(undefined)
}, 300_000)

afterAll(async () => {
  await lab?.stop()
  await tsa?.stop()
})

describe('the period report', () => {
  let r: PeriodReport
  it('counts every night of the slot: proven, unproven, missing; excluded runs never counted', async () => {
    r = await report(db, 'period')
    expect(r.nights.map((n) => n.date)).toEqual([0, 1, 2, 3, 4, 5, 6].map(nightOf))
    expect(r.counts).toEqual({ nights: 7, proven: 4, unproven: 1, missing: 2 })
    expect(r.nights.map((n) => (n.run ? (n.proven ? 'proven' : 'unproven') : 'missing'))).toEqual(['proven', 'proven', 'unproven', 'missing', 'proven', 'missing', 'proven'])
    expect(r.excluded.map((x) => x.why)).toEqual(['another schedule weekly'])
    for (const n of r.nights.filter((x) => x.run)) expect(n.run!.bundleSha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('per control and night one status; failure intervals with time to fix', () => {
    const c = r.controls.find((x) => x.control === 'soc2:CC6.7')!
    expect([0, 1, 2, 3, 4, 5, 6].map((d) => c.nights[nightOf(d)])).toEqual(['passed', 'failed', 'failed', 'missing', 'passed', 'missing', 'passed'])
    expect(c.counts).toMatchObject({ passed: 3, failed: 2, missing: 2 })
    expect(c.intervals).toHaveLength(1)
    expect(c.intervals[0]!.hoursToFix).toBeGreaterThan(71.5)
    expect(c.intervals[0]!.hoursToFix).toBeLessThan(72.5)
  })

  it('Markdown and HTML say the same, unproven and missing nights named as such', () => {
    const md = readFileSync(join(dir, 'period', 'period-report.md'), 'utf8')
    expect(md).toContain('7 nights: 4 proven by a trusted time inside the night, 1 unproven, 2 missing.')
    expect(md).toMatch(/\| `soc2:CC6\.7` \| 3 \| 2 \| 0 \| 0 \| 0 \| 0 \| 2 \| \d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d \(7\d(\.\d)? h\) \|/)
    expect(md).toContain(`| ${nightOf(2)} |`)
    expect(md).toContain('**unproven**')
    const html = readFileSync(join(dir, 'period', 'period-report.html'), 'utf8')
    expect(html).toContain('default-src &#39;none&#39;')
    expect(html).toContain('<span class="unproven">1 unproven</span>')
  })

  it('the same report after deleting the history and importing the bundles', async () => {
    const rebuilt = join(dir, 'rebuilt.db')
    rmSync(rebuilt, { force: true })
    const imp = await runVigil(['history', 'import', join(dir, 'bundles'), '--history', rebuilt, '--ca', signing.caCert, '--tsa-ca', tsa.caCert], { cwd: dir, timeoutMs: 120_000 })
    expect(imp.code, imp.stdout + imp.stderr).toBe(0)
    const again = await report(rebuilt, 'period-rebuilt')
    expect(again).toEqual(r)
  }, 120_000)

  it('imported without the authority\'s root, no night is proven: a token anyone could mint is not trusted time', async () => {
    const untrusted = join(dir, 'untrusted.db')
    const imp = await runVigil(['history', 'import', join(dir, 'bundles'), '--history', untrusted, '--ca', signing.caCert], { cwd: dir })
    expect(imp.code, imp.stdout + imp.stderr).toBe(0)
    expect(imp.stdout).toContain('its timestamp is not recorded as trusted time')
    const again = await report(untrusted, 'period-untrusted')
    expect(again.counts).toEqual({ nights: 7, proven: 0, unproven: 5, missing: 2 })
  }, 120_000)

  it('the report sealed as a bundle like a run: signed, timestamped, verifiable, tamper-evident', async () => {
    const out = 'period-sealed'
    const r = await runVigil(['report', '--since', nightOf(0), '--until', nightOf(7), '--history', db, '--out', out, '--bundle', 'period.tar.gz',
      '--signing-key', signing.signerKey, '--signing-cert', signing.signerCert, '--tsa', tsa.url, '--tsa-ca', tsa.caCert], { cwd: dir, env: { VIGIL_SIGNING_PASSPHRASE: signing.passphrase } })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^bundle: {2}period\.tar\.gz \(5 files/m)
    const v = await runVigil(['verify', 'period.tar.gz', '--ca', signing.caCert, '--tsa-ca', tsa.caCert], { cwd: dir })
    expect(v.code, v.stdout).toBe(0)
    expect(v.stdout).toMatch(/^report: {2}period report [0-9a-f-]+: nightly, \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(UTC\), 5 of 5 files checked$/m)
    expect(v.stdout).toMatch(/^time: {4}\S+ \(RFC 3161 timestamp/m)
    // a report changed after it was written is not sealed
    writeFileSync(join(dir, out, 'period-report.md'), 'all nights passed\n')
    const forged = await runVigil(['bundle', out, '--signing-key', signing.signerKey, '--signing-cert', signing.signerCert, '--output', 'forged.tar.gz'], { cwd: dir, env: { VIGIL_SIGNING_PASSPHRASE: signing.passphrase } })
    expect(forged.code).toBe(2)
    expect(forged.stderr).toContain('period-report.md is not what the period report wrote')
  }, 60_000)
})
