// The audit login against real sshd: root login via `sshd -T` (as root) and via the config files
// (a non-root user without sudo), host-key pinning (a mismatch stops before authentication), remote
// key search over SFTP, local key folders, and a scan proving no secret reaches any output.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, copyFile, chmod, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sshChecks } from '../../checks/ssh/index.ts'
import { observeKeyDir, observeSsh } from '../../checks/ssh/probe.ts'
import { serverRootLogin } from '../../checks/ssh/server-root-login.ts'
import { keysPassphrase } from '../../checks/ssh/keys-passphrase.ts'
import { keysStrength } from '../../checks/ssh/keys-strength.ts'
import { SSH_PARTS, type KeyDirObservation, type SshObservation } from '../../checks/ssh/observation.ts'
import { createLabKeyFolder, type LabKeyFolder } from '../../lab/ssh/key-folder.ts'
import { startLabSshd, type LabSshd } from '../../lab/ssh/sshd.ts'
import type { SshTarget } from '../../checks/ssh/target.ts'
import { keyBody, leaks, observeContext } from './helpers.ts'

const run = promisify(execFile)
const NOW = { now: new Date() }
const AUDIT_USER = 'vigil-audit'
const PASS_ENV = 'VIGIL_TEST_AUDIT_PASSPHRASE'
const EVERYTHING = Object.values(SSH_PARTS)

let work: string
let corpus: LabKeyFolder
let strongDir: string
let noKeysDir: string
let rootOnlyDir: string
let auditKey: string
const auditPassphrase = `audit-${Math.random().toString(36).slice(2)}-${Date.now()}`
let legacy: LabSshd, hardened: LabSshd
const outputs: unknown[] = []

function target(s: LabSshd, over: Partial<SshTarget> = {}): SshTarget {
  return { name: 'srv', host: 'localhost', address: '127.0.0.1', port: s.port, keyPaths: [], tags: [], ...over }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vigil-audit-'))
  await chmod(work, 0o755)
  // a non-root audit user; `*` (not `!`) so sshd without PAM does not treat it as locked
  await run('sh', ['-c', `id ${AUDIT_USER} >/dev/null 2>&1 || useradd -m -s /bin/sh ${AUDIT_USER}; usermod -p '*' ${AUDIT_USER}`])
  auditKey = join(work, 'vigil_audit')
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', auditPassphrase, '-C', 'vigil-audit', '-f', auditKey])
  const pub = await readFile(`${auditKey}.pub`, 'utf8')
  process.env[PASS_ENV] = auditPassphrase
  corpus = await createLabKeyFolder(join(work, 'corpus'), { corpus: 'quick' })
  strongDir = join(work, 'strong')
  await mkdir(strongDir)
  await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '3072', '-N', corpus.passphrase, '-f', join(strongDir, 'id_rsa')])
  await copyFile(join(corpus.dir, 'deploy_ed25519'), join(strongDir, 'deploy'))
  // a folder with files but no key (what an empty ~/.ssh or a scrubbed CI workspace looks like)
  noKeysDir = join(work, 'no-keys')
  await mkdir(join(noKeysDir, 'nested'), { recursive: true })
  await writeFile(join(noKeysDir, 'config'), 'Host *\n  IdentitiesOnly yes\n')
  await writeFile(join(noKeysDir, 'nested', 'known_hosts'), '')
  await run('chmod', ['-R', 'a+rX', work])
  // a folder the non-root audit user cannot read: keys may be there, so "none found" is not a verdict
  rootOnlyDir = join(work, 'root-only')
  await mkdir(rootOnlyDir, { mode: 0o700 })
  await writeFile(join(rootOnlyDir, 'config'), 'Host *\n')
  await chmod(rootOnlyDir, 0o700)
  ;[legacy, hardened] = await Promise.all([
    startLabSshd({ profile: 'legacy', hostKeys: ['ed25519'], authorizedKeys: pub }),
    startLabSshd({ profile: 'hardened', hostKeys: ['ed25519'], authorizedKeys: pub }),
  ])
}, 120_000)

afterAll(async () => {
  await Promise.all([legacy?.stop(), hardened?.stop()])
  delete process.env[PASS_ENV]
  await Promise.all([work && rm(work, { recursive: true, force: true }), legacy && rm(legacy.dir, { recursive: true, force: true }), hardened && rm(hardened.dir, { recursive: true, force: true })])
})

const login = (user: string) => ({ user, privateKeyFile: auditKey, passphraseEnv: PASS_ENV })

describe('ssh.server.root-login', () => {
  it('fails when PermitRootLogin is yes, read with sshd -T over a root audit login', async () => {
    const obs = await observeSsh(target(legacy, { login: login('root') }), observeContext([SSH_PARTS.login], 10_000))
    outputs.push(obs)
    const v = serverRootLogin.judge(obs, {}, NOW)
    outputs.push(v)
    expect(v.status).toBe('failed')
    expect(v.observed['source']).toBe('sshd -T')
    // the daemon's own -f config was found, not /etc/ssh/sshd_config
    expect(v.observed['configFile']).toBe(legacy.configFile)
    expect(v.actual['permitRootLogin']).toBe('yes')
    // the setting is the offender (a change to prohibit-password that still fails stays the same offender)
    expect(v.offenders).toEqual([{ id: 'PermitRootLogin', why: 'PermitRootLogin is yes (from sshd -T)' }])
    const trust = v.evidence.find((e) => e.kind === 'host-key-trust')!
    expect(trust.description).toMatch(/trusted on first use/)
    expect(trust.description).toContain(legacy.hostKeys[0]!.fingerprint)
  })

  it('passes when PermitRootLogin is no, read from the config files by a user who may not run sshd -T', async () => {
    const obs = await observeSsh(target(hardened, { login: login(AUDIT_USER), hostKey: hardened.hostKeys[0]!.fingerprint }), observeContext([SSH_PARTS.login], 10_000))
    outputs.push(obs)
    const v = serverRootLogin.judge(obs, {}, NOW)
    outputs.push(v)
    expect(v.status, `${v.summary} ${JSON.stringify(v.observed)}`).toBe('passed')
    expect(v.observed['source']).toBe('config-files')
    // the daemon that accepted the login was found by walking up the process tree, not assumed
    expect(v.observed['configFile']).toBe(hardened.configFile)
    expect(v.observed['fallbackReason']).toMatch(/sshd -T was not allowed/)
    // without login.sudo the login never runs sudo at all
    expect(v.observed['fallbackReason']).toMatch(/this login may not use sudo \(login\.sudo\)/)
    expect(obs.hostKeyPin.status).toBe('match')
    expect(v).not.toHaveProperty('offenders')
  })

  it('a pinned host key that does not match stops before login and yields hostkey-mismatch', async () => {
    const logBefore = hardened.log().length
    const obs = await observeSsh(target(hardened, { login: login(AUDIT_USER), hostKey: legacy.hostKeys[0]!.fingerprint }), observeContext([SSH_PARTS.login]))
    outputs.push(obs)
    const v = serverRootLogin.judge(obs, {}, NOW)
    outputs.push(v)
    expect(v.status).toBe('error')
    expect(v.errorKind).toBe('hostkey-mismatch')
    expect(v.offenders).toEqual([{ id: 'server', why: v.summary }])
    expect(obs.hostKeyPin.status).toBe('mismatch')
    await new Promise((r) => setTimeout(r, 200))
    const log = hardened.log().slice(logBefore)
    // sshd saw a connection but no authentication request of any kind
    expect(log).not.toMatch(/Accepted|Failed|userauth|Postponed|publickey/i)
  })

  it('without a login the check cannot decide', async () => {
    const obs = await observeSsh(target(hardened), observeContext([SSH_PARTS.login]))
    const v = serverRootLogin.judge(obs, {}, NOW)
    expect(v.status).toBe('error')
    expect(v.errorKind).toBe('not-observed')
  })

  it('a wrong passphrase variable is an error that names the variable, not its value', async () => {
    const obs = await observeSsh(target(hardened, { login: { user: AUDIT_USER, privateKeyFile: auditKey, passphraseEnv: 'VIGIL_UNSET_VARIABLE' } }), observeContext([SSH_PARTS.login]))
    const v = serverRootLogin.judge(obs, {}, NOW)
    expect(v.status).toBe('error')
    expect(v.summary).toMatch(/VIGIL_UNSET_VARIABLE/)
  })
})

describe('ssh.keys.* over SFTP', () => {
  it('finds the corpus keys by content and fails on unprotected and weak keys', async () => {
    const obs = await observeSsh(target(legacy, { login: login('root'), keyPaths: [join(work, 'corp*'), join(work, 'missing')] }), observeContext([SSH_PARTS.keys]))
    outputs.push(obs)
    const keys = obs.keys && 'keys' in obs.keys ? obs.keys : undefined
    expect(keys?.source).toBe('sftp')
    const privateFiles = new Set(keys!.keys.filter((k) => k.kind === 'private').map((k) => k.file.slice(corpus.dir.length + 1)))
    expect(privateFiles).toEqual(new Set(corpus.expected.filter((e) => e.kind === 'private').map((e) => e.file)))
    expect(keys!.unreadable.map((u) => u.path)).toContain(join(work, 'missing'))
    const p = keysPassphrase.judge(obs, {}, NOW)
    const s = keysStrength.judge(obs, {}, NOW)
    outputs.push(p, s)
    expect(p.status).toBe('failed')
    expect(p.summary).toMatch(/id_ed25519 \(openssh-v1\)/)
    expect(s.status).toBe('failed')
    // over SFTP a key file is named by its path as found on the server
    expect(p.offenders!.map((o) => o.id)).toEqual(corpus.expected.filter((e) => e.kind === 'private' && e.encrypted === false).map((e) => join(corpus.dir, e.file)).sort())
    const fp = (file: string) => keys!.keys.find((k) => k.file === join(corpus.dir, file))!.fingerprint!
    expect(s.offenders!.map((o) => o.id)).toEqual(expect.arrayContaining([join(corpus.dir, 'legacy_dsa'), join(corpus.dir, 'notes.txt'), `${join(corpus.dir, 'authorized_keys')}#${fp('legacy_dsa.pub')}`]))
    // a missing keyPath is no offender of a failed verdict
    expect(s.offenders!.map((o) => o.id)).not.toContain(join(work, 'missing'))
  })

  it('passes a folder of passphrase-protected strong keys', async () => {
    const obs = await observeSsh(target(legacy, { login: login('root'), keyPaths: [strongDir] }), observeContext([SSH_PARTS.keys]))
    outputs.push(obs)
    const p = keysPassphrase.judge(obs, {}, NOW)
    const s = keysStrength.judge(obs, {}, NOW)
    outputs.push(p, s)
    expect(p.status).toBe('passed')
    expect(p.summary).toMatch(/all 2 private key\(s\) are passphrase-protected/)
    expect(s.status).toBe('passed')
  })
})

describe('ssh.keys.* in a local key folder', () => {
  it('fails the corpus and reports weak protection as its own detail', async () => {
    const obs: KeyDirObservation = await observeKeyDir({ name: 'corpus', path: corpus.dir, tags: [] }, observeContext([SSH_PARTS.keys]))
    outputs.push(obs)
    const p = keysPassphrase.judge(obs, {}, NOW)
    outputs.push(p)
    expect(p.status).toBe('failed')
    const weak = (p.actual['weaklyProtected'] as { file: string; weaknesses: string[] }[])
    expect(weak.find((w) => w.file === 'nested/weak_rounds')?.weaknesses.join()).toMatch(/bcrypt KDF with 4 rounds < 16/)
    expect(weak.find((w) => w.file === 'notes.txt')?.weaknesses.join()).toMatch(/MD5/)
    expect(weak.find((w) => w.file === 'putty_v2_enc.ppk')?.weaknesses.join()).toMatch(/SHA-1/)
    const s = keysStrength.judge(obs, {}, NOW)
    outputs.push(s)
    expect(s.status).toBe('failed')
    const weakKeys = (s.actual['weak'] as { key: string }[]).map((w) => w.key)
    expect(weakKeys).toEqual(expect.arrayContaining(['legacy_dsa', 'authorized_keys:3', 'authorized_keys:4', 'old_rsa.pub:1', 'notes.txt']))
    expect(weakKeys).not.toContain('id_ed25519')
  })

  it('passes a folder of protected strong keys; failOnWeak fails weak protection', async () => {
    const obs = await observeKeyDir({ name: 'strong', path: strongDir, tags: [] }, observeContext([SSH_PARTS.keys]))
    expect(keysPassphrase.judge(obs, {}, NOW).status).toBe('passed')
    expect(keysStrength.judge(obs, {}, NOW).status).toBe('passed')
    const weakObs = await observeKeyDir({ name: 'weak', path: join(corpus.dir, 'nested'), tags: [] }, observeContext([SSH_PARTS.keys]))
    // nested/ holds an unprotected PPK too; judge only the weak-rounds key
    const onlyWeak = { ...weakObs, keys: { ...(weakObs.keys as object), keys: (weakObs.keys as { keys: { file: string }[] }).keys.filter((k) => k.file === 'weak_rounds') } } as KeyDirObservation
    expect(keysPassphrase.judge(onlyWeak, {}, NOW).status).toBe('passed')
    expect(keysPassphrase.judge(onlyWeak, { failOnWeak: true }, NOW).status).toBe('failed')
  })

  it('a missing folder is an error, not a pass', async () => {
    const obs = await observeKeyDir({ name: 'gone', path: join(work, 'does-not-exist'), tags: [] }, observeContext([SSH_PARTS.keys]))
    expect(keysPassphrase.judge(obs, {}, NOW).status).toBe('error')
  })
})

describe('ssh.keys.* with nothing to judge (vacuous truth)', () => {
  it('a local key folder without any key is not applicable for both checks, never passed', async () => {
    const obs = await observeKeyDir({ name: 'no-keys', path: noKeysDir, tags: [] }, observeContext([SSH_PARTS.keys]))
    const p = keysPassphrase.judge(obs, {}, NOW)
    const s = keysStrength.judge(obs, {}, NOW)
    expect(p.status, p.summary).toBe('not-applicable')
    expect(p.summary).toMatch(/^no private key found in 2 file\(s\) examined under .*no-keys/)
    expect(s.status, s.summary).toBe('not-applicable')
    expect(s.summary).toMatch(/^no key found in 2 file\(s\) examined/)
    expect(p.evidence[0]!.kind).toBe('key-search')
  })

  it('keyPaths over SFTP holding no key (one of them missing) are not applicable for both checks', async () => {
    const obs = await observeSsh(target(legacy, { login: login('root'), keyPaths: [noKeysDir, join(work, 'missing')] }), observeContext([SSH_PARTS.keys]))
    const keys = obs.keys && 'keys' in obs.keys ? obs.keys : undefined
    expect(keys?.source).toBe('sftp')
    expect(keys?.filesExamined).toBe(2)
    for (const c of [keysPassphrase, keysStrength]) {
      const v = c.judge(obs, {}, NOW)
      expect(v.status, v.summary).toBe('not-applicable')
      expect(v.summary).toMatch(/1 path\(s\) do not exist/)
    }
  })

  it('a folder the audit user cannot read is an error, not not-applicable', async () => {
    const obs = await observeSsh(target(hardened, { login: login(AUDIT_USER), hostKey: hardened.hostKeys[0]!.fingerprint, keyPaths: [rootOnlyDir] }), observeContext([SSH_PARTS.keys], 10_000))
    for (const c of [keysPassphrase, keysStrength]) {
      const v = c.judge(obs, {}, NOW)
      expect(v.status, v.summary).toBe('error')
      expect(v.errorKind).toBe('inconclusive')
      expect(v.summary).toMatch(/could not be examined and may hold one: .*root-only \(3: Permission denied\)/)
      expect(v.offenders).toEqual([{ id: rootOnlyDir, why: 'could not be examined: 3: Permission denied' }])
    }
  })
})

describe('no secret reaches any output', () => {
  it('observations, verdicts and evidence of every SSH check hold no passphrase and no private key material', async () => {
    // one more full observation per server, judged by every check
    const full: (SshObservation | KeyDirObservation)[] = [
      await observeSsh(target(legacy, { login: login('root'), keyPaths: [corpus.dir, strongDir, work] }), observeContext(EVERYTHING)),
      await observeKeyDir({ name: 'corpus', path: corpus.dir, tags: [] }, observeContext(EVERYTHING)),
    ]
    for (const o of full) {
      outputs.push(o)
      for (const c of sshChecks) if (c.kinds.includes('hostKeyPin' in o ? 'ssh' : 'keyDir')) outputs.push(c.judge(o, {}, NOW))
    }
    const text = JSON.stringify(outputs)
    expect(text.length).toBeGreaterThan(10_000)
    const secrets = [corpus.passphrase, auditPassphrase]
    const privateFiles = [...corpus.expected.filter((e) => e.kind === 'private').map((e) => join(corpus.dir, e.file)), auditKey, join(strongDir, 'id_rsa'), ...legacy.hostKeys.map((k) => k.file)]
    for (const f of privateFiles) secrets.push(keyBody(await readFile(f, 'utf8')))
    expect(secrets.length).toBeGreaterThan(10)
    expect(leaks(text, secrets)).toEqual([])
    // the search saw the audit key's folder too, so the scan is not vacuous
    expect(text).toContain('vigil_audit')
    expect((await readdir(work)).length).toBeGreaterThan(0)
  })
})
