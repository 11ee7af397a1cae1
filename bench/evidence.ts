// `node bench/evidence.ts` — what the evidence side of a run costs: each report writer, sealing and
// archiving the bundle, `vigil verify`, the auditor's openssl/sha256sum commands, and `vigil
// recheck` (re-deriving every verdict), on the output of a real TLS run.
//
//   node bench/evidence.ts [--endpoints 200] [--from RUN_FOLDER] [--rounds 3]
//
// Without --from it makes the run first with `bench/tls.ts --no-sslscan --keep` (K local endpoints
// in a child process, every TLS policy), so the figures are for real findings and observations.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ResultsSchema, type Results } from '../reports/model.ts'
import { htmlReport } from '../reports/html-report.ts'
import { findingsCsv } from '../reports/findings-csv.ts'
import { markdownSummary } from '../reports/markdown-summary.ts'
import { junitXml } from '../reports/junit.ts'
import { AUDITOR_COMMANDS, createBundle, verifyBundle } from '../reports/evidence-bundle.ts'
import { loadSigner, readCertificates } from '../reports/cms-signature.ts'
import { createEvidenceSigner } from '../lab/evidence-signer.ts'
import { recheckFolder } from '../runner/recheck.ts'

const { values } = parseArgs({ options: { endpoints: { type: 'string', default: '200' }, from: { type: 'string' }, rounds: { type: 'string', default: '3' } } })
const rounds = Number(values.rounds)
const scratch = mkdtempSync(join(tmpdir(), 'vigil-bench-evidence-'))
let runDir = values.from
let tlsDir: string | undefined
if (!runDir) {
  process.stderr.write(`bench: making a TLS run over ${values.endpoints} endpoints (bench/tls.ts --no-sslscan --keep) …\n`)
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('./tls.ts', import.meta.url)), '--no-sslscan', '--keep', '--endpoints', values.endpoints!], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  tlsDir = /bench: kept (\S+)/.exec(r.stderr)?.[1]
  if (r.status !== 0 || !tlsDir) throw new Error(`bench/tls.ts failed: ${r.stderr.slice(-2000)}`)
  runDir = join(tlsDir, 'vigil-results')
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
async function time<T>(fn: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  const ms: number[] = []
  let value!: T
  for (let i = 0; i < rounds; i++) {
    const t = performance.now()
    value = await fn()
    ms.push(performance.now() - t)
  }
  return { ms: median(ms), value }
}
const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`

try {
  const results: Results = ResultsSchema.parse(JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')))
  const rows: [string, string, string][] = []
  const writers: [string, () => string][] = [
    ['results.json', () => JSON.stringify(results, null, 2)],
    ['report.html', () => htmlReport(results)],
    ['findings.csv', () => findingsCsv(results)],
    ['summary.md', () => markdownSummary(results)],
    ['junit.xml', () => junitXml(results)],
  ]
  for (const [name, write] of writers) {
    const t = await time(write)
    rows.push([`write ${name}`, `${t.ms.toFixed(0)} ms`, mib(Buffer.byteLength(t.value))])
  }
  rows.push(['observations.json (as collected)', '', mib(statSync(join(runDir, 'observations.json')).size)])

  const pki = await createEvidenceSigner(join(scratch, 'pki'))
  process.env.VIGIL_BENCH_SIGNING_PASSPHRASE = pki.passphrase
  const signer = loadSigner({ keyFile: pki.signerKey, certFile: pki.signerCert, passphraseEnv: 'VIGIL_BENCH_SIGNING_PASSPHRASE' })
  const archive = join(scratch, 'bundle.tar.gz')
  const sealed = await time(async () => {
    const folder = join(scratch, `run-${Math.random().toString(36).slice(2)}`)
    cpSync(runDir, folder, { recursive: true })
    const t = performance.now()
    const b = await createBundle(folder, archive, signer)
    return { ...b, ms: performance.now() - t }
  })
  rows.push(['seal + archive (hash, 2 CMS signatures, tar.gz)', `${sealed.value.ms.toFixed(0)} ms`, `${kib(sealed.value.bytes)}, ${sealed.value.manifest.files.length} files`])

  const anchors = readCertificates(pki.caCert)
  const verified = await time(async () => {
    const v = await verifyBundle(archive, anchors)
    v.cleanup()
    return v
  })
  if (!verified.value.anchored) throw new Error(`the bundle did not verify: ${verified.value.problems.join('; ')}`)
  rows.push(['vigil verify (unpack, 2 signatures, every hash)', `${verified.ms.toFixed(0)} ms`, `${verified.value.files} files`])

  const auditorMs = await time(() => {
    const cwd = mkdtempSync(join(scratch, 'auditor-'))
    execFileSync('bash', ['-e', '-o', 'pipefail', '-c', AUDITOR_COMMANDS], { cwd, env: { PATH: process.env.PATH, BUNDLE: archive, CA: pki.caCert }, stdio: ['ignore', 'ignore', 'ignore'] })
  })
  rows.push(["auditor's openssl + sha256sum commands", `${auditorMs.ms.toFixed(0)} ms`, ''])

  const v = await verifyBundle(archive, anchors)
  const rechecked = await time(() => recheckFolder(v.folder))
  v.cleanup()
  const r = rechecked.value
  rows.push(['vigil recheck (re-judge from observations)', `${rechecked.ms.toFixed(0)} ms`, `${r.reproduced} of ${r.findings} reproduced`])

  const pop = Object.entries(results.population).map(([k, p]) => `${p.observed} ${k}`).join(', ')
  process.stdout.write(`\nEvidence benchmark — ${results.findings.length} findings over ${pop}; median of ${rounds} rounds\n`)
  process.stdout.write(`machine: ${cpus().length} CPU (${cpus()[0]?.model.trim()}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}\n\n`)
  for (const [k, t, s] of rows) process.stdout.write(`  ${k.padEnd(50)} ${t.padStart(8)}  ${s}\n`)
} finally {
  rmSync(scratch, { recursive: true, force: true })
  if (tlsDir) rmSync(tlsDir, { recursive: true, force: true })
}
