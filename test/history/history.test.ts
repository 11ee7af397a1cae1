// The run history against real runs of the lab's TLS servers, nights played with libfaketime: what
// broke, what was fixed and when, the morning message, and the history rebuilt from the bundles.
import { execFile, execFileSync } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { startTlsSection, type LabSection } from '../../lab/run-lab.ts'
import { createEvidenceSigner, type EvidenceSigner } from '../../lab/evidence-signer.ts'
import { HistoryStore } from '../../history/store.ts'
import { runVigil, VIGIL_BIN } from '../run-vigil.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-history-'))
let lab: LabSection & { caFile: string }
let port: Record<string, number>
let signing: EvidenceSigner
const db = join(dir, 'history.db')
const TAGS = ['--tags', '@check:tls.forward-secrecy or @check:tls.protocols']

/** One night: the inventory as it is that night, a run under a clock moved by `days`, a signed bundle. */
function night(days: number, web: string): Promise<{ code: number; stderr: string }> {
  writeFileSync(join(dir, 'vigil.yaml'), stringify({ settings: { timeoutMs: 2000 }, schedule: { name: 'nightly', start: '02:00' }, targets: { tls: [{ name: 'web', host: 'localhost', address: '127.0.0.1', port: port[web] }, { name: 'legacy', host: 'localhost', address: '127.0.0.1', port: port['web-legacy-tls10'] }] } }))
  const args = ['-f', `+${days}d`, process.execPath, VIGIL_BIN, 'run', '--out', join(dir, `night-${days}`), '--history', db, '--bundle', join(dir, 'bundles', `night-${days}.tar.gz`), '--signing-key', signing.signerKey, '--signing-cert', signing.signerCert, ...TAGS, '-q']
  return new Promise((resolve) =>
    execFile('faketime', args, { cwd: dir, env: { ...process.env, VIGIL_SIGNING_PASSPHRASE: signing.passphrase }, timeout: 120_000 }, (err, _o, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stderr }),
    ),
  )
}

beforeAll(async () => {
  lab = await startTlsSection(join(dir, 'lab'))
  port = Object.fromEntries((lab.targets.tls as { name: string; port: number }[]).map((t) => [t.name, t.port]))
  signing = await createEvidenceSigner(join(dir, 'signing'))
  execFileSync('mkdir', ['-p', join(dir, 'bundles')])
  // nights played forward (the lab's certificates and the signer are fresh): night 1 good, night 2 broken (a static-RSA suite), night 3 still broken, night 4 fixed, night 5 broken again
  for (const [d, web] of [[0, 'web-good'], [1, 'web-mixed-fs'], [2, 'web-mixed-fs'], [3, 'web-good'], [4, 'web-mixed-fs']] as const) {
    const r = await night(d, web)
    expect([0, 1], r.stderr).toContain(r.code)
  }
}, 300_000)

afterAll(async () => lab?.stop())

describe('run history', () => {
  it('records every scheduled run once, with first seen and new/unchanged against the previous night', () => {
    const store = HistoryStore.open(db)
    try {
      const runs = store.runs({ schedule: 'nightly' })
      expect(runs).toHaveLength(5)
      expect(runs.every((r) => r.bundleSha256?.length === 64 && r.branch !== undefined)).toBe(true)
      const [n1, n2, n3] = runs.map((r) => store.findings(r.id))
      const fs = (n: typeof n1) => n!.find((f) => f.checkId === 'tls.forward-secrecy' && f.target === 'web')!
      expect([fs(n1).status, fs(n1).change]).toEqual(['passed', 'new'])
      expect([fs(n2).status, fs(n2).change, fs(n2).offenders.map((o) => [o.id, o.change])]).toEqual(['failed', 'changed', [['TLSv1.2/TLS_RSA_WITH_AES_128_GCM_SHA256', 'new']]])
      expect(fs(n3).offenders.map((o) => [o.change, o.firstSeen])).toEqual([['unchanged', fs(n2).offenders[0]!.firstSeen]])
      // old debt from the first night on
      const legacy = n3!.find((f) => f.checkId === 'tls.protocols' && f.target === 'legacy')!
      expect(legacy.change).toBe('unchanged')
      expect(legacy.firstSeen).toBe(n1!.find((f) => f.checkId === 'tls.protocols' && f.target === 'legacy')!.firstSeen)
    } finally {
      store.close()
    }
  })

  it('vigil history: when it started failing, when fixed, time to fix, flapping', async () => {
    const r = await runVigil(['history', '--history', db, '--schedule', 'nightly', '--check', 'tls.forward-secrecy', '--target', 'web', '--json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const t = JSON.parse(r.stdout) as { rows: { offender: string; intervals: { from: string; fixedAt?: string; hoursToFix?: number }[]; flaps: number; failingNow: boolean }[] }
    expect(t.rows).toHaveLength(1)
    const row = t.rows[0]!
    expect(row.offender).toBe('TLSv1.2/TLS_RSA_WITH_AES_128_GCM_SHA256')
    expect(row.intervals).toHaveLength(2)
    expect(row.intervals[0]!.hoursToFix).toBeGreaterThan(47)
    expect(row.intervals[0]!.hoursToFix).toBeLessThan(49)
    expect(row.intervals[1]!.fixedAt).toBeUndefined()
    expect([row.flaps, row.failingNow]).toEqual([1, true])
  })

  it('vigil diff: the last two nights by default — what broke since yesterday, in Markdown and JSON', async () => {
    const md = await runVigil(['diff', '--history', db, '--schedule', 'nightly', '--format', 'markdown'], { cwd: dir })
    expect(md.code, md.stderr).toBe(0)
    expect(md.stdout).toContain('## Vigil nightly: 1 new, 0 fixed')
    expect(md.stdout).toContain('`tls.forward-secrecy` on **web**: TLSv1.2/TLS_RSA_WITH_AES_128_GCM_SHA256')
    const store = HistoryStore.open(db)
    const runs = store.runs({ schedule: 'nightly' })
    store.close()
    const json = await runVigil(['diff', runs[2]!.id.slice(0, 8), runs[3]!.id, '--history', db, '--format', 'json'], { cwd: dir })
    const d = JSON.parse(json.stdout) as { counts: Record<string, number>; rows: { class: string; target: string; offender?: { id: string } }[] }
    expect(d.counts.fixed).toBe(1)
    expect(d.rows.filter((x) => x.class === 'fixed').map((x) => [x.target, x.offender?.id])).toEqual([['web', 'TLSv1.2/TLS_RSA_WITH_AES_128_GCM_SHA256']])
  })

  it('--notify posts the morning message as Slack-compatible JSON, with nothing secret in it', async () => {
    const received: string[] = []
    const server: Server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        received.push(`${req.headers['content-type']}\n${body}`)
        res.end('ok')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/T000/SECRET-TOKEN`
    try {
      const r = await runVigil(['diff', '--history', db, '--schedule', 'nightly', '--notify', url], { cwd: dir })
      expect(r.code, r.stderr).toBe(0)
      expect(received).toHaveLength(1)
      const [type, body] = received[0]!.split('\n')
      expect(type).toContain('application/json')
      const payload = JSON.parse(body!) as { text: string; blocks: { type: string }[] }
      // legacy's TLS 1.0 (two offenders) and its static-RSA suite are old debt
      expect(payload.text).toBe('Vigil nightly: 1 new, 0 fixed, 3 still failing')
      expect(payload.blocks[0]!.type).toBe('header')
      for (const secret of [signing.passphrase, 'SECRET-TOKEN']) expect(body).not.toContain(secret)
      expect(r.stdout + r.stderr).not.toContain('SECRET-TOKEN')
    } finally {
      server.close()
    }
  })

  it('the history rebuilds from the bundles; a tampered bundle is refused by name', async () => {
    const rebuilt = join(dir, 'rebuilt.db')
    const bundles = join(dir, 'bundles')
    // one byte of one bundle's results changed, repacked: its signatures no longer match
    const bad = join(dir, 'tampered')
    execFileSync('mkdir', ['-p', bad])
    execFileSync('tar', ['-xzf', join(bundles, 'night-2.tar.gz'), '-C', bad])
    const top = readdirSync(bad)[0]!
    execFileSync('sed', ['-i', 's/"failed"/"passed"/', join(bad, top, 'results.json')])
    execFileSync('tar', ['-czf', join(bundles, 'zz-tampered.tar.gz'), '-C', bad, top])
    const r = await runVigil(['history', 'import', bundles, '--history', rebuilt, '--ca', signing.caCert], { cwd: dir, timeoutMs: 120_000 })
    rmSync(join(bundles, 'zz-tampered.tar.gz'))
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^REFUSED .*zz-tampered\.tar\.gz: results\.json: changed since it was signed/m)
    expect(r.stdout).toContain('5 run(s) recorded')
    const a = HistoryStore.open(db)
    const b = HistoryStore.open(rebuilt)
    try {
      const strip = (s: HistoryStore) => s.runs({ schedule: 'nightly' }).map((run) => ({ id: run.id, bundle: run.bundleSha256, findings: s.findings(run.id).map(({ runId: _r, ...f }) => f) }))
      expect(strip(b)).toEqual(strip(a))
    } finally {
      a.close()
      b.close()
    }
  }, 120_000)

  it('concurrent writers are safe: three runs recorded at once into one database', async () => {
    const shared = join(dir, 'concurrent.db')
    const runs = await Promise.all(
      [1, 2, 3].map((i) => runVigil(['run', '--out', join(dir, `concurrent-${i}`), '--history', shared, '--schedule', 'concurrent', ...TAGS, '-q'], { cwd: dir })),
    )
    for (const r of runs) expect([0, 1], r.stderr).toContain(r.code)
    const store = HistoryStore.open(shared)
    try {
      const recorded = store.runs({ schedule: 'concurrent' })
      expect(recorded).toHaveLength(3)
      for (const r of recorded) expect(store.findings(r.id).length).toBeGreaterThan(0)
    } finally {
      store.close()
    }
  }, 120_000)

  it('a new database opened by several processes at once is migrated once, without errors', async () => {
    const fresh = join(dir, 'fresh.db')
    const opener = `const { HistoryStore } = await import(${JSON.stringify(new URL('../../history/store.ts', import.meta.url).href)}); const s = HistoryStore.open(process.argv[1]); process.stdout.write(String(s.schemaVersion())); s.close()`
    const outs = await Promise.all(
      Array.from({ length: 6 }, () => new Promise<string>((resolve) => execFile(process.execPath, ['--input-type=module', '-e', opener, fresh], (err, stdout, stderr) => resolve(err ? `error: ${stderr}` : stdout)))),
    )
    expect(outs).toEqual(Array(6).fill('2'))
  }, 60_000)
})
