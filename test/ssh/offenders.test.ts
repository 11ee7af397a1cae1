// Offenders of the SSH checks: every failed verdict names each thing that fails, every error names
// what could not be decided, with ids that survive routine change (the pull-request gate compares
// runs offender by offender). Unit tests on hand-made observations, then the real legacy sshd and a
// real key folder: the ids name what the server really offers, a second observation (new KEXINIT
// cookie, new timings) yields the same ids, moving a key folder changes none, and one more weak key
// file adds exactly that file.
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sshChecks } from '../../checks/ssh/index.ts'
import { observeKeyDir, observeSsh } from '../../checks/ssh/probe.ts'
import { keyOffenderIds } from '../../checks/ssh/keys-population.ts'
import { SSH_PARTS, type KexinitObservation, type KeyDirObservation, type KeyRecord, type KeysObservation, type SshObservation } from '../../checks/ssh/observation.ts'
import { SEVERITIES, type Offender, type Verdict } from '../../checks/types.ts'
import { createLabKeyFolder, type LabKeyFolder } from '../../lab/ssh/key-folder.ts'
import { startLabSshd, type LabSshd } from '../../lab/ssh/sshd.ts'
import { HARDENED_KEXINIT, hardenedServer, observeContext } from './helpers.ts'

const run = promisify(execFile)
const NOW = { now: new Date('2026-11-23T12:00:00Z') }
const check = (id: string) => sshChecks.find((c) => c.id === id)!
const judge = (id: string, obs: SshObservation | KeyDirObservation, params: Record<string, unknown> = {}): Verdict => check(id).judge(obs, params, NOW)
const ids = (v: Verdict): string[] => (v.offenders ?? []).map((o) => o.id)
const offender = (v: Verdict, id: string): Offender | undefined => v.offenders?.find((o) => o.id === id)

// ---------------------------------------------------------------------------------------------
// hand-made observations

const LEGACY: KexinitObservation = {
  ...HARDENED_KEXINIT,
  banner: 'SSH-2.0-OpenSSH_7.4',
  strictKex: false,
  payloadHex: '14aa',
  durationMs: 12,
  kex: ['curve25519-sha256', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1', 'diffie-hellman-group-exchange-sha1', 'ext-info-s'],
  hostKeyAlgorithms: ['ssh-ed25519', 'rsa-sha2-512', 'ssh-rsa', 'ssh-dss'],
  ciphersClientToServer: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes256-cbc', '3des-cbc'],
  ciphersServerToClient: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes256-cbc', 'arcfour'],
  macsClientToServer: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-256', 'hmac-md5', 'hmac-sha1-96'],
  macsServerToClient: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-256', 'hmac-md5', 'hmac-sha1-96'],
}

const RSA_FP = 'SHA256:rsa2048/+fingerprint'
const DSA_FP = 'SHA256:dsa1024/+fingerprint'
const server = (over: Partial<SshObservation> = {}): SshObservation =>
  hardenedServer({
    login: { user: 'root', hostKeyFingerprint: 'SHA256:abc', sshdConfig: { source: 'sshd -T', configFile: '/etc/ssh/sshd_config', filesRead: [], settings: { permitrootlogin: 'no' }, matchBlocks: [] } },
    ...over,
  })
const legacyServer = (over: Partial<SshObservation> = {}): SshObservation =>
  server({
    kexinit: LEGACY,
    hostKeys: {
      keys: [
        { algorithm: 'ssh-ed25519', keyType: 'ssh-ed25519', bits: 256, fingerprint: 'SHA256:abc' },
        { algorithm: 'rsa-sha2-512', keyType: 'ssh-rsa', bits: 2048, fingerprint: RSA_FP },
        { algorithm: 'ssh-dss', keyType: 'ssh-dss', bits: 1024, fingerprint: DSA_FP },
      ],
      notProbed: [],
      failed: [],
    },
    authMethods: { user: 'vigil-probe', methods: ['publickey', 'password', 'keyboard-interactive'], noneAccepted: false },
    ...over,
  })
const rootLogin = (settings: Record<string, string>, conditional: { match: string; keyword: string; value: string }[] = []): SshObservation =>
  server({ login: { user: 'auditor', hostKeyFingerprint: 'SHA256:abc', sshdConfig: { source: 'config-files', configFile: '/etc/ssh/sshd_config', filesRead: ['/etc/ssh/sshd_config'], settings, matchBlocks: conditional.map((c) => c.match), conditional } } })

/** The same server, its lists in another order and with other timings and cookie. */
function shuffled(o: KexinitObservation): KexinitObservation {
  const r = <T>(a: T[]) => [...a].reverse()
  return {
    ...o,
    payloadHex: 'ff00',
    durationMs: o.durationMs * 7 + 1,
    kex: r(o.kex),
    hostKeyAlgorithms: r(o.hostKeyAlgorithms),
    ciphersClientToServer: r(o.ciphersServerToClient),
    ciphersServerToClient: r(o.ciphersClientToServer),
    macsClientToServer: r(o.macsServerToClient),
    macsServerToClient: r(o.macsClientToServer),
  }
}

const search = (over: Partial<KeysObservation> = {}): KeysObservation => ({ source: 'local', roots: ['/keys'], filesExamined: 3, keys: [], unreadable: [], truncated: false, oversized: 0, ...over })
const folder = (over: Partial<KeysObservation> = {}): KeyDirObservation => ({ target: { name: 'keys', path: '/keys' }, keys: search(over) })
const remote = (over: Partial<KeysObservation> = {}): SshObservation => server({ keys: search({ source: 'sftp', roots: ['/home/ops/.ssh'], ...over }) })
const unprotected = (file: string, over: Partial<KeyRecord> = {}): KeyRecord => ({ file, kind: 'private', format: 'openssh-v1', type: 'ed25519', bits: 256, sizeSource: 'measured', fingerprint: `SHA256:${file}`, protection: { encrypted: false, weaknesses: [] }, ...over })
const protectedKey = (file: string, over: Partial<KeyRecord> = {}): KeyRecord => unprotected(file, { protection: { encrypted: true, cipher: 'aes256-ctr', kdf: 'bcrypt', rounds: 16, weaknesses: [] }, ...over })
const entry = (file: string, line: number, type: string, bits: number, fp: string): KeyRecord => ({ file, line, kind: 'public', format: 'authorized-keys', type, bits, sizeSource: 'measured', fingerprint: fp })

// ---------------------------------------------------------------------------------------------

describe('every SSH check declares a default severity with a reason', () => {
  it.each(sshChecks.map((c) => [c.id, c.severity.level]))('%s: %s', (id) => {
    const { level, reason } = check(id).severity
    expect(SEVERITIES).toContain(level)
    expect(reason.length).toBeGreaterThan(40)
    // one sentence: no full stop before the end
    expect(reason.replace(/\.$/, '')).not.toMatch(/\.\s+[A-Z]/)
  })
  it('the severities: credential and key checks high, algorithm and Terrapin checks medium', () => {
    expect(Object.fromEntries(sshChecks.map((c) => [c.id, c.severity.level]))).toEqual({
      'ssh.server.kex': 'medium',
      'ssh.server.ciphers': 'medium',
      'ssh.server.macs': 'medium',
      'ssh.server.host-keys': 'medium',
      'ssh.server.terrapin': 'medium',
      'ssh.server.password-auth': 'high',
      'ssh.server.root-login': 'high',
      'ssh.keys.passphrase': 'high',
      'ssh.keys.strength': 'high',
    })
  })
})

describe('passed and not-applicable verdicts name no offender', () => {
  it.each(sshChecks.filter((c) => c.kinds.includes('ssh')).map((c) => [c.id]))('%s on a hardened server', (id) => {
    const v = judge(id, server({ keys: search({ source: 'sftp', keys: [protectedKey('/home/ops/.ssh/id_ed25519')] }) }))
    expect(v.status, v.summary).toBe('passed')
    expect(v).not.toHaveProperty('offenders')
  })
  it('an empty key folder is not applicable, without offenders', () => {
    for (const id of ['ssh.keys.passphrase', 'ssh.keys.strength']) {
      const v = judge(id, folder())
      expect(v.status).toBe('not-applicable')
      expect(v).not.toHaveProperty('offenders')
    }
  })
})

describe('algorithm lists: one offender per algorithm, `<class>/<name>`', () => {
  it('ssh.server.kex names each denied method', () => {
    const v = judge('ssh.server.kex', legacyServer())
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual(['kex/diffie-hellman-group-exchange-sha1', 'kex/diffie-hellman-group1-sha1', 'kex/diffie-hellman-group14-sha1'])
    expect(offender(v, 'kex/diffie-hellman-group1-sha1')!.why).toMatch(/on the deny list/)
  })
  it('ssh.server.kex: the NIST rule and baseline mode name methods the same way', () => {
    const nist = judge('ssh.server.kex', server({ kexinit: { ...HARDENED_KEXINIT, kex: ['ecdh-sha2-nistp256', 'diffie-hellman-group16-sha512'] } }))
    expect(nist.offenders).toEqual([{ id: 'kex/ecdh-sha2-nistp256', why: expect.stringMatching(/NIST curve without curve25519/) }])
    const base = judge('ssh.server.kex', legacyServer(), { mode: 'baseline' })
    expect(ids(base)).toEqual(['kex/diffie-hellman-group-exchange-sha1', 'kex/diffie-hellman-group1-sha1', 'kex/diffie-hellman-group14-sha1'])
    expect(offender(base, 'kex/diffie-hellman-group1-sha1')!.why).toMatch(/not in the baseline/)
  })
  it('baseline exact: a missing method and a different order are offenders of their own', () => {
    const missing = judge('ssh.server.kex', server(), { mode: 'baseline', match: 'exact', baseline: ['mlkem768x25519-sha256', 'curve25519-sha256', 'curve25519-sha256@libssh.org'] })
    expect(ids(missing)).toEqual(['kex-missing/curve25519-sha256@libssh.org'])
    const order = judge('ssh.server.kex', server(), { mode: 'baseline', match: 'exact', baseline: ['curve25519-sha256', 'mlkem768x25519-sha256'] })
    expect(ids(order)).toEqual(['kex-order'])
  })
  it('ssh.server.ciphers: one offender per cipher, whichever directions offer it; `none` is high', () => {
    const v = judge('ssh.server.ciphers', legacyServer())
    expect(ids(v)).toEqual(['cipher/3des-cbc', 'cipher/aes256-cbc', 'cipher/arcfour'])
    expect(offender(v, 'cipher/3des-cbc')!.why).toMatch(/client to server only/)
    expect(offender(v, 'cipher/arcfour')!.why).toMatch(/server to client only/)
    expect(offender(v, 'cipher/aes256-cbc')!.why).not.toMatch(/only/)
    expect(offender(v, 'cipher/aes256-cbc')!.severity).toBeUndefined()
    const none = judge('ssh.server.ciphers', server({ kexinit: { ...HARDENED_KEXINIT, ciphersClientToServer: ['aes256-gcm@openssh.com', 'none'], ciphersServerToClient: ['none'] } }))
    expect(none.offenders).toEqual([{ id: 'cipher/none', why: expect.stringMatching(/on the deny list/), severity: 'high' }])
  })
  it('ssh.server.macs: denied and non-ETM MACs, each once', () => {
    const v = judge('ssh.server.macs', legacyServer())
    expect(ids(v)).toEqual(['mac/hmac-md5', 'mac/hmac-sha1-96', 'mac/hmac-sha2-256'])
    expect(offender(v, 'mac/hmac-sha2-256')!.why).toMatch(/not encrypt-then-MAC/)
    expect(offender(v, 'mac/hmac-sha1-96')!.why).toMatch(/deny pattern hmac-sha1\*/)
  })
  it('the ids do not depend on the order of the lists, the directions, the timings or the cookie', () => {
    const a = legacyServer()
    const b = legacyServer({ kexinit: shuffled(LEGACY), connections: 9 })
    for (const c of sshChecks.filter((x) => x.kinds.includes('ssh') && !x.id.startsWith('ssh.keys'))) {
      const va = c.judge(a, {}, NOW)
      const vb = c.judge(b, {}, NOW)
      expect(vb.status, c.id).toBe(va.status)
      expect(ids(vb), c.id).toEqual(ids(va))
    }
  })
})

describe('ssh.server.host-keys: `hostkey-algorithm/<name>` and `hostkey/<type>/<fingerprint>`', () => {
  it('names each denied signature algorithm and each weak key; DSA is high', () => {
    const v = judge('ssh.server.host-keys', legacyServer())
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual(['hostkey-algorithm/ssh-dss', 'hostkey-algorithm/ssh-rsa', `hostkey/ssh-dss/${DSA_FP}`, `hostkey/ssh-rsa/${RSA_FP}`])
    expect(offender(v, `hostkey/ssh-dss/${DSA_FP}`)!.severity).toBe('high')
    expect(offender(v, `hostkey/ssh-rsa/${RSA_FP}`)!.severity).toBeUndefined()
    expect(offender(v, `hostkey/ssh-rsa/${RSA_FP}`)!.why).toMatch(/RSA host key of 2048 bits < 3072/)
    const rsa1024 = judge('ssh.server.host-keys', server({ hostKeys: { keys: [{ algorithm: 'rsa-sha2-256', keyType: 'ssh-rsa', bits: 1024, fingerprint: RSA_FP }], notProbed: [], failed: [] }, kexinit: { ...HARDENED_KEXINIT, hostKeyAlgorithms: ['rsa-sha2-256'] } }))
    expect(rsa1024.offenders).toEqual([{ id: `hostkey/ssh-rsa/${RSA_FP}`, why: expect.stringMatching(/1024 bits/), severity: 'high' }])
  })
  it('an error names the host-key algorithms whose key could not be read', () => {
    const v = judge('ssh.server.host-keys', server({ kexinit: { ...HARDENED_KEXINIT, hostKeyAlgorithms: ['ssh-ed25519', 'rsa-sha2-512'] }, hostKeys: { keys: [{ algorithm: 'ssh-ed25519', keyType: 'ssh-ed25519', bits: 256, fingerprint: 'SHA256:abc' }], notProbed: [], failed: [{ algorithm: 'rsa-sha2-512', error: 'timeout after 4000 ms' }] } }))
    expect(v.status).toBe('error')
    expect(v.offenders).toEqual([{ id: 'hostkey-algorithm/rsa-sha2-512', why: expect.stringMatching(/could not be read: timeout/) }])
    const none = judge('ssh.server.host-keys', server({ hostKeys: { keys: [], notProbed: ['sk-ssh-ed25519@openssh.com'], failed: [] } }))
    expect(none.status).toBe('error')
    expect(ids(none)).toEqual(['hostkey-algorithm/sk-ssh-ed25519@openssh.com'])
  })
})

describe('ssh.server.terrapin: `terrapin/<algorithm>`', () => {
  it('names chacha20-poly1305 and each ETM MAC offered without strict key exchange', () => {
    const v = judge('ssh.server.terrapin', legacyServer())
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual(['terrapin/chacha20-poly1305@openssh.com', 'terrapin/hmac-sha2-256-etm@openssh.com'])
    expect(offender(v, 'terrapin/hmac-sha2-256-etm@openssh.com')!.why).toMatch(/without strict key exchange/)
    const withCbc = judge('ssh.server.terrapin', legacyServer(), { etmRule: 'with-cbc' })
    expect(offender(withCbc, 'terrapin/hmac-sha2-256-etm@openssh.com')!.why).toMatch(/beside CBC cipher\(s\) aes256-cbc/)
  })
})

describe('ssh.server.password-auth: `auth/<method>`', () => {
  it('names each forbidden method offered', () => {
    expect(judge('ssh.server.password-auth', legacyServer()).offenders).toEqual([
      { id: 'auth/keyboard-interactive', why: 'the server offers keyboard-interactive authentication' },
      { id: 'auth/password', why: 'the server offers password authentication' },
    ])
  })
  it('a server that accepts `none` is `auth/none`, critical', () => {
    const v = judge('ssh.server.password-auth', server({ authMethods: { user: 'vigil-probe', methods: [], noneAccepted: true } }))
    expect(v.offenders).toEqual([{ id: 'auth/none', why: expect.stringMatching(/without any credentials/), severity: 'critical' }])
  })
})

describe('ssh.server.root-login: the setting is the offender, its value the reason', () => {
  it('yes and prohibit-password are the same offender `PermitRootLogin`; key-only is medium', () => {
    const yes = judge('ssh.server.root-login', rootLogin({ permitrootlogin: 'yes' }))
    const keyOnly = judge('ssh.server.root-login', rootLogin({ permitrootlogin: 'prohibit-password' }))
    expect(yes.offenders).toEqual([{ id: 'PermitRootLogin', why: 'PermitRootLogin is yes (from the config files)' }])
    expect(keyOnly.offenders).toEqual([{ id: 'PermitRootLogin', why: 'PermitRootLogin is prohibit-password (from the config files)', severity: 'medium' }])
  })
  it('a Match block that allows root is `PermitRootLogin/Match <condition>`, beside a failing global value too', () => {
    const cond = [{ match: 'User  admin', keyword: 'permitrootlogin', value: 'yes' }]
    const v = judge('ssh.server.root-login', rootLogin({ permitrootlogin: 'no' }, cond))
    expect(v.status).toBe('failed')
    expect(ids(v)).toEqual(['PermitRootLogin/Match User admin'])
    const both = judge('ssh.server.root-login', rootLogin({ permitrootlogin: 'yes' }, cond))
    expect(ids(both)).toEqual(['PermitRootLogin', 'PermitRootLogin/Match User admin'])
  })
})

describe('key checks: the file (relative to a key folder, as found over SFTP), plus the key where a file holds entries', () => {
  it('ssh.keys.passphrase names each unprotected key file; failOnWeak adds weak ones as medium', () => {
    const keys = [unprotected('deploy/id_ed25519'), protectedKey('ci/id_ecdsa', { protection: { encrypted: true, kdf: 'bcrypt', rounds: 4, weaknesses: [] } }), protectedKey('ok')]
    const v = judge('ssh.keys.passphrase', folder({ keys }))
    expect(v.offenders).toEqual([{ id: 'deploy/id_ed25519', why: 'private key (openssh-v1, ed25519 256 bits) is not protected by a passphrase' }])
    const strict = judge('ssh.keys.passphrase', folder({ keys }), { failOnWeak: true })
    expect(strict.offenders).toEqual([
      { id: 'ci/id_ecdsa', why: expect.stringMatching(/weakly protected: bcrypt KDF with 4 rounds < 16/), severity: 'medium' },
      { id: 'deploy/id_ed25519', why: expect.any(String) },
    ])
    const weakOnly = judge('ssh.keys.passphrase', folder({ keys: keys.slice(1) }), { failOnWeak: true })
    expect(ids(weakOnly)).toEqual(['ci/id_ecdsa'])
    expect(ids(judge('ssh.keys.passphrase', remote({ keys: [unprotected('/home/ops/.ssh/id_ed25519')] })))).toEqual(['/home/ops/.ssh/id_ed25519'])
  })

  it('ssh.keys.strength names weak keys; authorized_keys entries by fingerprint, never by line', () => {
    const keys = [
      unprotected('id_dsa', { type: 'dsa', bits: 1024 }),
      protectedKey('old_rsa', { type: 'rsa', bits: 2048 }),
      entry('authorized_keys', 1, 'ed25519', 256, 'SHA256:ok'),
      entry('authorized_keys', 2, 'rsa', 1024, 'SHA256:tiny'),
      entry('authorized_keys', 3, 'rsa', 2048, 'SHA256:short'),
    ]
    const v = judge('ssh.keys.strength', folder({ keys }))
    expect(v.status).toBe('failed')
    expect(v.offenders).toEqual([
      { id: 'authorized_keys#SHA256:short', why: expect.stringMatching(/RSA key of 2048 bits < 3072/), severity: 'medium' },
      { id: 'authorized_keys#SHA256:tiny', why: expect.stringMatching(/RSA key of 1024 bits < 3072/) },
      { id: 'id_dsa', why: expect.stringMatching(/DSA key/) },
      { id: 'old_rsa', why: expect.stringMatching(/2048 bits/), severity: 'medium' },
    ])
    // a line added on top, the lines reordered, the search timed differently: the same ids
    const moved = [entry('authorized_keys', 1, 'ed25519', 256, 'SHA256:new'), entry('authorized_keys', 2, 'rsa', 2048, 'SHA256:short'), entry('authorized_keys', 3, 'ed25519', 256, 'SHA256:ok'), entry('authorized_keys', 4, 'rsa', 1024, 'SHA256:tiny')]
    const v2 = judge('ssh.keys.strength', folder({ keys: [...moved, keys[1]!, keys[0]!], filesExamined: 17 }))
    expect(ids(v2)).toEqual(ids(v))
    // a size estimated from an encrypted blob is not trusted to be only short of the margin
    const estimated = judge('ssh.keys.strength', folder({ keys: [protectedKey('pem_rsa_enc', { format: 'pem-pkcs1', type: 'rsa', bits: 2048, sizeSource: 'estimated', fingerprint: undefined })] }))
    expect(estimated.offenders).toEqual([{ id: 'pem_rsa_enc', why: expect.stringMatching(/estimated from the encrypted size/) }])
  })

  it('the same key twice in authorized_keys is one offender; a single-key .pub file is named by its fingerprint too', () => {
    const v = judge('ssh.keys.strength', folder({ keys: [entry('authorized_keys', 1, 'dsa', 1024, 'SHA256:d'), entry('authorized_keys', 5, 'dsa', 1024, 'SHA256:d'), { ...entry('id_dsa.pub', 1, 'dsa', 1024, 'SHA256:d'), format: 'openssh-public' }] }))
    expect(ids(v)).toEqual(['authorized_keys#SHA256:d', 'id_dsa.pub#SHA256:d'])
  })

  it('a file holding several keys names each by fingerprint, or by position when it has none', () => {
    const bundle = [unprotected('bundle.pem', { format: 'pem-pkcs1', type: 'rsa', bits: 1024, fingerprint: undefined }), unprotected('bundle.pem', { format: 'pem-pkcs1', type: 'rsa', bits: 2048, fingerprint: 'SHA256:b' })]
    const m = keyOffenderIds(bundle)
    expect([...m.values()]).toEqual(['bundle.pem#key-1', 'bundle.pem#SHA256:b'])
    expect(ids(judge('ssh.keys.passphrase', folder({ keys: bundle })))).toEqual(['bundle.pem#SHA256:b', 'bundle.pem#key-1'])
  })

  it('an error names each path that could not be examined, `keys` for a search that hit its bound, or the size-less keys', () => {
    const blocked = judge('ssh.keys.passphrase', remote({ unreadable: [{ path: '/root/.ssh', error: '3: Permission denied' }, { path: '/home/gone/.ssh', error: '2: No such file' }] }))
    expect(blocked.status).toBe('error')
    expect(blocked.offenders).toEqual([{ id: '/root/.ssh', why: 'could not be examined: 3: Permission denied' }])
    const bounded = judge('ssh.keys.strength', folder({ truncated: true, unreadable: [{ path: 'big/tree', error: 'EACCES: permission denied' }] }))
    expect(ids(bounded)).toEqual(['big/tree', 'keys'])
    const unsized = judge('ssh.keys.strength', folder({ keys: [protectedKey('mystery', { type: 'rsa', bits: undefined })] }))
    expect(unsized.status).toBe('error')
    expect(unsized.offenders).toEqual([{ id: 'mystery', why: expect.stringMatching(/could not be read/) }])
  })
})

describe('whole-target errors: `server` for server checks, `keys` for key checks', () => {
  it('a part that was not observed, or a host-key mismatch', () => {
    const bare = server({ kexinit: undefined, hostKeys: undefined, authMethods: undefined, login: undefined, keys: undefined })
    for (const c of sshChecks.filter((x) => x.kinds.includes('ssh'))) {
      const v = c.judge(bare, {}, NOW)
      expect(v.status, c.id).toBe('error')
      expect(v.offenders, c.id).toEqual([{ id: c.id.startsWith('ssh.keys') ? 'keys' : 'server', why: v.summary }])
    }
    const mismatch = server({ hostKeyPin: { expected: 'SHA256:pinned', seen: ['SHA256:other'], status: 'mismatch' } })
    expect(ids(judge('ssh.server.kex', mismatch))).toEqual(['server'])
    expect(ids(judge('ssh.server.root-login', mismatch))).toEqual(['server'])
  })
  it('a key folder that could not be searched, and a KEXINIT without ciphers', () => {
    const gone: KeyDirObservation = { target: { name: 'k', path: '/nowhere' }, keys: { error: { kind: 'inconclusive', message: 'cannot open key folder /nowhere: ENOENT' } } }
    expect(judge('ssh.keys.strength', gone).offenders).toEqual([{ id: 'keys', why: 'cannot open key folder /nowhere: ENOENT' }])
    const empty = judge('ssh.server.ciphers', server({ kexinit: { ...HARDENED_KEXINIT, ciphersClientToServer: [], ciphersServerToClient: [] } }))
    expect(empty.errorKind).toBe('protocol')
    expect(ids(empty)).toEqual(['server'])
  })
})

// ---------------------------------------------------------------------------------------------
// against a real legacy sshd and a real key folder

describe('against the real legacy sshd and key folder', () => {
  let legacy: LabSshd
  let work: string
  let corpus: LabKeyFolder
  let first: SshObservation, second: SshObservation
  const SERVER_PARTS = [SSH_PARTS.kexinit, SSH_PARTS.hostKeys, SSH_PARTS.authMethods]

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-offenders-'))
    ;[legacy, corpus] = await Promise.all([startLabSshd({ profile: 'legacy', hostKeys: ['rsa:2048', 'dsa', 'ecdsa:256', 'ed25519'] }), createLabKeyFolder(join(work, 'corpus'), { corpus: 'quick' })])
    const t = { name: 'legacy', host: '127.0.0.1', port: legacy.port, keyPaths: [], tags: [] }
    first = await observeSsh(t, observeContext(SERVER_PARTS))
    second = await observeSsh(t, observeContext(SERVER_PARTS))
  }, 120_000)
  afterAll(async () => {
    await legacy?.stop()
    await Promise.all([legacy && rm(legacy.dir, { recursive: true, force: true }), work && rm(work, { recursive: true, force: true })])
  })

  const kexinitOf = (o: SshObservation) => o.kexinit as KexinitObservation

  it('the legacy server fails with offenders named after what it really offers', () => {
    const k = kexinitOf(first)
    const kex = judge('ssh.server.kex', first)
    expect(ids(kex)).toEqual(expect.arrayContaining(['kex/diffie-hellman-group1-sha1', 'kex/diffie-hellman-group14-sha1', 'kex/diffie-hellman-group-exchange-sha1']))
    for (const id of ids(kex)) expect(k.kex).toContain(id.slice('kex/'.length))

    const ciphers = judge('ssh.server.ciphers', first)
    expect(ids(ciphers)).toEqual(expect.arrayContaining(['cipher/3des-cbc', 'cipher/aes128-cbc', 'cipher/aes256-cbc']))
    // offered in both directions, named once
    expect(k.ciphersClientToServer).toContain('3des-cbc')
    expect(k.ciphersServerToClient).toContain('3des-cbc')
    expect(ids(ciphers).filter((i) => i === 'cipher/3des-cbc')).toHaveLength(1)
    for (const id of ids(ciphers)) expect([...k.ciphersClientToServer, ...k.ciphersServerToClient]).toContain(id.slice('cipher/'.length))

    const macs = judge('ssh.server.macs', first)
    expect(ids(macs)).toEqual(expect.arrayContaining(['mac/hmac-md5', 'mac/hmac-md5-96', 'mac/hmac-sha1', 'mac/hmac-sha1-96', 'mac/umac-64@openssh.com']))
    for (const id of ids(macs)) expect([...k.macsClientToServer, ...k.macsServerToClient]).toContain(id.slice('mac/'.length))

    const hk = judge('ssh.server.host-keys', first)
    const dsa = legacy.hostKeys.find((h) => h.type === 'dsa')!
    const rsa = legacy.hostKeys.find((h) => h.type === 'rsa')!
    expect(ids(hk)).toEqual(expect.arrayContaining(['hostkey-algorithm/ssh-rsa', 'hostkey-algorithm/ssh-dss', `hostkey/ssh-dss/${dsa.fingerprint}`, `hostkey/ssh-rsa/${rsa.fingerprint}`]))
    expect(offender(hk, `hostkey/ssh-dss/${dsa.fingerprint}`)!.severity).toBe('high')
    // the strong keys are not offenders
    for (const h of legacy.hostKeys.filter((x) => x.type === 'ed25519' || x.type === 'ecdsa')) expect(ids(hk).join('\n')).not.toContain(h.fingerprint)

    expect(ids(judge('ssh.server.password-auth', first))).toEqual(['auth/keyboard-interactive', 'auth/password'])
    // the installed sshd enforces strict kex: Terrapin passes and names nobody
    expect(judge('ssh.server.terrapin', first)).not.toHaveProperty('offenders')
    for (const v of [kex, ciphers, macs, hk]) for (const o of v.offenders!) expect(o.id).not.toMatch(/ ms\b|127\.0\.0\.1/)
  })

  it('a second observation of the same server (new cookie, new timings) yields the same offenders', () => {
    expect(kexinitOf(second).payloadHex).not.toBe(kexinitOf(first).payloadHex)
    for (const id of ['ssh.server.kex', 'ssh.server.ciphers', 'ssh.server.macs', 'ssh.server.host-keys', 'ssh.server.password-auth']) {
      expect(ids(judge(id, second)), id).toEqual(ids(judge(id, first)))
    }
  })

  it('key folder ids are relative to the folder; moving it changes none; one more weak key file adds exactly that file', async () => {
    const at = async (path: string) => observeKeyDir({ name: 'keys', path, tags: [] }, observeContext([SSH_PARTS.keys]))
    const original = await at(corpus.dir)
    const pass = judge('ssh.keys.passphrase', original)
    const strength = judge('ssh.keys.strength', original)
    expect(pass.status).toBe('failed')
    expect(strength.status).toBe('failed')
    // every unprotected private key of the corpus, by its path in the folder
    expect(ids(pass)).toEqual(corpus.expected.filter((e) => e.kind === 'private' && e.encrypted === false).map((e) => e.file).sort())
    const fp = (file: string) => (original.keys as KeysObservation).keys.find((k) => k.file === file)!.fingerprint!
    expect(ids(strength)).toEqual(expect.arrayContaining(['legacy_dsa', `legacy_dsa.pub#${fp('legacy_dsa.pub')}`, 'notes.txt', `authorized_keys#${fp('legacy_dsa.pub')}`, `authorized_keys#${fp('old_rsa.pub')}`]))
    expect(offender(strength, 'old_rsa')!.severity).toBe('medium')
    expect(offender(strength, 'notes.txt')!.severity).toBeUndefined()
    for (const id of [...ids(pass), ...ids(strength)]) {
      expect(id.startsWith('/')).toBe(false)
      expect(id).not.toContain(work)
      expect(id).not.toMatch(/:\d+$/)
    }

    const movedDir = join(work, 'elsewhere', 'keys-moved')
    await mkdir(join(work, 'elsewhere'))
    await cp(corpus.dir, movedDir, { recursive: true })
    const moved = await at(movedDir)
    expect(ids(judge('ssh.keys.passphrase', moved))).toEqual(ids(pass))
    expect(ids(judge('ssh.keys.strength', moved))).toEqual(ids(strength))

    await mkdir(join(movedDir, 'added'))
    await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'one-more', '-f', join(movedDir, 'added', 'weak_rsa')])
    await rm(join(movedDir, 'added', 'weak_rsa.pub'))
    const grown = await at(movedDir)
    const grownPass = judge('ssh.keys.passphrase', grown)
    const grownStrength = judge('ssh.keys.strength', grown)
    expect(ids(grownPass)).toEqual([...ids(pass), 'added/weak_rsa'].sort())
    expect(ids(grownStrength)).toEqual([...ids(strength), 'added/weak_rsa'].sort())
    // the others are unchanged, reason and all
    expect(grownStrength.offenders!.filter((o) => o.id !== 'added/weak_rsa')).toEqual(strength.offenders)
  }, 60_000)
})
