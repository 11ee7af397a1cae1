// The evidence bundle: a run's output folder, sealed and archived for an auditor who does not run
// Vigil. Sealing adds `VERIFY.txt` (how to check it with openssl and sha256sum alone),
// `manifest.json` (run metadata and the SHA-256 and size of every file) with its detached CMS
// signature `manifest.json.p7s`, and `SHA256SUMS` (every file, manifest included, in the format
// `sha256sum --check` reads) with its signature `SHA256SUMS.p7s`. The archive is a gzip'd tar with
// one top folder. Verification checks both signatures, every hash and size, and that no file is
// missing or extra; archives are listed before extraction and refused on links, absolute paths or
// `..`.
import { INTEGRITY_FILES, IN_PROGRESS_FILE, MANIFEST_FILE, MANIFEST_SIGNATURE, SEAL_FILES, SUMS_FILE, SUMS_SIGNATURE, VERIFY_FILE } from './run-files.ts'
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { writeFileBounded } from '../core/bounded-write.ts'
import { tmpdir } from 'node:os'
import { dirname, join, posix, resolve } from 'node:path'
import type { X509Certificate } from 'node:crypto'
import * as tar from 'tar'
import * as z from 'zod'
import { ConfigError } from '../core/config-file.ts'
import { sha256 } from '../core/hash.ts'
import { RunSchema, ResultsSchema } from './model.ts'
import { RUN_RECORD_FILE, RunRecordSchema, type RunRecord } from './run-record.ts'
import { signDetached, verifyDetached, verifyTimestampToken, type SignatureCheck, type Signer, type TimestampCheck } from './cms-signature.ts'
import { embeddedTimestamp, timestampSignature, type TimestampAuthority } from './timestamp.ts'

export { IN_PROGRESS_FILE, MANIFEST_FILE, MANIFEST_SIGNATURE, SEAL_FILES, SUMS_FILE, SUMS_SIGNATURE, VERIFY_FILE }

/** The files sealing adds besides VERIFY.txt: the two lists and their signatures. */

/**
 * What an auditor runs, with only tar, openssl and coreutils, inside nothing but a shell where
 * `BUNDLE` is the archive and `CA` the evidence CA certificate they were given. README.md shows
 * exactly these lines, and a test runs them.
 */
export const AUDITOR_COMMANDS = `tar -xzf "$BUNDLE" && cd "$(tar -tzf "$BUNDLE" | head -n 1 | cut -d/ -f1)"
openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS -CAfile "$CA" -out /dev/null
openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json -CAfile "$CA" -out /dev/null
sha256sum --check --strict --quiet SHA256SUMS
find . -type f ! -path ./SHA256SUMS ! -path ./SHA256SUMS.p7s | sed 's|^\\./||' | sort > ../vigil-files-present.txt
sed 's/^[0-9a-f]\\{64\\}  //' SHA256SUMS | sort | diff - ../vigil-files-present.txt && echo "bundle verified"`

/**
 * The trusted time, with openssl alone, inside the unpacked bundle folder, where `TSA_CA` is the
 * timestamp authority's root: the token is cut out of manifest.json.p7s (its unsigned attribute
 * id-aa-signatureTimeStampToken), then verified against the SHA-256 of the signature value it stamps.
 */
export const TIMESTAMP_COMMANDS = `openssl asn1parse -inform DER -in manifest.json.p7s > ../vigil-p7s.txt
awk '/:id-smime-aa-timeStampToken/{print l3; getline; getline; print; exit} {l3=l2; l2=l1; l1=$0}' ../vigil-p7s.txt | sed -E 's/^ *([0-9]+):d=[0-9]+ +hl= *([0-9]+) +l= *([0-9]+).*/\\1 \\2 \\3/' > ../vigil-offsets.txt
read -r s_off s_hl s_len < ../vigil-offsets.txt; tail -n 1 ../vigil-offsets.txt | { read -r t_off t_hl t_len; tail -c +$((t_off + 1)) manifest.json.p7s | head -c $((t_hl + t_len)) > ../vigil-timestamp.tst; }
digest=$(tail -c +$((s_off + s_hl + 1)) manifest.json.p7s | head -c "$s_len" | sha256sum | cut -c1-64)
openssl ts -verify -in ../vigil-timestamp.tst -token_in -digest "$digest" -CAfile "$TSA_CA"
openssl ts -reply -in ../vigil-timestamp.tst -token_in -text | grep '^Time stamp:'`

const timestampText = `
Trusted time (RFC 3161). The manifest signature carries a timestamp token from a timestamp
authority, as its unsigned attribute id-aa-signatureTimeStampToken: proof that the signature (and
so every file it covers) existed at the authority's time. With TSA_CA set to the authority's root
certificate (obtained separately), after the commands above, in the same folder:

${TIMESTAMP_COMMANDS}

"Verification: OK" and the time stamp's time; any other answer means the time is not proven.
`

const verifyText = (runId: string, timestamped = false) => `Vigil evidence bundle for run ${runId}

Every file in this folder is listed with its SHA-256 in SHA256SUMS (and in manifest.json, which
also carries the run metadata). Both lists are signed with a detached CMS (PKCS#7) signature
(SHA256SUMS.p7s, manifest.json.p7s) by the evidence signer your organisation's evidence CA issued.

To verify without Vigil, with BUNDLE set to the archive and CA to the evidence CA certificate
(obtained separately, not from this bundle), run in a POSIX shell (bash, zsh):

${AUDITOR_COMMANDS}

1. the two openssl commands check that the lists were signed by a certificate your CA issued and
   were not changed since ("Verification successful" on stderr; any change: "Verification failure");
2. sha256sum checks every file against the signed list (prints the files that differ);
3. find/sed/diff checks that no file was added and none is missing.
Each command exits non-zero on failure. With Vigil: \`vigil verify BUNDLE --ca CA\`; \`vigil recheck
BUNDLE --ca CA\` also re-derives every verdict from the raw observations in observations.json.

Contents: results.json (every finding: status, expected and actual, provenance, the evidence it
cites by SHA-256), evidence.jsonl (each piece of evidence once: \`jq -c 'select(.sha256 == "HASH")
| .data' evidence.jsonl\`), report.html (readable offline), findings.csv, junit.xml, summary.md,
observations.json (the raw observations), run.json (what the run used and wrote), inputs/ (the exact feature files, the
inventory with secrets removed, the waivers file).
${timestamped ? timestampText : ''}`

/** The period report a `vigil-period-report` bundle seals (its `period-record.json`). */
export const PERIOD_RECORD_FILE = 'period-record.json'
export const PeriodRecordSchema = z
  .object({
    schemaVersion: z.literal(1),
    id: z.string().uuid(),
    createdAt: z.string(),
    schedule: z.string(),
    since: z.string(),
    until: z.string(),
    timezone: z.string(),
    /** every file of the report, and its SHA-256 as written */
    files: z.array(z.string()),
    sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  })
  .strict()
export type PeriodRecord = z.infer<typeof PeriodRecordSchema>

export const ManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    /** a run's evidence, or a period report's */
    kind: z.enum(['vigil-evidence-bundle', 'vigil-period-report']),
    createdAt: z.string(),
    run: RunSchema.optional(),
    totals: ResultsSchema.shape.totals.optional(),
    report: PeriodRecordSchema.omit({ files: true, sha256: true }).optional(),
    signer: z.object({ subject: z.string(), fingerprint256: z.string() }),
    /** set when an incomplete (interrupted) run was sealed on purpose (`--allow-incomplete`) */
    incomplete: z.object({ reason: z.string(), unobserved: z.array(z.string()) }).optional(),
    files: z.array(z.object({ path: z.string(), bytes: z.number().int(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  })
  .strict()
  .refine((m) => (m.kind === 'vigil-evidence-bundle' ? !!m.run && !!m.totals : !!m.report), 'a run bundle names its run, a period bundle its report')
export type Manifest = z.infer<typeof ManifestSchema>

/** The id that names the bundle and its folder. */
export const manifestId = (m: Manifest): string => (m.run ? m.run.id : `period-${m.report!.id}`)

/** Paths in a bundle: relative, `/`-separated, no `..`, nothing sha256sum would have to escape. */
function safeRelative(p: string): boolean {
  return p.length > 0 && !p.startsWith('/') && !/[\\\n\r]/.test(p) && posix.normalize(p) === p && !p.split('/').includes('..')
}

export function readRunRecord(dir: string): RunRecord {
  const file = join(dir, RUN_RECORD_FILE)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new ConfigError(`${file}: cannot read the run record (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is ${dir} the --out folder of a \`vigil run\`?`)
  }
  const parsed = RunRecordSchema.safeParse(raw)
  if (!parsed.success) throw new ConfigError(`${file}: not a Vigil run record: ${z.prettifyError(parsed.error).split('\n').slice(0, 3).join('; ')}`)
  return parsed.data
}

/** Present while a run writes into its folder (runner/output-folder.ts). */

/**
 * Why a run folder is not one finished run: still in progress (or killed while writing), a file that
 * is not what the run wrote (left by another run, or changed since), a results or observations file
 * of another run id. Each problem names the file.
 */
export function runFolderProblems(dir: string): { record?: RunRecord; notOneRun: string[]; incomplete?: string } {
  const notOneRun: string[] = []
  if (existsSync(join(dir, IN_PROGRESS_FILE))) {
    let who = ''
    try {
      const m = JSON.parse(readFileSync(join(dir, IN_PROGRESS_FILE), 'utf8')) as { runId?: string; pid?: number; startedAt?: string }
      who = ` by run ${m.runId} (process ${m.pid}, started ${m.startedAt})`
    } catch {
      // an unreadable mark is still a mark
    }
    return { notOneRun: [`${dir} is marked as in progress${who} (${IN_PROGRESS_FILE}): a run is writing it, or was killed before it finished; run again`] }
  }
  const record = readRunRecord(dir)
  const id = record.run.id
  for (const f of record.files) {
    const want = record.sha256?.[f]
    if (!want) continue
    let got: string
    try {
      got = sha256(readFileSync(join(dir, f)))
    } catch {
      notOneRun.push(`${f}: listed by run ${id} but missing`)
      continue
    }
    if (got !== want) notOneRun.push(`${f}: not the file run ${id} wrote (changed since, or written by another run)`)
  }
  const idOf = (f: string, read: (j: Record<string, unknown>) => unknown): void => {
    try {
      const other = read(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>)
      if (typeof other === 'string' && other !== id) notOneRun.push(`${f}: belongs to run ${other}, not to run ${id} of ${RUN_RECORD_FILE}`)
    } catch {
      notOneRun.push(`${f}: unreadable`)
    }
  }
  idOf('results.json', (j) => (j.run as { id?: unknown } | undefined)?.id)
  idOf('observations.json', (j) => j.runId)
  const r = record.run
  const incomplete = r.incomplete ? `run ${id} is incomplete: ${r.interruption ? `${r.interruption.reason} at ${r.interruption.at}, ${r.interruption.unobserved.length} target(s) not observed` : 'not every target was observed'}` : undefined
  return { record, notOneRun, ...(incomplete ? { incomplete } : {}) }
}

/** The folder's state when it can be sealed; a ConfigError saying why when it cannot. */
export function assertSealable(dir: string, opts: { allowIncomplete?: boolean } = {}): ReturnType<typeof runFolderProblems> {
  const state = runFolderProblems(dir)
  if (state.notOneRun.length > 0) throw new ConfigError(`${dir}: not sealed, the folder is not one finished run:\n${state.notOneRun.join('\n')}`)
  if (state.incomplete && !opts.allowIncomplete)
    throw new ConfigError(`${dir}: not sealed: ${state.incomplete}. An auditor would read the bundle as the whole inventory; run again, or seal it anyway with --allow-incomplete (the bundle then says it is incomplete)`)
  return state
}

/**
 * Seals a run's output folder in place: VERIFY.txt, manifest.json (+ .p7s), SHA256SUMS (+ .p7s).
 * Refuses a folder that is not one finished run, and an incomplete run unless `allowIncomplete`.
 */
export async function sealEvidenceFolder(dir: string, signer: Signer, now = new Date(), opts: { allowIncomplete?: boolean; tsa?: TimestampAuthority } = {}): Promise<Manifest> {
  if (!existsSync(join(dir, RUN_RECORD_FILE)) && existsSync(join(dir, PERIOD_RECORD_FILE))) return sealPeriodFolder(dir, signer, now, opts)
  const state = assertSealable(dir, opts)
  const record = state.record!
  const results = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')))
  await writeFileBounded(join(dir, VERIFY_FILE), verifyText(record.run.id, !!opts.tsa))
  const files = listedFiles(dir, [...new Set([...record.files, RUN_RECORD_FILE, VERIFY_FILE])], RUN_RECORD_FILE)
  const manifest: Manifest = {
    schemaVersion: 1,
    kind: 'vigil-evidence-bundle',
    createdAt: now.toISOString(),
    run: record.run,
    totals: results.totals,
    signer: { subject: signer.subject, fingerprint256: signer.fingerprint256 },
    ...(record.run.incomplete ? { incomplete: { reason: state.incomplete!, unobserved: record.run.interruption?.unobserved ?? [] } } : {}),
    files,
  }
  return signManifest(dir, manifest, signer, now, opts.tsa)
}

/** The size and SHA-256 of each listed file; an unsafe, missing or irregular one is refused. */
function listedFiles(dir: string, paths: string[], listedIn: string): Manifest['files'] {
  return [...paths].sort().map((path) => {
    if (!safeRelative(path)) throw new ConfigError(`${join(dir, listedIn)}: lists the unsafe path "${path}"`)
    const full = join(dir, path)
    let st
    try {
      st = lstatSync(full)
    } catch {
      throw new ConfigError(`${full}: listed in ${listedIn} but missing: the folder is incomplete`)
    }
    if (!st.isFile()) throw new ConfigError(`${full}: not a regular file`)
    const body = readFileSync(full)
    return { path, bytes: body.length, sha256: sha256(body) }
  })
}

/** A period report folder (`vigil report --bundle`, or `vigil bundle` on its folder): every file as the report wrote it. */
async function sealPeriodFolder(dir: string, signer: Signer, now: Date, opts: { tsa?: TimestampAuthority }): Promise<Manifest> {
  const record = readPeriodRecord(dir)
  const changed = record.files.filter((f) => {
    try {
      return sha256(readFileSync(join(dir, f))) !== record.sha256[f]
    } catch {
      return true
    }
  })
  if (changed.length) throw new ConfigError(`${dir}: not sealed: ${changed.join(', ')} ${changed.length === 1 ? 'is' : 'are'} not what the period report wrote (changed since, or missing)`)
  await writeFileBounded(join(dir, VERIFY_FILE), verifyText(`period report ${record.id}`, !!opts.tsa))
  const { files: _f, sha256: _s, ...report } = record
  const manifest: Manifest = {
    schemaVersion: 1,
    kind: 'vigil-period-report',
    createdAt: now.toISOString(),
    report,
    signer: { subject: signer.subject, fingerprint256: signer.fingerprint256 },
    files: listedFiles(dir, [...new Set([...record.files, PERIOD_RECORD_FILE, VERIFY_FILE])], PERIOD_RECORD_FILE),
  }
  return signManifest(dir, manifest, signer, now, opts.tsa)
}

export function readPeriodRecord(dir: string): PeriodRecord {
  const file = join(dir, PERIOD_RECORD_FILE)
  try {
    return PeriodRecordSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
  } catch (e) {
    throw new ConfigError(`${file}: not a Vigil period record (${(e as Error).message.split('\n')[0]})`)
  }
}

/** manifest.json, its signature (timestamped when an authority is given), SHA256SUMS and its signature. */
async function signManifest(dir: string, manifest: Manifest, signer: Signer, now: Date, tsa: TimestampAuthority | undefined): Promise<Manifest> {
  const files = manifest.files
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n')
  await writeFileBounded(join(dir, MANIFEST_FILE), manifestBytes)
  let manifestSig = signDetached(manifestBytes, signer, now)
  // trusted time: the authority's token over the signature value, embedded as an unsigned attribute
  if (tsa) manifestSig = (await timestampSignature(manifestSig, tsa)).p7s
  await writeFileBounded(join(dir, MANIFEST_SIGNATURE), manifestSig)
  const sums = [
    ...files,
    { path: MANIFEST_FILE, sha256: sha256(manifestBytes) },
    { path: MANIFEST_SIGNATURE, sha256: sha256(manifestSig) },
  ]
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .map((f) => `${f.sha256}  ${f.path}\n`)
    .join('')
  await writeFileBounded(join(dir, SUMS_FILE), sums)
  await writeFileBounded(join(dir, SUMS_SIGNATURE), signDetached(Buffer.from(sums), signer, now))
  return manifest
}

/** Every file sealing adds: a new run into a sealed folder removes them (they describe other files). */

/** Seals `dir` and writes the archive; returns the manifest and the archive's size and SHA-256. */
export async function createBundle(
  dir: string,
  archive: string,
  signer: Signer,
  now = new Date(),
  opts: { allowIncomplete?: boolean; tsa?: TimestampAuthority } = {},
): Promise<{ manifest: Manifest; archive: string; bytes: number; sha256: string }> {
  const manifest = await sealEvidenceFolder(dir, signer, now, opts)
  const entries = [...manifest.files.map((f) => f.path), ...INTEGRITY_FILES].sort()
  await tar.create({ gzip: true, file: archive, cwd: dir, prefix: bundleFolderName(manifestId(manifest)), portable: true, noDirRecurse: true }, entries)
  const body = readFileSync(archive)
  return { manifest, archive, bytes: body.length, sha256: sha256(body) }
}

export const bundleFolderName = (runId: string) => `vigil-evidence-${runId}`

/** Where a run folder's bundle goes unless told otherwise: `vigil-evidence-<run id>.tar.gz` beside the folder. */
export function defaultArchivePath(dir: string): string {
  const id = !existsSync(join(dir, RUN_RECORD_FILE)) && existsSync(join(dir, PERIOD_RECORD_FILE)) ? `period-${readPeriodRecord(dir).id}` : readRunRecord(dir).run.id
  return join(dirname(resolve(dir)), `${bundleFolderName(id)}.tar.gz`)
}

// ---- verification ----------------------------------------------------------------------------

export interface BundleVerification {
  /** signatures valid over both lists, every hash matches, no file missing or extra */
  intact: boolean
  /** the signer chains to a supplied CA (`--ca`) */
  anchored: boolean
  /** a CA was supplied: then an unanchored signer is a failure, not just unknown */
  caGiven: boolean
  /** why the bundle is not intact */
  problems: string[]
  /** why the signer is not trusted by the supplied CA */
  trustProblems: string[]
  warnings: string[]
  files: number
  signature?: SignatureCheck
  /** the RFC 3161 timestamp embedded in the manifest signature, when there is one */
  timestamp?: TimestampCheck
  manifest?: Manifest
  /** the folder that was verified (the extracted archive, or the folder given) */
  folder: string
}

function walk(dir: string, base = ''): { path: string; kind: 'file' | 'other' }[] {
  const out: { path: string; kind: 'file' | 'other' }[] = []
  for (const e of readdirSync(join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...walk(dir, rel))
    else out.push({ path: rel, kind: e.isFile() ? 'file' : 'other' })
  }
  return out
}

/** Verifies a sealed folder: signatures, the two lists against each other, every file, nothing extra. */
export function verifyEvidenceFolder(dir: string, anchors: readonly X509Certificate[], tsaAnchors: readonly X509Certificate[] = []): BundleVerification {
  const v: BundleVerification = { intact: false, anchored: false, caGiven: anchors.length > 0, problems: [], trustProblems: [], warnings: [], files: 0, folder: dir }
  if (!INTEGRITY_FILES.some((f) => existsSync(join(dir, f)))) {
    v.problems.push(`${dir} is not a sealed evidence bundle: it has none of ${MANIFEST_FILE}, ${SUMS_FILE} or their signatures (seal a run folder with \`vigil bundle DIR\`)`)
    return v
  }
  const readOrNull = (name: string): Buffer | null => {
    try {
      return readFileSync(join(dir, name))
    } catch {
      v.problems.push(`${name} is missing`)
      return null
    }
  }
  const manifestBytes = readOrNull(MANIFEST_FILE)
  const manifestSig = readOrNull(MANIFEST_SIGNATURE)
  const sumsBytes = readOrNull(SUMS_FILE)
  const sumsSig = readOrNull(SUMS_SIGNATURE)
  if (!manifestBytes || !manifestSig || !sumsBytes || !sumsSig) return v

  for (const [name, content, sig] of [[MANIFEST_FILE, manifestBytes, manifestSig], [SUMS_FILE, sumsBytes, sumsSig]] as const) {
    const check = verifyDetached(content, sig, anchors)
    v.signature ??= check
    for (const p of check.problems) v.problems.push(`${name}: ${p}`)
    for (const p of check.trustProblems) if (!v.trustProblems.includes(p)) v.trustProblems.push(p)
    if (check.valid && anchors.length === 0 && name === MANIFEST_FILE) v.warnings.push(`the signatures are valid, but no CA was given (--ca), so who signed them is not established: ${check.signer?.subject}`)
    if (v.signature.signer?.fingerprint256 !== check.signer?.fingerprint256) v.problems.push(`${SUMS_FILE} and ${MANIFEST_FILE} are signed by different certificates`)
  }

  // the trusted time: a token that does not verify is refused; one not chaining to --tsa-ca is untrusted
  try {
    const stamp = embeddedTimestamp(manifestSig)
    if (stamp) {
      const t = verifyTimestampToken(stamp.token, stamp.signature, tsaAnchors)
      v.timestamp = t
      for (const p of t.problems) v.problems.push(`${MANIFEST_SIGNATURE}: timestamp: ${p}`)
      for (const p of t.trustProblems) v.trustProblems.push(`timestamp: ${p}`)
      if (t.valid && tsaAnchors.length === 0) v.warnings.push(`the signature carries a timestamp of ${t.time} by ${t.authority}, but no --tsa-ca was given, so the authority is not established`)
    }
  } catch (e) {
    v.problems.push(`${MANIFEST_SIGNATURE}: its timestamp cannot be read (${(e as Error).message})`)
  }

  let manifest: Manifest | undefined
  try {
    manifest = ManifestSchema.parse(JSON.parse(manifestBytes.toString('utf8')))
    v.manifest = manifest
  } catch (e) {
    v.problems.push(`${MANIFEST_FILE} is not a Vigil bundle manifest (${(e as Error).message.split('\n')[0]})`)
    return v
  }

  const sums = new Map<string, string>()
  for (const line of sumsBytes.toString('utf8').split('\n').filter(Boolean)) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line)
    if (!m || !safeRelative(m[2]!)) v.problems.push(`${SUMS_FILE}: malformed line "${line.slice(0, 120)}"`)
    else sums.set(m[2]!, m[1]!)
  }
  const expected = new Map(manifest.files.map((f) => [f.path, f]))
  for (const f of manifest.files) if (sums.get(f.path) !== f.sha256) v.problems.push(`${f.path}: ${SUMS_FILE} and ${MANIFEST_FILE} disagree about its hash`)
  for (const [path, hash] of sums) {
    if (expected.has(path)) continue
    if (path === MANIFEST_FILE) {
      if (hash !== sha256(manifestBytes)) v.problems.push(`${MANIFEST_FILE}: does not match its entry in ${SUMS_FILE}`)
    } else if (path === MANIFEST_SIGNATURE) {
      if (hash !== sha256(manifestSig)) v.problems.push(`${MANIFEST_SIGNATURE}: does not match its entry in ${SUMS_FILE}`)
    } else v.problems.push(`${path}: listed in ${SUMS_FILE} but not in ${MANIFEST_FILE}`)
  }
  for (const f of manifest.files) {
    if (!safeRelative(f.path)) {
      v.problems.push(`${MANIFEST_FILE} lists the unsafe path "${f.path}"`)
      continue
    }
    let body: Buffer
    try {
      if (!lstatSync(join(dir, f.path)).isFile()) throw new Error('not a file')
      body = readFileSync(join(dir, f.path))
    } catch {
      v.problems.push(`${f.path}: missing`)
      continue
    }
    const hash = sha256(body)
    if (body.length !== f.bytes || hash !== f.sha256) v.problems.push(`${f.path}: changed since it was signed (SHA-256 ${hash}, signed ${f.sha256})`)
    v.files++
  }
  const integrity = new Set<string>(INTEGRITY_FILES)
  for (const e of walk(dir)) {
    if (e.kind !== 'file') v.problems.push(`${e.path}: not a regular file (links and devices have no place in a bundle)`)
    else if (!expected.has(e.path) && !integrity.has(e.path)) v.problems.push(`${e.path}: not listed in the signed manifest (added after signing)`)
  }
  // signed is not enough: every file must be of the one run the manifest names
  if (v.problems.length === 0) {
    for (const p of sameRunProblems(dir, manifest)) v.problems.push(p)
    if (manifest.incomplete || manifest.run?.incomplete) v.warnings.push(`the bundle is of an INCOMPLETE run: ${manifest.incomplete?.reason ?? 'not every target was observed'}`)
  }
  v.intact = v.problems.length === 0
  v.anchored = v.intact && anchors.length > 0 && v.trustProblems.length === 0
  return v
}

/** In a signed folder: run.json, results.json and observations.json name the manifest's run, and run.json's hashes are the signed ones. */
function sameRunProblems(dir: string, manifest: Manifest): string[] {
  const problems: string[] = []
  if (!manifest.run) {
    // a period report: its record must be the one the manifest names
    try {
      const record = readPeriodRecord(dir)
      if (record.id !== manifest.report!.id) problems.push(`${PERIOD_RECORD_FILE}: belongs to period report ${record.id}, not to ${manifest.report!.id} of the manifest`)
    } catch (e) {
      problems.push((e as Error).message)
    }
    return problems
  }
  const id = manifest.run.id
  const read = (f: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>
    } catch {
      problems.push(`${f}: unreadable`)
      return undefined
    }
  }
  const record = read(RUN_RECORD_FILE) as { run?: { id?: string }; sha256?: Record<string, string> } | undefined
  const results = read('results.json') as { run?: { id?: string } } | undefined
  const observations = read('observations.json') as { runId?: string } | undefined
  if (record && record.run?.id !== id) problems.push(`${RUN_RECORD_FILE}: belongs to run ${record.run?.id}, not to run ${id} of the manifest`)
  if (results && results.run?.id !== id) problems.push(`results.json: belongs to run ${results.run?.id}, not to run ${id} of the manifest`)
  if (observations?.runId !== undefined && observations.runId !== id) problems.push(`observations.json: belongs to run ${observations.runId}, not to run ${id} of the manifest`)
  const signed = new Map(manifest.files.map((f) => [f.path, f.sha256]))
  for (const [f, h] of Object.entries(record?.sha256 ?? {})) if (signed.has(f) && signed.get(f) !== h) problems.push(`${f}: not the file run ${id} wrote (its hash differs from the one in ${RUN_RECORD_FILE})`)
  return problems
}

function notIntact(folder: string, anchors: readonly X509Certificate[], problems: string[]): BundleVerification {
  return { intact: false, anchored: false, caGiven: anchors.length > 0, problems, trustProblems: [], warnings: [], files: 0, folder }
}

/** Largest archive content Vigil unpacks to verify (a bundle is reports and observations, not a disk image). */
const MAX_UNPACKED_BYTES = 8 * 1024 ** 3

/**
 * Verifies a bundle archive or a sealed folder. An archive is listed first and refused when an
 * entry is anything but a plain file or folder under one top folder, then unpacked into a fresh
 * temporary folder; `cleanup` removes it (recheck reads the unpacked files first).
 */
export async function verifyBundle(path: string, anchors: readonly X509Certificate[], tsaAnchors: readonly X509Certificate[] = []): Promise<BundleVerification & { cleanup(): void }> {
  let st
  try {
    st = statSync(path)
  } catch {
    throw new ConfigError(`${path}: no such bundle (give the .tar.gz archive or a sealed output folder)`)
  }
  if (st.isDirectory()) return { ...verifyEvidenceFolder(path, anchors, tsaAnchors), cleanup: () => {} }

  const entries: { path: string; type: string; size: number }[] = []
  try {
    await tar.list({ file: path, strict: true, onReadEntry: (e) => void entries.push({ path: e.path, type: e.type, size: e.size ?? 0 }) })
  } catch (e) {
    return { ...notIntact(path, anchors, [`${path}: not a readable .tar.gz archive (${(e as Error).message})`]), cleanup: () => {} }
  }
  const tops = new Set(entries.map((e) => e.path.split('/')[0]))
  const bad = entries.filter((e) => !['File', 'OldFile', 'Directory'].includes(e.type) || !safeRelative(e.path.replace(/\/$/, '')))
  const total = entries.reduce((n, e) => n + e.size, 0)
  const refuse = [
    ...bad.map((e) => `archive entry "${e.path}" (${e.type}) is not a plain file under the bundle folder`),
    ...(tops.size !== 1 ? [`the archive must hold exactly one top folder (found ${[...tops].slice(0, 5).join(', ') || 'none'})`] : []),
    ...(total > MAX_UNPACKED_BYTES ? [`the archive unpacks to ${total} bytes, more than Vigil unpacks (${MAX_UNPACKED_BYTES})`] : []),
  ]
  if (refuse.length > 0) return { ...notIntact(path, anchors, refuse), cleanup: () => {} }
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-verify-'))
  const cleanup = () => rmSync(tmp, { recursive: true, force: true })
  try {
    await tar.extract({ file: path, cwd: tmp, strict: true, preservePaths: false, preserveOwner: false })
    return { ...verifyEvidenceFolder(join(tmp, [...tops][0]!), anchors, tsaAnchors), cleanup }
  } catch (e) {
    cleanup()
    return { ...notIntact(path, anchors, [`${path}: cannot unpack (${(e as Error).message})`]), cleanup: () => {} }
  }
}
