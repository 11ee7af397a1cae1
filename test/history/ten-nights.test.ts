// Ten consecutive lab nights under a fake clock (libfaketime), with injected changes: a certificate
// replaced by an expiring one, a bucket policy removed and restored, a fix, a skipped night, a waiver
// expiring, a finding that flaps. Real peers throughout: the lab's TLS servers, moto (the audited
// account and the Object Lock locker bucket), and an RFC 3161 authority answering under each night's
// clock. The history, the diffs and the period report must be exactly what the nights did — also
// after deleting the history and importing the ten bundles from the locker.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { CreateBucketCommand, DeleteBucketPolicyCommand, PutObjectLockConfigurationCommand } from '@aws-sdk/client-s3'
import { startTlsSection, type LabSection } from '../../lab/run-lab.ts'
import { startMoto, type Moto } from '../../lab/aws/moto-server.ts'
import { EMULATOR_CREDENTIALS, applyTlsOnlyPolicy, createGoodBucket, emulatorClients } from '../../lab/aws/seed-account.ts'
import { createEvidenceSigner, type EvidenceSigner } from '../../lab/evidence-signer.ts'
import { startTimestampAuthority, type TimestampAuthorityLab } from '../../lab/timestamp-authority.ts'
import { HistoryStore } from '../../history/store.ts'
import { PeriodReportSchema, type PeriodReport } from '../../history/period.ts'
import { runVigil, VIGIL_BIN } from '../run-vigil.ts'
import { dayOf, nightOf } from './nights.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-ten-nights-'))
const db = join(dir, 'history.db')
let lab: LabSection & { caFile: string }
let moto: Moto
let tsa: TimestampAuthorityLab
let signing: EvidenceSigner
let port: Record<string, number>
const env = () => ({ ...process.env, VIGIL_SIGNING_PASSPHRASE: signing.passphrase, AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey })

async function night(d: number, web: string): Promise<void> {
  tsa.setFakeTime(`+${d}d`)
  writeFileSync(
    join(dir, 'vigil.yaml'),
    stringify({
      settings: { timeoutMs: 3000 },
      schedule: { name: 'nightly', start: '02:00', timezone: 'UTC' },
      targets: { tls: [{ name: 'web', host: 'localhost', address: '127.0.0.1', port: port[web] }], aws: [{ name: 'prod', regions: ['us-east-1'], endpoint: moto.endpoint }] },
      locker: { url: 's3://evidence-locker/nightly', retentionDays: 400, credentials: { region: 'eu-west-1', endpoint: moto.endpoint } },
    }),
  )
  const args = ['-f', `+${d}d`, process.execPath, VIGIL_BIN, 'run', '--out', join(dir, `night-${d}`), '--history', db, '--waivers', 'waivers.yaml',
    '--bundle', join(dir, 'bundles', `night-${d}.tar.gz`), '--signing-key', signing.signerKey, '--signing-cert', signing.signerCert, '--tsa', tsa.url, '--tsa-ca', tsa.caCert,
    '--tags', '@check:tls.cert.expiry or @check:tls.forward-secrecy or @check:aws.s3.secure-transport', '-q']
  const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile('faketime', args, { cwd: dir, env: env(), timeout: 120_000 }, (err, _o, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stderr })),
  )
  expect([0, 1], `night ${d}: ${r.stderr}`).toContain(r.code)
}

beforeAll(async () => {
  lab = await startTlsSection(join(dir, 'lab'))
  port = Object.fromEntries((lab.targets.tls as { name: string; port: number }[]).map((t) => [t.name, t.port]))
  moto = await startMoto()
  tsa = await startTimestampAuthority(join(dir, 'tsa'))
  signing = await createEvidenceSigner(join(dir, 'signing'))
  mkdirSync(join(dir, 'bundles'))
  const { s3 } = emulatorClients(moto.endpoint)
  await createGoodBucket(s3, 'patient-exports')
  // the locker: Object Lock, COMPLIANCE 400 days, in a region the audit does not cover (its own bucket, its own place)
  const eu = emulatorClients(moto.endpoint, 'eu-west-1').s3
  await eu.send(new CreateBucketCommand({ Bucket: 'evidence-locker', ObjectLockEnabledForBucket: true, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }))
  await eu.send(new PutObjectLockConfigurationCommand({ Bucket: 'evidence-locker', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } } }))
  // the waiver of the static-RSA suite on web lasts until the end of night 7's day
  writeFileSync(join(dir, 'waivers.yaml'), stringify({ waivers: [{ id: 'W-1', check: 'tls.forward-secrecy', target: 'web', justification: 'vendor appliance, replacement ordered', approver: 'CISO', ticket: 'SEC-7', expires: dayOf(7).toISOString().slice(0, 10) }] }))
  // night by night
  await night(0, 'web-good')
  await night(1, 'web-expiring') // a certificate replaced by an expiring one
  await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'patient-exports' })) // the bucket policy removed
  await night(2, 'web-expiring')
  await night(3, 'web-good') // the certificate fixed; the bucket still open
  // night 4 skipped
  await applyTlsOnlyPolicy(s3, 'patient-exports') // the bucket policy restored
  await night(5, 'web-good')
  await night(6, 'web-mixed-fs') // a static-RSA suite, waived
  await night(7, 'web-good')
  await night(8, 'web-mixed-fs') // back, and the waiver has expired: it flaps
  await night(9, 'web-good')
  tsa.setFakeTime(undefined)
}, 600_000)

afterAll(async () => {
  await lab?.stop()
  await moto?.stop()
  await tsa?.stop()
})

async function report(history: string, out: string): Promise<PeriodReport> {
  const r = await runVigil(['report', '--since', nightOf(0), '--until', nightOf(10), '--history', history, '--out', out], { cwd: dir })
  expect(r.code, r.stderr).toBe(0)
  return PeriodReportSchema.parse(JSON.parse(readFileSync(join(dir, out, 'period-report.json'), 'utf8')))
}

describe('ten lab nights', () => {
  it('the history: what broke when, what was fixed when, what flaps', async () => {
    const r = await runVigil(['history', '--history', db, '--json'], { cwd: dir })
    const t = JSON.parse(r.stdout) as { runs: unknown[]; rows: { checkId: string; target: string; offender: string; intervals: { fixedAt?: string; hoursToFix?: number }[]; flaps: number; failingNow: boolean }[] }
    expect(t.runs).toHaveLength(9)
    const row = (checkId: string) => t.rows.filter((x) => x.checkId === checkId)
    const expiry = row('tls.cert.expiry')
    expect(expiry).toHaveLength(1)
    expect(expiry[0]!.intervals.map((i) => Math.round(i.hoursToFix!))).toEqual([48])
    const open = row('aws.s3.secure-transport')
    expect(open.map((x) => x.offender)).toEqual(['arn:aws:s3:::patient-exports'])
    // open from night 2 to night 5: the skipped night in between changes nothing
    expect(open[0]!.intervals.map((i) => Math.round(i.hoursToFix!))).toEqual([72])
    const fs = row('tls.forward-secrecy')
    expect(fs.map((x) => [x.offender, x.flaps, x.failingNow, x.intervals.length])).toEqual([['TLSv1.2/TLS_RSA_WITH_AES_128_GCM_SHA256', 1, false, 2]])
  })

  it('the morning messages: each night against the one before', async () => {
    const store = HistoryStore.open(db)
    const runs = store.runs({ schedule: 'nightly' })
    store.close()
    const diff = async (a: number, b: number) => JSON.parse((await runVigil(['diff', runs[a]!.id, runs[b]!.id, '--history', db, '--format', 'json'], { cwd: dir })).stdout) as { counts: Record<string, number> }
    // runs: nights 0 1 2 3 5 6 7 8 9
    expect((await diff(0, 1)).counts).toMatchObject({ new: 1, fixed: 0 })
    expect((await diff(1, 2)).counts).toMatchObject({ new: 1, fixed: 0, 'still-failing': 1 })
    expect((await diff(2, 3)).counts).toMatchObject({ new: 0, fixed: 1, 'still-failing': 1 })
    expect((await diff(3, 4)).counts).toMatchObject({ new: 0, fixed: 1 })
    expect((await diff(7, 8)).counts).toMatchObject({ new: 0, fixed: 1 })
  })

  it('the period report: every night proven by the authority, the skipped one missing, statuses by precedence', async () => {
    const r = await report(db, 'period')
    expect(r.counts).toEqual({ nights: 10, proven: 9, unproven: 0, missing: 1 })
    const nights = (control: string) => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => r.controls.find((c) => c.control === control)!.nights[nightOf(d)])
    const P = 'passed', F = 'failed', M = 'missing', W = 'waived'
    expect(nights('soc2:CC7.1')).toEqual([P, F, F, P, M, P, P, P, P, P]) // the certificate
    expect(nights('hipaa:164.312(e)(2)(i)')).toEqual([P, P, F, F, M, P, P, P, P, P]) // the bucket policy
    expect(nights('hipaa:164.312(e)(2)(ii)')).toEqual([P, P, P, P, M, P, W, P, F, P]) // the flapping suite, waived once
    expect(nights('soc2:CC6.7')).toEqual([P, F, F, F, M, P, W, P, F, P]) // all three
    const cc71 = r.controls.find((c) => c.control === 'soc2:CC7.1')!
    // coverage per control and night: the certificate check judged the one endpoint every night there was a run
    expect(cc71.coverage[nightOf(1)]).toEqual({ planned: 1, observed: 1 })
    expect(cc71.coverage[nightOf(4)]).toEqual({ planned: 0, observed: 0 })
    expect(r.controls.find((c) => c.control === 'soc2:CC6.7')!.coverage[nightOf(2)]).toEqual({ planned: 2, observed: 2 })
    expect(cc71.intervals.map((i) => Math.round(i.hoursToFix!))).toEqual([48])
    for (const n of r.nights.filter((x) => x.run)) {
      expect(n.run!.lockerVersion, n.date).toBeTruthy()
      expect(n.proven, n.date).toBe(true)
    }
  })

  it('the same history and report after deleting the database and importing the ten bundles from the locker', async () => {
    const before = await report(db, 'period')
    const rebuilt = join(dir, 'rebuilt.db')
    rmSync(rebuilt, { force: true })
    const imp = await runVigil(['history', 'import', 's3://evidence-locker/nightly', '--history', rebuilt, '--ca', signing.caCert, '--tsa-ca', tsa.caCert], { cwd: dir, env: env(), timeoutMs: 180_000 })
    expect(imp.code, imp.stdout + imp.stderr).toBe(0)
    expect(imp.stdout).toContain('9 run(s) recorded')
    expect(await report(rebuilt, 'period-rebuilt')).toEqual(before)
  }, 180_000)
})
