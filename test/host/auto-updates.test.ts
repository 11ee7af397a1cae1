// host.auto-updates as a pure judge, on the files Debian (bookworm) and Ubuntu (noble) ship and on
// edits of them: both verdicts, each offender, apt.conf's comments, scopes and "later wins", and
// every way the host can fail to answer (never a pass).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readAptConf } from '../../checks/host/apt-conf.ts'
import { hostAutoUpdates, intervalDays, packageState, splitSections, type AutoUpdatesParams } from '../../checks/host/auto-updates.ts'
import type { CommandRecord, HostObservation } from '../../checks/host/observation.ts'
import type { SshObservation } from '../../checks/ssh/observation.ts'

const NOW = { now: new Date('2026-12-03T12:00:00Z') }
const fixture = (name: string) => readFileSync(new URL(`./fixtures/auto-updates/${name}`, import.meta.url), 'utf8')
/** /etc/apt/apt.conf.d/50unattended-upgrades as unattended-upgrades 2.9.1+nmu3 installs it on Debian 12 */
const DEBIAN_50 = fixture('debian-bookworm-50unattended-upgrades')
/** 20auto-upgrades as the package writes it when enabled (Debian and Ubuntu alike) */
const ENABLED_20 = fixture('debian-bookworm-20auto-upgrades')
/** the start of Ubuntu 24.04's 50unattended-upgrades (Allowed-Origins, not Origins-Pattern) */
const UBUNTU_50 = fixture('ubuntu-noble-50unattended-upgrades')
const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n'
const UBUNTU = 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=noble\n'
const INSTALLED = 'install ok installed'
const SECURITY_LINE = '        "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";'

const rec = (command: string, stdout: string, exitCode: number | null = 0, more: Partial<CommandRecord> = {}): CommandRecord => ({ command, exitCode, stdout, durationMs: 3, ...more })
function host(commands: HostObservation['commands'] | { error: { kind: 'not-observed'; message: string } }): SshObservation {
  return {
    target: { name: 'db1', host: 'db1.example.test', address: '10.0.0.5', port: 22 },
    hostKeyPin: { seen: [], status: 'unknown' },
    connections: 1,
    host: 'error' in commands ? (commands as { error: { kind: 'not-observed'; message: string } }) : { commands: commands as HostObservation['commands'] },
  }
}
/** what the `unattended-upgrades` command prints: dpkg's status, then each file after a marker */
const printed = (status: string, auto20: string, unattended50: string) => `${status}\nVIGIL-SECTION\n${auto20}VIGIL-SECTION\n${unattended50}`
const obs = (status = INSTALLED, auto20 = ENABLED_20, unattended50 = DEBIAN_50, os = DEBIAN) =>
  host({ 'os-release': rec('cat /etc/os-release', os), 'unattended-upgrades': rec("dpkg-query -W -f '${Status}\\n' unattended-upgrades 2>&1; …", printed(status, auto20, unattended50)) })
const judge = (o: SshObservation, params: AutoUpdatesParams = {}) => hostAutoUpdates.judge(o, params, NOW)
const offenderIds = (o: SshObservation, params: AutoUpdatesParams = {}) => judge(o, params).offenders?.map((x) => x.id)

describe('host.auto-updates', () => {
  it("passes Debian's shipped files: enabled daily, the -security codename pattern selected", () => {
    const v = judge(obs())
    expect(v).toMatchObject({
      status: 'passed',
      observed: {
        package: INSTALLED,
        codename: 'bookworm',
        'APT::Periodic::Update-Package-Lists': '1',
        'APT::Periodic::Unattended-Upgrade': '1',
        securityOrigin: 'origin=Debian,codename=${distro_codename}-security,label=Debian-Security',
        filesAbsent: [],
        note: expect.stringMatching(/only \/etc\/apt\/apt\.conf\.d\/20auto-upgrades and \/etc\/apt\/apt\.conf\.d\/50unattended-upgrades are read/),
      },
    })
    // the commented-out patterns are not entries
    expect(v.observed.originsPattern).toEqual(['origin=Debian,codename=${distro_codename},label=Debian', 'origin=Debian,codename=${distro_codename},label=Debian-Security', 'origin=Debian,codename=${distro_codename}-security,label=Debian-Security'])
    expect(v.evidence.map((e) => e.kind)).toEqual(['host-command', 'host-command'])
  })

  it("passes Ubuntu's shipped files: Allowed-Origins ${distro_id}:${distro_codename}-security", () => {
    expect(judge(obs(INSTALLED, ENABLED_20, UBUNTU_50, UBUNTU))).toMatchObject({ status: 'passed', observed: { securityOrigin: '${distro_id}:${distro_codename}-security', codename: 'noble' } })
  })

  it('fails a host without the package with unattended-upgrades/not-installed only (nothing else can run)', () => {
    const v = judge(obs('dpkg-query: no packages found matching unattended-upgrades', '', ''))
    expect(v).toMatchObject({ status: 'failed', offenders: [{ id: 'unattended-upgrades/not-installed', why: 'unattended-upgrades is not installed (dpkg: unknown to dpkg)' }] })
    // removed but not purged: the files are still there, the program is not
    expect(judge(obs('deinstall ok config-files'))).toMatchObject({ status: 'failed', offenders: [{ id: 'unattended-upgrades/not-installed', why: 'unattended-upgrades is not installed (dpkg: deinstall ok config-files)' }] })
    // held is still installed
    expect(judge(obs('hold ok installed')).status).toBe('passed')
  })

  it('fails not-enabled for "0" values, an absent 20auto-upgrades, a later "0", comments and APT::Periodic::Enable "0"', () => {
    const zero = judge(obs(INSTALLED, 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "0";\n'))
    expect(zero).toMatchObject({ status: 'failed', offenders: [{ id: 'unattended-upgrades/not-enabled', why: 'unattended-upgrades is not enabled: APT::Periodic::Unattended-Upgrade is "0" (off)' }] })
    expect(judge(obs(INSTALLED, ''))).toMatchObject({
      status: 'failed',
      observed: { filesAbsent: ['/etc/apt/apt.conf.d/20auto-upgrades'] },
      offenders: [
        {
          id: 'unattended-upgrades/not-enabled',
          why: 'unattended-upgrades is not enabled: APT::Periodic::Update-Package-Lists is not set (/etc/apt/apt.conf.d/20auto-upgrades absent or empty); APT::Periodic::Unattended-Upgrade is not set (/etc/apt/apt.conf.d/20auto-upgrades absent or empty)',
        },
      ],
    })
    // 50unattended-upgrades is read after 20auto-upgrades: its setting wins
    expect(judge(obs(INSTALLED, ENABLED_20, `${DEBIAN_50}\nAPT::Periodic::Unattended-Upgrade "0";\n`)).offenders).toEqual([{ id: 'unattended-upgrades/not-enabled', why: 'unattended-upgrades is not enabled: APT::Periodic::Unattended-Upgrade is "0" (off)' }])
    // and in one file the last line wins, either way
    expect(judge(obs(INSTALLED, `${ENABLED_20}APT::Periodic::Update-Package-Lists "0";\n`)).offenders?.[0]?.why).toMatch(/Update-Package-Lists is "0" \(off\)$/)
    expect(judge(obs(INSTALLED, `APT::Periodic::Unattended-Upgrade "0";\n${ENABLED_20}`)).status).toBe('passed')
    // commented out, as dpkg-reconfigure never writes it but people do
    for (const commented of [`// ${ENABLED_20.replace('\n', '\n// ')}`, `/*\n${ENABLED_20}*/\n`, `# ${ENABLED_20.replace('\n', '\n# ')}`])
      expect(judge(obs(INSTALLED, commented)).offenders?.[0]?.why).toMatch(/Update-Package-Lists is not set; APT::Periodic::Unattended-Upgrade is not set$/)
    expect(judge(obs(INSTALLED, `APT::Periodic::Enable "0";\n${ENABLED_20}`)).offenders?.[0]?.why).toBe('unattended-upgrades is not enabled: APT::Periodic::Enable is "0" (apt\'s daily job does nothing)')
  })

  it('takes the interval as apt.systemd.daily does: days, units, "always"; longer than maxIntervalDays fails', () => {
    const periodic = (lists: string, upgrade: string) => `APT::Periodic::Update-Package-Lists "${lists}";\nAPT::Periodic::Unattended-Upgrade "${upgrade}";\n`
    expect(judge(obs(INSTALLED, periodic('always', '12h'))).status).toBe('passed')
    const weekly = obs(INSTALLED, periodic('1', '7'))
    expect(judge(weekly).offenders).toEqual([{ id: 'unattended-upgrades/not-enabled', why: 'unattended-upgrades is not enabled: APT::Periodic::Unattended-Upgrade is "7": every 7 day(s), more than 1' }])
    expect(judge(weekly, { maxIntervalDays: 7 }).status).toBe('passed')
    expect(judge(obs(INSTALLED, periodic('yes', '1'))).offenders?.[0]?.why).toBe('unattended-upgrades is not enabled: APT::Periodic::Update-Package-Lists is "yes", not an interval')
    expect([intervalDays(undefined), intervalDays('0'), intervalDays('always'), intervalDays('2'), intervalDays('36h'), intervalDays('1d')]).toEqual(['off', 'off', 0, 2, 1.5, 1])
  })

  it('fails no-security-origin when the security entry is commented out, old-style, or names another release', () => {
    const why = 'no Unattended-Upgrade::Origins-Pattern or Allowed-Origins entry selects the security suite bookworm-security (label Debian-Security)'
    const commented = judge(obs(INSTALLED, ENABLED_20, DEBIAN_50.replace(SECURITY_LINE, `//${SECURITY_LINE}`)))
    expect(commented).toMatchObject({ status: 'failed', observed: { securityOrigin: null } })
    expect(commented.offenders).toEqual([
      {
        id: 'unattended-upgrades/no-security-origin',
        // the old-style entry (codename bookworm, label Debian-Security) matches no archive since bullseye
        why: `${why} (entries: "origin=Debian,codename=\${distro_codename},label=Debian", "origin=Debian,codename=\${distro_codename},label=Debian-Security")`,
      },
    ])
    expect(offenderIds(obs(INSTALLED, ENABLED_20, DEBIAN_50.replace(SECURITY_LINE, `/* ${SECURITY_LINE} */`)))).toEqual(['unattended-upgrades/no-security-origin'])
    expect(offenderIds(obs(INSTALLED, ENABLED_20, 'Unattended-Upgrade::Origins-Pattern { "origin=Debian,codename=bullseye-security,label=Debian-Security"; };'))).toEqual(['unattended-upgrades/no-security-origin'])
    expect(judge(obs(INSTALLED, ENABLED_20, '// nothing here\n')).offenders?.[0]?.why).toBe(`${why} (no entry at all)`)
    // #clear drops the shipped list; what follows has no security entry
    expect(offenderIds(obs(INSTALLED, ENABLED_20, `${DEBIAN_50}\n#clear Unattended-Upgrade::Origins-Pattern\nUnattended-Upgrade::Origins-Pattern { "origin=Debian,codename=\${distro_codename}-updates"; };\n`))).toEqual(['unattended-upgrades/no-security-origin'])
    // unattended-upgrades reads Allowed-Origins as o=…,a=<suite>: Debian's security suite is
    // oldstable-security, not bookworm-security, so the Ubuntu-style entry selects nothing on Debian
    expect(offenderIds(obs(INSTALLED, ENABLED_20, 'Unattended-Upgrade::Allowed-Origins { "${distro_id}:${distro_codename}-security"; };'))).toEqual(['unattended-upgrades/no-security-origin'])
    // Ubuntu with only the ESM pockets
    expect(offenderIds(obs(INSTALLED, ENABLED_20, UBUNTU_50.replace('\t"${distro_id}:${distro_codename}-security";\n', ''), UBUNTU))).toEqual(['unattended-upgrades/no-security-origin'])
  })

  it('accepts other spellings of a security entry: scopes, literal codename, suite, wildcards, no trailing newline', () => {
    const passes = (unattended50: string, os = DEBIAN) => expect(judge(obs(INSTALLED, ENABLED_20, unattended50, os)).status, unattended50).toBe('passed')
    passes('Unattended-Upgrade {\n  Origins-Pattern {\n    "o=Debian,n=bookworm-security";\n  };\n};')
    passes('unattended-upgrade::origins-pattern { "origin=Debian,label=Debian-Security"; };')
    passes('Unattended-Upgrade::Origins-Pattern { "o=Debian,a=oldstable-security,c=main"; };')
    passes('Unattended-Upgrade::Origins-Pattern { "origin=*,codename=*-security"; };')
    passes('Unattended-Upgrade::Allowed-Origins { "Ubuntu:noble-security"; };', UBUNTU)
    passes('Unattended-Upgrade::Origins-Pattern { "origin=Ubuntu,archive=${distro_codename}-security"; };', UBUNTU)
    // a file that does not end in a newline runs into the next marker
    expect(judge(host({ 'os-release': rec('cat /etc/os-release', DEBIAN), 'unattended-upgrades': rec('…', `${INSTALLED}\nVIGIL-SECTION\n${ENABLED_20.trimEnd()}VIGIL-SECTION\n${DEBIAN_50}`) })).status).toBe('passed')
  })

  it('reports both configuration offenders together', () => {
    expect(offenderIds(obs(INSTALLED, '', ''))).toEqual(['unattended-upgrades/not-enabled', 'unattended-upgrades/no-security-origin'])
  })

  it('never passes what it could not read: no login, garbled output, an unknown dpkg answer, another system', () => {
    expect(judge(host({ error: { kind: 'not-observed', message: 'no audit login is configured for db1' } }))).toMatchObject({ status: 'error', errorKind: 'not-observed' })
    const garbled = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), 'unattended-upgrades': rec('…', 'install ok installed\n') })
    expect(judge(garbled)).toMatchObject({ status: 'error', errorKind: 'protocol', offenders: [{ id: 'command/unattended-upgrades' }] })
    expect(judge(obs('sh: 1: dpkg-query: not found'))).toMatchObject({ status: 'error', errorKind: 'protocol', summary: 'dpkg-query printed no status of unattended-upgrades: "sh: 1: dpkg-query: not found"' })
    const flood = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), 'unattended-upgrades': rec('…', printed(INSTALLED, ENABLED_20, DEBIAN_50), null, { truncated: true }) })
    expect(judge(flood)).toMatchObject({ status: 'error', errorKind: 'protocol' })
    expect(judge(obs(INSTALLED, ENABLED_20, DEBIAN_50, 'ID="rhel"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n'))).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
  })

  it('reads apt.conf as apt does, and the command output as the allow-listed command prints it', () => {
    const conf = readAptConf(['APT { Periodic { Enable "1"; }; };\nAcquire::http::Proxy "http://proxy:3128"; // a comment\n/* a\nblock */ X::List { "a"; "b // not a comment"; };', 'x::list { "c"; };'])
    expect(Object.fromEntries(conf.values)).toEqual({ 'apt::periodic::enable': '1', 'acquire::http::proxy': 'http://proxy:3128' })
    expect(Object.fromEntries(conf.lists)).toEqual({ 'x::list': ['a', 'b // not a comment', 'c'] })
    expect(splitSections('install ok installed\nVIGIL-SECTION\nA "1";\nVIGIL-SECTION\n')).toEqual({ status: 'install ok installed', files: ['A "1";\n', ''] })
    expect(packageState('unknown ok not-installed')).toEqual({ installed: false, status: 'unknown ok not-installed' })
  })
})
