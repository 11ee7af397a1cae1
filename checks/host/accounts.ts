// host.accounts — no account but root has UID 0, no account has an empty password field, and system
// accounts (UID below 1000, and nobody) have no login shell. The password fields never leave the
// host: the probe reads only each account's password status (`passwd -S -a`: P, L or NP).
import type { CheckDefinition, Offender } from '../types.ts'
import type { SshObservation } from '../ssh/observation.ts'
import { endpoint } from '../ssh/observation-parts.ts'
import { hostPart } from './observation.ts'
import { commandEvidence, hostCommands } from './host-parts.ts'

export interface AccountsParams {
  /** shells that do not allow a login */
  noLoginShells?: string[]
}

const NO_LOGIN = ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false', '/usr/bin/false', '/bin/sync']

interface Account {
  name: string
  uid: number
  shell: string
}

export function parsePasswd(text: string): Account[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 7 && /^\d+$/.test(f[2]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), shell: f[6]!.trim() }))
}

/** Accounts whose passwd entry holds a password hash itself (field 2 neither empty nor x, * or !…): names only. */
export function parsePasswdHashes(text: string): Set<string> {
  const out = new Set<string>()
  for (const l of text.split('\n')) {
    const f = l.split(':')
    if (f.length >= 7 && f[1] !== '' && !/^[x*!]/.test(f[1]!)) out.add(f[0]!)
  }
  return out
}

/** `passwd -S -a`: `name status …` per account; status P (usable password), L (locked), NP (no password). */
export function parsePasswordStatus(text: string): Map<string, 'usable' | 'locked' | 'empty'> {
  const m = new Map<string, 'usable' | 'locked' | 'empty'>()
  for (const l of text.split('\n')) {
    const [name, status] = l.trim().split(/\s+/)
    if (!name || !status) continue
    if (status === 'NP') m.set(name, 'empty')
    else if (status === 'L' || status === 'LK') m.set(name, 'locked')
    else if (status === 'P' || status === 'PS') m.set(name, 'usable')
  }
  return m
}

export const hostAccounts: CheckDefinition<SshObservation, AccountsParams> = {
  id: 'host.accounts',
  kinds: ['ssh'],
  title: 'Only root has UID 0, no password is empty, system accounts cannot log in',
  description: 'an account other than root has UID 0, an account has no password (an empty password field), or a system account (UID below 1000, or nobody) has a login shell',
  params: [{ name: 'noLoginShells', description: 'shells that allow no login', default: NO_LOGIN }],
  severity: {
    level: 'high',
    reason: 'a second UID 0 is a root account nobody watches; an empty password field lets anyone in as that account where password logins are allowed (critical); a system account with a shell is a login nobody needs',
  },
  population: "the accounts in the host's account database (getent passwd)",
  needs: [hostPart('os-release'), hostPart('passwd'), hostPart('password-status')],
  judge(obs, { noLoginShells = NO_LOGIN }) {
    const got = hostCommands(obs, ['passwd', 'password-status'])
    if ('verdict' in got) return got.verdict
    const accounts = parsePasswd(got.data.passwd!.stdout)
    const kinds = parsePasswordStatus(got.data['password-status']!.stdout)
    // a hash in /etc/passwd itself (an unshadowed entry) never reaches the evidence: field 2 is masked
    const passwdRecord = got.data.passwd!
    const masked = { ...passwdRecord, stdout: passwdRecord.stdout.replace(/^([^:\n]*):([^:\n]*):/gm, (_m, n: string, f: string) => `${n}:${f === '' || /^[x*!]/.test(f) ? f : '(hash, not shown)'}:`) }
    const evidence = commandEvidence({ ...got.data, passwd: masked })
    const inPasswd = parsePasswdHashes(passwdRecord.stdout)
    const observed = {
      endpoint: endpoint(obs),
      accounts: accounts.length,
      uid0: accounts.filter((a) => a.uid === 0).map((a) => a.name),
      passwordFields: Object.fromEntries([...kinds.values()].reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())),
    }
    const expected = { uid0: ['root'], emptyPasswordFields: 0, systemAccountShells: noLoginShells }
    if (accounts.length === 0) return { status: 'error', errorKind: 'protocol', summary: 'getent passwd listed no account', expected, actual: {}, observed, evidence, offenders: [{ id: 'command/passwd', why: 'getent passwd listed no account' }] }
    // no status read at all: empty passwords cannot be told, whatever else is known
    if (kinds.size === 0) return { status: 'error', errorKind: 'protocol', summary: 'passwd -S -a printed no account status: empty passwords cannot be told', expected, actual: {}, observed, evidence, offenders: [{ id: 'command/password-status', why: 'passwd -S -a printed no account status' }] }
    const offenders: Offender[] = []
    for (const a of accounts) {
      if (a.uid === 0 && a.name !== 'root') offenders.push({ id: `uid0/${a.name}`, why: `${a.name} has UID 0: a second root account` })
      if (inPasswd.has(a.name)) offenders.push({ id: `passwd-hash/${a.name}`, why: `${a.name} keeps its password hash in the world-readable /etc/passwd (not shown here)`, severity: 'critical' })
      if (kinds.get(a.name) === 'empty') offenders.push({ id: `empty-password/${a.name}`, why: `${a.name} has no password (passwd -S: NP)`, severity: 'critical' })
      const system = (a.uid > 0 && a.uid < 1000) || a.uid === 65534
      if (system && !noLoginShells.includes(a.shell)) offenders.push({ id: `system-shell/${a.name}`, why: `system account ${a.name} (UID ${a.uid}) has the login shell ${a.shell || '(empty: /bin/sh)'}`, severity: 'medium' })
    }
    // an account passwd -S knows but getent does not list (a stale shadow line) still offends
    for (const [name, kind] of kinds) if (kind === 'empty' && !accounts.some((a) => a.name === name)) offenders.push({ id: `empty-password/${name}`, why: `${name} has no password (passwd -S: NP)`, severity: 'critical' })
    offenders.sort((x, y) => x.id.localeCompare(y.id))
    const actual = { uid0: observed.uid0, emptyPasswordFields: [...kinds].filter(([, k]) => k === 'empty').map(([n]) => n).sort() }
    if (offenders.length) return { status: 'failed', summary: `${offenders.length} account problem(s): ${offenders.slice(0, 3).map((o) => o.why).join('; ')}${offenders.length > 3 ? '; …' : ''}`, expected, actual, observed, evidence, offenders }
    return { status: 'passed', summary: `${accounts.length} account(s): only root has UID 0, no empty password field, no system account with a login shell`, expected, actual, observed, evidence }
  },
}
