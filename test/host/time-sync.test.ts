// host.time-sync as a pure judge, on real outputs of chronyc and timedatectl (test/host/fixtures/
// time-sync, sources in its README) framed as the time-sync command frames them.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { hostTimeSync, parseChronyTracking, parseTimedatectl, parseTimeSources } from '../../checks/host/time-sync.ts'
import type { CommandRecord } from '../../checks/host/observation.ts'
import type { SshObservation } from '../../checks/ssh/observation.ts'

const NOW = { now: new Date('2026-12-03T12:00:00Z') }
const fixture = (f: string) => readFileSync(new URL(`fixtures/time-sync/${f}`, import.meta.url), 'utf8')
const SYNCED = fixture('chrony-synchronised.csv')
const UNSYNCED = fixture('chrony-not-synchronised.csv')
const NO_DAEMON = fixture('chrony-no-daemon.txt')
const NO_SYSTEMD = fixture('timedatectl-no-systemd.txt')
const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'

/** what the time-sync command prints around each program's answer */
const chronyc = (out: string, exit = 0) => `VIGIL-SOURCE chronyc -c tracking\n${out}VIGIL-EXIT ${exit}\n`
const timedatectl = (out: string, exit = 0) => `VIGIL-SOURCE timedatectl show\n${out}VIGIL-EXIT ${exit}\n`
const rec = (stdout: string): CommandRecord => ({ command: 'for c in …; done; true', exitCode: 0, stdout, durationMs: 9 })
const obs = (stdout: string): SshObservation => ({
  target: { name: 'db1', host: 'db1.example.test', address: '10.0.0.5', port: 22 },
  hostKeyPin: { seen: [], status: 'unknown' },
  connections: 1,
  host: { commands: { 'os-release': { command: 'cat /etc/os-release', exitCode: 0, stdout: DEBIAN, durationMs: 1 }, 'time-sync': rec(stdout) } },
})
const judge = (stdout: string, maxOffsetMs?: number) => hostTimeSync.judge(obs(stdout), maxOffsetMs === undefined ? {} : { maxOffsetMs }, NOW)

describe('chronyc -c tracking', () => {
  it('reads the synchronised and the unsynchronised line; not chronyc errors', () => {
    expect(parseChronyTracking(SYNCED)).toEqual({ referenceId: '7F000001', source: '127.0.0.1', stratum: 9, offsetSeconds: -0.000001125, leapStatus: 'Normal', synchronised: true })
    expect(parseChronyTracking(UNSYNCED)).toMatchObject({ referenceId: '00000000', source: '', stratum: 0, leapStatus: 'Not synchronised', synchronised: false })
    expect(parseChronyTracking(NO_DAEMON)).toBeUndefined()
  })

  it('splits the time-sync output into what each program answered', () => {
    expect(parseTimeSources(`${chronyc(NO_DAEMON, 1)}VIGIL-MISSING timedatectl show\n`)).toEqual([
      { command: 'chronyc -c tracking', missing: false, exitCode: 1, output: NO_DAEMON },
      { command: 'timedatectl show', missing: true, exitCode: null, output: '' },
    ])
    expect(parseTimedatectl(NO_SYSTEMD)).toBeUndefined()
  })
})

describe('host.time-sync', () => {
  it('passes a clock chrony keeps synchronised, with its offset and source', () => {
    const v = judge(chronyc(SYNCED) + timedatectl(NO_SYSTEMD, 1))
    expect(v).toMatchObject({ status: 'passed', actual: { synchronised: true, source: '127.0.0.1' }, observed: { service: 'chrony' } })
    expect(v.actual.offsetMs).toBeCloseTo(0.001125, 9)
  })

  it('fails an offset over maxOffsetMs with time/offset', () => {
    expect(judge(chronyc(SYNCED), 0.001)).toMatchObject({ status: 'failed', offenders: [{ id: 'time/offset' }] })
    expect(judge(chronyc(SYNCED), 0.001).offenders![0]!.why).toMatch(/0\.001 ms off NTP time \(chrony, from 127\.0\.0\.1, stratum 9\): more than 0\.001 ms/)
  })

  it('fails a clock chrony reports not synchronised', () => {
    const v = judge(chronyc(UNSYNCED) + timedatectl(NO_SYSTEMD, 1))
    expect(v).toMatchObject({ status: 'failed', actual: { synchronised: false }, offenders: [{ id: 'time/not-synchronised' }] })
    expect(v.offenders![0]!.why).toMatch(/leap status "Not synchronised"/)
  })

  it('fails a host where no time service answers, saying what each said', () => {
    const v = judge(chronyc(NO_DAEMON, 1) + timedatectl(NO_SYSTEMD, 1))
    expect(v).toMatchObject({ status: 'failed', offenders: [{ id: 'time/not-synchronised' }], observed: { service: null } })
    expect(v.offenders![0]!.why).toMatch(/no time service answered: chronyc -c tracking: 506 Cannot talk to daemon \(exit 1\); timedatectl show: System has not been booted with systemd/)
    expect(judge('VIGIL-MISSING chronyc -c tracking\nVIGIL-MISSING timedatectl show\n').offenders![0]!.why).toMatch(/not installed; timedatectl show: not installed/)
  })

  it('an unreadable chronyc answer is an error, never a pass', () => {
    expect(judge(chronyc('Reference ID    : 7F000001 (127.0.0.1)\n'))).toMatchObject({ status: 'error', errorKind: 'protocol' })
  })
})
