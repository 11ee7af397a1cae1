// `vigil lab` (the README's first command): start a local lab of real targets covering every
// verdict, write an inventory for it, run the policy library against it, and say where the
// results are. Nothing leaves 127.0.0.1.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { stringify } from 'yaml'
import type { RunOutcome } from '../runner/run.ts'
import { findingsWithStatus } from '../reports/model.ts'
import { generateLabPki } from './tls/certificates.ts'
import { startTlsLabFleet, type TlsLabFleetOptions } from './tls/lab-fleet.ts'

type Expected = Record<string, 'passed' | 'failed' | 'error'>
const SSH_SERVER_CHECKS = ['ssh.server.kex', 'ssh.server.ciphers', 'ssh.server.macs', 'ssh.server.host-keys', 'ssh.server.terrapin', 'ssh.server.password-auth']
const all = (ids: string[], v: 'passed' | 'failed' | 'error'): Expected => Object.fromEntries(ids.map((id) => [id, v]))

export interface LabSection {
  /** inventory fragment: targets by kind */
  targets: Record<string, unknown[]>
  /** what each target demonstrates */
  notes: { name: string; shows: string; expect: Record<string, string> }[]
  stop(): Promise<void>
}

export interface LabOptions {
  out: string
  keep: boolean
  report(flags: { config: string; out: string; color: boolean; waivers: string }): Promise<RunOutcome>
  log?: (line: string) => void
}

export async function startTlsSection(dir: string, opts: TlsLabFleetOptions = {}): Promise<LabSection & { caFile: string }> {
  const pki = await generateLabPki(join(dir, 'pki'))
  const fleet = await startTlsLabFleet(pki, opts)
  return {
    caFile: pki.caCert,
    targets: {
      tls: fleet.endpoints.map((e) => ({ name: e.name, host: e.host, address: '127.0.0.1', port: e.port, tags: e.tags, ...(e.starttls ? { starttls: e.starttls } : {}) })),
    },
    notes: fleet.endpoints.map((e) => ({ name: e.name, shows: e.shows, expect: e.expect })),
    stop: fleet.stop,
  }
}

/** The SSH half: a hardened and a legacy sshd (real OpenSSH) and a folder of keys in every format. */
export async function startSshSection(dir: string, log: (l: string) => void): Promise<LabSection | undefined> {
  if (!existsSync('/usr/sbin/sshd') || process.getuid?.() !== 0) {
    log('lab: SSH targets skipped: they need OpenSSH sshd (/usr/sbin/sshd) and root; `sudo scripts/install-test-peers.sh` installs it')
    return undefined
  }
  const { startSshLab } = await import('./ssh/lab-targets.ts')
  const lab = await startSshLab(join(dir, 'ssh'))
  // the inventory names the variable; only this process's environment holds the passphrase
  Object.assign(process.env, lab.env)
  return {
    targets: { ssh: lab.targets.ssh, keyDirs: lab.targets.keyDirs },
    notes: [
      {
        name: 'lab-ssh-good',
        shows: 'hardened OpenSSH: curve25519/mlkem, AEAD ciphers, ETM MACs, ed25519 host key, keys only; host key pinned',
        expect: { ...all(SSH_SERVER_CHECKS, 'passed'), 'ssh.server.root-login': 'error' },
      },
      {
        name: 'lab-ssh-bad',
        shows: 'legacy OpenSSH: SHA-1 kex, CBC, non-ETM MACs, DSA and RSA-2048 host keys, passwords, root login; audited over a key login',
        expect: { 'ssh.server.kex': 'failed', 'ssh.server.ciphers': 'failed', 'ssh.server.macs': 'failed', 'ssh.server.host-keys': 'failed', 'ssh.server.password-auth': 'failed', 'ssh.server.root-login': 'failed', 'ssh.keys.passphrase': 'failed', 'ssh.keys.strength': 'failed' },
      },
      { name: 'lab-keys', shows: 'a folder of private keys in every format, plain and encrypted (found by content, not name)', expect: { 'ssh.keys.passphrase': 'failed', 'ssh.keys.strength': 'failed' } },
      { name: 'lab-no-keys', shows: 'a folder with no key in it: nothing to judge, so not applicable (never a pass)', expect: { 'ssh.keys.passphrase': 'not-applicable', 'ssh.keys.strength': 'not-applicable' } },
    ],
    stop: lab.stop,
  }
}

/** The AWS half: moto in server mode, seeded with an account that has good and bad buckets, users and roles. */
export async function startAwsSection(log: (l: string) => void): Promise<LabSection | undefined> {
  const { startMoto } = await import('./aws/moto-server.ts')
  const { seedAwsLab, awsLabTarget, EMULATOR_CREDENTIALS } = await import('./aws/seed-account.ts')
  let moto: Awaited<ReturnType<typeof startMoto>>
  try {
    moto = await startMoto()
  } catch (e) {
    log(`lab: AWS account skipped: moto could not start (${(e as Error).message.split('\n')[0]}); \`scripts/install-test-peers.sh\` installs it`)
    return undefined
  }
  try {
    const seeded = await seedAwsLab(moto.endpoint)
    // the emulator's fixed test credentials, for this process only; the inventory never holds credentials
    process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId
    process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey
    delete process.env.AWS_SESSION_TOKEN
    delete process.env.AWS_PROFILE
    const target = awsLabTarget(moto.endpoint)
    return {
      targets: { aws: [target] },
      notes: [
        {
          name: target.name,
          shows: `moto account: good buckets ${seeded.goodBuckets.join(', ')}; bad ${seeded.badBuckets.join(', ')}; users ${seeded.users.join(', ')}; roles ${seeded.roles.join(', ')}`,
          expect: {
            'aws.s3.encryption': 'failed',
            'aws.s3.secure-transport': 'failed',
            'aws.s3.public-policy': 'failed',
            'aws.s3.versioning': 'failed',
            'aws.s3.access-logging': 'failed',
            'aws.iam.user-mfa': 'failed',
            'aws.iam.password-policy': 'failed',
            'aws.iam.admin-privileges': 'failed',
            'aws.iam.privilege-escalation': 'failed',
            'aws.iam.direct-user-policies': 'failed',
            // moto's credential report has no root row: Vigil says it cannot decide, it does not pass
            'aws.iam.root-mfa': 'error',
            // keys, secrets, the audit trail and encryption at rest: a good and a bad resource each
            // (lab/aws/seed-services.ts); one multi-region logging trail is enough for the trail to pass
            'aws.kms.rotation': 'failed',
            'aws.kms.key-policy': 'failed',
            'aws.secretsmanager.rotation': 'failed',
            'aws.ssm.secure-parameters': 'failed',
            'aws.cloudtrail.enabled': 'passed',
            'aws.cloudtrail.integrity': 'failed',
            'aws.ec2.ebs-encryption': 'failed',
            'aws.rds.encryption': 'failed',
            'aws.rds.tls': 'failed',
            'aws.dynamodb.encryption': 'failed',
          },
        },
      ],
      stop: moto.stop,
    }
  } catch (e) {
    await moto.stop()
    throw e
  }
}

/** Compares the run's verdicts (before waivers) with what each lab target was built to show. */
export function labDeviations(outcome: RunOutcome, notes: LabSection['notes']): string[] {
  const out: string[] = []
  const findings = [...outcome.results.findings]
  for (const n of notes)
    for (const [checkId, want] of Object.entries(n.expect)) {
      const f = findings.find((x) => x.target === n.name && x.checkId === checkId)
      if (f && f.verdict !== want) out.push(`${n.name} ${checkId}: expected ${want}, got ${f.verdict} (${f.summary})`)
    }
  return out
}

/**
 * The lab's exceptions file: one waiver in force (the expiring certificate, renewal booked) and one
 * that expired yesterday (legacy TLS 1.0), which waives nothing and is reported.
 */
export function labWaivers(now: Date): string {
  const day = (d: number) => new Date(now.getTime() + d * 86_400_000).toISOString().slice(0, 10)
  return `# written by \`vigil lab\`: exceptions an approver signed off, each with a ticket and an expiry date
waivers:
  - id: LAB-W-001
    check: tls.cert.expiry
    target: web-expiring
    justification: Renewal is booked with the CA for next week; the certificate stays valid until then.
    approver: Dana Reyes (CISO)
    ticket: SEC-1042
    expires: ${day(30)}
  - id: LAB-W-002
    check: tls.protocols
    target: web-legacy-*
    justification: Legacy billing appliance speaks TLS 1.0 only; replacement was due last quarter.
    approver: Dana Reyes (CISO)
    ticket: SEC-0977
    expires: ${day(-1)}
`
}

/** Signs the run folder into a bundle, then verifies it and re-derives every verdict, as an auditor would. */
async function bundleAndCheck(resultsDir: string, dir: string, log: (l: string) => void): Promise<string[]> {
  const { createEvidenceSigner } = await import('./evidence-signer.ts')
  const { loadSigner, readCertificates } = await import('../reports/cms-signature.ts')
  const { createBundle, verifyBundle, defaultArchivePath } = await import('../reports/evidence-bundle.ts')
  const { recheckFolder } = await import('../runner/recheck.ts')
  const pki = await createEvidenceSigner(join(dir, 'evidence-signing'))
  // the passphrase lives in this process's environment only, as it would in a CI secret
  process.env.VIGIL_SIGNING_PASSPHRASE = pki.passphrase
  const signer = loadSigner({ keyFile: pki.signerKey, certFile: pki.signerCert, passphraseEnv: 'VIGIL_SIGNING_PASSPHRASE' })
  const archive = defaultArchivePath(resultsDir)
  const b = await createBundle(resultsDir, archive, signer)
  const v = await verifyBundle(archive, readCertificates(pki.caCert))
  const problems = [...v.problems, ...v.trustProblems]
  try {
    if (v.anchored) {
      const r = await recheckFolder(v.folder)
      problems.push(...r.problems, ...r.mismatches.map((m) => `${m.id}: ${m.field} differs on recheck`), ...r.missing.map((id) => `${id}: not re-derived`), ...r.extra.map((id) => `${id}: re-derived, not in the bundle`))
      log(`lab: evidence bundle ${archive} (${b.manifest.files.length} files, ${(b.bytes / 1024).toFixed(0)} KiB): signature and hashes verified against ${pki.caCert}; ${r.reproduced} of ${r.findings} verdicts re-derived from its observations`)
      log(`lab: verify it yourself: npx vigil verify ${archive} --ca ${pki.caCert}   (or the openssl commands in its VERIFY.txt, with CA=${pki.caCert})`)
    }
  } finally {
    v.cleanup()
  }
  return problems
}

export async function runLab(opts: LabOptions): Promise<number> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`))
  const dir = resolve(opts.out)
  mkdirSync(dir, { recursive: true })
  log(`lab: starting local targets in ${dir} …`)
  const sections: LabSection[] = []
  try {
    const tls = await startTlsSection(dir, { starttls: true })
    sections.push(tls)
    const ssh = await startSshSection(dir, log)
    if (ssh) sections.push(ssh)
    const aws = await startAwsSection(log)
    if (aws) sections.push(aws)
    const { startHostSection } = await import('./hosts/lab-section.ts')
    const hosts = await startHostSection(log)
    if (hosts) sections.push(hosts)
    const targets: Record<string, unknown[]> = {}
    for (const s of sections) for (const [kind, list] of Object.entries(s.targets)) targets[kind] = [...(targets[kind] ?? []), ...list]
    const config = join(dir, 'vigil.yaml')
    writeFileSync(
      config,
      `# written by \`vigil lab\`: real servers on 127.0.0.1, one per verdict\n` +
        stringify({ trust: { extraCaFiles: [tls.caFile] }, settings: { timeoutMs: 2000, concurrency: 100, perHost: 8 }, targets }),
    )
    const notes = sections.flatMap((s) => s.notes)
    log(`lab: ${notes.length} targets up; inventory ${config}`)
    for (const n of notes) log(`  ${n.name.padEnd(28)} ${n.shows}`)
    const waivers = join(dir, 'waivers.yaml')
    writeFileSync(waivers, labWaivers(new Date()))
    const outcome = await opts.report({ config, out: join(dir, 'results'), color: true, waivers })
    const deviations = labDeviations(outcome, notes)
    const waived = [...findingsWithStatus(outcome.results.findings, ['waived'])].map((f) => f.id)
    if (waived.length !== 1) deviations.push(`the lab's waiver LAB-W-001 should waive exactly one finding, it waived ${waived.length}`)
    if (!outcome.results.problems.some((p) => p.kind === 'waiver-expired')) deviations.push('the expired waiver LAB-W-002 was not reported')
    deviations.push(...(await bundleAndCheck(join(dir, 'results'), dir, log)).map((p) => `evidence bundle: ${p}`))
    for (const d of deviations) log(`lab: NOT AS DESIGNED: ${d}`)
    log(`lab: done. Report: ${outcome.files.html}; results: ${outcome.files.results}, JUnit: ${outcome.files.junit}, raw observations: ${outcome.files.observations}`)
    if (opts.keep) {
      log(`lab: servers keep running; press Ctrl-C to stop them. Rerun with: npx vigil run --config ${config} --out ${join(dir, 'results')}`)
      await new Promise<void>((r) => process.once('SIGINT', () => r()))
    }
    // The lab is built to fail: exit 0 when every target showed what it was built to show (and the
    // bundle verified and re-derived).
    return deviations.length === 0 ? 0 : 1
  } finally {
    await Promise.all(sections.map((s) => s.stop()))
  }
}
