// Secrets never reach an output: a whole `vigil run --bundle` over real peers (sshd with a
// passphrase-protected audit key, a folder holding an unprotected private key, moto with planted AWS
// credentials, an STS external id in the inventory, a passphrase-protected signing key), then every
// file Vigil wrote — reports, observations, the inputs snapshot, every file inside the evidence
// bundle — and everything it printed is scanned for the planted material.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLabSshd, type LabSshd } from '../../lab/ssh/sshd.ts'
import { startMoto, type Moto } from '../../lab/aws/moto-server.ts'
import { emulatorClients } from '../../lab/aws/seed-account.ts'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { createEvidenceSigner, type EvidenceSigner } from '../../lab/evidence-signer.ts'
import { runVigil } from '../run-vigil.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-secrets-'))
const PASSPHRASE = `pp-${randomBytes(16).toString('hex')}`
const AWS_SECRET = `planted-secret-${randomBytes(16).toString('hex')}`
const AWS_TOKEN = `planted-token-${randomBytes(24).toString('hex')}`
const EXTERNAL_ID = `planted-external-id-${randomBytes(8).toString('hex')}`
let sshd: LabSshd
let moto: Moto
let signing: EvidenceSigner

/** Every file under `root`, as [relative path, text]. */
function filesUnder(root: string, base = ''): [string, string][] {
  return readdirSync(join(root, base)).flatMap((name) => {
    const rel = base ? `${base}/${name}` : name
    return statSync(join(root, rel)).isDirectory() ? filesUnder(root, rel) : [[rel, readFileSync(join(root, rel), 'latin1')] as [string, string]]
  })
}

/** The base64 body lines of a PEM / OpenSSH private key: any one of them in an output is a leak. */
function keyBodyLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l.trim()))
}

beforeAll(async () => {
  const audit = join(dir, 'audit_key')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', 'audit', '-f', audit])
  mkdirSync(join(dir, 'keys'))
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'forgotten', '-f', join(dir, 'keys', 'deploy_key')])
  sshd = await startLabSshd({ profile: 'legacy', dir: join(dir, 'sshd'), authorizedKeys: readFileSync(`${audit}.pub`, 'utf8'), hostKeys: ['ed25519'] })
  moto = await startMoto()
  signing = await createEvidenceSigner(join(dir, 'signing'))
  const { s3 } = emulatorClients(moto.endpoint)
  await s3.send(new CreateBucketCommand({ Bucket: 'secrets-test-bucket' }))
  s3.destroy()
  writeFileSync(
    join(dir, 'vigil.yaml'),
    [
      'settings: {timeoutMs: 4000}',
      'targets:',
      '  ssh:',
      `    - {name: box, host: 127.0.0.1, port: ${sshd.port}, keyPaths: ["${join(dir, 'keys')}"], login: {user: root, privateKeyFile: audit_key, passphraseEnv: VIGIL_TEST_PASSPHRASE}}`,
      '  keyDirs:',
      `    - {name: local-keys, path: keys}`,
      '  aws:',
      `    - {name: acct, regions: [us-east-1], endpoint: "${moto.endpoint}"}`,
      '',
    ].join('\n'),
  )
  // the external id only matters for a role; an unused second account carries it into the inventory copy
  writeFileSync(join(dir, 'vigil.yaml'), readFileSync(join(dir, 'vigil.yaml'), 'utf8') + `    - {name: other-acct, regions: [us-east-1], endpoint: "${moto.endpoint}", roleArn: "arn:aws:iam::123456789012:role/audit", externalId: "${EXTERNAL_ID}", tags: [unused]}\n`)
  writeFileSync(join(dir, 'waivers.yaml'), 'waivers:\n  - {id: W-1, check: aws.s3.versioning, target: acct, justification: test, approver: me, ticket: T-1, expires: 2099-01-01}\n')
}, 120_000)

afterAll(async () => {
  await Promise.all([sshd?.stop(), moto?.stop()])
})

describe('no secret reaches any output', () => {
  it('scans results, JUnit, observations and the console for planted secrets after a real run', async () => {
    const env = {
      ...process.env,
      VIGIL_TEST_PASSPHRASE: PASSPHRASE,
      AWS_ACCESS_KEY_ID: 'AKIAPLANTEDKEY000001',
      AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      AWS_SESSION_TOKEN: AWS_TOKEN,
      AWS_PROFILE: '',
      VIGIL_SIGNING_PASSPHRASE: signing.passphrase,
    }
    const r = await runVigil(
      ['run', '--config', 'vigil.yaml', '--out', 'out', '--verbose', '--tags', '@ssh or @aws', '--targets', 'box,local-keys,acct',
        '--waivers', 'waivers.yaml', '--bundle', 'bundle.tar.gz', '--signing-key', signing.signerKey, '--signing-cert', signing.signerCert,
        // and every other output a run has: SARIF, annotations, the history
        '--sarif', 'vigil.sarif', '--schedule', 'nightly', '--history', 'history.db'],
      { cwd: dir, env: { ...env, GITHUB_ACTIONS: 'true' }, timeoutMs: 120_000 },
    )
    const today = new Date().toISOString().slice(0, 10)
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
    const period = await runVigil(['report', '--since', today, '--until', tomorrow, '--schedule', 'nightly', '--history', 'history.db', '--out', 'period', '-c', 'none.yaml'], { cwd: dir, env })
    expect(period.code, period.stderr).toBe(0)
    // the run really looked: it logged in, found the unprotected key and talked to the AWS endpoint
    const results = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')) as { findings: { checkId: string; target: string; status: string; summary: string }[] }
    const find = (id: string, target: string) => results.findings.find((f) => f.checkId === id && f.target === target)
    expect(find('ssh.keys.passphrase', 'box')).toMatchObject({ status: 'failed' })
    expect(find('ssh.keys.passphrase', 'box')!.summary).toContain('deploy_key')
    expect(find('ssh.keys.passphrase', 'local-keys')).toMatchObject({ status: 'failed' })
    expect(find('ssh.server.root-login', 'box')).toMatchObject({ status: 'failed' })
    expect(find('aws.s3.versioning', 'acct')).toMatchObject({ status: 'waived', verdict: 'failed' })
    expect(r.code, r.stderr).toBe(1)

    const unpacked = join(dir, 'unpacked')
    mkdirSync(unpacked)
    execFileSync('tar', ['-xzf', join(dir, 'bundle.tar.gz'), '-C', unpacked])
    const planted = [
      PASSPHRASE, AWS_SECRET, AWS_TOKEN, 'AKIAPLANTEDKEY000001', EXTERNAL_ID, signing.passphrase,
      ...keyBodyLines(join(dir, 'audit_key')), ...keyBodyLines(join(dir, 'keys', 'deploy_key')), ...keyBodyLines(signing.signerKey),
    ]
    expect(planted.length).toBeGreaterThan(20)
    const outputs: [string, string][] = [
      ['stdout', r.stdout],
      ['stderr', r.stderr],
      ...filesUnder(join(dir, 'out')).map(([n, t]) => [`out/${n}`, t] as [string, string]),
      ...filesUnder(unpacked).map(([n, t]) => [`bundle/${n}`, t] as [string, string]),
      // the archive itself, decompressed: what an auditor receives
      ['bundle.tar', execFileSync('gzip', ['-dc', join(dir, 'bundle.tar.gz')], { maxBuffer: 64 << 20 }).toString('latin1')],
      ['vigil.sarif', readFileSync(join(dir, 'vigil.sarif'), 'utf8')],
      // the history database, byte for byte (and its write-ahead log)
      ...['history.db', 'history.db-wal'].filter((f) => existsSync(join(dir, f))).map((f) => [f, readFileSync(join(dir, f)).toString('latin1')] as [string, string]),
      ...filesUnder(join(dir, 'period')).map(([n, t]) => [`period/${n}`, t] as [string, string]),
      ['report stdout', period.stdout + period.stderr],
    ]
    expect(r.stdout).toContain('::error file=')
    const names = outputs.map(([n]) => n.replace(/^bundle\/[^/]+\//, 'bundle/'))
    for (const f of ['results.json', 'junit.xml', 'observations.json', 'report.html', 'summary.md', 'findings.csv', 'run.json', 'inputs/inventory.yaml', 'inputs/waivers.yaml'])
      expect(names, f).toEqual(expect.arrayContaining([`out/${f}`, `bundle/${f}`]))
    expect(names).toEqual(expect.arrayContaining(['bundle/manifest.json', 'bundle/manifest.json.p7s', 'bundle/SHA256SUMS', 'bundle/VERIFY.txt']))
    // the inventory copy is there, with the external id replaced
    expect(outputs.find(([n]) => n === 'out/inputs/inventory.yaml')![1]).toContain('externalId: "[redacted]"')
    for (const [name, text] of outputs) for (const secret of planted) expect(text.includes(secret), `${name} contains a planted secret (${secret.slice(0, 8)}…)`).toBe(false)
  }, 150_000)
})
