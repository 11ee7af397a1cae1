// host.sshd-effective through `vigil run`, inside the tests' own network namespace, against the real
// Debian `hardened` test host (lab/hosts): its audit login `vigil` is not root, so sshd -T runs
// through `sudo -n` (NOPASSWD). The test hosts keep bookworm's stock sshd configuration (the baseline
// hardens no sshd setting), so the effective configuration fails on Debian's default MACs (SHA-1,
// umac-64, encrypt-and-MAC) and password logins — and agrees with what the server offers outside.
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ResultsSchema, type Finding } from '../../reports/model.ts'
import { buildTestHostBase, startTestHost, testHostsUnavailable, testNetns, type TestHost } from '../../lab/hosts/test-hosts.ts'
import { vigilInNetns } from './host-run.ts'

const skip = testHostsUnavailable()
if (skip) console.warn(`test/host/sshd-effective-hosts.test.ts skipped: ${skip}`)

let dir: string
let host: TestHost | undefined
let finding: Finding


describe.skipIf(!!skip)('host.sshd-effective on a real Debian host', () => {
  beforeAll(async () => {
    await buildTestHostBase()
    await testNetns()
    host = await startTestHost('hardened')
    dir = await mkdtemp(join(tmpdir(), 'vigil-host-sshd-effective-'))
    const pin = host!.hostKeys.find((x) => x.type.includes('ed25519'))!.fingerprint
    await writeFile(
      join(dir, 'vigil.yaml'),
      stringify({ settings: { timeoutMs: 10_000 }, targets: { ssh: [{ name: 'hardened', host: host!.name, address: host!.address, port: 22, hostKey: pin, login: { user: 'vigil', privateKeyFile: host!.privateKeyFile, sudo: true } }] } }),
    )
    const r = await vigilInNetns(['run', '-c', 'vigil.yaml', '-o', 'out', '--tags', '@check:host.sshd-effective'], dir)
    expect(r.code, r.stderr).toBe(1)
    const findings = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'))).findings
    finding = findings.find((f) => f.target === 'hardened' && f.checkId === 'host.sshd-effective')!
  }, 300_000)

  afterAll(async () => {
    await host?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('reads the effective configuration with sshd -T through sudo -n, for the daemon on port 22', () => {
    expect(finding.observed).toMatchObject({ source: 'sshd -T', configFile: '/etc/ssh/sshd_config', user: 'vigil', effective: { passwordauthentication: 'yes', kbdinteractiveauthentication: 'no', permitrootlogin: 'prohibit-password' } })
    expect(finding.observed).not.toHaveProperty('fallbackReason')
  })

  it("fails on bookworm's default MACs and password logins; the two views agree", () => {
    expect(finding.status).toBe('failed')
    const ids = finding.offenders!.map((o) => o.id)
    expect(ids).toEqual(
      expect.arrayContaining(['sshd/macs/hmac-sha1', 'sshd/macs/hmac-sha1-etm@openssh.com', 'sshd/macs/umac-64@openssh.com', 'sshd/macs/umac-64-etm@openssh.com', 'sshd/macs/hmac-sha2-256', 'sshd/passwordauthentication/yes']),
    )
    expect(ids.filter((id) => !id.startsWith('sshd/macs/') && id !== 'sshd/passwordauthentication/yes'), JSON.stringify(finding.offenders)).toEqual([])
    expect(finding.observed['offeredMethods']).toMatchObject({ user: 'vigil', methods: ['publickey', 'password'] })
  })
})
