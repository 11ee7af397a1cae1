// host.audit-logging as a pure judge, on command outputs as Debian prints them: both verdicts, live
// rules against configured ones, auditctl refused by the kernel (EPERM: the files are judged, never
// "no rules"), syscall rules equivalent to a watch (and those that are not), and garbage.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { configuredRules, coveringRule, hostAuditLogging, parseAuditRules } from '../../checks/host/audit-logging.ts'
import type { CommandRecord, HostObservation } from '../../checks/host/observation.ts'
import type { SshObservation } from '../../checks/ssh/observation.ts'

const NOW = { now: new Date('2026-12-03T12:00:00Z') }
const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
const NO_RULES = readFileSync(new URL('fixtures/audit-logging/auditctl-l-no-rules.txt', import.meta.url), 'utf8')
const AUDITD_CMD = "dpkg-query -W -f '${Status}\\n' auditd 2>&1; echo VIGIL-SECTION; systemctl is-enabled auditd 2>&1; true"
const INSTALLED = 'install ok installed\nVIGIL-SECTION\nenabled\n'
const WATCHES = [
  '-w /etc/passwd -p wa -k identity',
  '-w /etc/group -p wa -k identity',
  '-w /etc/shadow -p wa -k identity',
  '-w /etc/gshadow -p wa -k identity',
  '-w /etc/sudoers -p wa -k scope',
  '-w /etc/sudoers.d -p wa -k scope',
  '-w /etc/ssh/sshd_config -p wa -k sshd',
  '-w /var/log/lastlog -p wa -k logins',
  '-w /var/run/faillock -p wa -k logins',
  '-w /var/log/wtmp -p wa -k session',
  '-w /var/log/btmp -p wa -k session',
]
const BASE = ['-D', '-b 8192', '-f 1', '--backlog_wait_time 60000']
const grep = (files: Record<string, string[]>) =>
  Object.entries(files)
    .flatMap(([f, lines]) => lines.map((l) => `${f}:${l}`))
    .join('\n') + '\n'
const FILES = grep({ '/etc/audit/audit-stop.rules': ['-D'], '/etc/audit/audit.rules': BASE, '/etc/audit/rules.d/audit.rules': BASE, '/etc/audit/rules.d/50-cis.rules': WATCHES })

const rec = (command: string, stdout: string, exitCode: number | null = 0, more: Partial<CommandRecord> = {}): CommandRecord => ({ command, exitCode, stdout, durationMs: 4, ...more })
const EPERM = rec('sudo -n auditctl -l', '', 255, { stderr: 'Error sending rule list data request (Operation not permitted)\n' })
function host(commands: HostObservation['commands']): SshObservation {
  return { target: { name: 'db1', host: 'db1.example.test', address: '10.0.0.5', port: 22 }, hostKeyPin: { seen: [], status: 'unknown' }, connections: 1, host: { commands } }
}
const obs = (files = FILES, live: HostObservation['commands']['audit-live'] | null = rec('sudo -n auditctl -l', WATCHES.join('\n') + '\n'), auditd = INSTALLED) =>
  host({ 'os-release': rec('cat /etc/os-release', DEBIAN), auditd: rec(AUDITD_CMD, auditd), 'audit-rules': rec("sudo -n grep -r -H --include='*.rules' . /etc/audit", files), ...(live ? { 'audit-live': live } : {}) })
const judge = (o: SshObservation, params = {}) => hostAuditLogging.judge(o, params, NOW)

describe('host.audit-logging', () => {
  it('passes a host whose live rules watch every listed path, and says it judged the live rules', () => {
    const v = judge(obs())
    expect(v).toMatchObject({ status: 'passed', actual: { judged: 'live', unwatched: [] }, observed: { judged: 'live', auditd: { installed: true, enabled: true }, configured: { files: ['/etc/audit/rules.d/50-cis.rules', '/etc/audit/rules.d/audit.rules'] } } })
    expect(v.observed.coverage).toContainEqual({ purpose: 'logins', path: '/var/run/faillock or /var/log/faillog', configured: '-w /var/run/faillock -p wa -k logins', live: '-w /var/run/faillock -p wa -k logins' })
    expect(v.evidence.map((e) => (e.data as { id: string }).id).sort()).toEqual(['audit-live', 'audit-rules', 'auditd', 'os-release'])
  })

  it('fails the empty live set ("No rules", a real recording) naming each path, even when the files configure them', () => {
    const v = judge(obs(FILES, rec('sudo -n auditctl -l', NO_RULES)))
    expect(v.status).toBe('failed')
    expect(v.offenders!.map((o) => o.id)).toEqual([
      'audit/etc/group', 'audit/etc/gshadow', 'audit/etc/passwd', 'audit/etc/shadow', 'audit/etc/ssh/sshd_config', 'audit/etc/sudoers', 'audit/etc/sudoers.d',
      'audit/var/log/btmp', 'audit/var/log/lastlog', 'audit/var/log/wtmp', 'audit/var/run/faillock',
    ])
    expect(v.offenders!.find((o) => o.id === 'audit/etc/sudoers')!.why).toMatch(/not watched .* in the live rules \(auditctl -l\); it is configured \(-w \/etc\/sudoers -p wa -k scope\) but not loaded/)
    expect(v.observed).toMatchObject({ judged: 'live', live: { rules: 0 }, difference: { onlyConfigured: expect.arrayContaining(['/etc/passwd']), onlyLive: [] } })
  })

  it('reports rules loaded but not configured as a fact, not an offender', () => {
    const v = judge(obs(grep({ '/etc/audit/rules.d/audit.rules': BASE })))
    expect(v.status).toBe('passed')
    expect(v.summary).toMatch(/loaded but not configured \(lost at the next restart\): \/etc\/passwd/)
    expect((v.observed.difference as { onlyLive: string[] }).onlyLive).toHaveLength(11)
  })

  it('auditctl refused by the kernel (EPERM) is not "no rules": the configured files are judged and the refusal said', () => {
    const pass = judge(obs(FILES, EPERM))
    expect(pass).toMatchObject({ status: 'passed', actual: { judged: 'configured' }, observed: { judged: 'configured', liveUnreadable: expect.stringMatching(/refused by the kernel \(Error sending rule list data request \(Operation not permitted\)\)/) } })
    expect(pass.summary).toMatch(/the configured rules \(\/etc\/audit\/rules\.d\/50-cis\.rules, \/etc\/audit\/rules\.d\/audit\.rules; live rules unreadable/)
    const fail = judge(obs(grep({ '/etc/audit/rules.d/audit.rules': BASE, '/etc/audit/rules.d/50-x.rules': WATCHES.filter((w) => !w.includes('sudoers')) }), EPERM))
    expect(fail).toMatchObject({ status: 'failed', offenders: [{ id: 'audit/etc/sudoers' }, { id: 'audit/etc/sudoers.d' }] })
    expect(fail.offenders![0]!.why).toMatch(/in the configured rules$/)
    // a sudoers entry without auditctl, or no audit-live record at all: the files, said so
    expect(judge(obs(FILES, rec('sudo -n auditctl -l', '', 1, { stderr: 'sudo: a password is required\n' }))).observed).toMatchObject({ judged: 'configured', liveUnreadable: expect.stringMatching(/password is required/) })
    expect(judge(obs(FILES, { error: { kind: 'access-denied', message: 'needs root' } })).observed).toMatchObject({ judged: 'configured', liveUnreadable: 'access-denied: needs root' })
    expect(judge(obs(FILES, null)).observed).toMatchObject({ judged: 'configured', liveUnreadable: 'auditctl -l was not run in this run' })
  })

  it('counts syscall rules with path=/dir= and perm=wa as watches, not those limited by filters, syscalls or action', () => {
    const rules = [
      '-a always,exit -F arch=b64 -S all -F path=/etc/passwd -F perm=wa -F key=identity',
      '-a exit,always -F dir=/etc/ssh/ -F perm=rwa -k sshd',
      '-a always,exit -F path=/etc/group -F perm=wa -F auid>=1000 -F auid!=-1 -k identity',
      '-a always,exit -F arch=b64 -S openat -F path=/etc/shadow -F perm=wa -k identity',
      '-a never,exit -F path=/etc/gshadow -F perm=wa',
      '-w /etc/sudoers -p w -k scope',
      '-w /var/log/ -p wa -k logs',
    ]
    const { rules: parsed } = parseAuditRules(rules)
    expect(coveringRule('/etc/passwd', parsed)?.text).toBe(rules[0])
    expect(coveringRule('/etc/ssh/sshd_config', parsed)?.text).toBe(rules[1])
    expect(coveringRule('/etc/group', parsed)).toBeUndefined()
    expect(coveringRule('/etc/shadow', parsed)).toBeUndefined()
    expect(coveringRule('/etc/gshadow', parsed)).toBeUndefined()
    expect(coveringRule('/etc/sudoers', parsed)).toBeUndefined()
    expect(coveringRule('/var/log/wtmp', parsed)?.text).toBe(rules[6])
    expect(coveringRule('/run/faillock', parseAuditRules(['-w /var/run/faillock/ -p wa']).rules)).toBeDefined()
    const v = judge(obs(FILES, rec('sudo -n auditctl -l', rules.join('\n'))))
    expect(v.observed.limitedRules).toEqual([
      `${rules[2]} (filtered on auid>=1000 auid!=-1)`,
      `${rules[3]} (only the system calls openat)`,
      `${rules[4]} (action and list never,exit (not always,exit))`,
    ])
    expect(v.offenders!.map((o) => o.id)).toEqual(['audit/etc/group', 'audit/etc/gshadow', 'audit/etc/shadow', 'audit/etc/sudoers', 'audit/etc/sudoers.d'])
  })

  it('reads the files as augenrules does: rules.d in name order (-W applied, -D deleting nothing after it), else audit.rules; audit-stop.rules never', () => {
    expect(configuredRules(grep({ '/etc/audit/audit.rules': ['-w /etc/passwd -p wa'], '/etc/audit/audit-stop.rules': ['-w /etc/shadow -p wa'] }))).toEqual({ files: ['/etc/audit/audit.rules'], lines: ['-w /etc/passwd -p wa'] })
    const c = configuredRules(grep({ '/etc/audit/rules.d/99-late.rules': ['-W /etc/passwd'], '/etc/audit/rules.d/10-base.rules': ['-w /etc/passwd -p wa', '-w /etc/group -p wa'], '/etc/audit/rules.d/20-late.rules': ['-D'], '/etc/audit/rules.d/sub/x.rules': ['-w /etc/shadow -p wa'] }))
    expect(c.files).toEqual(['/etc/audit/rules.d/10-base.rules', '/etc/audit/rules.d/20-late.rules', '/etc/audit/rules.d/99-late.rules'])
    expect(parseAuditRules(c.lines).rules.map((r) => r.path)).toEqual(['/etc/group'])
  })

  it('fails a host without auditd (high) and one where auditd is not enabled', () => {
    const none = judge(obs('', EPERM, 'dpkg-query: no packages found matching auditd\nVIGIL-SECTION\nFailed to get unit file state for auditd.service: No such file or directory\n'))
    expect(none).toMatchObject({ status: 'failed', offenders: [{ id: 'audit/auditd-not-installed', severity: 'high' }], actual: { auditd: 'not installed' } })
    const off = judge(obs(FILES, undefined, 'install ok installed\nVIGIL-SECTION\ndisabled\n'))
    expect(off).toMatchObject({ status: 'failed', offenders: [{ id: 'audit/auditd-not-enabled' }] })
  })

  it('never passes what it could not read: garbage from auditctl or dpkg, files sudo refused, an unsupported system', () => {
    expect(judge(obs(FILES, rec('sudo -n auditctl -l', '<html>login</html>\n')))).toMatchObject({ status: 'error', errorKind: 'protocol', offenders: [{ id: 'command/audit-live' }] })
    expect(judge(obs(FILES, rec('sudo -n auditctl -l', '', 0, { truncated: true })))).toMatchObject({ status: 'error', errorKind: 'protocol' })
    expect(judge(obs(FILES, undefined, 'garbage\n'))).toMatchObject({ status: 'error', errorKind: 'protocol', offenders: [{ id: 'command/auditd' }] })
    const refused = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), auditd: rec(AUDITD_CMD, INSTALLED), 'audit-rules': rec('sudo -n grep …', '', 1, { stderr: 'sudo: a password is required\n' }), 'audit-live': EPERM })
    expect(judge(refused)).toMatchObject({ status: 'error', errorKind: 'access-denied', offenders: [{ id: 'command/audit-rules' }] })
    const unreadable = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), auditd: rec(AUDITD_CMD, INSTALLED), 'audit-rules': rec('grep …', '', 2, { stderr: 'grep: /etc/audit/rules.d: Permission denied\n' }) })
    expect(judge(unreadable)).toMatchObject({ status: 'error', errorKind: 'access-denied' })
    const noSudo = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), auditd: rec(AUDITD_CMD, INSTALLED), 'audit-rules': { error: { kind: 'access-denied', message: 'needs root' } } })
    expect(judge(noSudo)).toMatchObject({ status: 'error', errorKind: 'access-denied' })
    expect(judge(host({ 'os-release': rec('cat /etc/os-release', 'ID=rhel\n'), auditd: rec(AUDITD_CMD, INSTALLED), 'audit-rules': rec('grep', FILES) }))).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
    expect(parseAuditRules(['garbage', '# comment', '', '-e 2']).unparsed).toEqual(['garbage'])
  })

  it('takes its own watch list: an empty one is not applicable, alternatives need one of their paths', () => {
    expect(judge(obs(), { watched: {} }).status).toBe('not-applicable')
    expect(judge(obs(), { watched: { logins: [['/var/log/faillog', '/var/log/wtmp']] } }).status).toBe('passed')
    expect(judge(obs(), { watched: { pam: ['/etc/pam.d'] } })).toMatchObject({ status: 'failed', offenders: [{ id: 'audit/etc/pam.d' }] })
  })
})
