// host.patches both ways through `vigil run`, run inside the tests' own network namespace against
// real Debian hosts (lab/hosts): the hardened host has vigil-probe-demo 1.1 installed, the
// outdated-package host still has 1.0 while 1.1 waits in the local Debian-Security archive. The
// hosts' package lists were fetched when scripts/build-test-hosts.sh built the base, and the base is
// rebuilt only when the script changes: with a base older than the shipped 7 days, the run raises
// maxListAgeDays through vigil.yaml's `policies.params` (the way a team would) rather than rebuild it.
import { readdirSync, statSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { type Finding } from '../../reports/model.ts'
import { buildTestHostBase, startTestHost, testHostCacheDir, testHostsUnavailable, testNetns, type TestHost } from '../../lab/hosts/test-hosts.ts'
import { runCheckOnHosts, stopHosts } from './host-run.ts'

const skip = testHostsUnavailable()
if (skip) console.warn(`test/host/patches-hosts.test.ts skipped: ${skip}`)

let dir: string
let hosts: Record<'hardened' | 'outdated-package', TestHost>
let findings: Finding[] = []
let baseAgeDays = 0


/** Days since the base's package lists were fetched (the newest Release file in the base). */
function listsAgeOfBase(): number {
  const lists = join(testHostCacheDir(), 'lower/var/lib/apt/lists')
  const newest = Math.max(...readdirSync(lists).filter((f) => f.endsWith('Release')).map((f) => statSync(join(lists, f)).mtimeMs))
  return (Date.now() - newest) / 86_400_000
}

describe.skipIf(!!skip)('host.patches on real Debian hosts', () => {
  beforeAll(async () => {
    await buildTestHostBase()
    await testNetns()
    baseAgeDays = listsAgeOfBase()
    const [hardened, outdated] = await Promise.all([startTestHost('hardened'), startTestHost('outdated-package')])
    hosts = { hardened: hardened!, 'outdated-package': outdated! }
    dir = await mkdtemp(join(tmpdir(), 'vigil-host-patches-'))
    const pin = (h: TestHost) => h.hostKeys.find((x) => x.type.includes('ed25519'))!.fingerprint
    const t = (h: TestHost) => ({ name: h.variant, host: h.name, address: h.address, port: 22, hostKey: pin(h), login: { user: 'vigil', privateKeyFile: h.privateKeyFile, sudo: false } })
    // the shipped scenario's 7 days while the base is younger than that; else the base's age and a week
    const params = baseAgeDays < 6 ? {} : { policies: { params: { 'host.patches': { maxListAgeDays: Math.ceil(baseAgeDays) + 7 } } } }
    if (baseAgeDays >= 6) console.warn(`test/host/patches-hosts.test.ts: the test host base's package lists are ${baseAgeDays.toFixed(1)} days old; maxListAgeDays raised to ${Math.ceil(baseAgeDays) + 7}`)
    await writeFile(join(dir, 'vigil.yaml'), stringify({ settings: { timeoutMs: 20_000 }, targets: { ssh: [t(hosts.hardened), t(hosts['outdated-package'])] }, ...params }))
    findings = await runCheckOnHosts(dir, 'host.patches')
  }, 300_000)

  afterAll(() => stopHosts(hosts, dir))

  const finding = (target: string) => findings.find((f) => f.target === target && f.checkId === 'host.patches')!

  it('passes the hardened host: nothing pending in fresh lists that include the security suite', () => {
    expect(finding('hardened')).toMatchObject({ status: 'passed', actual: { pendingUpgrades: [] } })
    expect(finding('hardened').observed).toMatchObject({ lists: [{ label: 'Debian-Security', suite: 'oldstable-security', codename: 'bookworm-security' }] })
  })

  it('fails the outdated-package host with vigil-probe-demo 1.0 → 1.1 from Debian-Security', () => {
    const f = finding('outdated-package')
    expect(f).toMatchObject({ status: 'failed', severity: 'high', offenders: [{ id: 'package/vigil-probe-demo' }] })
    expect(f.offenders![0]!.why).toMatch(/^vigil-probe-demo 1\.0 → 1\.1 from Debian-Security:12\/oldstable-security \(security\), pending at least [\d.]+ day\(s\)$/)
    expect(f.observed).toMatchObject({ updates: [{ package: 'vigil-probe-demo', installed: '1.0', candidate: '1.1', security: true, suiteReleased: expect.any(String) }] })
    expect((f.observed as { listsAgeDays: number }).listsAgeDays).toBeCloseTo(baseAgeDays, 0)
  })
})
