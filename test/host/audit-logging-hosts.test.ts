// host.audit-logging both ways through `vigil run`, inside the tests' own network namespace against
// real Debian hosts (lab/hosts). Their kernel refuses audit control outside the first PID namespace,
// so the hardened host's real `auditctl -l` fails with EPERM even as root: it passes on its configured
// rules files, and the finding says the live rules could not be read. The no-audit-rules host has no
// rules file and a stand-in auditctl printing a real recorded empty rule set ("No rules"): it fails on
// its live rules, naming every path. A login without sudo is an access-denied error, never a pass.
import { execFile } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { type Finding } from '../../reports/model.ts'
import { buildTestHostBase, startTestHost, testHostsUnavailable, testNetns, type TestHost } from '../../lab/hosts/test-hosts.ts'
import { hostTarget, runCheckOnHosts, stopHosts } from './host-run.ts'

const skip = testHostsUnavailable()
if (skip) console.warn(`test/host/audit-logging-hosts.test.ts skipped: ${skip}`)

const run = promisify(execFile)
let dir: string
let hosts: Record<'hardened' | 'no-audit-rules', TestHost>
let findings: Finding[] = []
let realAuditctl: { code: number; stderr: string } | undefined


describe.skipIf(!!skip)('host.audit-logging on real Debian hosts', () => {
  beforeAll(async () => {
    await buildTestHostBase()
    await testNetns()
    const [hardened, bare] = await Promise.all([startTestHost('hardened'), startTestHost('no-audit-rules')])
    hosts = { hardened: hardened!, 'no-audit-rules': bare! }
    dir = await mkdtemp(join(tmpdir(), 'vigil-host-audit-'))
    const t = hostTarget
    await writeFile(
      join(dir, 'vigil.yaml'),
      stringify({ settings: { timeoutMs: 10_000 }, targets: { ssh: [t('hardened', hosts.hardened, true), t('no-audit-rules', hosts['no-audit-rules'], true), t('no-sudo', hosts.hardened, false)] } }),
    )
    // the real auditctl, as root inside the hardened host: refused by the kernel
    realAuditctl = await run('nsenter', ['-t', String(hosts.hardened.pid1), '-m', '-p', '-n', '--', 'chroot', join(hosts.hardened.dir, 'root'), '/usr/sbin/auditctl', '-l']).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? '' }),
    )
    findings = await runCheckOnHosts(dir, 'host.audit-logging')
  }, 300_000)

  afterAll(() => stopHosts(hosts, dir))

  const finding = (target: string) => findings.find((f) => f.target === target && f.checkId === 'host.audit-logging')!

  it('the real auditctl -l is refused on the test hosts even as root (EPERM)', () => {
    expect(realAuditctl!.code).not.toBe(0)
    expect(realAuditctl!.stderr).toMatch(/Operation not permitted/)
  })

  it('passes the hardened host on its configured rules, saying the live rules could not be read', () => {
    const f = finding('hardened')
    expect(f, JSON.stringify(f)).toMatchObject({ status: 'passed', actual: { judged: 'configured', unwatched: [] } })
    expect(f.observed).toMatchObject({ judged: 'configured', auditd: { installed: true, enabled: true }, liveUnreadable: expect.stringMatching(/Operation not permitted/), configured: { files: expect.arrayContaining(['/etc/audit/rules.d/50-vigil.rules']) } })
    // sshd_config is watched by a syscall rule, not a -w watch
    expect(f.observed.coverage).toContainEqual(expect.objectContaining({ path: '/etc/ssh/sshd_config', configured: '-a always,exit -F arch=b64 -F path=/etc/ssh/sshd_config -F perm=wa -k sshd' }))
  })

  it('fails the host with no rules on its live (empty) rule set, naming every path', () => {
    const f = finding('no-audit-rules')
    expect(f.status).toBe('failed')
    expect(f.observed).toMatchObject({ judged: 'live', live: { rules: 0 } })
    expect(f.offenders!.map((o) => o.id)).toEqual([
      'audit/etc/group', 'audit/etc/gshadow', 'audit/etc/passwd', 'audit/etc/shadow', 'audit/etc/ssh/sshd_config', 'audit/etc/sudoers', 'audit/etc/sudoers.d',
      'audit/var/log/btmp', 'audit/var/log/lastlog', 'audit/var/log/wtmp', 'audit/var/run/faillock',
    ])
    expect(f.offenders!.find((o) => o.id === 'audit/etc/sudoers')!.why).toMatch(/\/etc\/sudoers \(sudoers\) is not watched .* in the live rules \(auditctl -l\)/)
  })

  it('a login without sudo cannot read the rules: access-denied, never a pass', () => {
    expect(finding('no-sudo')).toMatchObject({ status: 'error', errorKind: 'access-denied' })
  })
})
