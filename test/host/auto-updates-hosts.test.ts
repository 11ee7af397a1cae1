// host.auto-updates both ways through `vigil run`, inside the tests' own network namespace against
// real Debian bookworm hosts (lab/hosts): the hardened host (unattended-upgrades as the package
// installs it: 20auto-upgrades enabled, the shipped -security pattern) passes; the host where the
// package is purged fails with unattended-upgrades/not-installed. No command needs sudo.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ResultsSchema, type Finding } from '../../reports/model.ts'
import { buildTestHostBase, inTestNetns, startTestHost, testHostsUnavailable, testNetns, type TestHost } from '../../lab/hosts/test-hosts.ts'
import { VIGIL_BIN } from '../run-vigil.ts'

const skip = testHostsUnavailable()
if (skip) console.warn(`test/host/auto-updates-hosts.test.ts skipped: ${skip}`)

let dir: string
let hosts: Record<'hardened' | 'no-unattended-upgrades', TestHost>
let findings: Finding[] = []

function vigilInNetns(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const [cmd, argv] = inTestNetns(process.execPath, [VIGIL_BIN, ...args])
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.resume()
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    })
  })
}

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
    const r = await vigilInNetns(['run', '-c', 'vigil.yaml', '-o', 'out', '--tags', '@check:host.auto-updates'], dir)
    expect(r.code, r.stderr).toBe(1)
    findings = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'))).findings
  }, 300_000)

  afterAll(async () => {
    await Promise.all(Object.values(hosts ?? {}).map((h) => h.stop()))
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const finding = (target: string) => findings.find((f) => f.target === target && f.checkId === 'host.auto-updates')!

  it('passes the hardened host: installed, enabled daily, the security suite selected', () => {
    expect(finding('hardened')).toMatchObject({ status: 'passed' })
    expect(finding('hardened').summary).toMatch(/origin=Debian,codename=\$\{distro_codename\}-security,label=Debian-Security/)
  })

  it('fails the host without the package, naming it', () => {
    expect(finding('no-unattended-upgrades')).toMatchObject({ status: 'failed', offenders: [{ id: 'unattended-upgrades/not-installed' }] })
  })
})
