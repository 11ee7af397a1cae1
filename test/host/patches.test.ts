// host.patches as a pure judge, on `apt-get -s dist-upgrade` output and Release-file listings as
// Debian and Ubuntu print them: both verdicts, ages from ctx.now, old or missing lists (never a pass),
// non-security upgrades, and lines that are not Inst lines.
import { describe, expect, it } from 'vitest'
import { hasAptSummary, hostPatches, parseLists, parseUpgrades } from '../../checks/host/patches.ts'
import type { CommandRecord, HostObservation } from '../../checks/host/observation.ts'
import type { SshObservation } from '../../checks/ssh/observation.ts'

const NOW = { now: new Date('2026-12-03T12:00:00Z') }
const sec = (iso: string) => Math.floor(Date.parse(iso) / 1000)
const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'
const UBUNTU = 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n'

const NOTE = [
  'NOTE: This is only a simulation!',
  '      apt-get needs root privileges for real execution.',
  '      Keep also in mind that locking is deactivated,',
  "      so don't depend on the relevance to the real current situation!",
  'Reading package lists...',
  'Building dependency tree...',
  'Reading state information...',
  'Calculating upgrade...',
]
const DEBIAN_PENDING = [
  ...NOTE,
  'The following NEW packages will be installed:',
  '  linux-image-6.1.0-28-amd64',
  'The following packages will be upgraded:',
  '  libssl3 linux-image-amd64 openssl tzdata',
  '4 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.',
  'Inst libssl3 [3.0.15-1~deb12u1] (3.0.16-1~deb12u1 Debian-Security:12/stable-security [amd64])',
  'Inst openssl [3.0.15-1~deb12u1] (3.0.16-1~deb12u1 Debian-Security:12/stable-security [amd64])',
  'Inst tzdata [2024b-0+deb12u1] (2025a-0+deb12u1 Debian:12.10/stable-updates [all])',
  'Inst linux-image-6.1.0-28-amd64 (6.1.119-1 Debian-Security:12/stable-security [amd64])',
  'Inst linux-image-amd64 [6.1.115-1] (6.1.119-1 Debian-Security:12/stable-security [amd64])',
  'Conf libssl3 (3.0.16-1~deb12u1 Debian-Security:12/stable-security [amd64])',
  'Conf openssl (3.0.16-1~deb12u1 Debian-Security:12/stable-security [amd64])',
  'Conf tzdata (2025a-0+deb12u1 Debian:12.10/stable-updates [all])',
  'Conf linux-image-6.1.0-28-amd64 (6.1.119-1 Debian-Security:12/stable-security [amd64])',
  'Conf linux-image-amd64 (6.1.119-1 Debian-Security:12/stable-security [amd64])',
].join('\n')
const DEBIAN_NONE = [...NOTE, '0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.'].join('\n') + '\n'
const DEBIAN_NON_SECURITY = [...NOTE, '1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.', 'Inst tzdata [2024b-0+deb12u1] (2025a-0+deb12u1 Debian:12.10/stable-updates [all])', 'Conf tzdata (2025a-0+deb12u1 Debian:12.10/stable-updates [all])'].join('\n')
const DEBIAN_LISTS = [
  `${sec('2026-11-08T10:11:26Z')} /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease`,
  '  Origin: Debian',
  '  Label: Debian',
  '  Suite: stable',
  '  Codename: bookworm',
  '  Date: Sat, 08 Nov 2026 10:11:26 UTC',
  `${sec('2026-12-03T08:14:02Z')} /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-updates_InRelease`,
  '  Origin: Debian',
  '  Label: Debian',
  '  Suite: stable-updates',
  '  Codename: bookworm-updates',
  '  Date: Thu, 03 Dec 2026 08:14:02 UTC',
  `${sec('2026-12-01T12:00:00Z')} /var/lib/apt/lists/security.debian.org_debian-security_dists_bookworm-security_InRelease`,
  '  Origin: Debian',
  '  Label: Debian-Security',
  '  Suite: stable-security',
  '  Codename: bookworm-security',
  '  Date: Tue, 01 Dec 2026 12:00:00 UTC',
].join('\n')

const UBUNTU_PENDING = [
  ...NOTE,
  '2 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.',
  'Inst libc6 [2.39-0ubuntu8.3] (2.39-0ubuntu8.4 Ubuntu:24.04/noble-updates, Ubuntu:24.04/noble-security [amd64]) []',
  'Inst curl [8.5.0-2ubuntu10.4] (8.5.0-2ubuntu10.6 Ubuntu:24.04/noble-updates [amd64])',
  'Conf libc6 (2.39-0ubuntu8.4 Ubuntu:24.04/noble-updates, Ubuntu:24.04/noble-security [amd64])',
  'Conf curl (8.5.0-2ubuntu10.6 Ubuntu:24.04/noble-updates [amd64])',
].join('\n')
const UBUNTU_LISTS = [
  `${sec('2024-04-25T15:10:33Z')} /var/lib/apt/lists/archive.ubuntu.com_ubuntu_dists_noble_InRelease`,
  '  Origin: Ubuntu',
  '  Label: Ubuntu',
  '  Suite: noble',
  '  Codename: noble',
  '  Date: Thu, 25 Apr 2024 15:10:33 UTC',
  `${sec('2026-12-03T06:30:00Z')} /var/lib/apt/lists/archive.ubuntu.com_ubuntu_dists_noble-updates_InRelease`,
  '  Origin: Ubuntu',
  '  Label: Ubuntu',
  '  Suite: noble-updates',
  '  Codename: noble',
  '  Date: Thu,  3 Dec 2026  06:30:00 UTC',
  `${sec('2026-11-30T12:00:00Z')} /var/lib/apt/lists/security.ubuntu.com_ubuntu_dists_noble-security_InRelease`,
  '  Origin: Ubuntu',
  '  Label: Ubuntu',
  '  Suite: noble-security',
  '  Codename: noble',
  '  Date: Mon, 30 Nov 2026 12:00:00 UTC',
].join('\n')

const rec = (command: string, stdout: string, exitCode: number | null = 0, more: Partial<CommandRecord> = {}): CommandRecord => ({ command, exitCode, stdout, durationMs: 3, ...more })
const host = (commands: HostObservation['commands']): SshObservation => ({
  target: { name: 'db1', host: 'db1.example.test', address: '10.0.0.5', port: 22 },
  hostKeyPin: { seen: [], status: 'unknown' },
  connections: 1,
  host: { commands },
})
const obs = (apt: string, lists: string, os = DEBIAN, aptExit = 0) =>
  host({ 'os-release': rec('cat /etc/os-release', os), 'apt-upgrades': rec('apt-get -s -o Debug::NoLocking=1 dist-upgrade', apt, aptExit), 'apt-lists': rec('for f in …', lists) })
const judge = (o: SshObservation, params: Parameters<typeof hostPatches.judge>[1] = {}) => hostPatches.judge(o, params, NOW)

describe('host.patches', () => {
  it('fails a Debian host with security upgrades pending, one offender per package, aged from its suite\'s Release', () => {
    const v = judge(obs(DEBIAN_PENDING, DEBIAN_LISTS))
    expect(v.status).toBe('failed')
    expect(v.offenders).toEqual([
      { id: 'package/libssl3', why: 'libssl3 3.0.15-1~deb12u1 → 3.0.16-1~deb12u1 from Debian-Security:12/stable-security (security), pending at least 2 day(s)' },
      { id: 'package/linux-image-amd64', why: 'linux-image-amd64 6.1.115-1 → 6.1.119-1 from Debian-Security:12/stable-security (security), pending at least 2 day(s)' },
      { id: 'package/openssl', why: 'openssl 3.0.15-1~deb12u1 → 3.0.16-1~deb12u1 from Debian-Security:12/stable-security (security), pending at least 2 day(s)' },
    ])
    expect(v.observed).toMatchObject({ listsAgeDays: 0.2, newestList: '2026-12-03T08:14:02.000Z', newPackages: ['linux-image-6.1.0-28-amd64 6.1.119-1'] })
    const updates = v.observed.updates as { package: string; security: boolean; pendingAtLeastDays?: number; suiteReleased?: string }[]
    expect(updates.find((u) => u.package === 'libssl3')).toMatchObject({ security: true, pendingAtLeastDays: 2, suiteReleased: '2026-12-01T12:00:00.000Z' })
    expect(updates.find((u) => u.package === 'tzdata')).toMatchObject({ security: false, pendingAtLeastDays: 0.2 })
    expect(v.actual).toEqual({ pendingUpgrades: ['package/libssl3', 'package/linux-image-amd64', 'package/openssl'], listsAgeDays: 0.2 })
    expect(v.evidence.map((e) => e.kind)).toEqual(['host-command', 'host-command', 'host-command'])
  })

  it('fails an Ubuntu host on an upgrade from the security pocket (also in -updates), not on one from -updates alone', () => {
    const v = judge(obs(UBUNTU_PENDING, UBUNTU_LISTS, UBUNTU))
    expect(v.status).toBe('failed')
    expect(v.offenders).toEqual([{ id: 'package/libc6', why: 'libc6 2.39-0ubuntu8.3 → 2.39-0ubuntu8.4 from Ubuntu:24.04/noble-security (security), pending at least 3 day(s)' }])
  })

  it('passes with no upgrade pending, or only non-security ones, in fresh lists that include a security suite', () => {
    const none = judge(obs(DEBIAN_NONE, DEBIAN_LISTS))
    expect(none).toMatchObject({ status: 'passed', summary: 'no security upgrade pending in 3 package list(s), the newest 0.2 day(s) old', actual: { pendingUpgrades: [], listsAgeDays: 0.2 } })
    expect(judge(obs(DEBIAN_NON_SECURITY, DEBIAN_LISTS)).status).toBe('passed')
  })

  it('with securityOnly false, every pending upgrade offends; one not from a security suite is medium', () => {
    const v = judge(obs(DEBIAN_NON_SECURITY, DEBIAN_LISTS), { securityOnly: false })
    expect(v).toMatchObject({ status: 'failed', offenders: [{ id: 'package/tzdata', why: 'tzdata 2024b-0+deb12u1 → 2025a-0+deb12u1 from Debian:12.10/stable-updates, pending at least 0.2 day(s)', severity: 'medium' }] })
    expect(judge(obs(UBUNTU_PENDING, UBUNTU_LISTS, UBUNTU), { securityOnly: false }).offenders!.map((o) => o.id)).toEqual(['package/curl', 'package/libc6'])
  })

  it('old lists that show nothing pending are an error naming their age; what they do show pending still fails', () => {
    const later = { now: new Date('2026-12-20T12:00:00Z') }
    const old = hostPatches.judge(obs(DEBIAN_NONE, DEBIAN_LISTS), {}, later)
    expect(old).toMatchObject({ status: 'error', errorKind: 'inconclusive', offenders: [{ id: 'package-lists' }] })
    expect(old.summary).toMatch(/^the package lists are 17.2 day\(s\) old \(newest Release 2026-12-03T08:14:02.000Z\), older than 7: what is pending since then cannot be told/)
    expect(hostPatches.judge(obs(DEBIAN_NONE, DEBIAN_LISTS), { maxListAgeDays: 30 }, later).status).toBe('passed')
    const stillPending = hostPatches.judge(obs(DEBIAN_PENDING, DEBIAN_LISTS), {}, later)
    expect(stillPending).toMatchObject({ status: 'failed', summary: expect.stringMatching(/; and the package lists are 17.2 day\(s\) old/) })
    // the newer of a list's mtime and Date counts: an mtime in the past with a recent Date is recent
    const dateOnly = `${sec('2026-01-01T00:00:00Z')} /var/lib/apt/lists/x_dists_bookworm-security_InRelease\n  Label: Debian-Security\n  Suite: stable-security\n  Date: Thu, 03 Dec 2026 00:00:00 +0000\n`
    expect(judge(obs(DEBIAN_NONE, dateOnly))).toMatchObject({ status: 'passed', observed: { listsAgeDays: 0.5 } })
  })

  it('never passes without lists to judge by: none at all, none from a security suite, apt output it cannot read', () => {
    expect(judge(obs(DEBIAN_NONE, ''))).toMatchObject({ status: 'error', errorKind: 'inconclusive', summary: expect.stringMatching(/no package lists/) })
    const noSecurity = DEBIAN_LISTS.split('\n').slice(0, 12).join('\n')
    expect(judge(obs(DEBIAN_NONE, noSecurity))).toMatchObject({ status: 'error', errorKind: 'inconclusive', summary: expect.stringMatching(/no package list of the host comes from a security suite/) })
    expect(judge(obs('something else entirely\n', DEBIAN_LISTS))).toMatchObject({ status: 'error', errorKind: 'protocol' })
    const broken = judge(obs('', DEBIAN_LISTS, DEBIAN, 100))
    expect(broken).toMatchObject({ status: 'error', errorKind: 'protocol', offenders: [{ id: 'command/apt-upgrades' }] })
    const flood = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), 'apt-upgrades': rec('apt-get -s', DEBIAN_PENDING, null, { truncated: true }), 'apt-lists': rec('for f in …', DEBIAN_LISTS) })
    expect(judge(flood)).toMatchObject({ status: 'error', errorKind: 'protocol' })
    expect(judge(obs(DEBIAN_NONE, DEBIAN_LISTS, 'ID=fedora\nPRETTY_NAME="Fedora Linux 41"\n'))).toMatchObject({ status: 'error', errorKind: 'inconclusive', summary: expect.stringMatching(/unsupported operating system/) })
  })

  it('reads Inst lines only, skipping garbage, and the Release listing field by field', () => {
    const text = [
      'Inst',
      'Inst onlyname',
      'Inst foo [1.0] garbage',
      'Remv oldpkg [0.9]',
      'Conf foo (1.1 Debian-Security:12/stable-security [all])',
      'Inst libfoo:i386 [1.0] (1.1 Debian-Security:12/stable-security [i386])',
      'Inst bar [2.0] (2.1 localhost [all])',
    ].join('\n')
    expect(parseUpgrades(text)).toEqual([
      { name: 'libfoo:i386', installed: '1.0', candidate: '1.1', origins: [{ text: 'Debian-Security:12/stable-security', label: 'Debian-Security', archive: 'stable-security' }], arch: 'i386' },
      { name: 'bar', installed: '2.0', candidate: '2.1', origins: [{ text: 'localhost', archive: 'localhost' }], arch: 'all' },
    ])
    expect(parseLists(`junk\n  Date: Thu, 03 Dec 2026 00:00:00 +0000\n1796301917 /var/lib/apt/lists/_srv_archive_dists_bookworm-security_Release\n  Label: Debian-Security\n  Date: not a date\n  Other: x\n`)).toEqual([
      { file: '/var/lib/apt/lists/_srv_archive_dists_bookworm-security_Release', mtimeMs: 1796301917000, label: 'Debian-Security' },
    ])
    expect(hasAptSummary('0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.')).toBe(true)
    expect(hasAptSummary('0 mis à jour, 0 nouvellement installés, 0 à enlever et 0 non mis à jour.')).toBe(true)
    expect(hasAptSummary('Reading package lists...')).toBe(false)
    // garbage around a real Inst line changes nothing
    expect(judge(obs(`${DEBIAN_NONE}Inst ???\n\x00\x01binary\nInst foo [1.0] (\n`, DEBIAN_LISTS)).status).toBe('passed')
  })
})

describe('host.patches on what a reviewer fed it', () => {
  it('packages apt keeps back leave the verdict undecided, naming them', () => {
    const kept = 'Reading package lists...\nThe following packages have been kept back:\n  openssl libssl3\n0 upgraded, 0 newly installed, 0 to remove and 2 not upgraded.\n'
    const v = judge(obs(kept, DEBIAN_LISTS))
    expect(v).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
    expect(v.summary).toMatch(/apt keeps back libssl3, openssl/)
  })
  it('a Release time no date can hold is no time, never a throw', () => {
    expect(() => judge(obs(DEBIAN_NONE, '99999999999999 /var/lib/apt/lists/x_InRelease\n'))).not.toThrow()
    expect(judge(obs(DEBIAN_NONE, '99999999999999 /var/lib/apt/lists/x_InRelease\n')).status).not.toBe('passed')
  })
})
