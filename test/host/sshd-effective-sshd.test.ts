// host.sshd-effective against real OpenSSH sshd (lab/ssh/sshd.ts), over a root audit login so
// `sshd -T` runs for the daemon that accepted it: the hardened profile passes (both views agree), the
// legacy profile fails with its deny-listed algorithms and password logins, and still agrees with
// what it offers outside.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostSshdEffective } from '../../checks/host/sshd-effective.ts'
import { observeSsh } from '../../checks/ssh/probe.ts'
import { startLabSshd, type LabSshd } from '../../lab/ssh/sshd.ts'
import { observeContext } from '../ssh/helpers.ts'

const run = promisify(execFile)
const NOW = { now: new Date() }
let work: string
let key: string
let hardened: LabSshd, legacy: LabSshd

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vigil-sshd-effective-'))
  key = join(work, 'audit')
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vigil-audit', '-f', key])
  const pub = await readFile(`${key}.pub`, 'utf8')
  ;[hardened, legacy] = await Promise.all([
    // the root audit login needs root logins open; host.sshd-effective records PermitRootLogin, ssh.server.root-login judges it
    startLabSshd({ profile: 'hardened', authorizedKeys: pub, extraConfig: ['PermitRootLogin prohibit-password'] }),
    startLabSshd({ profile: 'legacy', hostKeys: ['ed25519', 'rsa:2048'], authorizedKeys: pub }),
  ])
}, 120_000)

afterAll(async () => {
  await Promise.all([hardened?.stop(), legacy?.stop()])
  await Promise.all([work && rm(work, { recursive: true, force: true }), hardened && rm(hardened.dir, { recursive: true, force: true }), legacy && rm(legacy.dir, { recursive: true, force: true })])
})

const observe = (s: LabSshd) =>
  observeSsh({ name: 'srv', host: 'localhost', address: '127.0.0.1', port: s.port, hostKey: s.hostKeys[0]!.fingerprint, keyPaths: [], tags: [], login: { user: 'root', privateKeyFile: key } }, observeContext(hostSshdEffective.needs, 10_000))

describe('host.sshd-effective on lab sshd', () => {
  it('passes the hardened profile: sshd -T enables nothing denied and is exactly what the server offers', async () => {
    const v = hostSshdEffective.judge(await observe(hardened), {}, NOW)
    expect(v.status, `${v.summary} ${JSON.stringify(v.offenders)}`).toBe('passed')
    expect(v.observed).toMatchObject({ source: 'sshd -T', configFile: hardened.configFile, effective: { passwordauthentication: 'no', kbdinteractiveauthentication: 'no', permitrootlogin: 'prohibit-password' } })
    expect(v.observed['offered']).toMatchObject({ ciphers: ['aes256-gcm@openssh.com', 'aes128-gcm@openssh.com', 'aes256-ctr', 'aes128-ctr'], hostkeyalgorithms: ['ssh-ed25519'] })
    expect(v.observed).not.toHaveProperty('notCompared')
  })

  it('fails the legacy profile with its deny-listed algorithms and password logins, the two views agreeing', async () => {
    const v = hostSshdEffective.judge(await observe(legacy), {}, NOW)
    expect(v.status).toBe('failed')
    expect(v.observed).toMatchObject({ source: 'sshd -T', configFile: legacy.configFile })
    const ids = v.offenders!.map((o) => o.id)
    expect(ids).toEqual(
      expect.arrayContaining([
        'sshd/kexalgorithms/diffie-hellman-group1-sha1',
        'sshd/kexalgorithms/diffie-hellman-group14-sha1',
        'sshd/kexalgorithms/diffie-hellman-group-exchange-sha1',
        'sshd/ciphers/aes128-cbc',
        'sshd/ciphers/aes256-cbc',
        'sshd/ciphers/3des-cbc',
        'sshd/macs/hmac-sha1',
        'sshd/macs/hmac-md5',
        'sshd/macs/hmac-sha1-96',
        'sshd/macs/umac-64@openssh.com',
        'sshd/hostkeyalgorithms/ssh-rsa',
        'sshd/hostkeyalgorithms/ssh-dss',
        'sshd/passwordauthentication/yes',
        'sshd/kbdinteractiveauthentication/yes',
      ]),
    )
    // what sshd -T enables is what the server offers: no view/ offender
    expect(ids.filter((id) => id.startsWith('view/')), JSON.stringify(v.actual['disagreements'])).toEqual([])
    expect(v.offenders!.find((o) => o.id === 'sshd/ciphers/3des-cbc')).toEqual({ id: 'sshd/ciphers/3des-cbc', why: 'cipher 3des-cbc enabled by ciphers: matches the deny pattern *-cbc', severity: 'medium' })
  })
})
