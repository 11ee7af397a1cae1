// The evidence-bundle side of the command line: `vigil bundle`, `vigil verify`, `vigil recheck`, and
// the signing options `vigil run --bundle` shares with `vigil bundle`.
import { statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { Command, Option } from 'commander'
import { ConfigError } from '../core/config-file.ts'
import type { Signer } from '../reports/cms-signature.ts'
import type { BundleVerification } from '../reports/evidence-bundle.ts'

export interface SigningFlags {
  signingKey?: string
  signingCert?: string
  signingPassphraseEnv: string
  /** RFC 3161 timestamp authority URL, and its pinned root */
  tsa?: string
  tsaCa?: string
}

export function addSigningOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--signing-key <file>', 'PEM private key (RSA) that signs the bundle manifest').env('VIGIL_SIGNING_KEY'))
    .addOption(new Option('--signing-cert <file>', 'PEM certificate of that key, followed by any intermediates to embed').env('VIGIL_SIGNING_CERT'))
    .option('--signing-passphrase-env <name>', 'environment variable holding the key passphrase, when the key is encrypted', 'VIGIL_SIGNING_PASSPHRASE')
    .addOption(new Option('--tsa <url>', 'RFC 3161 timestamp authority: trusted time for the signature (needs --tsa-ca)').env('VIGIL_TSA_URL'))
    .addOption(new Option('--tsa-ca <file>', "PEM root(s) of the timestamp authority, pinned: a token that does not chain to it is refused").env('VIGIL_TSA_CA'))
}

/** The timestamp authority from --tsa/--tsa-ca, checked before anything is probed. */
export async function tsaFrom(flags: SigningFlags): Promise<import('../reports/timestamp.ts').TimestampAuthority | undefined> {
  if (!flags.tsa && !flags.tsaCa) return undefined
  if (!flags.tsa || !flags.tsaCa) throw new ConfigError('--tsa and --tsa-ca go together: the authority, and its root pinned (an http authority can be impersonated)')
  try {
    new URL(flags.tsa)
  } catch {
    throw new ConfigError(`--tsa ${flags.tsa}: not a URL`)
  }
  const { readCertificates } = await import('../reports/cms-signature.ts')
  return { url: flags.tsa, anchors: readCertificates(flags.tsaCa) }
}

/** Loads the signer before anything else happens, so a bad key never costs a whole run. */
export async function signerFrom(flags: SigningFlags): Promise<Signer> {
  if (!flags.signingKey || !flags.signingCert)
    throw new ConfigError('an evidence bundle is signed: give --signing-key and --signing-cert (or VIGIL_SIGNING_KEY and VIGIL_SIGNING_CERT); the key must be RSA, its certificate issued by a CA the auditor trusts')
  const { loadSigner } = await import('../reports/cms-signature.ts')
  const signer = loadSigner({ keyFile: flags.signingKey, certFile: flags.signingCert, passphraseEnv: flags.signingPassphraseEnv })
  if (signer.purposeWarning) process.stderr.write(`vigil: warning: ${signer.purposeWarning}\n`)
  return signer
}

/**
 * Where the archive may be written: not a folder, and in a folder that exists. Checked before a run
 * probes anything, so a mistyped path never costs a run.
 */
export function checkArchivePath(path: string, flag: string): void {
  let st
  try {
    st = statSync(path)
  } catch {
    st = undefined
  }
  if (st?.isDirectory()) throw new ConfigError(`${flag} ${path}: this is a folder; name the archive file to write (e.g. ${join(path, 'vigil-evidence.tar.gz')})`)
  const parent = dirname(resolve(path))
  let pst
  try {
    pst = statSync(parent)
  } catch {
    throw new ConfigError(`${flag} ${path}: the folder ${parent} does not exist; create it first or name an archive in an existing folder`)
  }
  if (!pst.isDirectory()) throw new ConfigError(`${flag} ${path}: ${parent} is not a folder`)
}

/** Seals `dir` and archives it; prints where the archive is and how to verify it. */
export async function writeBundle(
  dir: string,
  output: string | undefined,
  signer: Signer,
  quiet = false,
  allowIncomplete = false,
  tsa?: import('../reports/timestamp.ts').TimestampAuthority,
): Promise<string> {
  const { assertSealable, createBundle, defaultArchivePath, PERIOD_RECORD_FILE } = await import('../reports/evidence-bundle.ts')
  const { existsSync } = await import('node:fs')
  // a run folder is checked for one finished run first (a period report folder when sealing)
  if (existsSync(join(dir, 'run.json')) || !existsSync(join(dir, PERIOD_RECORD_FILE))) assertSealable(dir, { allowIncomplete })
  const archive = output ?? defaultArchivePath(dir)
  checkArchivePath(archive, output ? '--output' : 'the bundle archive')
  const b = await createBundle(dir, archive, signer, new Date(), { allowIncomplete, ...(tsa ? { tsa } : {}) })
  if (!quiet)
    process.stdout.write(
      `bundle:  ${b.archive} (${b.manifest.files.length} files, ${(b.bytes / 1024).toFixed(0)} KiB, sha256 ${b.sha256})\n` +
        (b.manifest.incomplete ? `         INCOMPLETE run, sealed on request: ${b.manifest.incomplete.reason}\n` : '') +
        `         signed by ${signer.subject}; check it with \`vigil verify ${basename(b.archive)} --ca <evidence CA>\` or the openssl commands in its VERIFY.txt\n`,
    )
  return b.archive
}

const VERIFY_EXIT_CODES = `
Exit codes:
  0  intact, and signed by a certificate the --ca certificate issued
  1  not intact (changed, incomplete, extra or unsafe files), or not signed by the given CA
  2  usage error
  3  intact, but no --ca was given: who signed it is not established`

export function addEvidenceCommands(program: Command): void {
  addSigningOptions(
    program
      .command('bundle')
      .argument('<dir>', 'the --out folder of a `vigil run`')
      .description('seal a run folder (manifest with SHA-256 of every file, CMS signature) and archive it for an auditor'),
  )
    .option('-o, --output <file>', 'archive to write (default: vigil-evidence-<run id>.tar.gz beside the folder)')
    .option('--allow-incomplete', 'seal an interrupted (incomplete) run anyway; the manifest says it is incomplete')
    .action(async (dir: string, flags: SigningFlags & { output?: string; allowIncomplete?: boolean }) => {
      if (flags.output) checkArchivePath(flags.output, '--output')
      const signer = await signerFrom(flags)
      const tsa = await tsaFrom(flags)
      await writeBundle(dir, flags.output, signer, false, !!flags.allowIncomplete, tsa)
    })

  program
    .command('verify')
    .argument('<bundle>', 'a bundle archive (.tar.gz) or a sealed folder')
    .description('check the bundle signatures, every file hash, and that no file is missing or extra')
    .option('--ca <file>', 'PEM certificate(s) of the evidence CA the signer must chain to')
    .option('--tsa-ca <file>', "PEM root(s) of the timestamp authority the signature's timestamp must chain to")
    .option('--json', 'machine-readable')
    .addHelpText('after', VERIFY_EXIT_CODES)
    .action(async (bundle: string, flags: { ca?: string; tsaCa?: string; json?: boolean }) => {
      const v = await verifyWithFlags(bundle, flags)
      v.cleanup()
      printVerification(bundle, v, !!flags.json)
      process.exitCode = verificationExit(v)
    })

  program
    .command('recheck')
    .argument('<bundle>', 'a bundle archive (.tar.gz) or a sealed folder')
    .description('verify the bundle, then re-derive every verdict from its raw observations and bundled policies and confirm each matches')
    .option('--ca <file>', 'PEM certificate(s) of the evidence CA the signer must chain to')
    .option('--tsa-ca <file>', "PEM root(s) of the timestamp authority the signature's timestamp must chain to")
    .option('--json', 'machine-readable')
    .addHelpText('after', `${VERIFY_EXIT_CODES.replace('0  intact,', '0  every verdict reproduced; intact,').replace('1  not intact', '1  a verdict differs, or not intact')}`)
    .action(async (bundle: string, flags: { ca?: string; tsaCa?: string; json?: boolean }) => {
      const { recheckFolder } = await import('../runner/recheck.ts')
      const v = await verifyWithFlags(bundle, flags)
      try {
        if (!v.intact || (v.caGiven && !v.anchored)) {
          printVerification(bundle, v, !!flags.json)
          process.stderr.write('vigil: not rechecked: a bundle that is not intact, or not signed by the given CA, proves nothing\n')
          process.exitCode = 1
          return
        }
        const r = await recheckFolder(v.folder)
        const ok = r.mismatches.length === 0 && r.missing.length === 0 && r.extra.length === 0 && r.problems.length === 0
        if (flags.json) process.stdout.write(JSON.stringify({ verification: { intact: v.intact, anchored: v.anchored, warnings: v.warnings }, recheck: r }, null, 2) + '\n')
        else {
          for (const w of [...v.warnings, ...r.notes]) process.stdout.write(`note: ${w}\n`)
          for (const p of r.problems) process.stdout.write(`PROBLEM ${p}\n`)
          for (const m of r.mismatches) process.stdout.write(`DIFFERS ${m.id}: ${m.field}: bundle says ${JSON.stringify(m.bundled)?.slice(0, 200)}, re-derived ${JSON.stringify(m.rederived)?.slice(0, 200)}\n`)
          for (const id of r.missing) process.stdout.write(`MISSING ${id}: in the bundle, not re-derived\n`)
          for (const id of r.extra) process.stdout.write(`EXTRA   ${id}: re-derived, not in the bundle\n`)
          process.stdout.write(`${ok ? 'reproduced' : 'NOT reproduced'}: ${r.reproduced} of ${r.findings} verdicts re-derived identically from the bundle's observations\n`)
        }
        process.exitCode = ok ? verificationExit(v) : 1
      } finally {
        v.cleanup()
      }
    })
}

/** `vigil verify`'s and `vigil recheck`'s first step: the bundle checked against the --ca certificates, if given. */
async function verifyWithFlags(bundle: string, flags: { ca?: string; tsaCa?: string }): Promise<BundleVerification & { cleanup(): void }> {
  const { verifyBundle } = await import('../reports/evidence-bundle.ts')
  const { readCertificates } = await import('../reports/cms-signature.ts')
  return verifyBundle(bundle, flags.ca ? readCertificates(flags.ca) : [], flags.tsaCa ? readCertificates(flags.tsaCa) : [])
}

/** 0 intact and anchored; 1 not intact, or a CA was given and did not issue the signer; 3 intact, no CA given. */
export function verificationExit(v: { intact: boolean; anchored: boolean; caGiven: boolean }): number {
  return !v.intact || (v.caGiven && !v.anchored) ? 1 : v.anchored ? 0 : 3
}

function printVerification(bundle: string, v: BundleVerification, json: boolean): void {
  if (json) {
    // the temporary folder is gone by now; `cleanup`, a function, is not serialised
    const { folder: _f, ...rest } = v
    process.stdout.write(JSON.stringify({ bundle, ...rest, manifest: rest.manifest ? { kind: rest.manifest.kind, run: rest.manifest.run, report: rest.manifest.report, files: rest.manifest.files.length } : undefined }, null, 2) + '\n')
    return
  }
  const s = v.signature
  if (s?.signer) process.stdout.write(`signer:  ${s.signer.subject} (issued by ${s.signer.issuer}), signed ${s.signingTime ?? 'at an unknown time'}\n`)
  if (s?.path && v.anchored) process.stdout.write(`chain:   ${s.path.join(' → ')}\n`)
  if (v.timestamp?.valid)
    process.stdout.write(`time:    ${v.timestamp.time} (RFC 3161 timestamp by ${v.timestamp.authority}${v.timestamp.anchored ? ', chained to the --tsa-ca root' : ''})\n`)
  const m = v.manifest
  if (m?.run) process.stdout.write(`run:     ${m.run.id}, ${m.run.startedAt} → ${m.run.finishedAt}, ${v.files} of ${m.files.length} files checked\n`)
  if (m?.report) process.stdout.write(`report:  period report ${m.report.id}: ${m.report.schedule}, ${m.report.since} to ${m.report.until} (${m.report.timezone}), ${v.files} of ${m.files.length} files checked\n`)
  for (const p of v.problems) process.stdout.write(`FAIL    ${p}\n`)
  for (const p of v.trustProblems) process.stdout.write(`UNTRUSTED ${p}\n`)
  for (const w of v.warnings) process.stdout.write(`WARN    ${w}\n`)
  const onlyTimestamp = v.trustProblems.length > 0 && v.trustProblems.every((p) => p.startsWith('timestamp:'))
  const verdict = !v.intact
    ? 'NOT intact: the bundle was changed, or is incomplete, after it was signed'
    : onlyTimestamp
      ? 'intact and signed, but its timestamp does NOT chain to the given --tsa-ca root: the time is not proven'
      : v.anchored
      ? 'verified: intact and signed by a certificate the given CA issued'
      : v.caGiven
        ? 'intact, but NOT signed by a certificate the given CA issued'
        : 'intact, but who signed it is not verified (give --ca with the evidence CA certificate)'
  process.stdout.write(verdict + '\n')
}
