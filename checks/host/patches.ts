// host.patches — no upgrade from the security suite is pending in the host's own package lists. The
// probe never runs `apt update`: it asks apt what a dist-upgrade would install (`apt-get -s`, no lock)
// from the lists the host already has, and reads each list's Release file (mtime, Date, and the
// fields that name its suite). Old lists can hide a pending fix, so lists older than
// `maxListAgeDays` leave nothing to conclude but what they already show.
import type { CheckDefinition, Offender } from '../types.ts'
import type { SshObservation } from '../ssh/observation.ts'
import { endpoint } from '../ssh/observation-parts.ts'
import { hostPart } from './observation.ts'
import { commandEvidence, hostCommands } from './host-parts.ts'

export interface PatchesParams {
  /** package lists whose newest Release is older than this many days cannot show what is pending */
  maxListAgeDays?: number
  /** only upgrades from a security suite offend (false: every pending upgrade does) */
  securityOnly?: boolean
}

const DAY_MS = 86_400_000

/** One origin apt names for a candidate version: `Label:Version/Archive`, e.g. `Debian-Security:12/stable-security`. */
export interface UpgradeOrigin {
  text: string
  label?: string
  archive: string
}

/** One `Inst` line of `apt-get -s dist-upgrade`. */
export interface PendingUpgrade {
  name: string
  /** absent: a package the upgrade would newly install */
  installed?: string
  candidate: string
  origins: UpgradeOrigin[]
  arch: string
}

/** One `*Release` file of /var/lib/apt/lists, as the apt-lists command prints it. */
export interface PackageList {
  file: string
  /** modification time, ms since the epoch (apt sets it to the server's Last-Modified) */
  mtimeMs: number
  /** the Release file's `Date:` field, ms since the epoch */
  dateMs?: number
  origin?: string
  label?: string
  suite?: string
  codename?: string
}

function parseOrigin(text: string): UpgradeOrigin {
  const m = /^(?:([^:/]+):)?(?:[^/]+\/)?(.+)$/.exec(text)!
  return { text, ...(m[1] ? { label: m[1] } : {}), archive: m[2]! }
}

// `Inst <pkg> [<installed>] (<candidate> <origin>, <origin> [<arch>])`, maybe followed by ` []` (apt's
// note of broken dependencies). Inst lines are debug output, never translated; anything else is skipped.
const INST = /^Inst (\S+)(?: \[([^\]\s]+)\])? \((\S+)(?: (.+?))? \[([^\]\s]+)\]\)(?: .*)?$/

/** The `Inst` lines of `apt-get -s dist-upgrade`; every other line (notes, progress, Conf, Remv) is skipped. */
export function parseUpgrades(text: string): PendingUpgrade[] {
  const out: PendingUpgrade[] = []
  for (const line of text.split('\n')) {
    const m = INST.exec(line.trimEnd())
    if (!m) continue
    const origins = (m[4] ?? '').split(', ').map((s) => s.trim()).filter(Boolean).map(parseOrigin)
    out.push({ name: m[1]!, ...(m[2] ? { installed: m[2] } : {}), candidate: m[3]!, origins, arch: m[5]! })
  }
  return out
}

/**
 * apt's closing count (`N upgraded, N newly installed, N to remove and N not upgraded.`): four numbers
 * on a line that starts with one, in whatever language the host's locale speaks. Without it (and
 * without an Inst line) the output is not what apt prints, and "nothing pending" cannot be told.
 */
/** The names apt lists under "The following packages have been kept back:" (indented lines that follow). */
export function keptBackPackages(text: string): string[] {
  const out: string[] = []
  let inList = false
  for (const line of text.split('\n')) {
    if (/^The following packages have been kept back:/.test(line)) inList = true
    else if (inList && /^\s+\S/.test(line)) out.push(...line.trim().split(/\s+/))
    else inList = false
  }
  return [...new Set(out)].sort()
}

export const hasAptSummary = (text: string) => text.split('\n').some((l) => /^\d+\D+\d+\D+\d+\D+\d+\D*$/.test(l.trim()))

/** The apt-lists command's output: `<mtime> <path>` per Release file, then its `  Field: value` lines. */
export function parseLists(text: string): PackageList[] {
  const out: PackageList[] = []
  for (const line of text.split('\n')) {
    const head = /^(\d+) (\/\S.*)$/.exec(line.trimEnd())
    if (head) {
      // a time no Date can hold (stat printed garbage) is no time: such a list has no mtime
      const ms = Number(head[1]) * 1000
      out.push({ file: head[2]!, mtimeMs: Number.isFinite(new Date(ms).getTime()) ? ms : 0 })
      continue
    }
    const field = /^\s+(Origin|Label|Suite|Codename|Date): (.*)$/.exec(line.trimEnd())
    const list = out.at(-1)
    if (!field || !list) continue
    const value = field[2]!.trim()
    if (field[1] === 'Date') {
      const ms = Date.parse(value)
      if (Number.isFinite(ms)) list.dateMs = ms
    } else list[field[1]!.toLowerCase() as 'origin' | 'label' | 'suite' | 'codename'] = value
  }
  return out
}

/** Debian's security archive (label Debian-Security) or any `-security` suite (Ubuntu's security pocket, Debian's since bullseye, ESM's). */
export const isSecurityOrigin = (o: UpgradeOrigin) => o.label === 'Debian-Security' || o.archive.endsWith('-security')
const isSecurityList = (l: PackageList) => l.label === 'Debian-Security' || !!l.suite?.endsWith('-security') || !!l.codename?.endsWith('-security') || /-security_|_debian-security_/.test(l.file)

/**
 * The lists an origin comes from: same suite and label (apt names the suite); else the same codename
 * (every Ubuntu pocket shares one, so only when no suite matches); a list without either field by
 * its file name.
 */
function listsOf(o: UpgradeOrigin, lists: PackageList[]): PackageList[] {
  const label = (l: PackageList) => !o.label || !l.label || l.label === o.label
  const bySuite = lists.filter((l) => l.suite === o.archive && label(l))
  if (bySuite.length) return bySuite
  return lists.filter((l) => (l.suite || l.codename ? l.codename === o.archive && label(l) : l.file.includes(`_dists_${o.archive}_`)))
}

const newest = (l: PackageList) => Math.max(l.mtimeMs, l.dateMs ?? 0)
const days = (ms: number) => Math.round((Math.max(0, ms) / DAY_MS) * 10) / 10
const iso = (ms: number) => new Date(ms).toISOString()

export const hostPatches: CheckDefinition<SshObservation, PatchesParams> = {
  id: 'host.patches',
  kinds: ['ssh'],
  title: "No security update is pending in the host's package lists",
  description:
    "an upgrade from a security suite (label Debian-Security, or a suite ending in -security) is pending in the host's own package lists (apt-get -s dist-upgrade; the probe never runs apt update); lists older than maxListAgeDays, no lists, or no security suite among them are an error",
  params: [
    { name: 'maxListAgeDays', description: "most days since the newest Release of the host's package lists (mtime or Date); older lists are an error unless they already show a pending update", default: 7 },
    { name: 'securityOnly', description: 'only upgrades from a security suite offend; false: every pending upgrade does (those not from a security suite are medium)', default: true },
  ],
  severity: { level: 'high', reason: 'a published security fix that is not installed leaves a publicly known vulnerability open on the host' },
  population: "the installed packages, against the host's package lists (apt-get -s dist-upgrade)",
  needs: [hostPart('os-release'), hostPart('apt-upgrades'), hostPart('apt-lists')],
  judge(obs, { maxListAgeDays = 7, securityOnly = true }, ctx) {
    const got = hostCommands(obs, ['apt-upgrades', 'apt-lists'])
    if ('verdict' in got) return got.verdict
    const now = ctx.now.getTime()
    const apt = got.data['apt-upgrades']!.stdout
    const upgrades = parseUpgrades(apt)
    const lists = parseLists(got.data['apt-lists']!.stdout)
    const evidence = commandEvidence(got.data)
    const expected = { pendingUpgrades: 0, securityOnly, maxListAgeDays }
    const freshest = lists.length ? Math.max(...lists.map(newest)) : undefined
    const listsAgeDays = freshest === undefined ? undefined : days(now - freshest)
    const error = (summary: string, observed: Record<string, unknown>, errorKind: 'inconclusive' | 'protocol' = 'inconclusive') => ({
      status: 'error' as const,
      errorKind,
      summary,
      expected,
      actual: {},
      observed: { endpoint: endpoint(obs), ...observed },
      evidence,
      offenders: [{ id: 'package-lists', why: summary }],
    })
    if (freshest === undefined) return error('the host has no package lists (no Release file in /var/lib/apt/lists): whether an update is pending cannot be told', { lists: 0 })
    if (upgrades.length === 0 && !hasAptSummary(apt)) return error('apt-get -s dist-upgrade printed neither an upgrade nor its closing count: its output cannot be read', { lists: lists.length }, 'protocol')
    // packages apt holds back are upgrades it would not make: whether one is a security fix cannot be told
    const keptBack = keptBackPackages(apt)
    if (keptBack.length) return error(`apt keeps back ${keptBack.join(', ')}: whether a security fix is pending for ${keptBack.length === 1 ? 'it' : 'them'} cannot be told from the simulation`, { lists: lists.length, keptBack })

    // An update's age is counted from the newest Release of the suite it comes from: it was published
    // at the latest then, so that is how long it has been pending AT LEAST. How long Vigil has seen it
    // pending (from the run history) is a later step of issue 20.
    const updates = upgrades
      .filter((u) => u.installed !== undefined)
      .map((u) => {
        const security = u.origins.some(isSecurityOrigin)
        const from = u.origins.filter((o) => !security || isSecurityOrigin(o))
        const dates = from.flatMap((o) => listsOf(o, lists)).map((l) => l.dateMs ?? l.mtimeMs)
        const since = dates.length ? Math.min(...dates) : undefined
        return { ...u, security, from, ...(since !== undefined ? { since } : {}) }
      })
    const observed = {
      endpoint: endpoint(obs),
      listsAgeDays,
      newestList: iso(freshest),
      lists: lists.map((l) => ({
        file: l.file,
        ...(l.label ? { label: l.label } : {}),
        ...(l.suite ? { suite: l.suite } : {}),
        ...(l.codename ? { codename: l.codename } : {}),
        ...(l.dateMs !== undefined ? { date: iso(l.dateMs) } : {}),
        mtime: iso(l.mtimeMs),
        ageDays: days(now - newest(l)),
      })),
      updates: updates.map((u) => ({
        package: u.name,
        installed: u.installed,
        candidate: u.candidate,
        origins: u.origins.map((o) => o.text),
        security: u.security,
        ...(u.since !== undefined ? { pendingAtLeastDays: days(now - u.since), suiteReleased: iso(u.since) } : {}),
      })),
      // a package only a dist-upgrade would add (a new kernel ABI) is not an outdated one: the
      // package that pulls it in (the kernel metapackage) is the one pending
      newPackages: upgrades.filter((u) => u.installed === undefined).map((u) => `${u.name} ${u.candidate}`),
    }

    const offenders: Offender[] = []
    for (const u of updates) {
      if (securityOnly && !u.security) continue
      const age = u.since !== undefined ? `, pending at least ${days(now - u.since)} day(s)` : ''
      offenders.push({
        id: `package/${u.name}`,
        why: `${u.name} ${u.installed} → ${u.candidate} from ${u.from.map((o) => o.text).join(', ') || 'an unnamed origin'}${u.security ? ' (security)' : ''}${age}`,
        ...(u.security ? {} : { severity: 'medium' as const }),
      })
    }
    const unique = [...new Map(offenders.map((o) => [o.id, o])).values()].sort((x, y) => x.id.localeCompare(y.id))
    const stale = listsAgeDays! > maxListAgeDays
    const staleNote = `the package lists are ${listsAgeDays} day(s) old (newest Release ${iso(freshest)}), older than ${maxListAgeDays}`
    const actual = { pendingUpgrades: unique.map((o) => o.id), listsAgeDays }
    // what old lists already show pending is pending: a failure, whatever else they hide
    if (unique.length)
      return {
        status: 'failed',
        summary: `${unique.length} ${securityOnly ? 'security ' : ''}upgrade(s) pending: ${unique.slice(0, 3).map((o) => o.why).join('; ')}${unique.length > 3 ? '; …' : ''}${stale ? `; and ${staleNote}` : ''}`,
        expected,
        actual,
        observed,
        evidence,
        offenders: unique,
      }
    if (stale) return error(`${staleNote}: what is pending since then cannot be told (run apt update on the host, or raise maxListAgeDays)`, observed)
    if (securityOnly && !lists.some(isSecurityList))
      return error('no package list of the host comes from a security suite: whether a security update is pending cannot be told', observed)
    return {
      status: 'passed',
      summary: `no ${securityOnly ? 'security ' : ''}upgrade pending in ${lists.length} package list(s), the newest ${listsAgeDays} day(s) old`,
      expected,
      actual,
      observed,
      evidence,
    }
  },
}
