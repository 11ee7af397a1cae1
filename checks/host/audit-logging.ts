// host.audit-logging — auditd is installed and enabled, and its rules watch writes and attribute
// changes (`-p wa`) of the identity files, sudoers, the SSH daemon's configuration and the login
// records. A path is covered by a watch (`-w <path or a folder above it> -p …wa…`) or by the
// equivalent syscall rule (`-a always,exit [-F arch=…] -F path=<path>` or `-F dir=<folder above it>`
// with `-F perm=…wa…`, no other filter: a rule limited to `auid>=1000` misses root's changes).
//
// Which rules are judged: the ones loaded in the kernel (`auditctl -l`) when they can be read, else
// the configured files, as augenrules builds them (/etc/audit/rules.d/*.rules in name order, or
// /etc/audit/audit.rules when that folder has none); `observed.judged` says which. auditctl refused
// (a kernel that allows audit control only in the first PID namespace answers EPERM even to root,
// as in containers) is not "no rules": the files are judged and the refusal is in `observed`. When
// both are read, a path watched in one and not the other is reported as a fact; it offends only
// when the live set lacks it (the configured set is what the next restart loads).
//
// The default watch list follows CIS Debian Linux 12 Benchmark v1.1.0, section 6.3.3 (as encoded by
// ansible-lockdown/DEBIAN12-CIS, templates/audit/99_auditd.rules.j2): 6.3.3.8 identity (group,
// passwd, gshadow, shadow), 6.3.3.1 scope (/etc/sudoers, /etc/sudoers.d), 6.3.3.11 session (wtmp,
// btmp) and 6.3.3.12 logins (lastlog, /var/run/faillock — or /var/log/faillog where pam_faillock is
// not used); CIS Debian 12 has no rule for the SSH configuration, which issue 20 asks for.
import type { CheckDefinition, Offender, Verdict } from '../types.ts'
import type { SshObservation } from '../ssh/observation.ts'
import { endpoint } from '../ssh/observation-parts.ts'
import { hostPart, type CommandRecord } from './observation.ts'
import { commandEvidence, hostCommands } from './host-parts.ts'

/** what must be watched, by purpose; an entry that is a list is satisfied by any one of its paths */
export type WatchList = Record<string, (string | string[])[]>

export interface AuditLoggingParams {
  watched?: WatchList
}

export const DEFAULT_WATCHED: WatchList = {
  identity: ['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow'],
  sudoers: ['/etc/sudoers', '/etc/sudoers.d'],
  ssh: ['/etc/ssh/sshd_config'],
  logins: ['/var/log/lastlog', ['/var/run/faillock', '/var/log/faillog'], '/var/log/wtmp', '/var/log/btmp'],
}

export interface AuditRule {
  /** the rule as written (one line) */
  text: string
  kind: 'watch' | 'syscall'
  /** the watched path, or the path= / dir= of a syscall rule */
  path: string
  /** dir=: the rule covers everything below; a watch on a folder does too */
  dir: boolean
  perms: string
  /** a syscall rule that, by its action, list, syscalls or filters, does not record every write of the path */
  limited?: string
}

/** `/var/run` is `/run`; no trailing slash */
const norm = (p: string) => p.replace(/\/+$/, '').replace(/^\/var\/run(?=\/|$)/, '/run') || '/'

/**
 * Applies rule lines in order (`-W` deletes a watch; `-D` is augenrules' own, first) and keeps the watches and
 * the file-system syscall rules; control lines (-b, -f, -e, --backlog_wait_time…) are skipped.
 * `unparsed`: lines that are neither a rule, a control line, a comment nor blank.
 */
export function parseAuditRules(lines: string[]): { rules: AuditRule[]; unparsed: string[] } {
  let rules: AuditRule[] = []
  const unparsed: string[] = []
  for (const raw of lines) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line === 'No rules') continue
    if (!line.startsWith('-')) {
      unparsed.push(line)
      continue
    }
    const t = line.split(/\s+/)
    const opt = (name: string) => {
      const i = t.indexOf(name)
      return i >= 0 ? t[i + 1] : undefined
    }
    // augenrules keeps one -D and puts it first, so a -D inside a rules.d file deletes nothing after it
    if (t[0] === '-D') continue
    if (t[0] === '-W') {
      const p = norm(t[1] ?? '')
      rules = rules.filter((r) => !(r.kind === 'watch' && norm(r.path) === p))
      continue
    }
    if (t[0] === '-w') {
      if (!t[1]) {
        unparsed.push(line)
        continue
      }
      rules.push({ text: line, kind: 'watch', path: t[1], dir: true, perms: opt('-p') ?? 'rwxa' })
      continue
    }
    if (t[0] === '-a' || t[0] === '-A') {
      const fields: [string, string, string][] = []
      for (let i = 0; i < t.length; i++) {
        if (t[i] !== '-F') continue
        const m = /^([a-z_0-9]+)(!=|>=|<=|=|>|<|&=|&)(.*)$/.exec(t[i + 1] ?? '')
        if (m) fields.push([m[1]!, m[2]!, m[3]!])
      }
      const target = fields.find(([k, op]) => (k === 'path' || k === 'dir') && op === '=')
      if (!target) continue
      const parts = (t[1] ?? '').split(',')
      const syscalls = t.flatMap((x, i) => (x === '-S' ? (t[i + 1] ?? '').split(',') : []))
      const others = fields.filter(([k]) => !['path', 'dir', 'perm', 'key', 'arch'].includes(k))
      const limited = !(parts.includes('always') && parts.includes('exit'))
        ? `action and list ${t[1]} (not always,exit)`
        : syscalls.length && !syscalls.includes('all')
          ? `only the system calls ${syscalls.join(',')}`
          : others.length
            ? `filtered on ${others.map((f) => f.join('')).join(' ')}`
            : undefined
      rules.push({ text: line, kind: 'syscall', path: target[2], dir: target[0] === 'dir', perms: fields.find(([k]) => k === 'perm')?.[2] ?? 'rwxa', ...(limited ? { limited } : {}) })
      continue
    }
    if (/^-(b|f|e|r|s|i|c|q|l)$|^--(backlog_wait_time|loginuid-immutable|reset-lost|signal)/.test(t[0]!)) continue
    unparsed.push(line)
  }
  return { rules, unparsed }
}

/** The rule that records writes and attribute changes of `path`, if any (limited rules do not count). */
export function coveringRule(path: string, rules: AuditRule[]): AuditRule | undefined {
  const p = norm(path)
  return rules.find((r) => {
    if (r.limited || !r.perms.includes('w') || !r.perms.includes('a')) return false
    const w = norm(r.path)
    return w === p || (r.dir && p.startsWith(w === '/' ? '/' : `${w}/`))
  })
}

/** `grep -r -H` output: the lines of each file, in the order augenrules reads them. */
export function configuredRules(grepOutput: string): { files: string[]; lines: string[] } {
  const byFile = new Map<string, string[]>()
  for (const l of grepOutput.split('\n')) {
    const i = l.indexOf(':')
    if (i <= 0) continue
    const file = l.slice(0, i)
    byFile.set(file, [...(byFile.get(file) ?? []), l.slice(i + 1)])
  }
  const rulesD = [...byFile.keys()].filter((f) => /^\/etc\/audit\/rules\.d\/[^/]+\.rules$/.test(f)).sort()
  const files = rulesD.length ? rulesD : byFile.has('/etc/audit/audit.rules') ? ['/etc/audit/audit.rules'] : []
  return { files, lines: files.flatMap((f) => byFile.get(f)!) }
}

const ENABLED = ['enabled', 'static', 'alias', 'generated', 'indirect']
const SUDO_REFUSED = /password is required|not allowed|may not run|not in the sudoers/i

const label = (entry: string | string[]) => (Array.isArray(entry) ? entry.join(' or ') : entry)
const offenderId = (entry: string | string[]) => `audit/${(Array.isArray(entry) ? entry[0]! : entry).replace(/^\/+/, '')}`

export const hostAuditLogging: CheckDefinition<SshObservation, AuditLoggingParams> = {
  id: 'host.audit-logging',
  kinds: ['ssh'],
  title: 'auditd watches the identity files, sudoers, the SSH configuration and the login records',
  description:
    'auditd is not installed or not enabled, or no audit rule records writes and attribute changes (-p wa, or an equivalent always,exit path=/dir= rule with perm=wa and no other filter) of a watched path: the identity files, sudoers, sshd_config, the login records. Judged on the live rules (auditctl -l) when readable, else on the configured rules files',
  params: [{ name: 'watched', description: 'paths that must be watched, by purpose; a list inside the list is satisfied by any one of its paths (CIS Debian 12 v1.1.0 6.3.3.1, .8, .11, .12, and sshd_config)', default: DEFAULT_WATCHED }],
  severity: {
    level: 'medium',
    reason: 'without these records a changed account, a widened sudo rule, a weakened sshd or a wiped login record leaves no trace to investigate; auditd not installed records nothing at all (high)',
  },
  population: "the watched paths, against the host's audit rules (live, or else configured)",
  needs: [hostPart('os-release'), hostPart('auditd'), hostPart('audit-rules'), hostPart('audit-live')],
  judge(obs, { watched = DEFAULT_WATCHED }) {
    const got = hostCommands(obs, ['auditd', 'audit-rules'], ['audit-rules'])
    if ('verdict' in got) return got.verdict
    const liveRecord = obs.host && !('error' in obs.host) ? obs.host.commands['audit-live'] : undefined
    const records: Partial<Record<'os-release' | 'auditd' | 'audit-rules' | 'audit-live', CommandRecord>> = { ...got.data }
    if (liveRecord && !('error' in liveRecord)) records['audit-live'] = liveRecord
    const evidence = commandEvidence(records)
    const where = endpoint(obs)
    const entries = Object.entries(watched).flatMap(([purpose, list]) => list.map((entry) => ({ purpose, entry })))
    const expected = { auditd: 'installed and enabled', watched, perms: 'wa' }
    const error = (errorKind: NonNullable<Verdict['errorKind']>, summary: string, id: string, observed: Record<string, unknown> = {}): Verdict => ({
      status: 'error',
      errorKind,
      summary,
      expected,
      actual: {},
      observed: { endpoint: where, ...observed },
      evidence,
      offenders: [{ id, why: summary }],
    })
    if (entries.length === 0) return { status: 'not-applicable', summary: 'no path is listed to be watched (the watched parameter is empty)', expected, actual: {}, observed: { endpoint: where }, evidence }

    const [pkg = '', unit = ''] = got.data.auditd!.stdout.split('VIGIL-SECTION').map((s) => s.trim())
    const installed = /^install ok installed$/m.test(pkg)
    const enabledState = unit.split('\n')[0]!.trim()
    const auditd = { installed, package: pkg.split('\n')[0] ?? '', enabled: ENABLED.includes(enabledState), unitState: enabledState }
    if (!/status|no packages found|ok|deinstall|not-installed/i.test(pkg)) return error('protocol', `"${got.data.auditd!.command}" printed no dpkg status for auditd`, 'command/auditd', { auditd })
    if (!installed) {
      const why = `auditd is not installed (dpkg: ${auditd.package || 'no status'}): nothing is audited`
      return { status: 'failed', summary: why, expected, actual: { auditd: 'not installed' }, observed: { endpoint: where, auditd }, evidence, offenders: [{ id: 'audit/auditd-not-installed', why, severity: 'high' }] }
    }

    // the configured files: grep exits 1 when they hold no line, 2 when one cannot be read
    const files = got.data['audit-rules']!
    const stderr = (files.stderr ?? '').trim()
    if (files.exitCode !== 0 && (files.exitCode !== 1 || stderr)) {
      const kind = SUDO_REFUSED.test(stderr) || /permission denied/i.test(stderr) ? 'access-denied' : 'protocol'
      return error(kind, `"${files.command}" failed (exit ${files.exitCode ?? 'none'}): ${stderr.split('\n')[0]?.slice(0, 200) ?? ''}`, 'command/audit-rules', { auditd })
    }
    const conf = configuredRules(files.stdout)
    const configured = parseAuditRules(conf.lines)

    // the live rules, when the kernel (and sudo) let auditctl read them
    let live: ReturnType<typeof parseAuditRules> | undefined
    let liveUnreadable: string | undefined
    if (!liveRecord) liveUnreadable = 'auditctl -l was not run in this run'
    else if ('error' in liveRecord) liveUnreadable = `${liveRecord.error.kind}: ${liveRecord.error.message}`
    else if (liveRecord.truncated) return error('protocol', `"${liveRecord.command}" printed more than Vigil reads of it; the rest is unknown`, 'command/audit-live', { auditd })
    else if (liveRecord.exitCode !== 0) {
      const msg = (liveRecord.stderr ?? '').trim().split('\n')[0]?.slice(0, 200) || `exit ${liveRecord.exitCode ?? 'none'}`
      liveUnreadable = /operation not permitted/i.test(msg)
        ? `"${liveRecord.command}" was refused by the kernel (${msg}): audit control is not permitted here (outside the first PID namespace, or without CAP_AUDIT_CONTROL)`
        : `"${liveRecord.command}" failed: ${msg}`
    } else {
      live = parseAuditRules(liveRecord.stdout.split('\n'))
      if (live.unparsed.length || (!live.rules.length && !/^No rules\s*$/m.test(liveRecord.stdout) && liveRecord.stdout.trim() !== ''))
        return error('protocol', `"${liveRecord.command}" printed something that is not a list of audit rules: ${(live.unparsed[0] ?? liveRecord.stdout.trim().split('\n')[0] ?? '').slice(0, 120)}`, 'command/audit-live', { auditd })
    }
    const judged = live ? 'live' : 'configured'
    const judgedRules = (live ?? configured).rules

    const coverage = entries.map(({ purpose, entry }) => {
      const paths = Array.isArray(entry) ? entry : [entry]
      const find = (rules: AuditRule[]) => paths.map((p) => coveringRule(p, rules)).find(Boolean)?.text ?? null
      return { purpose, path: label(entry), entry, configured: find(configured.rules), ...(live ? { live: find(live.rules) } : {}) }
    })
    const covered = (c: (typeof coverage)[number]) => (live ? c.live : c.configured)
    const difference = live
      ? {
          onlyConfigured: coverage.filter((c) => c.configured && !c.live).map((c) => c.path),
          onlyLive: coverage.filter((c) => c.live && !c.configured).map((c) => c.path),
        }
      : undefined
    const limited = judgedRules.filter((r) => r.limited && entries.some(({ entry }) => (Array.isArray(entry) ? entry : [entry]).some((p) => norm(p) === norm(r.path))))
    const observed: Record<string, unknown> = {
      endpoint: where,
      auditd,
      judged,
      ...(liveUnreadable ? { liveUnreadable } : {}),
      configured: { files: conf.files, rules: configured.rules.length, ...(configured.unparsed.length ? { unparsed: configured.unparsed.slice(0, 20) } : {}) },
      ...(live ? { live: { rules: live.rules.length } } : {}),
      coverage: coverage.map(({ entry: _entry, ...c }) => c),
      ...(difference && (difference.onlyConfigured.length || difference.onlyLive.length) ? { difference } : {}),
      ...(limited.length ? { limitedRules: limited.map((r) => `${r.text} (${r.limited})`) } : {}),
    }
    const source = live ? 'the live rules (auditctl -l)' : `the configured rules (${conf.files.join(', ') || 'no rules file'}${liveUnreadable ? `; live rules unreadable: ${liveUnreadable}` : ''})`
    const offenders: Offender[] = []
    if (!auditd.enabled) offenders.push({ id: 'audit/auditd-not-enabled', why: `auditd is installed but not enabled (systemctl is-enabled: ${enabledState || 'no answer'}): its rules are not loaded at boot` })
    for (const c of coverage) {
      if (covered(c)) continue
      const also = live && c.configured ? `; it is configured (${c.configured}) but not loaded` : ''
      offenders.push({ id: offenderId(c.entry), why: `${c.path} (${c.purpose}) is not watched for writes and attribute changes in ${live ? 'the live rules (auditctl -l)' : 'the configured rules'}${also}` })
    }
    offenders.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
    const actual = { judged, auditd: auditd.enabled ? 'installed and enabled' : `installed, ${enabledState || 'unknown'}`, unwatched: coverage.filter((c) => !covered(c)).map((c) => c.path) }
    const diffSaid = difference && difference.onlyLive.length ? `; loaded but not configured (lost at the next restart): ${difference.onlyLive.join(', ')}` : ''
    if (offenders.length)
      return { status: 'failed', summary: `${offenders.length} audit logging problem(s) judged on ${source}: ${offenders.slice(0, 3).map((o) => o.why).join('; ')}${offenders.length > 3 ? '; …' : ''}`, expected, actual, observed, evidence, offenders }
    return { status: 'passed', summary: `auditd is enabled and ${source} watch all ${coverage.length} path(s)${diffSaid}`, expected, actual, observed, evidence }
  },
}
