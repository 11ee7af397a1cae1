// Trusted time (RFC 3161) against a real authority: OpenSSL's `openssl ts -reply` behind an HTTP
// server on 127.0.0.1 (lab/timestamp-authority.ts), also under a clock moved by libfaketime.
import { execFile, spawnSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTimestampAuthority, type TimestampAuthorityLab } from '../../lab/timestamp-authority.ts'
import { createEvidenceSigner, type EvidenceSigner } from '../../lab/evidence-signer.ts'
import { freePort } from '../../lab/free-port.ts'
import { verifyTimestampToken } from '../../reports/cms-signature.ts'
import { embeddedTimestamp } from '../../reports/timestamp.ts'
import { AUDITOR_COMMANDS, TIMESTAMP_COMMANDS } from '../../reports/evidence-bundle.ts'
import { runVigil, VIGIL_BIN } from '../run-vigil.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-tsa-'))
let tsa: TimestampAuthorityLab
let signing: EvidenceSigner
const env = () => ({ VIGIL_SIGNING_PASSPHRASE: signing.passphrase })
const sign = () => ['--signing-key', signing.signerKey, '--signing-cert', signing.signerCert]
const RUN = ['run', '-c', 'vigil.yaml', '--tags', '@check:tls.protocols', '-q']

beforeAll(async () => {
  tsa = await startTimestampAuthority(join(dir, 'tsa'))
  signing = await createEvidenceSigner(join(dir, 'signing'))
  // one dead port is a complete run (an error finding): enough to seal
  writeFileSync(join(dir, 'vigil.yaml'), `settings: {timeoutMs: 500}\ntargets:\n  tls:\n    - {name: dead, host: localhost, address: 127.0.0.1, port: ${await freePort()}}\n`)
}, 60_000)

afterAll(async () => tsa?.stop())

/** The bundle folder unpacked, for the auditor's commands. */
function unpack(archive: string): string {
  const to = mkdtempSync(join(tmpdir(), 'vigil-tsa-unpack-'))
  spawnSync('tar', ['-xzf', archive, '-C', to])
  return join(to, readdirSync(to)[0]!)
}

describe('RFC 3161 trusted time', () => {
  it('vigil run --bundle --tsa embeds a token; vigil verify checks it against the pinned root and prints its time', async () => {
    const before = Date.now()
    const r = await runVigil([...RUN, '-o', 'out', '--bundle', 'b.tar.gz', ...sign(), '--tsa', tsa.url, '--tsa-ca', tsa.caCert], { cwd: dir, env: env() })
    expect(r.code, r.stderr).toBe(3)
    expect(tsa.answered()).toBe(1)
    const v = await runVigil(['verify', 'b.tar.gz', '--ca', signing.caCert, '--tsa-ca', tsa.caCert], { cwd: dir })
    expect(v.code, v.stdout).toBe(0)
    const m = /^time: {4}(\S+) \(RFC 3161 timestamp by O=Vigil Lab, CN=Vigil Lab Timestamp Authority, chained to the --tsa-ca root\)$/m.exec(v.stdout)
    expect(m).not.toBeNull()
    expect(Math.abs(Date.parse(m![1]!) - before)).toBeLessThan(60_000)
    // another root pinned: intact and signed, but the time is not proven (exit 1)
    const other = await runVigil(['verify', 'b.tar.gz', '--ca', signing.caCert, '--tsa-ca', tsa.otherCaCert], { cwd: dir })
    expect(other.code).toBe(1)
    expect(other.stdout).toContain('its timestamp does NOT chain to the given --tsa-ca root')
    // no root given: a warning, the signature itself still verified
    const none = await runVigil(['verify', 'b.tar.gz', '--ca', signing.caCert], { cwd: dir })
    expect(none.code).toBe(0)
    expect(none.stdout).toContain('no --tsa-ca was given')
  }, 120_000)

  it("the auditor's openssl commands still verify the bundle, and the VERIFY.txt commands verify the time", async () => {
    const folder = unpack(join(dir, 'b.tar.gz'))
    const verifyTxt = readFileSync(join(folder, 'VERIFY.txt'), 'utf8')
    expect(verifyTxt).toContain(TIMESTAMP_COMMANDS)
    const script = `cd "${folder}"\n${AUDITOR_COMMANDS.split('\n').slice(1).join('\n')}\n${TIMESTAMP_COMMANDS}`
    const ok = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], { env: { PATH: process.env.PATH, BUNDLE: join(dir, 'b.tar.gz'), CA: signing.caCert, TSA_CA: tsa.caCert }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    expect(ok.status, ok.stderr + ok.stdout).toBe(0)
    expect(ok.stdout).toContain('bundle verified')
    expect(ok.stdout).toMatch(/^Verification: OK$/m)
    expect(ok.stdout).toMatch(/^Time stamp: \w{3} +\d+ \d\d:\d\d:\d\d 20\d\d GMT$/m)
    const bad = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', `cd "${folder}"\n${TIMESTAMP_COMMANDS}`], { env: { PATH: process.env.PATH, TSA_CA: tsa.otherCaCert }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    expect(bad.status).not.toBe(0)
  }, 60_000)

  it('a token whose signature does not verify, or that stamps other data, is refused', async () => {
    const p7s = readFileSync(join(dir, 'out', 'manifest.json.p7s'))
    const stamp = embeddedTimestamp(p7s)!
    const anchors = [new X509Certificate(readFileSync(tsa.caCert))]
    expect(verifyTimestampToken(stamp.token, stamp.signature, anchors)).toMatchObject({ valid: true, anchored: true })
    // the last bytes of the token are its RSA signature
    const broken = Buffer.from(stamp.token)
    broken[broken.length - 5]! ^= 0x01
    const b = verifyTimestampToken(broken, stamp.signature, anchors)
    expect(b.valid).toBe(false)
    expect(b.problems).toContain("the timestamp token's signature does not verify with the authority's certificate")
    const other = verifyTimestampToken(stamp.token, Buffer.from('some other signature'), anchors)
    expect(other.problems).toContain('the timestamp was issued for other data: its message imprint is not the hash of the manifest signature')
  })

  it('a token from an authority that does not chain to the pinned root is refused when sealing; --tsa without --tsa-ca is a usage error', async () => {
    const r = await runVigil([...RUN, '-o', 'out2', '--bundle', 'b2.tar.gz', ...sign(), '--tsa', tsa.url, '--tsa-ca', tsa.otherCaCert], { cwd: dir, env: env() })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--tsa http:\/\/127\.0\.0\.1:\d+\/tsa: the token is refused: .*does not chain to the supplied CA certificate/)
    const half = await runVigil([...RUN, '-o', 'out3', '--bundle', 'b3.tar.gz', ...sign(), '--tsa', tsa.url], { cwd: dir, env: env() })
    expect(half.code).toBe(2)
    expect(half.stderr).toContain('--tsa and --tsa-ca go together')
  }, 60_000)

  it('under a clock moved by libfaketime, run and authority alike, the token carries the moved time', async () => {
    tsa.setFakeTime('+3d')
    try {
      const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile('faketime', ['-f', '+3d', process.execPath, VIGIL_BIN, ...RUN, '-o', 'later', '--bundle', 'later.tar.gz', ...sign(), '--tsa', tsa.url, '--tsa-ca', tsa.caCert], { cwd: dir, env: { ...process.env, ...env() }, timeout: 60_000 }, (err, _o, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stderr }),
        ),
      )
      expect(r.code, r.stderr).toBe(3)
      const stamp = embeddedTimestamp(readFileSync(join(dir, 'later', 'manifest.json.p7s')))!
      const t = verifyTimestampToken(stamp.token, stamp.signature, [new X509Certificate(readFileSync(tsa.caCert))])
      expect(t.anchored).toBe(true)
      expect(Date.parse(t.time!) - Date.now()).toBeGreaterThan(2.9 * 86_400_000)
    } finally {
      tsa.setFakeTime(undefined)
    }
  }, 60_000)
})
