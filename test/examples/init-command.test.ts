// `vigil init`: what it scaffolds loads (inventory, waivers, the team's own policy), it never
// overwrites without --force, it appends to CODEOWNERS, and the scaffold runs: the team's policy
// judges a real TLS server beside the library's.
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CODEOWNERS_LOCATIONS, SCAFFOLD_FILES, initProject, inventoryTemplate, waiversTemplate } from '../../cli/init-command.ts'
import { loadInventory } from '../../runner/inventory.ts'
import { loadPolicies } from '../../runner/cucumber.ts'
import { effectivePolicies } from '../../runner/policy-set.ts'
import { parseWaivers } from '../../reports/waivers.ts'
import { CHECKS } from '../../checks/catalog.ts'
import { runVigil, STACK_TRACE, type VigilResult } from '../run-vigil.ts'
import { EXAMPLES, ROOT } from './example-files.ts'

const KNOWN_CHECKS = CHECKS.map((c) => c.id)
const scratch = (name: string) => mkdtempSync(join(tmpdir(), `vigil-init-${name}-`))

/** `vigil init …` as a user runs it: a separate process, real files, the exit code. */
function init(args: string[], cwd = ROOT): Promise<VigilResult> {
  return runVigil(['init', ...args], { cwd })
}

/** Every file under `dir` with its content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) walk(r)
      else out[r] = e.isSymbolicLink() ? `-> link` : readFileSync(join(dir, r), 'utf8')
    }
  }
  walk('')
  return out
}

describe('vigil init into an empty folder', () => {
  const dir = join(scratch('empty'), 'repo')
  let r: VigilResult

  beforeAll(async () => {
    r = await init(['--dir', dir])
  })

  it('creates every file and says so, exit 0', () => {
    expect(r.stderr).not.toMatch(STACK_TRACE)
    expect(r.code).toBe(0)
    for (const f of [...SCAFFOLD_FILES, '.github/CODEOWNERS']) {
      expect(existsSync(join(dir, f)), f).toBe(true)
      expect(r.stdout).toContain(`created      ${join(dir, f)}`)
    }
    expect(Object.keys(snapshot(dir)).sort()).toEqual([...SCAFFOLD_FILES, '.github/CODEOWNERS'].sort())
  })

  it('copies the CI workflows from examples/github unchanged', () => {
    expect(readFileSync(join(dir, '.github/workflows/vigil-gate.yml'), 'utf8')).toBe(readFileSync(EXAMPLES.gate, 'utf8'))
    expect(readFileSync(join(dir, '.github/workflows/vigil-nightly.yml'), 'utf8')).toBe(readFileSync(EXAMPLES.nightly, 'utf8'))
  })

  it('writes a vigil.yaml that loadInventory accepts, loading the team\'s features beside the library', () => {
    const inv = loadInventory(join(dir, 'vigil.yaml'))
    expect(inv.targets.tls.map((t) => t.name)).toEqual(['www'])
    expect(inv.policies.library).toBe(true)
    expect(inv.policies.paths).toEqual([join(dir, 'features/**/*.feature')])
    // the other sections are there, commented out
    const body = readFileSync(join(dir, 'vigil.yaml'), 'utf8')
    for (const section of ['# ssh:', '# keyDirs:', '# aws:', '# gate:', '# retired:', '# trust:', '# off:', '# params:']) expect(body).toContain(section)
  })

  it('writes a feature file that loads with no problem, alone and beside the library', async () => {
    const own = await loadPolicies({ features: [join(dir, 'features/**/*.feature')] })
    expect(own.problems).toEqual([])
    expect(own.scenarios).toHaveLength(1)
    const s = own.scenarios[0]!
    expect(s.checkId).toBe('tls.cert.expiry')
    expect(s.idTag).toBe('team.tls.cert.renewal-window')
    expect(s.controls).toEqual(['soc2:CC7.1'])
    expect(s.severity).toBe('high')
    const both = await effectivePolicies(loadInventory(join(dir, 'vigil.yaml')), {})
    expect(both.set.problems).toEqual([])
    expect(both.set.scenarios.map((x) => x.scenarioKey)).toEqual(expect.arrayContaining(['tls.cert.expiry', 'team.tls.cert.renewal-window']))
  })

  it('writes a waivers file with no problems and no waiver in force', () => {
    const set = parseWaivers(readFileSync(join(dir, 'waivers.yaml'), 'utf8'), 'waivers.yaml', KNOWN_CHECKS)
    expect(set.problems).toEqual([])
    expect(set.waivers).toEqual([])
  })

  it('writes CODEOWNERS covering vigil.yaml, waivers.yaml, features/ and the workflows', () => {
    const owners = readFileSync(join(dir, '.github/CODEOWNERS'), 'utf8')
    for (const p of ['/vigil.yaml', '/waivers.yaml', '/features/', '/.github/workflows/vigil-gate.yml', '/.github/workflows/vigil-nightly.yml', '/.github/CODEOWNERS'])
      expect(owners).toMatch(new RegExp(`^${p.replace(/[.*/]/g, '\\$&')}\\s+@your-org/security-team$`, 'm'))
  })

  it('a second init without --force writes nothing, lists every file as skipped and exits 2', async () => {
    const before = snapshot(dir)
    const again = await init(['--dir', dir])
    expect(again.code).toBe(2)
    expect(again.stdout).toContain('nothing written')
    expect(again.stdout).toContain('--force')
    for (const f of [...SCAFFOLD_FILES, '.github/CODEOWNERS']) expect(again.stdout).toContain(`skipped      ${join(dir, f)}`)
    expect(snapshot(dir)).toEqual(before)
  })

  it('--force overwrites the files and rewrites only its own CODEOWNERS block', async () => {
    writeFileSync(join(dir, 'vigil.yaml'), 'targets: {}\n')
    writeFileSync(join(dir, 'features/tls/certificate-renewal.feature'), '# edited\n')
    const owners = join(dir, '.github/CODEOWNERS')
    writeFileSync(owners, `*   @acme/everyone\n${readFileSync(owners, 'utf8').replace('/waivers.yaml ', '/waivers.yaml @someone-else ')}docs/ @acme/writers\n`)
    const forced = await init(['--dir', dir, '--force', '--owners', '@acme/security', 'audit@acme.example'])
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain(`overwrote    ${join(dir, 'vigil.yaml')}`)
    expect(readFileSync(join(dir, 'vigil.yaml'), 'utf8')).toBe(inventoryTemplate())
    expect(readFileSync(join(dir, 'features/tls/certificate-renewal.feature'), 'utf8')).toContain('@id:team.tls.cert.renewal-window')
    const text = readFileSync(owners, 'utf8')
    expect(text.match(/# vigil:begin/g)).toHaveLength(1)
    expect(text).not.toContain('@someone-else')
    expect(text).toMatch(/^\/waivers\.yaml\s+@acme\/security audit@acme\.example$/m)
    // the team's own lines, before and after the block, are untouched
    expect(text.startsWith('*   @acme/everyone\n')).toBe(true)
    expect(text.endsWith('docs/ @acme/writers\n')).toBe(true)
  })
})

describe('vigil init into an existing repository', () => {
  it('appends to the CODEOWNERS GitHub reads (here the root one) and keeps every file it finds', async () => {
    const dir = scratch('existing')
    writeFileSync(join(dir, 'CODEOWNERS'), '* @acme/platform')
    writeFileSync(join(dir, 'waivers.yaml'), 'waivers: []\n# ours\n')
    const r = await init(['--dir', dir, '--owners', '@acme/security'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`appended to  ${join(dir, 'CODEOWNERS')}`)
    expect(r.stdout).toContain(`skipped      ${join(dir, 'waivers.yaml')}: exists`)
    expect(readFileSync(join(dir, 'waivers.yaml'), 'utf8')).toBe('waivers: []\n# ours\n')
    // no second CODEOWNERS, which would shadow the team's
    expect(existsSync(join(dir, '.github/CODEOWNERS'))).toBe(false)
    const text = readFileSync(join(dir, 'CODEOWNERS'), 'utf8')
    expect(text.startsWith('* @acme/platform\n\n# vigil:begin')).toBe(true)
    expect(text).toMatch(/^\/CODEOWNERS\s+@acme\/security$/m)
    expect(CODEOWNERS_LOCATIONS).toEqual(['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'])
  })

  it('never writes through a symbolic link, even with --force', async () => {
    const dir = scratch('link')
    const outside = join(scratch('outside'), 'precious.yaml')
    writeFileSync(outside, 'precious\n')
    symlinkSync(outside, join(dir, 'vigil.yaml'))
    const r = await init(['--dir', dir, '--force'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`skipped      ${join(dir, 'vigil.yaml')}: a symbolic link`)
    expect(readFileSync(outside, 'utf8')).toBe('precious\n')
    expect(lstatSync(join(dir, 'vigil.yaml')).isSymbolicLink()).toBe(true)
  })

  it('refuses a --dir that is a file, and an owner that is not one, with exit 2 and one line', async () => {
    const dir = scratch('file')
    writeFileSync(join(dir, 'f'), '')
    const notDir = await init(['--dir', join(dir, 'f')])
    expect(notDir.code).toBe(2)
    expect(notDir.stderr).toMatch(/--dir .*: not a folder/)
    expect(notDir.stderr).not.toMatch(STACK_TRACE)
    const badOwner = await init(['--dir', join(dir, 'repo'), '--owners', 'security team'])
    expect(badOwner.code).toBe(2)
    expect(badOwner.stderr).toContain('--owners')
    expect(existsSync(join(dir, 'repo'))).toBe(false)
  })

  it('documents its exit codes and what it writes in --help', async () => {
    const r = await init(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/--force/)
    expect(r.stdout).toMatch(/Exit codes: 0 at least one file was written; 2 nothing was written/)
    for (const f of SCAFFOLD_FILES) expect(r.stdout).toContain(f)
  })
})

describe('the commented-out examples, once enabled, are valid too', () => {
  it('vigil.yaml with every example enabled loads, and its policies: changes apply to the library', async () => {
    const dir = scratch('enabled')
    initProject({ dir })
    mkdirSync(join(dir, 'certs'))
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=Example Internal CA', '-days', '1', '-keyout', '/dev/null', '-out', join(dir, 'certs/internal-ca.pem')], { stdio: 'ignore' })
    writeFileSync(join(dir, 'vigil.yaml'), inventoryTemplate({ enableExamples: true }))
    const inv = loadInventory(join(dir, 'vigil.yaml'))
    expect(Object.fromEntries(Object.entries(inv.targets).map(([k, v]) => [k, v.length]))).toEqual({ tls: 2, ssh: 1, keyDirs: 1, aws: 1 })
    expect(inv.gate).toEqual({ failOn: ['new'], minSeverity: 'info' })
    expect(inv.retired).toHaveLength(1)
    expect(inv.trust.extraCaPems).toHaveLength(1)
    const eff = await effectivePolicies(inv, {})
    expect(eff.off).toEqual(['http.hsts'])
    expect(eff.set.scenarios.map((s) => s.scenarioKey)).not.toContain('http.hsts')
    expect(eff.overrides).toEqual({ 'tls.cert.expiry': { days: 21 } })
  })

  it('waivers.yaml with its example enabled holds one valid waiver, in force for 90 days', () => {
    const now = new Date('2026-03-01T12:00:00Z')
    const set = parseWaivers(waiversTemplate({ enableExamples: true, now }), 'waivers.yaml', KNOWN_CHECKS)
    expect(set.problems).toEqual([])
    expect(set.waivers).toHaveLength(1)
    expect(set.waivers[0]).toMatchObject({ id: 'WVR-2026-001', check: 'tls.protocols', expires: '2026-05-30' })
  })
})

describe('the scaffold runs', () => {
  // a real TLS server whose certificate has 40 days left: the library's 30-day policy passes, the
  // team's own 45-day policy fails
  let server: Server
  let port = 0
  const dir = scratch('run')

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '40', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (s) => s.end())
    server.on('tlsClientError', () => {})
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
  })

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it("the team's policy judges beside the library's: `vigil run` with the scaffolded vigil.yaml and waivers.yaml", async () => {
    const repo = join(dir, 'repo')
    initProject({ dir: repo })
    const inv = readFileSync(join(repo, 'vigil.yaml'), 'utf8')
    writeFileSync(join(repo, 'vigil.yaml'), inv.replace('host: www.example.com', 'host: localhost\n      address: 127.0.0.1').replace('port: 443', `port: ${port}`))
    const r = await runVigil(['run', '--config', 'vigil.yaml', '--waivers', 'waivers.yaml', '--out', join(dir, 'out'), '--tags', '@check:tls.cert.expiry', '--quiet'], { cwd: repo, timeoutMs: 120_000 })
    expect(r.stderr).not.toMatch(STACK_TRACE)
    const results = JSON.parse(readFileSync(join(dir, 'out/results.json'), 'utf8'))
    const byKey = Object.fromEntries(results.findings.map((f: any) => [f.policy.includes('certificate-renewal') ? 'team' : 'library', f]))
    expect(byKey.library).toMatchObject({ checkId: 'tls.cert.expiry', target: 'www', status: 'passed' })
    expect(byKey.team).toMatchObject({ checkId: 'tls.cert.expiry', target: 'www', status: 'failed', severity: 'high', controls: ['soc2:CC7.1'] })
    expect(byKey.team.summary).toMatch(/expires/)
    expect(r.code).toBe(1)
  })

  it('the pull request that adopts the scaffold goes through the gate as the workflow runs it: the new failure is "new"', async () => {
    const repo = join(dir, 'adopt')
    mkdirSync(repo)
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } })
    git('init', '-q', '-b', 'main')
    writeFileSync(join(repo, 'README.md'), '# policies\n')
    git('add', '-A')
    git('commit', '-q', '-m', 'base')
    git('checkout', '-q', '-b', 'adopt-vigil')
    initProject({ dir: repo })
    const inv = readFileSync(join(repo, 'vigil.yaml'), 'utf8')
    writeFileSync(join(repo, 'vigil.yaml'), inv.replace('host: www.example.com', 'host: localhost\n      address: 127.0.0.1').replace('port: 443', `port: ${port}`))
    git('add', '-A')
    git('commit', '-q', '-m', 'adopt Vigil')
    // the workflow's command line (vigil-gate.yml), narrowed to the expiry policies
    const out = join(dir, 'gate-out')
    const r = await runVigil(['gate', '--base', 'main', '--waivers', 'waivers.yaml', '--out', out, '--sarif', join(dir, 'vigil.sarif'), '--tags', '@check:tls.cert.expiry', '--quiet'], { cwd: repo, timeoutMs: 120_000 })
    expect(r.stderr).not.toMatch(STACK_TRACE)
    const gate = JSON.parse(readFileSync(join(out, 'gate.json'), 'utf8'))
    const failing = gate.rows.filter((x: any) => x.failsGate)
    expect(failing).toMatchObject([{ class: 'new', scenarioKey: 'team.tls.cert.renewal-window', target: 'www' }])
    // annotated at the team's own feature file
    expect(failing[0].location.file).toBe('features/tls/certificate-renewal.feature')
    expect(r.code).toBe(1)
    expect(existsSync(join(dir, 'vigil.sarif'))).toBe(true)
  })
})
