// host.sshd-effective as a pure judge: the effective configuration (sshd -T, or the config files)
// against the outside-in checks' default deny lists, and against what the server offers outside.
// The sshd -T lists below are what OpenSSH 9.2 prints for the lab's hardened profile.
import { describe, expect, it } from 'vitest'
import { hostSshdEffective } from '../../checks/host/sshd-effective.ts'
import type { KexinitObservation, SshdConfigObservation, SshObservation } from '../../checks/ssh/observation.ts'

const NOW = { now: new Date('2026-12-03T12:00:00Z') }
const KEX = 'sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org'
const CIPHERS = 'aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes128-ctr'
const MACS = 'hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com'
const SSHD_T: Record<string, string> = {
  kexalgorithms: KEX,
  ciphers: CIPHERS,
  macs: MACS,
  hostkeyalgorithms: 'ssh-ed25519-cert-v01@openssh.com,ssh-ed25519,rsa-sha2-512,rsa-sha2-256',
  pubkeyauthentication: 'yes',
  passwordauthentication: 'no',
  kbdinteractiveauthentication: 'no',
  permitrootlogin: 'no',
  authenticationmethods: 'any',
}
const list = (s: string) => s.split(',')

function kexinit(over: Partial<KexinitObservation> = {}): KexinitObservation {
  return {
    banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7',
    preBannerLines: [],
    kex: [...list(KEX), 'ext-info-s', 'kex-strict-s-v00@openssh.com'],
    hostKeyAlgorithms: ['ssh-ed25519'],
    ciphersClientToServer: list(CIPHERS),
    ciphersServerToClient: list(CIPHERS),
    macsClientToServer: list(MACS),
    macsServerToClient: list(MACS),
    compressionClientToServer: ['none', 'zlib@openssh.com'],
    compressionServerToClient: ['none', 'zlib@openssh.com'],
    strictKex: true,
    payloadHex: '',
    durationMs: 4,
    ...over,
  }
}

function obs(o: { settings?: Record<string, string>; config?: Partial<SshdConfigObservation>; kexinit?: SshObservation['kexinit'] | null; methods?: string[]; login?: SshObservation['login'] | null } = {}): SshObservation {
  const sshdConfig: SshdConfigObservation = { source: 'sshd -T', configFile: '/etc/ssh/sshd_config', filesRead: [], settings: o.settings ?? SSHD_T, matchBlocks: [], ...o.config }
  return {
    target: { name: 'bastion', host: 'bastion.example.test', address: '10.0.0.5', port: 22 },
    hostKeyPin: { seen: ['SHA256:x'], status: 'tofu' },
    connections: 3,
    ...(o.login === null ? {} : { login: o.login ?? { user: 'root', hostKeyFingerprint: 'SHA256:x', sshdConfig } }),
    ...(o.kexinit === null ? {} : { kexinit: o.kexinit ?? kexinit() }),
    authMethods: { user: 'root', methods: o.methods ?? ['publickey'], noneAccepted: false },
  }
}

const judge = (o: SshObservation) => hostSshdEffective.judge(o, {}, NOW)
const ids = (o: SshObservation) => judge(o).offenders?.map((x) => x.id)

describe('host.sshd-effective', () => {
  it('passes when sshd -T enables nothing denied and the server offers exactly that (pseudo-algorithms, order and keyless host-key algorithms aside)', () => {
    const shuffled = kexinit({ kex: ['kex-strict-s-v00@openssh.com', ...list(KEX).reverse(), 'ext-info-s'] })
    const v = judge(obs({ kexinit: shuffled }))
    expect(v.status, v.summary).toBe('passed')
    expect(v).not.toHaveProperty('offenders')
    expect(v.summary).toMatch(/effective configuration \(sshd -T\) enables nothing denied and agrees/)
    expect(v.observed).toMatchObject({ source: 'sshd -T', effective: { passwordauthentication: 'no', permitrootlogin: 'no' } })
    // recorded, not judged: ssh.server.root-login judges it
    expect(judge(obs({ settings: { ...SSHD_T, permitrootlogin: 'yes' } })).status).toBe('passed')
    expect(v.evidence.map((e) => e.kind)).toEqual(['sshd-config', 'kexinit', 'auth-methods', 'host-key-trust'])
  })

  it('fails each deny-listed value of sshd -T with the default policy of the outside-in checks, as sshd/<keyword>/<value> (PermitRootLogin only recorded)', () => {
    const settings = {
      ...SSHD_T,
      kexalgorithms: `${KEX},diffie-hellman-group1-sha1`,
      ciphers: `${CIPHERS},aes128-cbc,none`,
      macs: `${MACS},hmac-sha2-256,umac-64@openssh.com`,
      hostkeyalgorithms: 'ssh-ed25519,ssh-rsa',
      passwordauthentication: 'yes',
      permitrootlogin: 'without-password',
    }
    const wire = kexinit({
      kex: [...list(settings.kexalgorithms), 'ext-info-s'],
      ciphersClientToServer: list(settings.ciphers),
      ciphersServerToClient: list(settings.ciphers),
      macsClientToServer: list(settings.macs),
      macsServerToClient: list(settings.macs),
      hostKeyAlgorithms: ['ssh-ed25519'],
    })
    const v = judge(obs({ settings, kexinit: wire, methods: ['publickey', 'password'] }))
    expect(v.status).toBe('failed')
    expect(v.offenders).toEqual([
      { id: 'sshd/ciphers/aes128-cbc', why: 'cipher aes128-cbc enabled by ciphers: matches the deny pattern *-cbc', severity: 'medium' },
      { id: 'sshd/ciphers/none', why: 'cipher none enabled by ciphers: on the deny list', severity: 'high' },
      { id: 'sshd/hostkeyalgorithms/ssh-rsa', why: 'host-key algorithm ssh-rsa enabled by hostkeyalgorithms: on the deny list', severity: 'medium' },
      { id: 'sshd/kexalgorithms/diffie-hellman-group1-sha1', why: 'key-exchange method diffie-hellman-group1-sha1 enabled by kexalgorithms: on the deny list', severity: 'medium' },
      { id: 'sshd/macs/hmac-sha2-256', why: 'MAC hmac-sha2-256 enabled by macs: not encrypt-then-MAC', severity: 'medium' },
      { id: 'sshd/macs/umac-64@openssh.com', why: 'MAC umac-64@openssh.com enabled by macs: matches the deny pattern umac-64*', severity: 'medium' },
      { id: 'sshd/passwordauthentication/yes', why: 'passwordauthentication is yes: the server accepts password logins' },
    ])
    // both views agree: a denied value is no disagreement
    expect(v.actual['disagreements']).toEqual([])
    expect(v.observed['effective']).toMatchObject({ permitrootlogin: 'prohibit-password' })
    expect(v.summary).toMatch(/7 denied setting\(s\)/)
  })

  it('applies the NIST-without-Curve25519 rule of ssh.server.kex to the configured list', () => {
    const settings = { ...SSHD_T, kexalgorithms: 'ecdh-sha2-nistp256,diffie-hellman-group16-sha512' }
    expect(ids(obs({ settings, kexinit: kexinit({ kex: list(settings.kexalgorithms) }) }))).toEqual(['sshd/kexalgorithms/ecdh-sha2-nistp256'])
  })

  it('the server offers an algorithm sshd -T does not enable: view/<keyword>', () => {
    const v = judge(obs({ kexinit: kexinit({ ciphersServerToClient: [...list(CIPHERS), 'chacha20-poly1305@openssh.com'], hostKeyAlgorithms: ['ssh-ed25519', 'ecdsa-sha2-nistp256'] }) }))
    expect(v.status).toBe('failed')
    expect(v.offenders).toEqual([
      { id: 'view/ciphers', why: 'the server offers chacha20-poly1305@openssh.com that sshd -T does not enable (ciphers): the configuration read is not the one in force' },
      { id: 'view/hostkeyalgorithms', why: 'the server offers ecdsa-sha2-nistp256 that sshd -T does not enable (hostkeyalgorithms): the configuration read is not the one in force' },
    ])
    expect(v.actual['disagreements']).toEqual([
      { keyword: 'ciphers', offeredNotEnabled: ['chacha20-poly1305@openssh.com'], enabledNotOffered: [] },
      { keyword: 'hostkeyalgorithms', offeredNotEnabled: ['ecdsa-sha2-nistp256'], enabledNotOffered: [] },
    ])
  })

  it('sshd -T enables an algorithm the server does not offer: view/<keyword>', () => {
    const v = judge(obs({ kexinit: kexinit({ macsClientToServer: ['hmac-sha2-512-etm@openssh.com'], macsServerToClient: ['hmac-sha2-512-etm@openssh.com'] }) }))
    expect(v.offenders).toEqual([{ id: 'view/macs', why: 'sshd -T enables hmac-sha2-256-etm@openssh.com, umac-128-etm@openssh.com that the server does not offer (macs): the configuration read is not the one in force' }])
  })

  it('password offered outside while sshd -T says passwordauthentication no, and the reverse', () => {
    expect(judge(obs({ methods: ['publickey', 'password'] })).offenders).toEqual([
      { id: 'view/passwordauthentication', why: "the server offers password authentication to root outside, but sshd -T (for root from the auditor's address) says passwordauthentication no" },
    ])
    const v = judge(obs({ settings: { ...SSHD_T, kbdinteractiveauthentication: 'yes' } }))
    expect(v.offenders).toEqual([
      { id: 'sshd/kbdinteractiveauthentication/yes', why: 'kbdinteractiveauthentication is yes: the server accepts keyboard-interactive logins' },
      { id: 'view/kbdinteractiveauthentication', why: "sshd -T (for root from the auditor's address) says kbdinteractiveauthentication yes, but the server does not offer keyboard-interactive authentication to root outside" },
    ])
  })

  it('AuthenticationMethods without password: passwordauthentication yes offends neither way', () => {
    const v = judge(obs({ settings: { ...SSHD_T, passwordauthentication: 'yes', authenticationmethods: 'publickey' } }))
    expect(v.status, JSON.stringify(v.offenders)).toBe('passed')
  })

  it('falls back to the config files, judges them and says so: a + list adds to the default the wire shows', () => {
    const config: Partial<SshdConfigObservation> = {
      source: 'config-files',
      filesRead: ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/50-vigil.conf'],
      fallbackReason: 'sshd -T was not allowed (exit 1): sudo: a password is required',
      conditional: [{ match: 'User backup', keyword: 'passwordauthentication', value: 'yes' }],
      matchBlocks: ['User backup'],
    }
    const settings = { ciphers: '+aes256-cbc', passwordauthentication: 'no', kbdinteractiveauthentication: 'no', permitrootlogin: 'no' }
    const wire = kexinit({ ciphersClientToServer: [...list(CIPHERS), 'aes256-cbc'], ciphersServerToClient: [...list(CIPHERS), 'aes256-cbc'] })
    const v = judge(obs({ settings, config, kexinit: wire }))
    expect(v.status).toBe('failed')
    expect(v.offenders).toEqual([
      { id: 'sshd/ciphers/aes256-cbc', why: 'cipher aes256-cbc enabled by ciphers: matches the deny pattern *-cbc', severity: 'medium' },
      { id: 'sshd/passwordauthentication/yes', why: 'passwordauthentication is yes for connections matching "Match User backup"' },
    ])
    expect(v.summary).toMatch(/\(from config-files\) — read from the config files \(\/etc\/ssh\/sshd_config, \/etc\/ssh\/sshd_config.d\/50-vigil.conf\): sshd -T was not allowed/)
    expect(v.observed).toMatchObject({ source: 'config-files', notCompared: ['kexalgorithms (not set in the files)', 'macs (not set in the files)', 'hostkeyalgorithms (not set in the files)'] })
  })

  it('config files: an unset keyword is the compiled-in default, a full list that the wire contradicts is a disagreement', () => {
    const config: Partial<SshdConfigObservation> = { source: 'config-files', filesRead: ['/etc/ssh/sshd_config'], fallbackReason: 'sshd -T was not allowed (exit 1)' }
    const v = judge(obs({ settings: { ciphers: 'aes256-gcm@openssh.com', permitrootlogin: 'no' }, config, methods: ['publickey', 'password'] }))
    expect(v.offenders?.map((o) => o.id)).toEqual(['sshd/kbdinteractiveauthentication/yes', 'sshd/passwordauthentication/yes', 'view/ciphers', 'view/kbdinteractiveauthentication'])
    expect(v.offenders?.find((o) => o.id === 'sshd/passwordauthentication/yes')?.why).toMatch(/not set in the files: the compiled-in default/)
  })

  it('no login, no configuration read, or a refused login is an error, never a pass', () => {
    const noLogin = judge(obs({ login: { error: { kind: 'not-observed', message: 'no audit login is configured for bastion (inventory: login.user, login.privateKeyFile)' } } }))
    expect(noLogin).toMatchObject({ status: 'error', errorKind: 'not-observed', offenders: [{ id: 'server' }] })
    expect(judge(obs({ login: null }))).toMatchObject({ status: 'error', errorKind: 'not-observed' })
    expect(judge(obs({ login: { user: 'root', hostKeyFingerprint: 'SHA256:x' } }))).toMatchObject({ status: 'error', errorKind: 'not-observed', summary: 'the sshd configuration was not read during the audit login' })
    const denied = judge(obs({ login: { user: 'audit', hostKeyFingerprint: 'SHA256:x', sshdConfig: { error: { kind: 'access-denied', message: 'sshd -T was not allowed; reading /etc/ssh/sshd_config over SFTP failed too' } } } }))
    expect(denied).toMatchObject({ status: 'error', errorKind: 'access-denied' })
    const mismatch = judge({ ...obs(), hostKeyPin: { expected: 'SHA256:pinned', seen: ['SHA256:other'], status: 'mismatch' } })
    expect(mismatch).toMatchObject({ status: 'error', errorKind: 'hostkey-mismatch' })
  })

  it('the outside view missing: error when nothing is denied, failed when something is', () => {
    const v = judge(obs({ kexinit: { error: { kind: 'timeout', message: 'no KEXINIT within 4000 ms' } } }))
    expect(v).toMatchObject({ status: 'error', errorKind: 'timeout', offenders: [{ id: 'server' }] })
    expect(v.summary).toMatch(/nothing in the effective configuration is denied, but it could not be compared/)
    const f = judge(obs({ settings: { ...SSHD_T, ciphers: `${CIPHERS},3des-cbc` }, kexinit: null }))
    expect(f.status).toBe('failed')
    expect(f.offenders?.map((o) => o.id)).toEqual(['sshd/ciphers/3des-cbc'])
  })
})
