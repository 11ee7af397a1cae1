// host.firewall both ways through `vigil run`, run inside the tests' own network namespace against
// real Debian hosts (lab/hosts: mmdebstrap root filesystems, each with its own sshd in its own
// namespaces): the hardened host (inet input chain, policy drop) passes, the host with no ruleset
// fails with firewall/input-open naming its SSH port, a login without sudo is an access-denied
// error. The rules are read, never changed: the host's ruleset is the same before and after the run.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ResultsSchema, type Finding } from '../../reports/model.ts'
import { buildTestHostBase, startTestHost, testHostsUnavailable, testNetns, type TestHost } from '../../lab/hosts/test-hosts.ts'
import { hostTarget, stopHosts, vigilInNetns } from './host-run.ts'

const skip = testHostsUnavailable()
if (skip) console.warn(`test/host/firewall-hosts.test.ts skipped: ${skip}`)

const run = promisify(execFile)
let dir: string
let hosts: Record<'hardened' | 'firewall-open', TestHost>
let findings: Finding[] = []
let before = ''
let after = ''

/** the host's ruleset, read from inside it (its mount and network namespaces, its root) */
async function ruleset(h: TestHost): Promise<string> {
  return (await run('nsenter', ['-t', String(h.pid1), '-m', '-n', '--', 'chroot', join(h.dir, 'root'), 'nft', '-j', 'list', 'ruleset'])).stdout
}


describe.skipIf(!!skip)('host.firewall on real Debian hosts', () => {
  beforeAll(async () => {
    await buildTestHostBase()
    await testNetns()
    const [hardened, open] = await Promise.all([startTestHost('hardened'), startTestHost('firewall-open')])
    hosts = { hardened: hardened!, 'firewall-open': open! }
    dir = await mkdtemp(join(tmpdir(), 'vigil-host-firewall-'))
    const t = hostTarget
    await writeFile(
      join(dir, 'vigil.yaml'),
      stringify({ settings: { timeoutMs: 10_000 }, targets: { ssh: [t('hardened', hosts.hardened, true), t('firewall-open', hosts['firewall-open'], true), t('no-sudo', hosts.hardened, false)] } }),
    )
    before = await ruleset(hosts.hardened)
    const r = await vigilInNetns(['run', '-c', 'vigil.yaml', '-o', 'out', '--tags', '@check:host.firewall'], dir)
    expect(r.code, r.stderr).toBe(1)
    after = await ruleset(hosts.hardened)
    findings = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'))).findings
  }, 300_000)

  afterAll(() => stopHosts(hosts, dir))

  const finding = (target: string) => findings.find((f) => f.target === target && f.checkId === 'host.firewall')!

  it('passes the hardened host: its inet input chain drops by policy, for IPv4 and IPv6', () => {
    expect(finding('hardened')).toMatchObject({ status: 'passed', actual: { inputDefaultDeny: { ipv4: true, ipv6: true } } })
    expect(finding('hardened').observed).toMatchObject({ inputChains: [{ chain: 'inet filter input', policy: 'drop', unmatched: 'drop', by: 'policy drop' }] })
    expect(finding('hardened').observed.listening).toContain('tcp 0.0.0.0:22')
  })

  it('fails the host with no ruleset with firewall/input-open, naming its open SSH port', () => {
    expect(finding('firewall-open')).toMatchObject({ status: 'failed', offenders: [{ id: 'firewall/input-open' }], actual: { inputDefaultDeny: { ipv4: false, ipv6: false } } })
    expect(finding('firewall-open').offenders![0]!.why).toMatch(/listening: .*tcp 0\.0\.0\.0:22/)
  })

  it('a login without sudo cannot read the ruleset: access-denied, never a pass', () => {
    expect(finding('no-sudo')).toMatchObject({ status: 'error', errorKind: 'access-denied' })
    expect(finding('no-sudo').summary).toMatch(/"nft -j list ruleset" needs root/)
  })

  it('the run reads the rules and changes none', () => {
    expect(JSON.parse(before).nftables.length).toBeGreaterThan(3)
    expect(after).toBe(before)
  })
})
