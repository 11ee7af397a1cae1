// The algorithm, host-key and password checks against real sshd processes: a legacy server fails
// each of them, a hardened one passes. Each server is observed ONCE; every check judges that.
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { observeSsh } from '../../checks/ssh/probe.ts'
import { serverKex } from '../../checks/ssh/server-kex.ts'
import { serverCiphers } from '../../checks/ssh/server-ciphers.ts'
import { serverMacs } from '../../checks/ssh/server-macs.ts'
import { serverHostKeys } from '../../checks/ssh/server-host-keys.ts'
import { serverTerrapin } from '../../checks/ssh/server-terrapin.ts'
import { serverPasswordAuth } from '../../checks/ssh/server-password-auth.ts'
import { SSH_PARTS, type SshObservation } from '../../checks/ssh/observation.ts'
import { startLabSshd, type LabSshd } from '../../lab/ssh/sshd.ts'
import { observeContext } from './helpers.ts'

const NOW = { now: new Date() }
const ALL = [SSH_PARTS.kexinit, SSH_PARTS.hostKeys, SSH_PARTS.authMethods]
let legacy: LabSshd, hardened: LabSshd
let bad: SshObservation, good: SshObservation

beforeAll(async () => {
  ;[legacy, hardened] = await Promise.all([
    startLabSshd({ profile: 'legacy', hostKeys: ['rsa:2048', 'dsa', 'ecdsa:256', 'ed25519'] }),
    startLabSshd({ profile: 'hardened', hostKeys: ['ed25519', 'rsa:3072'], extraConfig: ['HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256'] }),
  ])
  const t = (s: LabSshd) => ({ name: 's', host: '127.0.0.1', port: s.port, keyPaths: [], tags: [] })
  ;[bad, good] = await Promise.all([observeSsh(t(legacy), observeContext(ALL)), observeSsh(t(hardened), observeContext(ALL))])
})
afterAll(async () => {
  await Promise.all([legacy?.stop(), hardened?.stop()])
  await Promise.all([legacy, hardened].map((s) => s && rm(s.dir, { recursive: true, force: true })))
})

describe('observation', () => {
  it('uses one connection for KEXINIT plus one per host-key type, the first also asking `none`', () => {
    expect(bad.connections).toBe(1 + 4)
    expect(good.connections).toBe(1 + 2)
    expect(bad.hostKeyPin.status).toBe('tofu')
    expect(new Set(bad.hostKeyPin.seen)).toEqual(new Set(legacy.hostKeys.map((k) => k.fingerprint)))
  })
})

describe('ssh.server.kex', () => {
  it('fails on SHA-1 and group1 methods', () => {
    const v = serverKex.judge(bad, {}, NOW)
    expect(v.status).toBe('failed')
    expect((v.actual['findings'] as { algorithm: string }[]).map((f) => f.algorithm)).toEqual(
      expect.arrayContaining(['diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1']),
    )
    expect(v.evidence.find((e) => e.kind === 'kexinit')).toBeTruthy()
  })
  it('passes the hardened server, in deny and in baseline-subset mode', () => {
    expect(serverKex.judge(good, {}, NOW).status).toBe('passed')
    expect(serverKex.judge(good, { mode: 'baseline' }, NOW).status).toBe('passed')
  })
  it('baseline exact fails when the server omits baseline methods; an overridden deny list can pass the legacy server', () => {
    const v = serverKex.judge(good, { mode: 'baseline', match: 'exact' }, NOW)
    expect(v.status).toBe('failed')
    expect(v.actual['missing']).toContain('diffie-hellman-group16-sha512')
    expect(serverKex.judge(bad, { deny: ['nothing-matches'], denyNistWithoutCurve25519: false }, NOW).status).toBe('passed')
  })
})

describe('ssh.server.ciphers', () => {
  it('fails on CBC and 3DES', () => {
    const v = serverCiphers.judge(bad, {}, NOW)
    expect(v.status).toBe('failed')
    expect(v.summary).toMatch(/3des-cbc/)
  })
  it('passes the hardened server', () => expect(serverCiphers.judge(good, {}, NOW).status).toBe('passed'))
  it('baseline mode fails on ciphers outside the allow-list', () => {
    expect(serverCiphers.judge(good, { mode: 'baseline', baseline: ['aes256-gcm@openssh.com'] }, NOW).status).toBe('failed')
  })
})

describe('ssh.server.macs', () => {
  it('fails on MD5, SHA-1, 96-bit, umac-64 and non-ETM', () => {
    const v = serverMacs.judge(bad, {}, NOW)
    expect(v.status).toBe('failed')
    const algs = (v.actual['findings'] as { algorithm: string }[]).map((f) => f.algorithm)
    expect(algs).toEqual(expect.arrayContaining(['hmac-md5', 'hmac-sha1-96', 'umac-64@openssh.com', 'hmac-sha2-256']))
  })
  it('passes the hardened server; requireEtm off still fails on MD5', () => {
    expect(serverMacs.judge(good, {}, NOW).status).toBe('passed')
    expect(serverMacs.judge(bad, { requireEtm: false }, NOW).status).toBe('failed')
  })
})

describe('ssh.server.host-keys', () => {
  it('fails on DSA, RSA-2048 and ssh-rsa signatures', () => {
    const v = serverHostKeys.judge(bad, {}, NOW)
    expect(v.status).toBe('failed')
    const reasons = (v.actual['findings'] as { reason: string }[]).map((f) => f.reason).join('\n')
    expect(reasons).toMatch(/DSA host key/)
    expect(reasons).toMatch(/RSA host key of 2048 bits < 3072/)
    expect(reasons).toMatch(/SHA-1/)
  })
  it('passes ed25519 + RSA-3072 offered only with SHA-2 signatures', () => {
    const v = serverHostKeys.judge(good, {}, NOW)
    expect(v.status).toBe('passed')
    expect(v.observed['keys']).toEqual(expect.arrayContaining([expect.objectContaining({ keyType: 'ssh-rsa', bits: 3072 })]))
  })
})

describe('ssh.server.terrapin', () => {
  it('passes both real servers: the installed sshd enforces strict key exchange', () => {
    expect(serverTerrapin.judge(bad, {}, NOW).status).toBe('passed')
    expect(serverTerrapin.judge(good, {}, NOW).status).toBe('passed')
  })
})

describe('ssh.server.password-auth', () => {
  it('fails when password and keyboard-interactive are offered', () => {
    const v = serverPasswordAuth.judge(bad, {}, NOW)
    expect(v.status).toBe('failed')
    expect(v.actual['forbiddenOffered']).toEqual(['password', 'keyboard-interactive'])
  })
  it('passes a publickey-only server', () => {
    const v = serverPasswordAuth.judge(good, {}, NOW)
    expect(v.status).toBe('passed')
    expect(v.observed['methods']).toEqual(['publickey'])
  })
})
