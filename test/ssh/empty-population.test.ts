// Vacuous truth: every SSH check declares the population it judges. An empty population that was
// observed (no key found, no authentication method listed, no MAC because only AEAD ciphers are
// offered) is `not-applicable`, never `passed`. An empty list where the protocol requires one (a
// KEXINIT without any key-exchange method, cipher or host-key algorithm) is a protocol error; a key
// search that stopped at its bound or could not read a path stays an error; the effective
// PermitRootLogin always has a value (the compiled-in default when unset), so it is always judged.
import { describe, expect, it } from 'vitest'
import { sshChecks } from '../../checks/ssh/index.ts'
import type { KexinitObservation, KeyDirObservation, KeyRecord, KeysObservation, SshObservation } from '../../checks/ssh/observation.ts'
import type { Verdict } from '../../checks/types.ts'
import { HARDENED_KEXINIT, hardenedServer } from './helpers.ts'

const NOW = { now: new Date('2026-11-23T12:00:00Z') }
const check = (id: string) => sshChecks.find((c) => c.id === id)!
const judge = (id: string, obs: SshObservation | KeyDirObservation, params: Record<string, unknown> = {}): Verdict => check(id).judge(obs, params, NOW)

const kexinit = (over: Partial<KexinitObservation>): SshObservation => hardenedServer({ kexinit: { ...HARDENED_KEXINIT, ...over } })

const search = (over: Partial<KeysObservation> = {}): KeysObservation => ({ source: 'local', roots: ['/keys'], filesExamined: 3, keys: [], unreadable: [], truncated: false, oversized: 0, ...over })
const folder = (over: Partial<KeysObservation> = {}): KeyDirObservation => ({ target: { name: 'keys', path: '/keys' }, keys: search(over) })
const remote = (over: Partial<KeysObservation> = {}): SshObservation => hardenedServer({ keys: search({ source: 'sftp', roots: ['/home/ops/.ssh'], ...over }) })
const PUBLIC_ED25519: KeyRecord = { file: 'id_ed25519.pub', line: 1, kind: 'public', format: 'openssh-public', type: 'ed25519', bits: 256, sizeSource: 'measured', fingerprint: 'SHA256:xyz' }

function expectNotApplicable(v: Verdict): void {
  expect(v.status, v.summary).toBe('not-applicable')
  expect(v.errorKind).toBeUndefined()
  expect(v.summary).toMatch(/nothing to judge/)
  expect(Object.keys(v.expected).length).toBeGreaterThan(0)
  expect(v.evidence.length).toBeGreaterThan(0)
}

function expectError(v: Verdict, kind: string, summary: RegExp): void {
  expect(v.status, v.summary).toBe('error')
  expect(v.errorKind).toBe(kind)
  expect(v.summary).toMatch(summary)
}

describe('every SSH check declares the population it judges', () => {
  it.each(sshChecks.map((c) => [c.id, c.population]))('%s: "%s"', (_id, population) => {
    expect(typeof population).toBe('string')
    expect(population.trim().length).toBeGreaterThan(3)
  })
})

describe('ssh.keys.passphrase', () => {
  it('a key folder with no key at all is not applicable, with the search kept as evidence', () => {
    const v = judge('ssh.keys.passphrase', folder())
    expectNotApplicable(v)
    expect(v.summary).toMatch(/no private key found in 3 file\(s\) examined/)
    expect(v.observed).toMatchObject({ filesExamined: 3, truncated: false, privateKeys: [] })
    expect(v.evidence[0]!.kind).toBe('key-search')
  })
  it('only public keys found: no private key to judge', () => {
    expectNotApplicable(judge('ssh.keys.passphrase', folder({ keys: [PUBLIC_ED25519] })))
  })
  it('over SFTP: keyPaths with no key, one of them missing, is not applicable', () => {
    const v = judge('ssh.keys.passphrase', remote({ filesExamined: 0, unreadable: [{ path: '/root/.ssh', error: '2: No such file' }] }))
    expectNotApplicable(v)
    expect(v.summary).toMatch(/1 path\(s\) do not exist/)
  })
  it('a search that stopped at its bound is an error, not not-applicable', () => {
    expectError(judge('ssh.keys.passphrase', folder({ truncated: true, filesExamined: 5000 })), 'inconclusive', /stopped at its bound/)
  })
  it('a path that could not be read may hold the keys: error, not not-applicable', () => {
    const v = judge('ssh.keys.passphrase', remote({ keys: [PUBLIC_ED25519], unreadable: [{ path: '/etc/ssh/ssh_host_ed25519_key', error: '3: Permission denied' }] }))
    expectError(v, 'inconclusive', /1 path\(s\) could not be examined.*ssh_host_ed25519_key/)
    // a symbolic link is not followed, so what it points at was not examined either
    expectError(judge('ssh.keys.passphrase', folder({ unreadable: [{ path: 'id_rsa', error: 'symbolic link, not followed' }] })), 'inconclusive', /could not be examined/)
  })
})

describe('ssh.keys.strength', () => {
  it('a key folder with no key at all is not applicable', () => {
    const v = judge('ssh.keys.strength', folder())
    expectNotApplicable(v)
    expect(v.summary).toMatch(/no key found in 3 file\(s\) examined/)
  })
  it('over SFTP: keyPaths with no key is not applicable', () => {
    expectNotApplicable(judge('ssh.keys.strength', remote({ filesExamined: 0 })))
  })
  it('a search that stopped at its bound, or could not read a path, is an error', () => {
    expectError(judge('ssh.keys.strength', folder({ truncated: true })), 'inconclusive', /stopped at its bound/)
    expectError(judge('ssh.keys.strength', folder({ unreadable: [{ path: 'private', error: 'EACCES: permission denied, scandir' }] })), 'inconclusive', /could not be examined/)
  })
})

describe('ssh.server.password-auth', () => {
  it('a server that lists no authentication method after `none` is not applicable', () => {
    const v = judge('ssh.server.password-auth', hardenedServer({ authMethods: { user: 'vigil-probe', methods: [], noneAccepted: false } }))
    expectNotApplicable(v)
    expect(v.summary).toMatch(/lists no authentication method/)
  })
  it('`none` accepted (so no method listed) still fails', () => {
    expect(judge('ssh.server.password-auth', hardenedServer({ authMethods: { user: 'vigil-probe', methods: [], noneAccepted: true } })).status).toBe('failed')
  })
})

describe('ssh.server.macs', () => {
  it('no MAC offered beside AEAD-only ciphers (MACs are never used): not applicable', () => {
    const v = judge('ssh.server.macs', kexinit({ macsClientToServer: [], macsServerToClient: [] }))
    expectNotApplicable(v)
    expect(v.summary).toMatch(/only AEAD ciphers/)
    expect(judge('ssh.server.macs', kexinit({ macsClientToServer: [], macsServerToClient: [] }), { mode: 'baseline', match: 'exact' }).status).toBe('not-applicable')
  })
  it('no MAC offered beside a cipher that needs one is a protocol error', () => {
    expectError(judge('ssh.server.macs', kexinit({ macsClientToServer: [], macsServerToClient: [], ciphersClientToServer: ['aes256-ctr'], ciphersServerToClient: ['aes256-ctr'] })), 'protocol', /offered no MACs/)
  })
})

describe('KEXINIT lists the protocol requires: empty is a protocol error', () => {
  it('ssh.server.kex: only pseudo-algorithms (ext-info, strict-kex markers) or nothing', () => {
    expectError(judge('ssh.server.kex', kexinit({ kex: ['ext-info-s', 'kex-strict-s-v00@openssh.com'] })), 'protocol', /offered no key-exchange methods/)
    expectError(judge('ssh.server.kex', kexinit({ kex: [] }), { mode: 'baseline' }), 'protocol', /offered no key-exchange methods/)
  })
  it('ssh.server.ciphers: no cipher in either direction', () => {
    expectError(judge('ssh.server.ciphers', kexinit({ ciphersClientToServer: [], ciphersServerToClient: [] })), 'protocol', /offered no ciphers/)
  })
  it('ssh.server.terrapin: no cipher offered', () => {
    expectError(judge('ssh.server.terrapin', kexinit({ ciphersClientToServer: [], ciphersServerToClient: [] })), 'protocol', /offered no ciphers/)
  })
  it('ssh.server.host-keys: no host-key algorithm offered', () => {
    expectError(judge('ssh.server.host-keys', kexinit({ hostKeyAlgorithms: [] })), 'protocol', /offered no host-key algorithms/)
  })
  it('ssh.server.host-keys: every offered type left unprobed (certificates only) is inconclusive, not a pass over zero keys', () => {
    const v = judge('ssh.server.host-keys', hardenedServer({ kexinit: { ...HARDENED_KEXINIT, hostKeyAlgorithms: ['ssh-ed25519-cert-v01@openssh.com'] }, hostKeys: { keys: [], notProbed: ['ssh-ed25519-cert-v01@openssh.com'], failed: [] } }))
    expectError(v, 'inconclusive', /no host key could be read.*ssh-ed25519-cert-v01@openssh.com/)
  })
})

describe('ssh.server.root-login: the setting always has a value', () => {
  it('a configuration that never sets PermitRootLogin is judged on the compiled-in default, never not-applicable', () => {
    const v = judge('ssh.server.root-login', hardenedServer({ login: { user: 'auditor', hostKeyFingerprint: 'SHA256:abc', sshdConfig: { source: 'config-files', configFile: '/etc/ssh/sshd_config', filesRead: ['/etc/ssh/sshd_config'], settings: {}, matchBlocks: [] } } }))
    expect(v.status).toBe('failed')
    expect(v.actual).toMatchObject({ permitRootLogin: 'prohibit-password', defaulted: true })
  })
})

describe('an empty population is never a pass, whatever the check', () => {
  // the emptiest observation each check can be given: every part observed, nothing in it
  const empty = hardenedServer({
    kexinit: { ...HARDENED_KEXINIT, kex: [], hostKeyAlgorithms: [], ciphersClientToServer: [], ciphersServerToClient: [], macsClientToServer: [], macsServerToClient: [] },
    hostKeys: { keys: [], notProbed: [], failed: [] },
    authMethods: { user: 'vigil-probe', methods: [], noneAccepted: false },
    login: { user: 'auditor', hostKeyFingerprint: 'SHA256:abc', sshdConfig: { source: 'sshd -T', configFile: '/etc/ssh/sshd_config', filesRead: [], settings: {}, matchBlocks: [] } },
    keys: search({ source: 'sftp', filesExamined: 0 }),
  })
  const designed: Record<string, Verdict['status']> = {
    'ssh.server.kex': 'error',
    'ssh.server.ciphers': 'error',
    'ssh.server.macs': 'error',
    'ssh.server.host-keys': 'error',
    'ssh.server.terrapin': 'error',
    'ssh.server.password-auth': 'not-applicable',
    'ssh.server.root-login': 'failed',
    'ssh.keys.passphrase': 'not-applicable',
    'ssh.keys.strength': 'not-applicable',
  }
  it.each(sshChecks.map((c) => c.id))('%s', (id) => {
    const v = judge(id, empty)
    expect(v.status).not.toBe('passed')
    expect(v.status, v.summary).toBe(designed[id])
  })
  it('the key checks on an empty key folder too', () => {
    for (const id of ['ssh.keys.passphrase', 'ssh.keys.strength']) expectNotApplicable(judge(id, folder({ filesExamined: 0 })))
  })
})
