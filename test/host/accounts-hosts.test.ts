// host.accounts both ways through `vigil run`, run inside the tests' own network namespace against
// real Debian hosts (lab/hosts: mmdebstrap root filesystems, each with its own sshd in its own
// namespaces): a hardened host passes, a second UID 0 and an empty password field fail with the
// account named, a login without sudo is an access-denied error. A password hash planted on a host
// appears in no output, and the run writes nothing to the hosts (their overlay layers, where every
// write lands, are the same before and after, but for what a login itself writes).
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ResultsSchema, type Finding } from '../../reports/model.ts'
import { buildTestHostBase, runInTestNetns, startTestHost, testHostsUnavailable, testNetns, type TestHost } from '../../lab/hosts/test-hosts.ts'
import { hostTarget, stopHosts, vigilInNetns } from './host-run.ts'

const skip = testHostsUnavailable()
if (skip) console.warn(`test/host/accounts-hosts.test.ts skipped: ${skip}`)

/** a SHA-512 crypt hash of a throwaway password, planted as the vigil user's password */
const PLANTED = '$6$vigilplantedsalt$4mXbDq3rG0yT2Qz8rWc1nHq7s0kP9aV6uLxE5fJ2iB8dN1oM3tY7wZ4eR6gS9hC0vK2lA5pU8qI1jX3bF7nD.'
const LOGIN_WRITES = [/^var\/log\/(wtmp|btmp|lastlog|auth\.log|faillog)$/, /^var\/log\/journal\//, /^run\//, /^tmp\//, /^home\/vigil\/\.(cache|ssh)\//, /^var\/lib\/sudo\//]

let dir: string
let hosts: Record<'hardened' | 'second-uid0' | 'empty-password', TestHost>
let findings: Finding[] = []
let outputs = ''
let before = new Map<string, string>()
let after = new Map<string, string>()

/** sha256 of every file in a host's overlay upper layer, by path; what a login writes is left out */
function upperLayer(h: TestHost): Map<string, string> {
  const root = join(h.dir, 'upper')
  const out = new Map<string, string>()
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      const rel = relative(root, p)
      if (LOGIN_WRITES.some((re) => re.test(rel))) continue
      if (e.isDirectory()) walk(p)
      else out.set(rel, e.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : `${e.isSymbolicLink() ? 'link' : 'other'}:${statSync(p, { throwIfNoEntry: false })?.mode ?? ''}`)
    }
  }
  walk(root)
  return out
}


describe.skipIf(!!skip)('host.accounts on real Debian hosts', () => {
  beforeAll(async () => {
    await buildTestHostBase()
    await testNetns()
    const [hardened, uid0, empty] = await Promise.all([startTestHost('hardened'), startTestHost('second-uid0'), startTestHost('empty-password')])
    hosts = { hardened: hardened!, 'second-uid0': uid0!, 'empty-password': empty! }
    dir = await mkdtemp(join(tmpdir(), 'vigil-host-accounts-'))
    // plant a password hash Vigil must never print
    const k = hardened!
    await writeFile(join(dir, 'known_hosts'), k.knownHosts)
    await runInTestNetns('ssh', ['-i', k.privateKeyFile, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes', `vigil@${k.address}`, `sudo -n usermod -p '${PLANTED}' vigil`], 20_000)
    const t = hostTarget
    await writeFile(
      join(dir, 'vigil.yaml'),
      stringify({ settings: { timeoutMs: 10_000 }, targets: { ssh: [t('hardened', hosts.hardened, true), t('second-uid0', hosts['second-uid0'], true), t('empty-password', hosts['empty-password'], true), t('no-sudo', hosts.hardened, false)] } }),
    )
    before = upperLayer(hosts.hardened)
    const r = await vigilInNetns(['run', '-c', 'vigil.yaml', '-o', 'out', '--tags', '@check:host.accounts'], dir)
    expect(r.code, r.stderr).toBe(1)
    after = upperLayer(hosts.hardened)
    findings = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'))).findings
    for (const f of readdirSync(join(dir, 'out'), { recursive: true }) as string[]) {
      const p = join(dir, 'out', f)
      if (existsSync(p) && statSync(p).isFile()) outputs += readFileSync(p, 'latin1')
    }
    outputs += r.stderr
  }, 300_000)

  afterAll(() => stopHosts(hosts, dir))

  const finding = (target: string) => findings.find((f) => f.target === target && f.checkId === 'host.accounts')!

  it('passes the hardened host and fails the second UID 0 and the empty password, naming the account', () => {
    expect(finding('hardened')).toMatchObject({ status: 'passed' })
    expect(finding('second-uid0')).toMatchObject({ status: 'failed', offenders: [{ id: 'uid0/toor' }] })
    expect(finding('empty-password')).toMatchObject({ status: 'failed', offenders: [{ id: 'empty-password/alice', severity: 'critical' }], severity: 'critical' })
  })

  it('a login without sudo cannot read the password status: access-denied, never a pass', () => {
    expect(finding('no-sudo')).toMatchObject({ status: 'error', errorKind: 'access-denied' })
    expect(finding('no-sudo').summary).toMatch(/needs root: give the login `sudo: true`/)
  })

  it('the planted password hash reaches no output (results, reports, observations, evidence, console)', () => {
    expect(outputs.length).toBeGreaterThan(1000)
    expect(outputs).not.toContain(PLANTED)
    expect(outputs).not.toContain('vigilplantedsalt')
  })

  it('the run writes nothing to the host: its overlay layer is the same, but for what a login writes', () => {
    expect(before.size).toBeGreaterThan(0)
    expect([...after].filter(([p, h]) => before.get(p) !== h).map(([p]) => p)).toEqual([])
    expect([...before.keys()].filter((p) => !after.has(p))).toEqual([])
  })
})
