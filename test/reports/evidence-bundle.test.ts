// The evidence bundle end to end, on one real run of the TLS lab: `vigil run --bundle` writes it,
// `vigil verify` and the README's plain openssl/sha256sum commands accept it and reject any
// tampered copy, a hostile archive is refused before extraction, and `vigil recheck` re-derives
// every verdict from the bundled observations — and notices a verdict the evidence does not support.
import { createHash } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AUDITOR_COMMANDS, ManifestSchema, bundleFolderName } from '../../reports/evidence-bundle.ts'
import { ResultsSchema } from '../../reports/model.ts'
import { createEvidenceSigner, type EvidenceSigner } from '../../lab/evidence-signer.ts'
import { runVigil, STACK_TRACE, type VigilResult } from '../run-vigil.ts'
import { startTlsLab, type TlsLab } from './tls-lab-inventory.ts'

const REPO = new URL('../../', import.meta.url).pathname
let lab: TlsLab
let signing: EvidenceSigner
let run: VigilResult
let top: string
const bundle = () => join(lab.dir, 'bundle.tar.gz')
const env = () => ({ VIGIL_SIGNING_PASSPHRASE: signing.passphrase })
const signArgs = () => ['--signing-key', signing.signerKey, '--signing-cert', signing.signerCert]

beforeAll(async () => {
  lab = await startTlsLab('vigil-bundle-')
  signing = await createEvidenceSigner(join(lab.dir, 'signing'))
  writeFileSync(join(lab.dir, 'waivers.yaml'), 'waivers:\n  - {id: W-1, check: tls.cert.expiry, target: web-expiring, justification: renewal booked, approver: Dana (CISO), ticket: SEC-1, expires: 2099-01-01}\n')
  run = await runVigil(['run', '--config', lab.config, '--out', 'out', '--waivers', 'waivers.yaml', '--bundle', 'bundle.tar.gz', ...signArgs()], { cwd: lab.dir, env: env() })
  top = bundleFolderName(ResultsSchema.parse(JSON.parse(readFileSync(join(lab.dir, 'out', 'results.json'), 'utf8'))).run.id)
}, 180_000)

afterAll(async () => lab?.stop())

/** Unpacks an archive into a fresh folder; returns the bundle folder inside it. */
function unpack(archive: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-unpack-'))
  execFileSync('tar', ['-xzf', archive, '-C', dir])
  return join(dir, readdirSync(dir)[0]!)
}

/** Packs a bundle folder back into an archive the way an auditor would receive it. */
function repack(folder: string): string {
  const archive = join(mkdtempSync(join(tmpdir(), 'vigil-repack-')), 'b.tar.gz')
  execFileSync('tar', ['-czf', archive, '-C', join(folder, '..'), top])
  return archive
}

/** Runs the README's auditor block, verbatim, with bash, in an empty folder. */
function auditor(archive: string, ca = signing.caCert): { code: number; out: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-auditor-'))
  // stdin closed: bash reads ~/.bashrc when its stdin is a socket, as under a test runner
  const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', readmeAuditorBlock()], { cwd, env: { PATH: process.env.PATH, BUNDLE: archive, CA: ca }, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] })
  return { code: r.status ?? 99, out: `${r.stderr}${r.stdout}` }
}

function readmeAuditorBlock(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
  const m = /<!-- auditor-commands -->\n```sh\n([\s\S]+?)\n```/.exec(readme)
  expect(m, 'README.md has the auditor commands block').not.toBeNull()
  return m![1]!
}

describe('vigil run --bundle', () => {
  it('writes one archive: reports, raw evidence, the exact feature files, the inventory and waivers used, run metadata, manifest and signatures', () => {
    expect(run.stderr).not.toMatch(STACK_TRACE)
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^bundle: {2}bundle\.tar\.gz \(\d+ files, \d+ KiB, sha256 [0-9a-f]{64}\)$/m)
    const entries = execFileSync('tar', ['-tzf', bundle()], { encoding: 'utf8' }).trim().split('\n')
    expect(new Set(entries.map((e) => e.split('/')[0]))).toEqual(new Set([top]))
    const files = entries.map((e) => e.slice(top.length + 1))
    for (const f of ['results.json', 'junit.xml', 'report.html', 'summary.md', 'findings.csv', 'observations.json', 'run.json', 'VERIFY.txt',
      'inputs/inventory.yaml', 'inputs/waivers.yaml', 'inputs/policies/tls/protocols.feature', 'inputs/policies/aws/iam-root.feature',
      'manifest.json', 'manifest.json.p7s', 'SHA256SUMS', 'SHA256SUMS.p7s'])
      expect(files, f).toContain(f)

    const folder = unpack(bundle())
    // the feature files exactly as they decided, byte for byte
    for (const f of ['tls/protocols.feature', 'ssh/server-kex.feature']) expect(readFileSync(join(folder, 'inputs/policies', f))).toEqual(readFileSync(join(REPO, 'features', f)))
    const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')))
    expect(manifest.files.map((f) => f.path).sort()).toEqual(files.filter((f) => !['manifest.json', 'manifest.json.p7s', 'SHA256SUMS', 'SHA256SUMS.p7s'].includes(f)).sort())
    for (const f of manifest.files) expect(execFileSync('sha256sum', [join(folder, f.path)], { encoding: 'utf8' }).slice(0, 64), f.path).toBe(f.sha256)
    // run metadata: tool and runtime versions, host, operator, UTC start and end, policy commit
    const head = execFileSync('git', ['-C', REPO, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()
    expect(manifest.run).toMatchObject({ vigilVersion: '0.1.0', nodeVersion: process.version, operator: expect.any(String), host: expect.any(String), policyRepo: { commit: head } })
    expect(manifest.run!.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(Date.parse(manifest.run!.finishedAt)).toBeGreaterThan(Date.parse(manifest.run!.startedAt))
    expect(manifest.signer.subject).toBe('O=Vigil Lab, CN=Vigil evidence signer')
    expect(readFileSync(join(folder, 'VERIFY.txt'), 'utf8')).toContain(AUDITOR_COMMANDS)
  })

  it('checks the signing key before probing anything: a missing, undecryptable, non-RSA or mismatched key is exit 2 in one paragraph', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[], {}, /^vigil: an evidence bundle is signed: give --signing-key and --signing-cert/],
      [signArgs(), { VIGIL_SIGNING_PASSPHRASE: 'wrong' }, /evidence-signer\.key: cannot read the signing key: the passphrase in VIGIL_SIGNING_PASSPHRASE does not decrypt it\n$/],
      [signArgs(), { VIGIL_SIGNING_PASSPHRASE: '' }, /cannot read the signing key: /],
      [['--signing-key', join(lab.dir, 'pki', 'leaf-p256.key'), '--signing-cert', join(lab.dir, 'pki', 'good-ecdsa.pem')], {}, /the signing key is ec; evidence bundles are signed with node-forge, which signs with RSA keys only/],
      [['--signing-key', join(lab.dir, 'pki', 'leaf-rsa2048.key'), '--signing-cert', signing.signerCert], {}, /evidence-signer\.pem: the first certificate \(O=Vigil Lab, CN=Vigil evidence signer\) is not the signing key's certificate/],
    ]
    for (const [args, extra, message] of cases) {
      const r = await runVigil(['run', '--config', lab.config, '--out', 'never', '--bundle', ...args], { cwd: lab.dir, env: { VIGIL_SIGNING_PASSPHRASE: undefined, ...extra } })
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(STACK_TRACE)
      expect(existsSync(join(lab.dir, 'never')), 'nothing was probed').toBe(false)
    }
  }, 60_000)
})

describe('a new run into a sealed folder', () => {
  it('removes the old seal: its signatures would describe other files', async () => {
    cpSync(join(lab.dir, 'out'), join(lab.dir, 'rerun'), { recursive: true })
    expect(existsSync(join(lab.dir, 'rerun', 'manifest.json'))).toBe(true)
    const r = await runVigil(['run', '--config', lab.config, '--out', 'rerun', '--targets', 'web-good', '--tags', '@tls'], { cwd: lab.dir })
    expect(r.code, r.stderr).toBe(0)
    for (const f of ['manifest.json', 'manifest.json.p7s', 'SHA256SUMS', 'SHA256SUMS.p7s', 'VERIFY.txt']) expect(existsSync(join(lab.dir, 'rerun', f)), f).toBe(false)
  }, 60_000)
})

describe('verifying a bundle', () => {
  it('`vigil verify` accepts it: exit 0 with the evidence CA, 3 without a CA, 1 with a CA that did not issue the signer', async () => {
    const ok = await runVigil(['verify', bundle(), '--ca', signing.caCert], { cwd: lab.dir })
    expect(ok.code, ok.stdout).toBe(0)
    expect(ok.stdout).toMatch(/^chain: {3}O=Vigil Lab, CN=Vigil evidence signer → O=Vigil Lab, CN=Vigil Lab Evidence CA$/m)
    expect(ok.stdout).toMatch(/verified: intact and signed by a certificate the given CA issued/)
    const noCa = await runVigil(['verify', bundle()], { cwd: lab.dir })
    expect(noCa.code).toBe(3)
    expect(noCa.stdout).toContain('who signed it is not verified (give --ca')
    const other = await runVigil(['verify', bundle(), '--ca', signing.otherCaCert], { cwd: lab.dir })
    expect(other.code).toBe(1)
    expect(other.stdout).toContain('UNTRUSTED the signer (O=Vigil Lab, CN=Vigil evidence signer) does not chain to the supplied CA certificate(s)')
    // the sealed output folder verifies the same way as the archive
    expect((await runVigil(['verify', 'out', '--ca', signing.caCert], { cwd: lab.dir })).code).toBe(0)
  }, 60_000)

  it('the auditor commands in the README are the ones VERIFY.txt gives, and accept the bundle with openssl and sha256sum alone', () => {
    expect(readmeAuditorBlock()).toBe(AUDITOR_COMMANDS)
    const r = auditor(bundle())
    expect(r.code, r.out).toBe(0)
    expect(r.out).toMatch(/CMS Verification successful[\s\S]*CMS Verification successful[\s\S]*bundle verified/)
    // and refuse it against a CA that did not issue the signer
    expect(auditor(bundle(), signing.otherCaCert).code).not.toBe(0)
  })

  const tamperings: [string, (folder: string) => void][] = [
    ['one byte of results.json', (d) => flipByte(join(d, 'results.json'))],
    ['one byte of the raw observations', (d) => flipByte(join(d, 'observations.json'))],
    ['one byte of a bundled feature file', (d) => flipByte(join(d, 'inputs/policies/tls/protocols.feature'))],
    ['one byte of report.html', (d) => flipByte(join(d, 'report.html'))],
    ['one byte of the manifest', (d) => flipByte(join(d, 'manifest.json'))],
    ['one byte of SHA256SUMS', (d) => flipByte(join(d, 'SHA256SUMS'))],
    ['one byte of a signature', (d) => flipByte(join(d, 'SHA256SUMS.p7s'))],
    ['an added file', (d) => writeFileSync(join(d, 'inputs', 'extra-waiver.yaml'), 'waivers: []\n')],
    ['a removed file', (d) => unlinkSync(join(d, 'findings.csv'))],
    ['a line appended to a report', (d) => appendFileSync(join(d, 'summary.md'), '\nall good\n')],
  ]
  for (const [what, tamper] of tamperings)
    it(`${what} makes both \`vigil verify\` and the openssl commands fail`, async () => {
      const folder = unpack(bundle())
      tamper(folder)
      const archive = repack(folder)
      const v = await runVigil(['verify', archive, '--ca', signing.caCert], { cwd: lab.dir })
      expect(v.code, v.stdout).toBe(1)
      expect(v.stdout).toMatch(/^FAIL {4}/m)
      expect(v.stdout).toContain('NOT intact')
      const a = auditor(archive)
      expect(a.code, a.out).not.toBe(0)
      expect(a.out).not.toContain('bundle verified')
    }, 60_000)

  it('an archive with a link, a path outside its folder, or two top folders is refused before anything is unpacked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-hostile-'))
    const make = (name: string, script: string) => {
      execFileSync('python3', ['-c', `import tarfile, io\nt = tarfile.open(${JSON.stringify(join(dir, name))}, 'w:gz')\n${script}\nt.close()`])
      return join(dir, name)
    }
    const file = (path: string) => `i = tarfile.TarInfo(${JSON.stringify(path)}); d = b'x'; i.size = len(d); t.addfile(i, io.BytesIO(d))`
    const archives = {
      link: make('link.tar.gz', `${file('b/manifest.json')}\ni = tarfile.TarInfo('b/results.json'); i.type = tarfile.SYMTYPE; i.linkname = '/etc/passwd'; t.addfile(i)`),
      escape: make('escape.tar.gz', `${file('b/manifest.json')}\n${file('b/../../escaped.txt')}`),
      absolute: make('absolute.tar.gz', file('/tmp/vigil-absolute-escape.txt')),
      twoTops: make('two.tar.gz', `${file('a/manifest.json')}\n${file('b/manifest.json')}`),
      garbage: join(dir, 'garbage.tar.gz'),
    }
    writeFileSync(archives.garbage, 'this is not a tar archive')
    for (const [name, archive] of Object.entries(archives)) {
      const r = await runVigil(['verify', archive, '--ca', signing.caCert], { cwd: dir })
      expect(r.code, `${name}: ${r.stdout}`).toBe(1)
      expect(r.stdout).toMatch(/^FAIL {4}/m)
      expect(r.stderr).not.toMatch(STACK_TRACE)
    }
    expect(existsSync(join(tmpdir(), 'escaped.txt'))).toBe(false)
    expect(existsSync('/tmp/vigil-absolute-escape.txt')).toBe(false)
  }, 60_000)
})

function flipByte(file: string): void {
  const b = readFileSync(file)
  const i = Math.floor(b.length / 2)
  b[i] = b[i]! ^ 0x01
  writeFileSync(file, b)
}

/** Rewrites run.json's SHA-256 of `file` to the file's current content, as someone forging a run folder would. */
function rehash(folder: string, file: string): void {
  const record = JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8')) as { sha256: Record<string, string> }
  record.sha256[file] = createHash('sha256').update(readFileSync(join(folder, file))).digest('hex')
  writeFileSync(join(folder, 'run.json'), JSON.stringify(record, null, 2) + '\n')
}

/** Findings of the lab run (every TLS endpoint × check, the STARTTLS services included). */
const labFindingCount = () => (JSON.parse(readFileSync(join(lab.dir, 'out', 'results.json'), 'utf8')) as { findings: unknown[] }).findings.length

describe('vigil recheck', () => {
  it('re-derives every verdict from the bundled observations and policies, and they match', async () => {
    const r = await runVigil(['recheck', bundle(), '--ca', signing.caCert], { cwd: lab.dir })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const n = labFindingCount()
    expect(n).toBeGreaterThan(200)
    expect(r.stdout).toMatch(new RegExp(`^reproduced: ${n} of ${n} verdicts re-derived identically from the bundle's observations$`, 'm'))
  }, 60_000)

  it('notices a verdict the evidence does not support, even in a correctly signed bundle', async () => {
    // a forged result: the operator edits results.json before sealing; the signature is valid
    const forged = join(mkdtempSync(join(tmpdir(), 'vigil-forged-')), 'out')
    cpSync(join(lab.dir, 'out'), forged, { recursive: true })
    const results = JSON.parse(readFileSync(join(forged, 'results.json'), 'utf8')) as { findings: { id: string; checkId: string; target: string; status: string; verdict: string }[] }
    const f = results.findings.find((x) => x.checkId === 'tls.protocols' && x.target === 'web-legacy-tls10')!
    f.status = f.verdict = 'passed'
    writeFileSync(join(forged, 'results.json'), JSON.stringify(results, null, 2) + '\n')
    // a careful forger also updates the run record's hash (else `vigil bundle` refuses the folder)
    rehash(forged, 'results.json')
    const sealed = await runVigil(['bundle', forged, '--output', join(forged, '..', 'forged.tar.gz'), ...signArgs()], { cwd: lab.dir, env: env() })
    expect(sealed.code, sealed.stderr).toBe(0)
    expect((await runVigil(['verify', join(forged, '..', 'forged.tar.gz'), '--ca', signing.caCert], { cwd: lab.dir })).code).toBe(0)
    const r = await runVigil(['recheck', join(forged, '..', 'forged.tar.gz'), '--ca', signing.caCert], { cwd: lab.dir })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`DIFFERS ${f.id}: status: bundle says "passed", re-derived "failed"`)
    expect(r.stdout).toMatch(new RegExp(`^NOT reproduced: ${labFindingCount() - 1} of ${labFindingCount()} verdicts`, 'm'))
  }, 60_000)

  it('derives verdicts from the observations, not from the results: a changed observation changes the verdict', async () => {
    const changed = join(mkdtempSync(join(tmpdir(), 'vigil-changed-')), 'out')
    cpSync(join(lab.dir, 'out'), changed, { recursive: true })
    const obs = JSON.parse(readFileSync(join(changed, 'observations.json'), 'utf8')) as { targets: { target: string; data: { protocols: { accepted: string[] } } }[] }
    obs.targets.find((t) => t.target === 'web-good')!.data.protocols.accepted.unshift('TLSv1.0')
    writeFileSync(join(changed, 'observations.json'), JSON.stringify(obs))
    rehash(changed, 'observations.json')
    rmSync(join(changed, 'manifest.json'))
    expect((await runVigil(['bundle', changed, ...signArgs()], { cwd: lab.dir, env: env() })).code).toBe(0)
    const r = await runVigil(['recheck', changed, '--ca', signing.caCert], { cwd: lab.dir })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^DIFFERS tls\.protocols@web-good#features\/tls\/protocols\.feature:\d+: status: bundle says "passed", re-derived "failed"$/m)
  }, 60_000)

  it('refuses to recheck a tampered bundle', async () => {
    const folder = unpack(bundle())
    flipByte(join(folder, 'observations.json'))
    const r = await runVigil(['recheck', repack(folder), '--ca', signing.caCert], { cwd: lab.dir })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('not rechecked')
  }, 60_000)
})
