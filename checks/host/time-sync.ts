// host.time-sync — a time service reports the clock synchronised, with an offset under maxOffsetMs.
// chrony is asked first (`chronyc -c tracking`, no root: chronyd answers monitoring commands from
// localhost): leap status other than "Not synchronised" means synchronised, and field 5 is the
// system clock's offset from NTP time, in seconds. Without a chronyd answering, `timedatectl show`
// tells whether the kernel clock is synchronised (NTPSynchronized, e.g. by systemd-timesyncd) but
// not by how much: synchronised there is an `inconclusive` error (the offset is unknown), never a
// pass. No time service answering at all is a failure: nothing keeps the clock right.
import type { CheckDefinition, Offender } from '../types.ts'
import type { SshObservation } from '../ssh/observation.ts'
import { endpoint } from '../ssh/observation-parts.ts'
import { hostPart } from './observation.ts'
import { commandEvidence, hostCommands } from './host-parts.ts'

export interface TimeSyncParams {
  /** the greatest offset of the system clock from the time service's estimate of true time, ms */
  maxOffsetMs?: number
}

/** What one time program answered in the `time-sync` command's output. */
export interface TimeSource {
  command: string
  /** the program is not installed */
  missing: boolean
  exitCode: number | null
  output: string
}

/** The `VIGIL-SOURCE <command>` / `VIGIL-EXIT <n>` / `VIGIL-MISSING <command>` sections of the time-sync command. */
export function parseTimeSources(text: string): TimeSource[] {
  const out: TimeSource[] = []
  let current: TimeSource | undefined
  for (const line of text.split('\n')) {
    const source = /^VIGIL-SOURCE (.+)$/.exec(line)
    const exit = /^VIGIL-EXIT (\d+)$/.exec(line)
    const missing = /^VIGIL-MISSING (.+)$/.exec(line)
    if (source) out.push((current = { command: source[1]!, missing: false, exitCode: null, output: '' }))
    else if (missing) (out.push({ command: missing[1]!, missing: true, exitCode: null, output: '' }), (current = undefined))
    else if (exit && current) ((current.exitCode = Number(exit[1])), (current = undefined))
    else if (current) current.output += `${line}\n`
  }
  return out
}

export interface ChronyTracking {
  referenceId: string
  /** the server's name or address; empty when not synchronised */
  source: string
  stratum: number
  /** chrony's "System time": how far the system clock is from chronyd's estimate of true time, seconds (signed) */
  offsetSeconds: number
  leapStatus: string
  synchronised: boolean
}

/** One line of `chronyc -c tracking`; undefined when it is not that CSV (chronyc's own errors, `506 Cannot talk to daemon`). */
export function parseChronyTracking(text: string): ChronyTracking | undefined {
  const line = text.split('\n').find((l) => l.split(',').length >= 14)
  if (!line) return undefined
  const f = line.trim().split(',')
  const stratum = Number(f[2])
  const offsetSeconds = Number(f[4])
  if (!/^[0-9A-F]{8}$/i.test(f[0]!) || !Number.isFinite(stratum) || !Number.isFinite(offsetSeconds) || f[4] === '') return undefined
  const leapStatus = f[f.length - 1]!
  return { referenceId: f[0]!, source: f[1]!, stratum, offsetSeconds, leapStatus, synchronised: leapStatus !== 'Not synchronised' && f[0] !== '00000000' }
}

/** `timedatectl show`: `Key=value` lines. */
export function parseTimedatectl(text: string): Record<string, string> | undefined {
  const v: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim())
    if (m) v[m[1]!] = m[2]!
  }
  return 'NTPSynchronized' in v ? v : undefined
}

const firstLine = (s: TimeSource) => (s.missing ? 'not installed' : `${s.output.trim().split('\n')[0]?.slice(0, 160) || 'no output'} (exit ${s.exitCode ?? 'none'})`)

export const hostTimeSync: CheckDefinition<SshObservation, TimeSyncParams> = {
  id: 'host.time-sync',
  kinds: ['ssh'],
  title: 'A time service keeps the clock synchronised, within a bounded offset',
  description:
    'no time service answers (chronyc -c tracking, timedatectl show), the one that answers reports the clock not synchronised, or chrony reports an offset of the system clock greater than maxOffsetMs; synchronised without a known offset (timedatectl only) is undetermined',
  params: [{ name: 'maxOffsetMs', description: "the greatest offset of the system clock from the time service's estimate, in milliseconds", default: 100 }],
  severity: {
    level: 'medium',
    reason: 'logs and audit trails from hosts whose clocks drift cannot be put in order, certificates and tokens are judged valid or expired at the wrong time, and Kerberos refuses the host',
  },
  population: "the host's clock, as its time service reports it",
  needs: [hostPart('os-release'), hostPart('time-sync')],
  judge(obs, { maxOffsetMs = 100 }) {
    const got = hostCommands(obs, ['time-sync'])
    if ('verdict' in got) return got.verdict
    const evidence = commandEvidence(got.data)
    const sources = parseTimeSources(got.data['time-sync']!.stdout)
    const expected = { synchronised: true, maxOffsetMs }
    const observed: Record<string, unknown> = { endpoint: endpoint(obs), sources: sources.map((s) => ({ command: s.command, answer: firstLine(s) })) }
    const chronyc = sources.find((s) => s.command.startsWith('chronyc'))
    const timedatectl = sources.find((s) => s.command.startsWith('timedatectl'))
    const failed = (o: Offender, actual: Record<string, unknown>) => ({ status: 'failed' as const, summary: o.why, expected, actual, observed, evidence, offenders: [o] })

    const tracking = chronyc && !chronyc.missing && chronyc.exitCode === 0 ? parseChronyTracking(chronyc.output) : undefined
    if (chronyc && !chronyc.missing && chronyc.exitCode === 0 && !tracking) {
      const why = `"${chronyc.command}" printed no tracking line Vigil can read: ${firstLine(chronyc)}`
      return { status: 'error', errorKind: 'protocol', summary: why, expected, actual: {}, observed, evidence, offenders: [{ id: 'time/offset', why }] }
    }
    if (tracking) {
      const offsetMs = Math.abs(tracking.offsetSeconds) * 1000
      Object.assign(observed, { service: 'chrony', tracking })
      const actual = { synchronised: tracking.synchronised, offsetMs, source: tracking.source || null }
      if (!tracking.synchronised) return failed({ id: 'time/not-synchronised', why: `chrony reports the clock not synchronised (leap status "${tracking.leapStatus}", reference ${tracking.referenceId}, stratum ${tracking.stratum})` }, actual)
      const at = `${tracking.source || tracking.referenceId}, stratum ${tracking.stratum}`
      if (offsetMs > maxOffsetMs) return failed({ id: 'time/offset', why: `the clock is ${offsetMs.toFixed(3)} ms off NTP time (chrony, from ${at}): more than ${maxOffsetMs} ms` }, actual)
      return { status: 'passed', summary: `chrony keeps the clock synchronised with ${at}, ${offsetMs.toFixed(3)} ms off (at most ${maxOffsetMs} ms)`, expected, actual, observed, evidence }
    }

    const flags = timedatectl && !timedatectl.missing && timedatectl.exitCode === 0 ? parseTimedatectl(timedatectl.output) : undefined
    if (flags) {
      const synchronised = flags.NTPSynchronized === 'yes'
      Object.assign(observed, { service: 'timedatectl', timedatectl: { NTP: flags.NTP ?? null, NTPSynchronized: flags.NTPSynchronized } })
      const actual = { synchronised, offsetMs: null, source: null }
      if (!synchronised) return failed({ id: 'time/not-synchronised', why: `timedatectl reports the clock not synchronised (NTPSynchronized=${flags.NTPSynchronized}, NTP=${flags.NTP ?? '?'}); chronyc: ${chronyc ? firstLine(chronyc) : 'not asked'}` }, actual)
      const why = `timedatectl reports the clock synchronised (NTPSynchronized=yes) but not its offset, and no chronyd answered (chronyc: ${chronyc ? firstLine(chronyc) : 'not asked'}): the offset is unknown`
      return { status: 'error', errorKind: 'inconclusive', summary: why, expected, actual, observed, evidence, offenders: [{ id: 'time/offset', why }] }
    }

    Object.assign(observed, { service: null })
    return failed(
      { id: 'time/not-synchronised', why: `no time service answered: ${sources.map((s) => `${s.command}: ${firstLine(s)}`).join('; ') || 'nothing was asked'}` },
      { synchronised: false, offsetMs: null, source: null },
    )
  },
}
