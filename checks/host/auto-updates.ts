// host.auto-updates — unattended-upgrades is installed, apt's daily job runs it (and refreshes the
// package lists) at least every `maxIntervalDays`, and its origins include the distribution's
// security suite. Read from dpkg's status of the package and the two files the package itself
// writes, /etc/apt/apt.conf.d/20auto-upgrades and 50unattended-upgrades, in that order (a later
// setting wins, as in apt). Another file in apt.conf.d can override them: only these two are read.
import type { CheckDefinition, Offender } from '../types.ts'
import type { SshObservation } from '../ssh/observation.ts'
import { endpoint } from '../ssh/observation-parts.ts'
import { readAptConf, type AptConf } from './apt-conf.ts'
import { hostPart } from './observation.ts'
import { commandEvidence, hostCommands, osRelease } from './host-parts.ts'

export interface AutoUpdatesParams {
  /** longest interval, in days, of APT::Periodic::Update-Package-Lists and ::Unattended-Upgrade */
  maxIntervalDays?: number
}

const FILES = ['/etc/apt/apt.conf.d/20auto-upgrades', '/etc/apt/apt.conf.d/50unattended-upgrades'] as const
const ONLY_THESE = `only ${FILES.join(' and ')} are read: another file in /etc/apt/apt.conf.d, or /etc/apt/apt.conf, may override them`
const PERIODIC = ['APT::Periodic::Update-Package-Lists', 'APT::Periodic::Unattended-Upgrade'] as const

/** The sections the `unattended-upgrades` command prints: dpkg's status line, then each file (empty: absent or unreadable). */
export function splitSections(stdout: string): { status: string; files: [string, string] } | undefined {
  // a file without a final newline runs into the next marker: it is not alone on its line
  const parts = stdout.split(/VIGIL-SECTION(?:\n|$)/)
  if (parts.length !== 3) return undefined
  return { status: parts[0]!.trim(), files: [parts[1]!, parts[2]!] }
}

/** dpkg-query's `${Status}` (want, error flag, state): installed when the state is `installed`. */
export function packageState(status: string): { installed: boolean; status: string } | undefined {
  if (/no packages found matching/.test(status)) return { installed: false, status: 'unknown to dpkg' }
  const m = /^(\S+) (\S+) (\S+)$/m.exec(status)
  return m ? { installed: m[3] === 'installed', status: m[0] } : undefined
}

/** An APT::Periodic interval as apt.systemd.daily reads it, in days: "always" is 0, "0" (or unset) is off. */
export function intervalDays(value: string | undefined): number | 'off' | 'unreadable' {
  if (value === undefined) return 'off'
  if (value === 'always') return 0
  const m = /^(\d+)([smhd]?)$/.exec(value.trim())
  if (!m) return 'unreadable'
  const n = Number(m[1])
  if (n === 0) return 'off'
  return n / { s: 86400, m: 1440, h: 24, d: 1, '': 1 }[m[2] as 's' | 'm' | 'h' | 'd' | '']
}

/** The Release fields of the distribution's security archive, as unattended-upgrades matches them. */
interface SecurityArchive {
  origin: string
  label: string
  /** Debian's security suite follows the release's age (stable-security, oldstable-security, …) */
  suites: string[]
  codename: string
  components: string[]
  sites: string[]
}

function securityArchive(family: 'debian' | 'ubuntu', codename: string): SecurityArchive {
  return family === 'debian'
    ? {
        origin: 'Debian',
        label: 'Debian-Security',
        suites: ['stable-security', 'oldstable-security', 'oldoldstable-security', 'testing-security'],
        codename: `${codename}-security`,
        components: ['main', 'contrib', 'non-free', 'non-free-firmware'],
        sites: ['security.debian.org', 'deb.debian.org'],
      }
    : { origin: 'Ubuntu', label: 'Ubuntu', suites: [`${codename}-security`], codename, components: ['main', 'restricted', 'universe', 'multiverse'], sites: ['security.ubuntu.com', 'archive.ubuntu.com', 'ports.ubuntu.com'] }
}

const fnmatch = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value)

/**
 * Whether an Origins-Pattern entry (`key=value,…`, every key must match; `\,` is a comma in a
 * value) selects the security archive, after the ${distro_id} and ${distro_codename} macros.
 */
export function patternMatches(entry: string, archive: SecurityArchive, macros: Record<string, string>): boolean {
  const tokens = entry.replace(/\\,/g, '\u0000').split(',').map((t) => t.replace(/\u0000/g, ','))
  if (!tokens.some((t) => t.includes('='))) return false
  return tokens.every((t) => {
    const at = t.indexOf('=')
    if (at < 0) return false
    const key = t.slice(0, at).trim()
    const value = t.slice(at + 1).trim().replace(/\$\{(distro_id|distro_codename)\}/g, (_, m: string) => macros[m]!)
    const any = (vs: string[]) => vs.some((v) => fnmatch(value, v))
    if (key === 'o' || key === 'origin') return fnmatch(value, archive.origin)
    if (key === 'l' || key === 'label') return fnmatch(value, archive.label)
    if (key === 'a' || key === 'archive' || key === 'suite') return any(archive.suites)
    if (key === 'n' || key === 'codename') return fnmatch(value, archive.codename)
    if (key === 'c' || key === 'component') return any(archive.components)
    if (key === 'site') return any(archive.sites)
    return false // unattended-upgrades refuses an unknown keyword
  })
}

/** An Allowed-Origins entry, `origin:suite` (`\:` is a colon), as unattended-upgrades reads it: `o=origin,a=suite`. */
export function allowedOriginPattern(entry: string): string | undefined {
  const parts = entry.includes(':') || entry.includes('\\:') ? entry.split(/(?<!\\):/) : entry.trim().split(/\s+/)
  if (parts.length !== 2) return undefined
  const [o, a] = parts.map((p) => p.replace(/\\:/g, ':').replace(/([^\\]),/g, '$1\\,'))
  return `o=${o},a=${a}`
}

const list = (conf: AptConf, name: string) => conf.lists.get(name.toLowerCase()) ?? []

export const hostAutoUpdates: CheckDefinition<SshObservation, AutoUpdatesParams> = {
  id: 'host.auto-updates',
  kinds: ['ssh'],
  title: 'unattended-upgrades is installed, enabled and takes updates from the security suite',
  description:
    'the unattended-upgrades package is not installed; APT::Periodic::Update-Package-Lists or APT::Periodic::Unattended-Upgrade is unset, "0" or longer than the interval (or APT::Periodic::Enable is "0"); or no Unattended-Upgrade::Origins-Pattern (or Allowed-Origins) entry selects the security suite',
  params: [{ name: 'maxIntervalDays', description: 'longest interval, in days, of the package-list refresh and of the unattended upgrade', default: 1 }],
  severity: {
    level: 'medium',
    reason: 'a host that does not install security updates by itself stays open to each published vulnerability until someone patches it by hand (host.patches judges what is pending now)',
  },
  population: "the host's unattended-upgrades package and its two apt.conf.d files",
  needs: [hostPart('os-release'), hostPart('unattended-upgrades')],
  judge(obs, { maxIntervalDays = 1 }) {
    const got = hostCommands(obs, ['unattended-upgrades'])
    if ('verdict' in got) return got.verdict
    const evidence = commandEvidence(got.data)
    const osText = got.data['os-release']!.stdout
    const os = osRelease(osText)
    const codename = /^(?:VERSION_CODENAME|UBUNTU_CODENAME)=["']?([a-z0-9-]+)/m.exec(osText)?.[1]
    const family = os.id === 'ubuntu' || (os.id !== 'debian' && os.like.includes('ubuntu')) ? 'ubuntu' : 'debian'
    const macros = { distro_id: os.id.charAt(0).toUpperCase() + os.id.slice(1), distro_codename: codename ?? '${distro_codename}' }
    const archive = securityArchive(family, macros.distro_codename)
    const suite = family === 'debian' ? `${macros.distro_codename}-security (label Debian-Security)` : `${macros.distro_codename}-security`
    const expected = { installed: true, [PERIODIC[0]]: `every ${maxIntervalDays} day(s) or more often`, [PERIODIC[1]]: `every ${maxIntervalDays} day(s) or more often`, securityOrigin: `an origin entry selecting ${suite}` }
    const where = { endpoint: endpoint(obs), distribution: os.pretty ?? os.id, ...(codename ? { codename } : {}) }

    const sections = splitSections(got.data['unattended-upgrades']!.stdout)
    const pkg = sections && packageState(sections.status)
    if (!sections || !pkg) {
      const why = sections ? `dpkg-query printed no status of unattended-upgrades: "${sections.status.slice(0, 200)}"` : 'the output is not dpkg\'s status and the two files, each after a VIGIL-SECTION line'
      return { status: 'error', errorKind: 'protocol', summary: why, expected, actual: {}, observed: where, evidence, offenders: [{ id: 'command/unattended-upgrades', why }] }
    }
    const fail = (offenders: Offender[], actual: Record<string, unknown>, observed: Record<string, unknown>) => ({
      status: 'failed' as const,
      summary: offenders.map((o) => o.why).join('; '),
      expected,
      actual,
      observed: { ...where, ...observed, note: ONLY_THESE },
      evidence,
      offenders,
    })
    if (!pkg.installed) return fail([{ id: 'unattended-upgrades/not-installed', why: `unattended-upgrades is not installed (dpkg: ${pkg.status})` }], { installed: false, status: pkg.status }, { package: pkg.status })

    const absent = FILES.filter((_, i) => sections.files[i]!.trim() === '')
    const conf = readAptConf(sections.files)
    const offenders: Offender[] = []

    const setting = (name: string) => conf.values.get(name.toLowerCase())
    const periodic = Object.fromEntries(PERIODIC.map((n) => [n, setting(n) ?? null]))
    const enable = setting('APT::Periodic::Enable')
    const missing: string[] = []
    if (enable !== undefined && /^\s*0+\s*$/.test(enable)) missing.push('APT::Periodic::Enable is "0" (apt\'s daily job does nothing)')
    for (const n of PERIODIC) {
      const v = setting(n)
      const days = intervalDays(v)
      if (v === undefined) missing.push(`${n} is not set${absent.length ? ` (${absent.join(' and ')} absent or empty)` : ''}`)
      else if (days === 'off') missing.push(`${n} is "${v}" (off)`)
      else if (days === 'unreadable') missing.push(`${n} is "${v}", not an interval`)
      else if (days > maxIntervalDays) missing.push(`${n} is "${v}": every ${days} day(s), more than ${maxIntervalDays}`)
    }
    if (missing.length) offenders.push({ id: 'unattended-upgrades/not-enabled', why: `unattended-upgrades is not enabled: ${missing.join('; ')}` })

    const patterns = list(conf, 'Unattended-Upgrade::Origins-Pattern')
    const allowed = list(conf, 'Unattended-Upgrade::Allowed-Origins')
    const securityOrigin =
      patterns.find((p) => patternMatches(p, archive, macros)) ?? allowed.find((a) => { const p = allowedOriginPattern(a); return !!p && patternMatches(p, archive, macros) })
    if (securityOrigin === undefined)
      offenders.push({
        id: 'unattended-upgrades/no-security-origin',
        why: `no Unattended-Upgrade::Origins-Pattern or Allowed-Origins entry selects the security suite ${suite}${patterns.length + allowed.length ? ` (entries: ${[...patterns, ...allowed].map((e) => `"${e}"`).join(', ')})` : ' (no entry at all)'}`,
      })

    const actual = { installed: true, ...periodic, ...(enable !== undefined ? { 'APT::Periodic::Enable': enable } : {}), securityOrigin: securityOrigin ?? null }
    const observed = { package: pkg.status, ...periodic, originsPattern: patterns, allowedOrigins: allowed, securityOrigin: securityOrigin ?? null, filesAbsent: absent }
    if (offenders.length) return fail(offenders, actual, observed)
    return {
      status: 'passed',
      summary: `unattended-upgrades is installed, enabled (${PERIODIC.map((n) => `${n} "${setting(n)}"`).join(', ')}) and selects the security suite ("${securityOrigin}")`,
      expected,
      actual,
      observed: { ...where, ...observed, note: ONLY_THESE },
      evidence,
    }
  },
}
