// The evidence locker against real moto in server mode. moto accepts wrong checksums and past
// retention dates, so a small recording HTTP proxy sits between Vigil and moto and the test asserts
// what Vigil actually sent with every upload: the SHA-256 checksum header of the exact bytes, the
// COMPLIANCE mode and the retention date.
import { createHash } from 'node:crypto'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { CreateBucketCommand, PutObjectLockConfigurationCommand } from '@aws-sdk/client-s3'
import { startMoto, type Moto } from '../../lab/aws/moto-server.ts'
import { EMULATOR_CREDENTIALS, emulatorClients } from '../../lab/aws/seed-account.ts'
import { createEvidenceSigner, type EvidenceSigner } from '../../lab/evidence-signer.ts'
import { freePort } from '../../lab/free-port.ts'
import { HistoryStore } from '../../history/store.ts'
import { runVigil } from '../run-vigil.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-locker-'))
let moto: Moto
let proxy: Server
let proxyUrl = ''
let signing: EvidenceSigner
const uploads: { method: string; path: string; headers: IncomingHttpHeaders; sha256: string; bytes: number }[] = []
const env = () => ({ VIGIL_SIGNING_PASSPHRASE: signing.passphrase, AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined })
const sign = () => ['--signing-key', signing.signerKey, '--signing-cert', signing.signerCert]

function inventory(locker: Record<string, unknown> | undefined): string {
  return stringify({ settings: { timeoutMs: 500 }, schedule: { name: 'nightly' }, targets: { tls: [{ name: 'dead', host: 'localhost', address: '127.0.0.1', port: deadPort }] }, ...(locker ? { locker } : {}) })
}
let deadPort = 0

beforeAll(async () => {
  moto = await startMoto()
  const upstream = new URL(moto.endpoint)
  // the recording proxy: forwards every request to moto, keeps what each PUT carried
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      if (req.method === 'PUT') uploads.push({ method: req.method, path: req.url ?? '', headers: req.headers, sha256: createHash('sha256').update(body).digest('base64'), bytes: body.length })
      const fwd = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      })
      fwd.on('error', () => res.writeHead(502).end())
      fwd.end(body)
    })
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`
  signing = await createEvidenceSigner(join(dir, 'signing'))
  deadPort = await freePort()
  const { s3 } = emulatorClients(moto.endpoint)
  await s3.send(new CreateBucketCommand({ Bucket: 'evidence', ObjectLockEnabledForBucket: true }))
  await s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'evidence', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 } } } }))
  await s3.send(new CreateBucketCommand({ Bucket: 'no-lock' }))
  await s3.send(new CreateBucketCommand({ Bucket: 'short-lock', ObjectLockEnabledForBucket: true }))
  await s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'short-lock', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }))
}, 120_000)

afterAll(async () => {
  proxy?.close()
  await moto?.stop()
})

const credentials = () => ({ region: 'us-east-1', endpoint: proxyUrl })

describe('the evidence locker on S3 (moto behind a recording proxy)', () => {
  it('vigil run --bundle puts the bundle with its SHA-256 checksum and a COMPLIANCE retention, and records the version', async () => {
    writeFileSync(join(dir, 'vigil.yaml'), inventory({ url: 's3://evidence/vigil', retentionDays: 400, minRetentionDays: 30, credentials: credentials() }))
    const before = Date.now()
    const r = await runVigil(['run', '-o', 'out', '--tags', '@check:tls.protocols', '--bundle', 'b.tar.gz', ...sign(), '--history', 'h.db'], { cwd: dir, env: env() })
    expect(r.code, r.stdout + r.stderr).toBe(3)
    const line = /^locker: {2}(s3:\/\/evidence\/vigil\/b\.tar\.gz) \(version (\S+), retained until (\S+); sha256 ([0-9a-f]{64})\)$/m.exec(r.stdout)
    expect(line, r.stdout).not.toBeNull()
    const bundle = readFileSync(join(dir, 'b.tar.gz'))
    expect(line![4]).toBe(createHash('sha256').update(bundle).digest('hex'))
    const puts = uploads.filter((u) => u.path.startsWith('/evidence/vigil/b.tar.gz'))
    expect(puts).toHaveLength(1)
    const put = puts[0]!
    // what was sent is exactly the bundle, and the checksum header is its SHA-256
    expect(put.bytes).toBe(bundle.length)
    expect(put.headers['x-amz-checksum-sha256']).toBe(createHash('sha256').update(bundle).digest('base64'))
    expect(put.sha256).toBe(put.headers['x-amz-checksum-sha256'])
    expect(put.headers['x-amz-object-lock-mode']).toBe('COMPLIANCE')
    const until = Date.parse(String(put.headers['x-amz-object-lock-retain-until-date']))
    expect(Math.abs(until - (before + 400 * 86_400_000))).toBeLessThan(10 * 60_000)
    // the history keeps where and which version
    const store = HistoryStore.open(join(dir, 'h.db'))
    const run = store.runs({ schedule: 'nightly' })[0]!
    store.close()
    expect([run.lockerLocation, run.lockerVersion]).toEqual([line![1], line![2]])
  }, 120_000)

  it('refuses, before probing, a bucket without Object Lock and one whose default retention is too short', async () => {
    writeFileSync(join(dir, 'vigil.yaml'), inventory({ url: 's3://no-lock/vigil', retentionDays: 30, credentials: credentials() }))
    const none = await runVigil(['run', '-o', 'out2', '--bundle', 'c.tar.gz', ...sign()], { cwd: dir, env: env() })
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('--locker s3://no-lock: the bucket has no Object Lock')
    writeFileSync(join(dir, 'vigil.yaml'), inventory({ url: 's3://short-lock/vigil', retentionDays: 30, credentials: credentials() }))
    const short = await runVigil(['run', '-o', 'out3', '--bundle', 'd.tar.gz', ...sign()], { cwd: dir, env: env() })
    expect(short.code).toBe(2)
    expect(short.stderr).toContain("the bucket's default retention is 1 day(s) (GOVERNANCE), shorter than --min-retention-days 30")
    expect(uploads.some((u) => u.path.startsWith('/no-lock/') || u.path.startsWith('/short-lock/'))).toBe(false)
    const noRetention = await runVigil(['locker', 'push', 'b.tar.gz', '--locker', 's3://evidence/vigil', '-c', 'none.yaml'], { cwd: dir, env: env() })
    expect(noRetention.code).toBe(2)
    expect(noRetention.stderr).toContain('give --retention-days')
  }, 120_000)

  it('vigil history import s3://… rebuilds the history from the locker, with locations and versions', async () => {
    writeFileSync(join(dir, 'vigil.yaml'), inventory({ url: 's3://evidence/vigil', retentionDays: 400, credentials: credentials() }))
    const r = await runVigil(['history', 'import', 's3://evidence/vigil', '--history', 'rebuilt.db', '--ca', signing.caCert], { cwd: dir, env: env() })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^recorded s3:\/\/evidence\/vigil\/b\.tar\.gz: run [0-9a-f-]+ \(nightly\)$/m)
    const a = HistoryStore.open(join(dir, 'h.db'))
    const b = HistoryStore.open(join(dir, 'rebuilt.db'))
    const [x, y] = [a.runs()[0]!, b.runs()[0]!]
    a.close()
    b.close()
    expect([y.id, y.bundleSha256, y.lockerLocation, y.lockerVersion]).toEqual([x.id, x.bundleSha256, x.lockerLocation, x.lockerVersion])
  }, 120_000)
})

describe('reading the locker back', () => {
  it('a later version of a key cannot hide the locked original: every version is imported and checked', async () => {
    // a CI credential that can PutObject writes a second version over a night's bundle (Vigil itself never does: IfNoneMatch)
    const { s3 } = emulatorClients(moto.endpoint)
    const { PutObjectCommand } = await import('@aws-sdk/client-s3')
    const body = Buffer.from('not a bundle')
    await s3.send(new PutObjectCommand({ Bucket: 'evidence', Key: 'vigil/b.tar.gz', Body: body, ChecksumAlgorithm: 'SHA256', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000) }))
    writeFileSync(join(dir, 'vigil.yaml'), inventory({ url: 's3://evidence/vigil', retentionDays: 400, credentials: credentials() }))
    const r = await runVigil(['history', 'import', 's3://evidence/vigil', '--history', 'versions.db', '--ca', signing.caCert], { cwd: dir, env: env() })
    expect(r.stdout).toContain('WARN    s3://evidence/vigil/b.tar.gz: the key holds more than one version')
    expect(r.stdout).toMatch(/^REFUSED s3:\/\/evidence\/vigil\/b\.tar\.gz: /m)
    expect(r.stdout).toMatch(/^recorded s3:\/\/evidence\/vigil\/b\.tar\.gz: run /m)
    expect(r.code).toBe(1)
  }, 60_000)
})

describe('the evidence locker in a folder', () => {
  it('copies the bundle read-only with its SHA-256 checked, never overwrites another file', async () => {
    const locker = join(dir, 'locker')
    const r = await runVigil(['locker', 'push', 'b.tar.gz', '--locker', locker, '--retention-days', '30', '-c', 'none.yaml'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const kept = join(locker, 'b.tar.gz')
    expect(statSync(kept).mode & 0o777).toBe(0o444)
    expect(readFileSync(kept)).toEqual(readFileSync(join(dir, 'b.tar.gz')))
    // the same bundle again: nothing to do; another file under that name: refused
    expect((await runVigil(['locker', 'push', 'b.tar.gz', '--locker', locker, '--retention-days', '30', '-c', 'none.yaml'], { cwd: dir })).code).toBe(0)
    const forged = join(dir, 'forged')
    mkdirSync(forged, { recursive: true })
    writeFileSync(join(forged, 'b.tar.gz'), 'not the bundle')
    chmodSync(join(forged, 'b.tar.gz'), 0o644)
    const clash = await runVigil(['locker', 'push', join(forged, 'b.tar.gz'), '--locker', locker, '--retention-days', '30', '-c', 'none.yaml'], { cwd: dir })
    expect(clash.code).toBe(2)
    expect(clash.stderr).toContain('the locker already holds another file of that name; a locker never overwrites')
  })
})
