// host.auto-updates both ways through `vigil run`, inside the tests' own network namespace against
// real Debian bookworm hosts (lab/hosts): the hardened host (unattended-upgrades as the package
// installs it: 20auto-upgrades enabled, the shipped -security pattern) passes; the host where the
// package is purged fails with unattended-upgrades/not-installed. No command needs sudo.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { type Finding } from '../../reports/model.ts'
import { buildTestHostBase, startTestHost, testHostsUnavailable, testNetns, type TestHost } from '../../lab/hosts/test-hosts.ts'
import { runCheckOnHosts, stopHosts } from './host-run.ts'

const skip = testHostsUnavailable()
if (skip) console.warn(`test/host/auto-updates-hosts.test.ts skipped: ${skip}`)

let dir: string
let hosts: Record<'hardened' | 'no-unattended-upgrades', TestHost>
let findings: Finding[] = []


describe.skipIf(!!skip)('host.auto-updates on real Debian hosts', () => {
  beforeAll(async () => {
    await buildTestHostBase()
    await testNetns()
    const [hardened, purged] = await Promise.all([startTestHost('hardened'), startTestHost('no-unattended-upgrades')])
    hosts = { hardened: hardened!, 'no-unattended-upgrades': purged! }
    dir = await mkdtemp(join(tmpdir(), 'vigil-host-auto-updates-'))
    const pin = (h: TestHost) => h.hostKeys.find((x) => x.type.includes('ed25519'))!.fingerprint
    const t = (name: string, h: TestHost) => ({ name, host: h.name, address: h.address, port: 22, hostKey: pin(h), login: { user: 'vigil', privateKeyFile: h.privateKeyFile, sudo: false } })
    await writeFile(join(dir, 'vigil.yaml'), stringify({ settings: { timeoutMs: 10_000 }, targets: { ssh: [t('hardened', hosts.hardened), t('no-unattended-upgrades', hosts['no-unattended-upgrades'])] } }))
    findings = await runCheckOnHosts(dir, 'host.auto-updates')
  }, 300_000)

  afterAll(() => stopHosts(hosts, dir))

  const finding = (target: string) => findings.find((f) => f.target === target && f.checkId === 'host.auto-updates')!

  it('passes the hardened host: installed, enabled daily, the security suite selected', () => {
    expect(finding('hardened')).toMatchObject({ status: 'passed' })
    expect(finding('hardened').summary).toMatch(/origin=Debian,codename=\$\{distro_codename\}-security,label=Debian-Security/)
  })

  it('fails the host without the package, naming it', () => {
    expect(finding('no-unattended-upgrades')).toMatchObject({ status: 'failed', offenders: [{ id: 'unattended-upgrades/not-installed' }] })
  })
})
