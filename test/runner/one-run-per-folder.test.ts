// One run per evidence folder, and an interruption that keeps what was collected. Real peers: a
// hardened node:tls server that answers at once, and silent servers (open port, never a byte) that
// keep probes in flight while the test sends the signal to a real `vigil run` process.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { parse } from 'csv-parse/sync'
import { ResultsSchema, type Results } from '../../reports/model.ts'
import { generateLabPki } from '../../lab/tls/certificates.ts'
import { startNodeTlsServer, startSilentServer, type RunningServer } from '../../lab/tls/servers.ts'
import { hardened } from '../../lab/tls/lab-fleet.ts'
import { createEvidenceSigner, type EvidenceSigner } from '../../lab/evidence-signer.ts'
import { runVigil, runVigilAndSignal, STACK_TRACE } from '../run-vigil.ts'
import { MANIFEST_FILE, MANIFEST_SIGNATURE, SUMS_FILE, SUMS_SIGNATURE, type Manifest } from '../../reports/evidence-bundle.ts'
import { loadSigner, signDetached } from '../../reports/cms-signature.ts'
import { sha256 } from '../../core/hash.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-folder-'))
const servers: RunningServer[] = []
let signing: EvidenceSigner
const signArgs = () => ['--signing-key', signing.signerKey, '--signing-cert', signing.signerCert]
const env = () => ({ VIGIL_SIGNING_PASSPHRASE: signing.passphrase })
const vigil = (args: string[]) => runVigil(args, { cwd: dir, env: env(), timeoutMs: 90_000 })
const PROTOCOLS = ['--tags', '@check:tls.protocols or @check:tls.ciphers.weak']

beforeAll(async () => {
  const pki = await generateLabPki(join(dir, 'pki'))
  const good = await startNodeTlsServer(hardened(pki, 'good'))
  const silent = await Promise.all([startSilentServer(), startSilentServer(), startSilentServer()])
  servers.push(good, ...silent)
  signing = await createEvidenceSigner(join(dir, 'signing'))
  const tls = [
    { name: 'good', host: 'localhost', address: '127.0.0.1', port: good.port },
    ...silent.map((s, i) => ({ name: `silent-${i}`, host: 'localhost', address: '127.0.0.1', port: s.port })),
  ]
  // a long operation timeout: the silent targets are still in flight when the signal arrives
  writeFileSync(join(dir, 'slow.yaml'), stringify({ settings: { timeoutMs: 20_000 }, targets: { tls } }))
  writeFileSync(join(dir, 'fast.yaml'), stringify({ settings: { timeoutMs: 2000 }, targets: { tls: tls.slice(0, 1) } }))
}, 120_000)

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
})

const runAndSignal = (args: string[], signal: NodeJS.Signals, opts: { afterMs: number; again?: boolean }) => runVigilAndSignal(args, { cwd: dir, env: env(), signal, ...opts })

const readResults = (out: string): Results => ResultsSchema.parse(JSON.parse(readFileSync(join(dir, out, 'results.json'), 'utf8')))

describe('interruption keeps what was collected', () => {
  it('SIGINT during observation: judged what was observed, every report written marked incomplete, exit 130', async () => {
    // the folder holds a complete earlier run: after the interrupted one, nothing of it may remain
    const before = await vigil(['run', '--config', 'fast.yaml', '--out', 'int', ...PROTOCOLS])
    expect(before.code).toBe(0)
    const earlier = readResults('int').run.id

    const r = await runAndSignal(['run', '--config', 'slow.yaml', '--out', 'int', ...PROTOCOLS], 'SIGINT', { afterMs: 1500 })
    expect(r.code).toBe(130)
    expect(r.stderr).toContain('SIGINT: starting no new probes')
    expect(r.stderr).not.toMatch(STACK_TRACE)
    // the grace period is seconds, not the 20 s operation timeout
    expect(r.elapsedMs).toBeLessThan(15_000)

    const results = readResults('int')
    expect(results.run.id).not.toBe(earlier)
    expect(results.run.incomplete).toBe(true)
    expect(results.run.interruption?.reason).toBe('interrupted by SIGINT')
    expect(results.run.interruption?.unobserved.sort()).toEqual(['silent-0', 'silent-1', 'silent-2'])
    // observed before the signal: judged as usual
    const good = results.findings.filter((f) => f.target === 'good')
    expect(good.map((f) => f.status)).toEqual(['passed', 'passed'])
    // not observed: error, interrupted — never passed, never missing
    const cut = results.findings.filter((f) => f.target.startsWith('silent-'))
    expect(cut).toHaveLength(6)
    for (const f of cut) expect([f.status, f.errorKind]).toEqual(['error', 'interrupted'])

    // every report says so, first
    const out = join(dir, 'int')
    expect(readFileSync(join(out, 'summary.md'), 'utf8').split('\n')[0]).toContain('incomplete run')
    const html = readFileSync(join(out, 'report.html'), 'utf8')
    expect(html.indexOf('Incomplete run')).toBeGreaterThan(0)
    expect(html.indexOf('Incomplete run')).toBeLessThan(html.indexOf('class="tiles"'))
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<testsuites name="vigil (INCOMPLETE RUN')
    const csv = parse(readFileSync(join(out, 'findings.csv'), 'utf8'), { bom: true, columns: true }) as Record<string, string>[]
    expect(csv.length).toBe(results.findings.length)
    expect(csv.every((row) => row.run_incomplete === 'true')).toBe(true)
    // one run in the folder: its own observations and run record, no in-progress mark
    expect(JSON.parse(readFileSync(join(out, 'observations.json'), 'utf8')).runId).toBe(results.run.id)
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).run.id).toBe(results.run.id)
    expect(existsSync(join(out, 'RUN-IN-PROGRESS.json'))).toBe(false)

    // vigil bundle refuses it without the flag, and says why
    const refused = await vigil(['bundle', 'int', ...signArgs(), '--output', 'int.tar.gz'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/not sealed: run .* is incomplete: interrupted by SIGINT .* 3 target\(s\) not observed/)
    expect(existsSync(join(dir, 'int.tar.gz'))).toBe(false)
    // with it, the bundle is made, and says it is incomplete
    const sealed = await vigil(['bundle', 'int', ...signArgs(), '--output', 'int.tar.gz', '--allow-incomplete'])
    expect(sealed.code).toBe(0)
    expect(sealed.stdout).toContain('INCOMPLETE run, sealed on request')
    const verified = await vigil(['verify', 'int.tar.gz', '--ca', signing.caCert])
    expect(verified.code).toBe(0)
    expect(verified.stdout).toContain('WARN    the bundle is of an INCOMPLETE run')
  }, 120_000)

  it('SIGTERM is exit 143; `run --bundle` writes no bundle for an interrupted run', async () => {
    const r = await runAndSignal(['run', '--config', 'slow.yaml', '--out', 'term', ...PROTOCOLS, '--bundle', 'term.tar.gz', ...signArgs()], 'SIGTERM', { afterMs: 1500 })
    expect(r.code).toBe(143)
    expect(r.stderr).toContain('no bundle written: the run is incomplete')
    expect(existsSync(join(dir, 'term.tar.gz'))).toBe(false)
    expect(readResults('term').run.incomplete).toBe(true)
  }, 60_000)

  it('a second signal exits at once, and the folder stays marked in progress: bundle refuses it', async () => {
    const r = await runAndSignal(['run', '--config', 'slow.yaml', '--out', 'twice', ...PROTOCOLS], 'SIGINT', { afterMs: 300, again: true })
    expect(r.code).toBe(130)
    expect(r.stderr).toContain('SIGINT again: exiting at once')
    expect(existsSync(join(dir, 'twice', 'RUN-IN-PROGRESS.json'))).toBe(true)
    const refused = await vigil(['bundle', 'twice', ...signArgs()])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/twice is marked as in progress by run [0-9a-f-]+ \(process \d+/)
  }, 60_000)
})

describe('one run per folder', () => {
  it("a run removes every file of an earlier run it does not rewrite, and leaves other files alone", async () => {
    expect((await vigil(['run', '--config', 'fast.yaml', '--out', 'reuse', ...PROTOCOLS])).code).toBe(0)
    // the earlier run was with waivers: its waivers copy must not survive into the next run's folder
    writeFileSync(join(dir, 'waivers.yaml'), 'waivers: []\n')
    expect((await vigil(['run', '--config', 'fast.yaml', '--out', 'reuse', ...PROTOCOLS, '--waivers', 'waivers.yaml'])).code).toBe(0)
    expect(existsSync(join(dir, 'reuse', 'inputs', 'waivers.yaml'))).toBe(true)
    writeFileSync(join(dir, 'reuse', 'notes-of-the-team.txt'), 'ours\n')
    expect((await vigil(['run', '--config', 'fast.yaml', '--out', 'reuse', ...PROTOCOLS])).code).toBe(0)
    expect(existsSync(join(dir, 'reuse', 'inputs', 'waivers.yaml'))).toBe(false)
    expect(readFileSync(join(dir, 'reuse', 'notes-of-the-team.txt'), 'utf8')).toBe('ours\n')
    const record = JSON.parse(readFileSync(join(dir, 'reuse', 'run.json'), 'utf8')) as { files: string[]; sha256: Record<string, string> }
    expect(Object.keys(record.sha256).sort()).toEqual([...record.files].sort())
  }, 60_000)

  it('a run whose policy has an undefined step (found once probing has begun) exits 2 and leaves the earlier run as it was', async () => {
    expect((await vigil(['run', '--config', 'fast.yaml', '--out', 'kept', ...PROTOCOLS])).code).toBe(0)
    const before = Object.fromEntries(readdirSync(join(dir, 'kept')).filter((f) => f.includes('.')).map((f) => [f, readFileSync(join(dir, 'kept', f), 'utf8')]))
    writeFileSync(
      join(dir, 'typo.feature'),
      'Feature: typo\n  @check:tls.protocols @id:typo\n  Scenario: a phrase nobody defined\n    Given every TLS endpoint\n    Then no TLS endpoint offers anything we dislike\n',
    )
    const r = await vigil(['run', '--config', 'fast.yaml', '--out', 'kept', '--features', 'typo.feature'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).not.toMatch(STACK_TRACE)
    expect(r.stderr).toMatch(/typo\.feature:\d+: scenario "a phrase nobody defined": no step definition matches the step "no TLS endpoint offers anything we dislike"/)
    const after = Object.fromEntries(readdirSync(join(dir, 'kept')).filter((f) => f.includes('.')).map((f) => [f, readFileSync(join(dir, 'kept', f), 'utf8')]))
    expect(after).toEqual(before)
  }, 60_000)

  it('vigil bundle refuses a folder whose files are not all of one run, naming each', async () => {
    expect((await vigil(['run', '--config', 'fast.yaml', '--out', 'mix-a', ...PROTOCOLS])).code).toBe(0)
    expect((await vigil(['run', '--config', 'fast.yaml', '--out', 'mix-b', ...PROTOCOLS])).code).toBe(0)
    // the defect: another run's results and report beside this run's inputs and run record
    for (const f of ['results.json', 'report.html']) writeFileSync(join(dir, 'mix-a', f), readFileSync(join(dir, 'mix-b', f)))
    const r = await vigil(['bundle', 'mix-a', ...signArgs()])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('not sealed, the folder is not one finished run')
    expect(r.stderr).toMatch(/results\.json: not the file run [0-9a-f-]+ wrote/)
    expect(r.stderr).toMatch(/report\.html: not the file run [0-9a-f-]+ wrote/)
    expect(r.stderr).toMatch(/results\.json: belongs to run [0-9a-f-]+, not to run [0-9a-f-]+ of run\.json/)
    expect(readdirSync(dir).some((f) => f.startsWith('vigil-evidence-'))).toBe(false)
  }, 60_000)

  it('vigil verify refuses a validly signed bundle whose files are of two runs', async () => {
    expect((await vigil(['run', '--config', 'fast.yaml', '--out', 'sig-a', ...PROTOCOLS])).code).toBe(0)
    expect((await vigil(['run', '--config', 'fast.yaml', '--out', 'sig-b', ...PROTOCOLS])).code).toBe(0)
    expect((await vigil(['bundle', 'sig-a', ...signArgs(), '--output', 'sig-a.tar.gz'])).code).toBe(0)
    // a signer who seals a mixed folder (an older Vigil, a hand-made bundle): every signature is valid
    const a = join(dir, 'sig-a')
    writeFileSync(join(a, 'results.json'), readFileSync(join(dir, 'sig-b', 'results.json')))
    process.env.VIGIL_TEST_SIGNING_PASSPHRASE = signing.passphrase
    const signer = loadSigner({ keyFile: signing.signerKey, certFile: signing.signerCert, passphraseEnv: 'VIGIL_TEST_SIGNING_PASSPHRASE' })
    const manifest = JSON.parse(readFileSync(join(a, MANIFEST_FILE), 'utf8')) as Manifest
    for (const f of manifest.files) {
      const body = readFileSync(join(a, f.path))
      Object.assign(f, { bytes: body.length, sha256: sha256(body) })
    }
    const mBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n')
    const mSig = signDetached(mBytes, signer)
    writeFileSync(join(a, MANIFEST_FILE), mBytes)
    writeFileSync(join(a, MANIFEST_SIGNATURE), mSig)
    const sums = [...manifest.files, { path: MANIFEST_FILE, sha256: sha256(mBytes) }, { path: MANIFEST_SIGNATURE, sha256: sha256(mSig) }]
      .sort((x, y) => (x.path < y.path ? -1 : 1))
      .map((f) => `${f.sha256}  ${f.path}\n`)
      .join('')
    writeFileSync(join(a, SUMS_FILE), sums)
    writeFileSync(join(a, SUMS_SIGNATURE), signDetached(Buffer.from(sums), signer))
    const r = await vigil(['verify', 'sig-a', '--ca', signing.caCert])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FAIL {4}results\.json: belongs to run [0-9a-f-]+, not to run [0-9a-f-]+ of the manifest/)
    expect(r.stdout).toMatch(/FAIL {4}results\.json: not the file run [0-9a-f-]+ wrote/)
    const recheck = await vigil(['recheck', 'sig-a', '--ca', signing.caCert])
    expect(recheck.code).toBe(1)
    expect(recheck.stderr).toContain('not rechecked')
  }, 60_000)
})
