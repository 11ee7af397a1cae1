// host.accounts as a pure judge, on command outputs as Debian prints them: both verdicts, every
// offender kind, and every way the host can fail to answer (never a pass).
import { describe, expect, it } from 'vitest'
import { hostAccounts, parsePasswd, parsePasswordStatus } from '../../checks/host/accounts.ts'
import { osRelease } from '../../checks/host/host-parts.ts'
import type { SshObservation } from '../../checks/ssh/observation.ts'
import { host, rec } from './host-observations.ts'

const NOW = { now: new Date('2026-12-03T12:00:00Z') }
const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'
const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'sync:x:4:65534:sync:/bin:/bin/sync',
  'sshd:x:100:65534::/run/sshd:/usr/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  'vigil:x:1000:1000:,,,:/home/vigil:/bin/bash',
].join('\n')
const STATUS = ['root P 2026-11-20 0 99999 7 -1', 'daemon L 2025-05-20 0 99999 7 -1', 'sync L 2025-05-20 0 99999 7 -1', 'sshd L 2025-05-20 0 99999 7 -1', 'nobody L 2025-05-20 0 99999 7 -1', 'vigil L 2026-11-20 0 99999 7 -1'].join('\n') + '\n'

const good = (passwd = PASSWD, shadow = STATUS, os = DEBIAN) =>
  host({ 'os-release': rec('cat /etc/os-release', os), passwd: rec('getent passwd', passwd), 'password-status': rec('passwd -S -a', shadow) })
const judge = (obs: SshObservation) => hostAccounts.judge(obs, {}, NOW)

describe('host.accounts', () => {
  it('passes a Debian host with root alone at UID 0, no empty field and system accounts without shells', () => {
    const v = judge(good())
    expect(v).toMatchObject({ status: 'passed', observed: { accounts: 6, uid0: ['root'], passwordFields: { usable: 1, locked: 5 } } })
    expect(v.evidence.map((e) => e.kind)).toEqual(['host-command', 'host-command', 'host-command'])
  })

  it('fails each kind of problem with a stable offender id per account', () => {
    const v = judge(
      good(`${PASSWD}\ntoor:x:0:0::/root:/bin/bash\nbackup:x:34:34:backup:/var/backups:/bin/sh\nbroken:x:35:35::/:`, `${STATUS}toor P 2026-11-20 0 99999 7 -1\nbackup L 2025-05-20 0 99999 7 -1\nbroken L 2025-05-20 0 99999 7 -1\nalice NP 2026-11-20 0 99999 7 -1\n`),
    )
    expect(v.status).toBe('failed')
    expect(v.offenders).toEqual([
      { id: 'empty-password/alice', why: 'alice has no password (passwd -S: NP)', severity: 'critical' },
      { id: 'system-shell/backup', why: 'system account backup (UID 34) has the login shell /bin/sh', severity: 'medium' },
      { id: 'system-shell/broken', why: 'system account broken (UID 35) has the login shell (empty: /bin/sh)', severity: 'medium' },
      { id: 'uid0/toor', why: 'toor has UID 0: a second root account' },
    ])
    // the password fields themselves are never there to leak: only their status
    expect(JSON.stringify(v)).not.toMatch(/\$[0-9a-z]+\$/)
  })

  it('never passes what it could not read: no login, a denied or failed command, output past its bound, an empty list', () => {
    expect(judge(host({ error: { kind: 'not-observed', message: 'no audit login is configured for db1' } }))).toMatchObject({ status: 'error', errorKind: 'not-observed' })
    const denied = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), passwd: rec('getent passwd', PASSWD), 'password-status': { error: { kind: 'access-denied', message: 'needs root' } } })
    expect(judge(denied)).toMatchObject({ status: 'error', errorKind: 'access-denied', offenders: [{ id: 'command/password-status' }] })
    const sudoRefused = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), passwd: rec('getent passwd', PASSWD), 'password-status': rec('sudo -n passwd -S -a', '', 1, { stderr: 'sudo: a password is required\n' }) })
    expect(judge(sudoRefused)).toMatchObject({ status: 'error', errorKind: 'access-denied' })
    const flood = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), passwd: rec('getent passwd', PASSWD, null, { truncated: true }), 'password-status': rec('passwd -S -a', STATUS) })
    expect(judge(flood)).toMatchObject({ status: 'error', errorKind: 'protocol', summary: expect.stringMatching(/printed more than Vigil reads/) })
    const timeout = host({ 'os-release': { error: { kind: 'timeout', message: '"cat /etc/os-release" did not finish within 5000 ms' } } })
    expect(judge(timeout)).toMatchObject({ status: 'error', errorKind: 'timeout' })
    expect(judge(good('\n', ''))).toMatchObject({ status: 'error', errorKind: 'protocol' })
  })

  it('judges Debian and Ubuntu (and their derivatives by ID_LIKE) only', () => {
    expect(judge(good(PASSWD, STATUS, 'ID=ubuntu\nVERSION_ID="24.04"\n')).status).toBe('passed')
    expect(judge(good(PASSWD, STATUS, 'ID=linuxmint\nID_LIKE="ubuntu debian"\n')).status).toBe('passed')
    const rhel = judge(good(PASSWD, STATUS, 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n'))
    expect(rhel).toMatchObject({ status: 'error', errorKind: 'inconclusive', summary: expect.stringMatching(/unsupported operating system Red Hat Enterprise Linux 9\.4/) })
  })

  it('parses what getent, the shadow-kind command and os-release print, skipping garbage lines', () => {
    expect(parsePasswd('root:x:0:0:root:/root:/bin/bash\ngarbage\nx:y:notanumber:0::/:/bin/sh\n')).toEqual([{ name: 'root', uid: 0, shell: '/bin/bash' }])
    expect([...parsePasswordStatus('root P 2026-11-20 0 99999 7 -1\nbin L\nalice NP\ngarbage\nx Q\n')]).toEqual([['root', 'usable'], ['bin', 'locked'], ['alice', 'empty']])
    expect(osRelease('ID="debian"\nVERSION_ID=\'12\'\n')).toEqual({ id: 'debian', like: [], version: '12' })
  })
})

describe('host.accounts on what a reviewer fed it', () => {
  it('an empty or unreadable password status is an error, not a pass', () => {
    expect(judge(good(PASSWD, ''))).toMatchObject({ status: 'error', errorKind: 'protocol', offenders: [{ id: 'command/password-status' }] })
    expect(judge(good(PASSWD, 'passwd: unrecognized option\n'))).toMatchObject({ status: 'error' })
  })
  it('a hash kept in /etc/passwd itself is an offender and never reaches the verdict', () => {
    const hash = '$6$abcdefgh$Q1w2E3r4T5y6U7i8O9p0AaSsDdFfGgHhJjKkLlZzXxCcVvBbNnMm1234567890qwertyuiopASDFGHJKLzxcvbnm'
    const v = judge(good(`${PASSWD}\nbob:${hash}:1001:1001::/home/bob:/bin/bash`, `${STATUS}bob P 2026-11-20 0 99999 7 -1\n`))
    expect(v).toMatchObject({ status: 'failed', offenders: [{ id: 'passwd-hash/bob', severity: 'critical' }] })
    expect(JSON.stringify(v)).not.toContain('abcdefgh')
  })
})
