// `vigil gate` in a scratch git repository against the lab's real TLS servers: each pull request of
// the issue's list, and what the gate must say about it.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { startTlsSection, type LabSection } from '../../lab/run-lab.ts'
import { GateReportSchema, type GateReport } from '../../gate/gate-report.ts'
import { runVigil, runVigilAndSignal, STACK_TRACE, VIGIL_BIN } from '../run-vigil.ts'
import { startMoto, type Moto } from '../../lab/aws/moto-server.ts'
import { EMULATOR_CREDENTIALS, emulatorClients } from '../../lab/aws/seed-account.ts'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { execFile } from 'node:child_process'

const repo = mkdtempSync(join(tmpdir(), 'vigil-gate-repo-'))
let lab: LabSection & { caFile: string }
let port: Record<string, number>
const TAGS = ['--tags', '@check:tls.protocols or @check:tls.forward-secrecy or @check:tls.cert.expiry or @check:tls.ciphers.weak']

const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } })

/** The team's inventory: `web` and `legacy` (old debt: TLS 1.0), pointing at lab servers by name. */
function inventory(targets: Record<string, string>, extra: Record<string, unknown> = {}): string {
  return stringify({
    trust: { extraCaFiles: ['ca.pem'] },
    settings: { timeoutMs: 2000 },
    targets: { tls: Object.entries(targets).map(([name, server]) => ({ name, host: 'localhost', address: '127.0.0.1', port: port[server] })) },
    ...extra,
  })
}

function commit(branch: string, files: Record<string, string>, from = 'main'): void {
  git('checkout', '-q', '-B', branch, from)
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(repo, f, '..'), { recursive: true })
    writeFileSync(join(repo, f), text)
  }
  git('add', '-A')
  git('commit', '-q', '--allow-empty', '-m', branch)
}

async function gate(branch: string, args: string[] = [], base = 'main'): Promise<{ code: number; report: GateReport; stdout: string; stderr: string }> {
  git('checkout', '-q', branch)
  const out = `out-${branch}`
  const r = await runVigil(['gate', '--base', base, '--out', join(tmpdir(), `${repo.split('/').pop()}-${out}`), ...TAGS, ...args], { cwd: repo, env: { GITHUB_ACTIONS: 'true' }, timeoutMs: 120_000 })
  expect(r.stderr).not.toMatch(STACK_TRACE)
  const report = GateReportSchema.parse(JSON.parse(readFileSync(join(tmpdir(), `${repo.split('/').pop()}-${out}`, 'gate.json'), 'utf8')))
  return { code: r.code, report, stdout: r.stdout, stderr: r.stderr }
}

const rows = (r: GateReport, cls: string) => r.rows.filter((x) => x.class === cls)
const failing = (r: GateReport) => r.rows.filter((x) => x.failsGate)

beforeAll(async () => {
  lab = await startTlsSection(join(repo, '..', `${repo.split('/').pop()}-lab`))
  port = Object.fromEntries((lab.targets.tls as { name: string; port: number }[]).map((t) => [t.name, t.port]))
  git('init', '-q', '-b', 'main')
  copyFileSync(lab.caFile, join(repo, 'ca.pem'))
  writeFileSync(join(repo, 'vigil.yaml'), inventory({ web: 'web-good', legacy: 'web-legacy-tls10', expiring: 'web-expiring' }))
  git('add', '-A')
  git('commit', '-q', '-m', 'main: old debt (legacy TLS 1.0, an expiring certificate)')
}, 180_000)

afterAll(async () => lab?.stop())

/** The team's own policy file: scenarios keyed by name (no @id), parameters in the phrases. */
function teamPolicy(o: { days?: number; order?: 'ab' | 'ba'; comments?: boolean; severity?: string } = {}): string {
  const expiry = `  @check:tls.cert.expiry @soc2:CC6.7
  Scenario: Certificates last long enough
${o.comments ? '    # renewed by the ACME job; alert the platform team\n' : ''}    Given every TLS endpoint
    Then no certificate in the served chain expires within ${o.days ?? 30} days
`
  const protocols = `  @check:tls.protocols @soc2:CC6.7${o.severity ? ` @severity:${o.severity}` : ''}
  Scenario: Only current protocols
    Given every TLS endpoint
    Then only TLS 1.2 or TLS 1.3 is accepted
`
  return `@tls\nFeature: Our TLS rules\n${o.comments ? '  # owned by the platform team\n' : ''}\n${o.order === 'ba' ? `${protocols}\n${expiry}` : `${expiry}\n${protocols}`}`
}
const TEAM = ['--features', 'policies/**/*.feature']

describe('vigil gate: what the change made worse, and only that', () => {
  it('(a) a target moved onto a worse endpoint: exactly its new offenders fail, annotated at its line', async () => {
    commit('worse', { 'vigil.yaml': inventory({ web: 'web-mixed-fs', legacy: 'web-legacy-tls10', expiring: 'web-expiring' }) })
    const g = await gate('worse')
    expect(g.code).toBe(1)
    const bad = failing(g.report)
    expect(bad.map((r) => [r.class, r.checkId, r.target, r.offender?.id])).toEqual([['new', 'tls.forward-secrecy', 'web', 'TLSv1.2/TLS_RSA_WITH_AES_128_GCM_SHA256']])
    // old debt is listed, never failing
    expect(rows(g.report, 'still-failing').map((r) => r.target).sort()).toEqual(expect.arrayContaining(['expiring', 'legacy']))
    expect(rows(g.report, 'still-failing').every((r) => !r.failsGate)).toBe(true)
    // the annotation points at web's entry in vigil.yaml
    const line = readFileSync(join(repo, 'vigil.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('name: web')) + 1
    expect(g.stdout).toContain(`::error file=vigil.yaml,line=${line},title=Vigil gate%3A new%3A tls.forward-secrecy on web::TLSv1.2/TLS_RSA_WITH_AES_128_GCM_SHA256`)
  }, 120_000)

  it('(b) reverting it is green: the offender is fixed', async () => {
    commit('revert', { 'vigil.yaml': inventory({ web: 'web-good', legacy: 'web-legacy-tls10', expiring: 'web-expiring' }) }, 'worse')
    const g = await gate('revert', [], 'worse')
    expect(g.code, g.stdout).toBe(0)
    expect(rows(g.report, 'fixed').map((r) => [r.target, r.offender?.id])).toEqual([['web', 'TLSv1.2/TLS_RSA_WITH_AES_128_GCM_SHA256']])
    expect(failing(g.report)).toEqual([])
  }, 120_000)

  it('(f) deleting a failing target is coverage lost (red); declared as retired it is green and listed', async () => {
    commit('drop-legacy', { 'vigil.yaml': inventory({ web: 'web-good', expiring: 'web-expiring' }) })
    const red = await gate('drop-legacy')
    expect(red.code).toBe(1)
    expect(failing(red.report).map((r) => [r.class, r.target])).toEqual(expect.arrayContaining([['coverage-lost', 'legacy']]))
    expect(failing(red.report).every((r) => r.target === 'legacy' && r.class === 'coverage-lost')).toBe(true)
    commit('retire-legacy', {
      'vigil.yaml': inventory({ web: 'web-good', expiring: 'web-expiring' }, { retired: [{ target: 'legacy', reason: 'the legacy portal was decommissioned', ticket: 'OPS-42' }] }),
    })
    const green = await gate('retire-legacy')
    expect(green.code, green.stdout).toBe(0)
    const listed = rows(green.report, 'coverage-lost')
    expect(listed.length).toBeGreaterThan(0)
    expect(listed.every((r) => r.declared?.kind === 'retired' && r.declared.ticket === 'OPS-42' && !r.failsGate)).toBe(true)
    expect(green.stdout).toContain('DECLARED coverage-lost')
  }, 120_000)

  it('(g) a failing target pointed at a dead port is coverage lost, red', async () => {
    commit('dead', { 'vigil.yaml': inventory({ web: 'web-good', legacy: 'web-dead', expiring: 'web-expiring' }) })
    const g = await gate('dead')
    expect(g.code).toBe(1)
    const lost = failing(g.report)
    expect(lost.length).toBeGreaterThan(0)
    expect(lost.every((r) => r.class === 'coverage-lost' && r.target === 'legacy' && r.change === 'error')).toBe(true)
  }, 120_000)

  it('(c) reordering and commenting feature files changes nothing', async () => {
    commit('team', { 'policies/tls.feature': teamPolicy() })
    commit('team-reorder', { 'policies/tls.feature': teamPolicy({ order: 'ba', comments: true }) }, 'team')
    const g = await gate('team-reorder', TEAM, 'team')
    expect(g.code, g.stdout).toBe(0)
    for (const c of ['new', 'coverage-lost', 'weakened', 'fixed'] as const) expect(g.report.counts[c], c).toBe(0)
    expect(g.report.counts['still-failing']).toBeGreaterThan(0)
  }, 120_000)

  it("(d) tightening a parameter: its new offenders fail, annotated at the team's scenario line", async () => {
    commit('tighten', { 'policies/tls.feature': teamPolicy({ days: 400 }) }, 'team')
    const g = await gate('tighten', TEAM, 'team')
    expect(g.code).toBe(1)
    const bad = failing(g.report)
    expect(bad.length).toBeGreaterThan(0)
    expect(bad.every((r) => r.class === 'new' && r.checkId === 'tls.cert.expiry' && r.offender!.id.startsWith('cert['))).toBe(true)
    expect(bad.map((r) => r.target)).toContain('web')
    const line = readFileSync(join(repo, 'policies/tls.feature'), 'utf8').split('\n').findIndex((l) => l.includes('Scenario: Certificates last')) + 1
    expect(bad.every((r) => r.location?.file === 'policies/tls.feature' && r.location.line === line)).toBe(true)
  }, 120_000)

  it('(e) loosening a parameter, or lowering a severity, is weakened: red', async () => {
    commit('loosen', { 'policies/tls.feature': teamPolicy({ days: 5 }) }, 'team')
    const loose = await gate('loosen', TEAM, 'team')
    expect(loose.code).toBe(1)
    expect(failing(loose.report).map((r) => [r.class, r.checkId, r.target])).toEqual([['weakened', 'tls.cert.expiry', 'expiring']])
    expect(rows(loose.report, 'fixed')).toEqual([])
    commit('lower', { 'policies/tls.feature': teamPolicy({ severity: 'low' }) }, 'team')
    const lower = await gate('lower', TEAM, 'team')
    expect(lower.code).toBe(1)
    const w = failing(lower.report)
    expect(w.length).toBeGreaterThan(0)
    expect(w.every((r) => r.class === 'weakened' && r.checkId === 'tls.protocols' && r.target === 'legacy' && r.reason === 'severity lowered from high to low')).toBe(true)
  }, 120_000)

  it("(d) tightening a built-in parameter in vigil.yaml (no fork of the library): its new offenders fail", async () => {
    commit('tighten-builtin', { 'vigil.yaml': inventory({ web: 'web-good', legacy: 'web-legacy-tls10', expiring: 'web-expiring' }, { policies: { params: { 'tls.cert.expiry': { days: 400 } } } }) })
    const g = await gate('tighten-builtin')
    expect(g.code).toBe(1)
    const bad = failing(g.report)
    expect(bad.every((r) => r.class === 'new' && r.checkId === 'tls.cert.expiry')).toBe(true)
    expect(bad.map((r) => r.target)).toContain('web')
    const results = JSON.parse(readFileSync(join(tmpdir(), `${repo.split('/').pop()}-out-tighten-builtin`, 'results.json'), 'utf8'))
    expect(results.run.policyChanges).toEqual({ off: [], params: { 'tls.cert.expiry': { days: 400 } } })
    expect(results.findings.find((f: { checkId: string }) => f.checkId === 'tls.cert.expiry').params).toEqual({ days: 400 })
  }, 120_000)

  it('switching a built-in scenario off is coverage lost unless retired', async () => {
    commit('off', { 'vigil.yaml': inventory({ web: 'web-good', legacy: 'web-legacy-tls10', expiring: 'web-expiring' }, { policies: { off: ['tls.protocols'] } }) })
    const g = await gate('off')
    expect(g.code).toBe(1)
    expect(failing(g.report).map((r) => [r.class, r.checkId]).every(([c, id]) => c === 'coverage-lost' && id === 'tls.protocols')).toBe(true)
    expect(failing(g.report)).toHaveLength(3)
  }, 120_000)

  it('(i) --since a run from three days earlier, the clock now past a certificate threshold: an environment change, green under --fail-on new', async () => {
    // the team's policy: no certificate expires within 8 days; `expiring` has 10 days left today
    const policy = `@tls\nFeature: Renewal\n  @check:tls.cert.expiry @id:renewal\n  Scenario: Renewed in time\n    Given every TLS endpoint\n    Then no certificate in the served chain expires within 8 days\n`
    commit('since-main', { 'policies/renewal.feature': policy })
    // "last night's" run, today: everything passes
    const nightly = join(tmpdir(), `${repo.split('/').pop()}-nightly`)
    const earlier = await runVigil(['run', '--out', nightly, '--features', 'policies/renewal.feature', '-q'], { cwd: repo })
    expect(earlier.code, earlier.stderr).toBe(0)
    const then = JSON.parse(readFileSync(join(nightly, 'results.json'), 'utf8'))
    commit('since-pr', { 'README.md': 'docs only\n' }, 'since-main')
    git('checkout', '-q', 'since-pr')
    // the gate three days later: libfaketime moves the clock of the whole vigil process (Vigil has no flag that sets its time)
    const later = (extra: string[]) => {
      const out = join(tmpdir(), `${repo.split('/').pop()}-out-since-${extra.length}`)
      return new Promise<{ code: number; report: GateReport; stdout: string }>((resolve) =>
        execFile('faketime', ['-f', '+3d', process.execPath, VIGIL_BIN, 'gate', '--base', 'since-main', '--out', out, '--features', 'policies/renewal.feature', '--since', nightly, ...extra], { cwd: repo, timeout: 120_000 }, (err, stdout) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stdout, report: GateReportSchema.parse(JSON.parse(readFileSync(join(out, 'gate.json'), 'utf8'))) }),
        ),
      )
    }
    const g = await later([])
    expect(g.code, g.stdout).toBe(0)
    const env = rows(g.report, 'environment')
    expect(env.map((r) => [r.target, r.checkId])).toEqual([['expiring', 'tls.cert.expiry']])
    expect(env[0]!.failsGate).toBe(false)
    expect(Date.parse(env[0]!.firstSeen!) - Date.parse(then.run.startedAt)).toBeGreaterThan(2.9 * 86_400_000)
    expect(g.report.since?.startedAt).toBe(then.run.startedAt)
    // failing on both sides of the pull request: old debt, first seen today (three days after the earlier run)
    expect(rows(g.report, 'still-failing').map((r) => [r.target, r.firstSeen])).toEqual([['expiring', env[0]!.firstSeen]])
    const strict = await later(['--fail-on', 'environment'])
    expect(strict.code).toBe(1)
  }, 240_000)
})

describe('an interrupted gate', () => {
  it('gives no verdict: SIGINT while observing is exit 130, gate.json not passed', async () => {
    const slow = stringify({ trust: { extraCaFiles: ['ca.pem'] }, settings: { timeoutMs: 30_000 }, targets: { tls: [{ name: 'web', host: 'localhost', address: '127.0.0.1', port: port['web-silent'] }] } })
    commit('interrupt-main', { 'vigil.yaml': slow })
    commit('interrupt-pr', { 'README.md': 'docs\n' }, 'interrupt-main')
    git('checkout', '-q', 'interrupt-pr')
    const out = join(tmpdir(), `${repo.split('/').pop()}-out-interrupt`)
    const r = await runVigilAndSignal(['gate', '--base', 'interrupt-main', '--out', out, ...TAGS], { cwd: repo, signal: 'SIGINT', afterMs: 300 })
    expect(r.code, r.stderr).toBe(130)
    const report = GateReportSchema.parse(JSON.parse(readFileSync(join(out, 'gate.json'), 'utf8')))
    expect(report.passed).toBe(false)
    expect(report.notes).toContain('the run was interrupted: an incomplete run gives no gate verdict')
  }, 60_000)
})

describe('vigil gate on an AWS account (moto)', () => {
  let moto: Moto
  beforeAll(async () => {
    moto = await startMoto()
  }, 90_000)
  afterAll(async () => moto?.stop())

  it('(h) a bucket without encryption added to an account that already fails that check is new', async () => {
    const { s3 } = emulatorClients(moto.endpoint)
    for (const b of ['old-a', 'old-b', 'old-c', 'old-d']) await s3.send(new CreateBucketCommand({ Bucket: b }))
    const eu = emulatorClients(moto.endpoint, 'eu-west-1').s3
    await eu.send(new CreateBucketCommand({ Bucket: 'new-exports', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }))
    const aws = (regions: string[]) => stringify({ settings: { timeoutMs: 5000 }, targets: { aws: [{ name: 'prod', regions, endpoint: moto.endpoint }] } })
    commit('aws-main', { 'vigil.yaml': aws(['us-east-1']) })
    // the pull request brings the eu-west-1 region (and its bucket) into the account's scope
    commit('aws-pr', { 'vigil.yaml': aws(['us-east-1', 'eu-west-1']) }, 'aws-main')
    git('checkout', '-q', 'aws-pr')
    const out = join(tmpdir(), `${repo.split('/').pop()}-out-aws`)
    const r = await runVigil(['gate', '--base', 'aws-main', '--out', out, '--tags', '@check:aws.s3.encryption'], {
      cwd: repo,
      env: { AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined },
      timeoutMs: 120_000,
    })
    const report = GateReportSchema.parse(JSON.parse(readFileSync(join(out, 'gate.json'), 'utf8')))
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(failing(report).map((x) => [x.class, x.offender?.id])).toEqual([['new', 'arn:aws:s3:::new-exports']])
    expect(rows(report, 'still-failing').map((x) => x.offender?.id).sort()).toEqual(['arn:aws:s3:::old-a', 'arn:aws:s3:::old-b', 'arn:aws:s3:::old-c', 'arn:aws:s3:::old-d'])
  }, 180_000)

  it('credentials stay with the base side\'s targets: a changed AWS endpoint is refused unless --allow-changed-endpoints', async () => {
    await emulatorClients(moto.endpoint).s3.send(new CreateBucketCommand({ Bucket: 'creds-bucket' })).catch(() => undefined)
    const inv = (endpoint: string) => stringify({ targets: { aws: [{ name: 'prod', regions: ['us-east-1'], endpoint }] } })
    commit('creds-main', { 'vigil.yaml': inv(moto.endpoint) })
    // a pull request pointing the account's endpoint at a host it chose would receive signed requests
    commit('creds-pr', { 'vigil.yaml': inv('http://127.0.0.1:9/') }, 'creds-main')
    git('checkout', '-q', 'creds-pr')
    const args = ['gate', '--base', 'creds-main', '--out', join(tmpdir(), `${repo.split('/').pop()}-out-creds`), '--tags', '@check:aws.s3.encryption']
    const env = { AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey }
    const refused = await runVigil(args, { cwd: repo, env })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('prod (aws: endpoint changed)')
    expect(refused.stderr).toContain('--allow-changed-endpoints')
    const allowed = await runVigil([...args, '--allow-changed-endpoints'], { cwd: repo, env })
    // the dead endpoint: the account's findings are no longer decided, coverage lost
    expect(allowed.code).toBe(1)
    expect(allowed.stdout).toMatch(/FAIL {4}coverage-lost {2}aws\.s3\.encryption {2}prod/)
  }, 120_000)
})
