// The period report (SOC 2 Type II): did each control operate every night of the period? Counting
// rules, as the README states them:
// - a *night* is the schedule's slot: its start time (`schedule.start` in vigil.yaml, e.g. 02:00) on
//   one calendar day in the report's time zone, up to the same time the next day;
// - the night's run is the last run of the schedule (same branch, same inventory) that started in
//   the slot; a night with none is *missing*; runs of other schedules, branches or inventories are
//   listed as excluded and never counted;
// - per control and night one status, by precedence failed > error > incomplete > waived > passed >
//   not-applicable, with its coverage (targets planned vs observed);
// - a night is *proven* when its bundle carries a trusted (RFC 3161) time inside the slot, else
//   *unproven*, shown as such;
// - a failure interval runs from the first failed night to the first night the control passes again
//   (time to fix in hours, run start to run start).
import * as z from 'zod'
import { ConfigError } from '../core/config-file.ts'
import type { HistoryStore, StoredRun } from './store.ts'

export const NIGHT_STATUSES = ['failed', 'error', 'incomplete', 'waived', 'passed', 'not-applicable', 'missing'] as const
export type NightStatus = (typeof NIGHT_STATUSES)[number]
const PRECEDENCE: NightStatus[] = ['failed', 'error', 'incomplete', 'waived', 'passed', 'not-applicable']

export const PeriodReportSchema = z.object({
  schemaVersion: z.literal(1),
  schedule: z.string(),
  timezone: z.string(),
  slotStart: z.string(),
  since: z.string(),
  until: z.string(),
  reference: z.object({ branch: z.string().nullable(), inventory: z.string() }),
  nights: z.array(
    z.object({
      date: z.string(),
      slot: z.object({ start: z.string(), end: z.string() }),
      run: z
        .object({
          id: z.string(),
          startedAt: z.string(),
          incomplete: z.boolean(),
          bundleSha256: z.string().nullable(),
          timestampTime: z.string().nullable(),
          lockerVersion: z.string().nullable(),
          coverage: z.record(z.string(), z.object({ planned: z.number(), observed: z.number() })),
        })
        .nullable(),
      proven: z.boolean(),
      /** other runs of the schedule in the slot, earlier than the night's run */
      alsoRan: z.array(z.string()),
    }),
  ),
  controls: z.array(
    z.object({
      control: z.string(),
      nights: z.record(z.string(), z.enum(NIGHT_STATUSES)),
      /** per night: targets the control's checks judged, and those that could be decided (not error) */
      coverage: z.record(z.string(), z.object({ planned: z.number(), observed: z.number() })),
      counts: z.record(z.enum(NIGHT_STATUSES), z.number()),
      intervals: z.array(z.object({ from: z.string(), fixedAt: z.string().optional(), hoursToFix: z.number().optional() })),
    }),
  ),
  excluded: z.array(z.object({ id: z.string(), startedAt: z.string(), schedule: z.string(), branch: z.string().nullable(), inventory: z.string(), why: z.string() })),
  counts: z.object({ nights: z.number(), proven: z.number(), unproven: z.number(), missing: z.number() }),
})
export type PeriodReport = z.infer<typeof PeriodReportSchema>

/** The offset of `tz` from UTC at the instant `utc`, in ms. */
function offsetAt(utc: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utc))
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value)
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - utc
}

/** The UTC instant of a wall-clock time in `tz` (daylight saving included). */
export function zonedInstant(date: string, time: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const [hh, mm] = time.split(':').map(Number) as [number, number]
  const wall = Date.UTC(y, m - 1, d, hh, mm)
  let t = wall - offsetAt(wall, tz)
  t = wall - offsetAt(t, tz)
  return t
}

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)

export function checkTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
  } catch {
    throw new ConfigError(`--tz ${tz}: not a time zone (use an IANA name such as Europe/Berlin or America/New_York)`)
  }
}

export interface PeriodOptions {
  schedule: string
  since: string
  until?: string
  timezone: string
  /** HH:MM, the slot's start */
  start: string
  branch?: string
  now?: Date
}

export function periodReport(store: HistoryStore, o: PeriodOptions): PeriodReport {
  checkTimezone(o.timezone)
  if (!/^\d{4}-\d\d-\d\d$/.test(o.since)) throw new ConfigError(`--since ${o.since}: a date like 2026-06-01`)
  if (o.until && !/^\d{4}-\d\d-\d\d$/.test(o.until)) throw new ConfigError(`--until ${o.until}: a date like 2026-12-01`)
  const now = (o.now ?? new Date()).getTime()
  // nights from `since` up to `until` (exclusive), or up to the last night that has ended
  const nights: { date: string; start: number; end: number }[] = []
  for (let d = o.since; ; d = nextDay(d)) {
    if (o.until && d >= o.until) break
    const start = zonedInstant(d, o.start, o.timezone)
    const end = zonedInstant(nextDay(d), o.start, o.timezone)
    if (!o.until && end > now) break
    nights.push({ date: d, start, end })
    if (nights.length > 3660) throw new ConfigError('the period is longer than ten years')
  }
  if (!nights.length) throw new ConfigError(`no night of ${o.schedule} has ended between ${o.since} and ${o.until ?? 'now'}`)
  const from = new Date(nights[0]!.start).toISOString()
  const to = new Date(nights[nights.length - 1]!.end).toISOString()
  const all = store.runs({ since: from, until: to })
  const mine = all.filter((r) => r.schedule === o.schedule)
  const latest = mine[mine.length - 1]
  const reference = { branch: o.branch ?? latest?.branch ?? null, inventory: latest?.inventory ?? '' }
  const excluded: PeriodReport['excluded'] = []
  const counted: StoredRun[] = []
  for (const r of all) {
    const why = r.schedule !== o.schedule ? `schedule ${r.schedule}` : reference.branch !== null && r.branch !== reference.branch ? `branch ${r.branch ?? 'unknown'}` : r.inventory !== reference.inventory ? `inventory ${r.inventory}` : undefined
    if (why) excluded.push({ id: r.id, startedAt: r.startedAt, schedule: r.schedule, branch: r.branch, inventory: r.inventory, why: `another ${why}` })
    else counted.push(r)
  }

  const controls = new Map<string, PeriodReport['controls'][number]>()
  const nightRows: PeriodReport['nights'] = []
  for (const n of nights) {
    const inSlot = counted.filter((r) => Date.parse(r.startedAt) >= n.start && Date.parse(r.startedAt) < n.end)
    const complete = inSlot.filter((r) => !r.incomplete)
    const run = complete[complete.length - 1] ?? inSlot[inSlot.length - 1]
    const proven = !!run?.timestampTime && Date.parse(run.timestampTime) >= n.start && Date.parse(run.timestampTime) < n.end
    nightRows.push({
      date: n.date,
      slot: { start: new Date(n.start).toISOString(), end: new Date(n.end).toISOString() },
      run: run
        ? { id: run.id, startedAt: run.startedAt, incomplete: run.incomplete, bundleSha256: run.bundleSha256, timestampTime: run.timestampTime, lockerVersion: run.lockerVersion, coverage: run.population }
        : null,
      proven,
      alsoRan: inSlot.filter((r) => r !== run).map((r) => r.id),
    })
    const byControl = new Map<string, NightStatus>()
    const targets = new Map<string, { planned: Set<string>; undecided: Set<string> }>()
    if (run)
      for (const f of store.findings(run.id)) {
        for (const c of f.controls) {
          const t = targets.get(c) ?? { planned: new Set(), undecided: new Set() }
          t.planned.add(f.target)
          if (f.verdict === 'error') t.undecided.add(f.target)
          targets.set(c, t)
        }
        const s: NightStatus = f.status === 'waived' ? 'waived' : f.verdict === 'failed' ? 'failed' : f.verdict === 'error' ? 'error' : f.verdict === 'passed' ? 'passed' : 'not-applicable'
        const withRun: NightStatus = run.incomplete && (s === 'passed' || s === 'waived' || s === 'not-applicable') ? 'incomplete' : s
        for (const c of f.controls) {
          const was = byControl.get(c)
          if (!was || PRECEDENCE.indexOf(withRun) < PRECEDENCE.indexOf(was)) byControl.set(c, withRun)
        }
      }
    for (const c of byControl.keys()) if (!controls.has(c)) controls.set(c, { control: c, nights: {}, coverage: {}, counts: {} as Record<NightStatus, number>, intervals: [] })
    for (const row of controls.values()) {
      row.nights[n.date] = byControl.get(row.control) ?? (run ? 'not-applicable' : 'missing')
      const t = targets.get(row.control)
      row.coverage[n.date] = { planned: t?.planned.size ?? 0, observed: t ? t.planned.size - t.undecided.size : 0 }
    }
  }
  // nights before a control first appeared: missing if there was no run, not applicable otherwise
  for (const row of controls.values()) {
    for (const n of nightRows) {
      row.nights[n.date] ??= n.run ? 'not-applicable' : 'missing'
      row.coverage[n.date] ??= { planned: 0, observed: 0 }
    }
    row.counts = Object.fromEntries(NIGHT_STATUSES.map((s) => [s, 0])) as Record<NightStatus, number>
    let open: { from: string; fixedAt?: string; hoursToFix?: number } | undefined
    for (const n of nightRows) {
      const s = row.nights[n.date]!
      row.counts[s]++
      if (s === 'failed' && !open) row.intervals.push((open = { from: n.run!.startedAt }))
      else if (s === 'passed' && open) {
        open.fixedAt = n.run!.startedAt
        open.hoursToFix = Math.round(((Date.parse(open.fixedAt) - Date.parse(open.from)) / 3_600_000) * 10) / 10
        open = undefined
      }
    }
  }
  const withRun = nightRows.filter((n) => n.run)
  return {
    schemaVersion: 1,
    schedule: o.schedule,
    timezone: o.timezone,
    slotStart: o.start,
    since: o.since,
    until: o.until ?? nights[nights.length - 1]!.date,
    reference,
    nights: nightRows,
    controls: [...controls.values()].sort((a, b) => a.control.localeCompare(b.control, 'en', { numeric: true })),
    excluded,
    counts: { nights: nightRows.length, proven: withRun.filter((n) => n.proven).length, unproven: withRun.filter((n) => !n.proven).length, missing: nightRows.length - withRun.length },
  }
}
