// The host probe's command runner (issue 20, its first part) against real OpenSSH sshd: the
// allow-listed commands run over the audit login, bounded in time and output; root-only commands
// run through `sudo -n` only when the login may use sudo; a host whose commands hang or flood (an
// sshd whose ForceCommand replaces every command) gives an error or a truncated record, never a hang.
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { observeSsh } from '../../checks/ssh/probe.ts'
import type { SshTarget } from '../../checks/ssh/target.ts'
import { HOST_COMMANDS, HOST_COMMAND_IDS } from '../../checks/host/commands.ts'
import { hostPart, type CommandRecord } from '../../checks/host/observation.ts'
import { startLabSshd, type LabSshd } from '../../lab/ssh/sshd.ts'
import { observeContext } from '../ssh/helpers.ts'

const run = promisify(execFile)
const AUDIT_USER = 'vigil-audit'
let work: string
let key: string
let plain: LabSshd, flood: LabSshd, hang: LabSshd

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vigil-host-run-'))
  await chmod(work, 0o755)
  await run('sh', ['-c', `id ${AUDIT_USER} >/dev/null 2>&1 || useradd -m -s /bin/sh ${AUDIT_USER}; usermod -p '*' ${AUDIT_USER}`])
  key = join(work, 'audit')
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])
  const pub = await readFile(`${key}.pub`, 'utf8')
  ;[plain, flood, hang] = await Promise.all([
    startLabSshd({ profile: 'hardened', hostKeys: ['ed25519'], authorizedKeys: pub, extraConfig: ['PermitRootLogin prohibit-password'] }),
    // every command becomes an endless stream of output
    startLabSshd({ profile: 'hardened', hostKeys: ['ed25519'], authorizedKeys: pub, extraConfig: ['PermitRootLogin prohibit-password', 'ForceCommand yes'] }),
    // every command hangs without a byte
    startLabSshd({ profile: 'hardened', hostKeys: ['ed25519'], authorizedKeys: pub, extraConfig: ['PermitRootLogin prohibit-password', 'ForceCommand sleep 600'] }),
  ])
}, 120_000)

afterAll(async () => {
  await Promise.all([plain, flood, hang].map((s) => s?.stop()))
  await Promise.all([work, plain?.dir, flood?.dir, hang?.dir].filter(Boolean).map((d) => rm(d!, { recursive: true, force: true })))
})

const target = (s: LabSshd, user: string, sudo?: boolean): SshTarget => ({
  name: 'host',
  host: 'localhost',
  address: '127.0.0.1',
  port: s.port,
  keyPaths: [],
  tags: [],
  login: { user, privateKeyFile: key, ...(sudo !== undefined ? { sudo } : {}) },
})
const parts = (...ids: (keyof typeof HOST_COMMANDS)[]) => ids.map(hostPart)
const record = (r: unknown): CommandRecord => {
  if (!r || typeof r !== 'object' || 'error' in r) throw new Error(`expected a command record, got ${JSON.stringify(r)}`)
  return r as CommandRecord
}

describe('host commands over the audit login', () => {
  it('runs only the commands the checks ask for, each with its exit code, output and duration', async () => {
    const obs = await observeSsh(target(plain, 'root'), observeContext(parts('os-release', 'passwd', 'listening'), 10_000))
    if (!obs.host || 'error' in obs.host) throw new Error(JSON.stringify(obs.host))
    expect(Object.keys(obs.host.commands).sort()).toEqual(['listening', 'os-release', 'passwd'])
    const passwd = record(obs.host.commands.passwd)
    expect(passwd).toMatchObject({ command: 'getent passwd', exitCode: 0 })
    expect(passwd.stdout).toMatch(/^root:x:0:0:/m)
    expect(record(obs.host.commands['os-release']).stdout).toMatch(/^ID=debian$/m)
    // the sshd of this test listens, so `ss` lists its port
    expect(record(obs.host.commands.listening).stdout).toContain(`:${plain.port}`)
    // one login for all of them
    expect(obs.connections).toBeLessThanOrEqual(2)
  })

  it('a root-only command is not run without login.sudo: an access-denied error naming the setting', async () => {
    const obs = await observeSsh(target(plain, AUDIT_USER), observeContext(parts('os-release', 'password-status'), 10_000))
    if (!obs.host || 'error' in obs.host) throw new Error(JSON.stringify(obs.host))
    expect(obs.host.commands['password-status']).toEqual({ error: { kind: 'access-denied', message: expect.stringMatching(/needs root: give the login `sudo: true`/) } })
    expect(record(obs.host.commands['os-release']).exitCode).toBe(0)
  })

  it('with login.sudo it runs as `sudo -n`, and a sudoers that does not allow it fails without a prompt', async () => {
    const obs = await observeSsh(target(plain, AUDIT_USER, true), observeContext(parts('password-status'), 10_000))
    if (!obs.host || 'error' in obs.host) throw new Error(JSON.stringify(obs.host))
    const r = record(obs.host.commands['password-status'])
    expect(r.command).toBe('sudo -n passwd -S -a')
    expect(r.exitCode).not.toBe(0)
    expect(r.stdout).toBe('')
  })

  it('a root login runs root-only commands as they are; passwd -S prints the status of each password, never a hash', async () => {
    const obs = await observeSsh(target(plain, 'root'), observeContext(parts('password-status'), 10_000))
    if (!obs.host || 'error' in obs.host) throw new Error(JSON.stringify(obs.host))
    const r = record(obs.host.commands['password-status'])
    expect(r.command).toBe('passwd -S -a')
    const out = r.stdout
    expect(out).toMatch(/^root (P|L|NP) /m)
    for (const line of out.trim().split('\n')) expect(line).toMatch(/^\S+ (P|PS|L|LK|NP) /)
    const shadow = await readFile('/etc/shadow', 'utf8')
    for (const field of shadow.split('\n').map((l) => l.split(':')[1]).filter((f) => f && f.length > 2)) expect(JSON.stringify(obs)).not.toContain(field)
  })

  it('a command that floods is cut at its bound and marked truncated', async () => {
    const started = performance.now()
    const obs = await observeSsh(target(flood, 'root'), observeContext(parts('os-release'), 10_000))
    if (!obs.host || 'error' in obs.host) throw new Error(JSON.stringify(obs.host))
    const r = record(obs.host.commands['os-release'])
    expect(r.truncated).toBe(true)
    expect(r.exitCode).toBeNull()
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(HOST_COMMANDS['os-release'].maxBytes)
    expect(performance.now() - started).toBeLessThan(10_000)
  })

  it('a command that hangs is a timeout error after the operation budget, and the next command still runs', async () => {
    const started = performance.now()
    const obs = await observeSsh(target(hang, 'root'), observeContext(parts('os-release', 'passwd'), 1_500))
    if (!obs.host || 'error' in obs.host) throw new Error(JSON.stringify(obs.host))
    for (const id of ['os-release', 'passwd'] as const) expect(obs.host.commands[id]).toEqual({ error: { kind: 'timeout', message: expect.stringMatching(/did not finish within 1500 ms/) } })
    expect(performance.now() - started).toBeLessThan(1_500 * 2 + 6_000)
  })

  it('a target without a login: the host part says so, nothing is run', async () => {
    const obs = await observeSsh({ ...target(plain, 'root'), login: undefined } as SshTarget, observeContext(parts('passwd'), 5_000))
    expect(obs.host).toEqual({ error: { kind: 'not-observed', message: expect.stringMatching(/no audit login is configured/) } })
  })

  it('every allow-listed command is read-only by construction: no redirection into a file, no package operation that writes', () => {
    for (const id of HOST_COMMAND_IDS) {
      const c = HOST_COMMANDS[id].run
      expect(c, id).not.toMatch(/(^|[^2&])>\s*[^&/]|>>|\b(apt(-get)? (update|upgrade|install)|dpkg -i|rm |tee )\b/)
      if (id === 'apt-upgrades') expect(c).toMatch(/^apt-get -s /)
    }
  })
})
