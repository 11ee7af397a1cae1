// host.disk-encryption and host.time-sync both ways through `vigil run`, inside the tests' network
// namespace, against real Debian hosts (lab/hosts). lsblk and chronyc there are stand-ins printing
// real outputs recorded from real systems (test/host/fixtures/, README "Host checks"): the kernel
// has no device-mapper and the clock must never be stepped. /proc/mounts and timedatectl are real.
// The hardened host passes both; unencrypted-disk fails mount//, no-time-sync time/not-synchronised;
// neither check needs root: a login without sudo is judged the same.
import { readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ResultsSchema, type Finding } from '../../reports/model.ts'
import { buildTestHostBase, startTestHost, testHostsUnavailable, testNetns, type TestHost } from '../../lab/hosts/test-hosts.ts'
import { hostTarget, stopHosts, vigilInNetns } from './host-run.ts'

const skip = testHostsUnavailable()
if (skip) console.warn(`test/host/disk-time-hosts.test.ts skipped: ${skip}`)

let dir: string
let hosts: Record<'hardened' | 'unencrypted-disk' | 'no-time-sync', TestHost>
let findings: Finding[] = []


describe.skipIf(!!skip)('host.disk-encryption and host.time-sync on real Debian hosts', () => {
  beforeAll(async () => {
    await buildTestHostBase()
    await testNetns()
    const [hardened, plain, unsynced] = await Promise.all([startTestHost('hardened'), startTestHost('unencrypted-disk'), startTestHost('no-time-sync')])
    hosts = { hardened: hardened!, 'unencrypted-disk': plain!, 'no-time-sync': unsynced! }
    dir = await mkdtemp(join(tmpdir(), 'vigil-host-disk-time-'))
    const t = hostTarget
    await writeFile(
      join(dir, 'vigil.yaml'),
      stringify({
        settings: { timeoutMs: 15_000 },
        targets: { ssh: [t('hardened', hosts.hardened, true), t('unencrypted-disk', hosts['unencrypted-disk'], true), t('no-time-sync', hosts['no-time-sync'], true), t('no-sudo', hosts.hardened, false)] },
      }),
    )
    const r = await vigilInNetns(['run', '-c', 'vigil.yaml', '-o', 'out', '--tags', '@check:host.disk-encryption or @check:host.time-sync'], dir)
    expect(r.code, r.stderr).toBe(1)
    findings = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'))).findings
  }, 300_000)

  afterAll(() => stopHosts(hosts, dir))

  const finding = (target: string, checkId: string) => findings.find((f) => f.target === target && f.checkId === checkId)!

  it('passes the hardened host: / is on the LUKS device vda2_crypt of its lsblk', () => {
    expect(finding('hardened', 'host.disk-encryption')).toMatchObject({ status: 'passed', actual: { unencrypted: [], undetermined: [] } })
    expect(finding('hardened', 'host.disk-encryption').observed.filesystems).toEqual([expect.objectContaining({ mountPoint: '/', encrypted: true, crypt: ['vda2_crypt'] })])
  })

  it('fails the host whose lsblk shows / on a plain disk, with mount//', () => {
    expect(finding('unencrypted-disk', 'host.disk-encryption')).toMatchObject({ status: 'failed', offenders: [{ id: 'mount//' }], actual: { unencrypted: ['/'] } })
    expect(finding('unencrypted-disk', 'host.time-sync')).toMatchObject({ status: 'passed' })
  })

  it('passes the hardened host: chrony synchronised with 127.0.0.1, 0.001 ms off; the real timedatectl is recorded failing', () => {
    const f = finding('hardened', 'host.time-sync')
    expect(f).toMatchObject({ status: 'passed', actual: { synchronised: true, source: '127.0.0.1' }, observed: { service: 'chrony' } })
    expect(f.observed.sources).toEqual([
      { command: 'chronyc -c tracking', answer: expect.stringMatching(/^7F000001,127\.0\.0\.1,9,.*Normal \(exit 0\)$/) },
      { command: 'timedatectl show', answer: expect.stringMatching(/System has not been booted with systemd.*\(exit 1\)$/) },
    ])
  })

  it('fails the host whose chrony is not synchronised, with time/not-synchronised', () => {
    expect(finding('no-time-sync', 'host.time-sync')).toMatchObject({ status: 'failed', offenders: [{ id: 'time/not-synchronised' }], actual: { synchronised: false } })
    expect(finding('no-time-sync', 'host.disk-encryption')).toMatchObject({ status: 'passed' })
  })

  it('neither check needs root: a login without sudo is judged the same', () => {
    expect(finding('no-sudo', 'host.disk-encryption')).toMatchObject({ status: 'passed' })
    expect(finding('no-sudo', 'host.time-sync')).toMatchObject({ status: 'passed' })
  })
})
