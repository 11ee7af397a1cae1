// The run history: an index of runs, findings and offenders in SQLite (node:sqlite, no native build),
// so drift shows up the next morning and months of nights can be counted. The evidence locker is the
// source of truth; this database is an index that `vigil history import` can rebuild from bundles.
//
// Findings and offenders are keyed by the gate's identity (identity v1: check, scenario key, target,
// offender id). Each recorded run says, per finding and offender, when it was first seen and whether
// it is new, changed or unchanged against the previous complete run of the same schedule.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { ConfigError } from '../core/config-file.ts'
import type { Results } from '../reports/model.ts'

export const DEFAULT_HISTORY = '.vigil/history.db'

/** Schema migrations, in order, from the first version on. Never edit one that shipped: add the next. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     schedule TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT NOT NULL,
     branch TEXT,
     inventory_digest TEXT NOT NULL,
     policy_digest TEXT NOT NULL,
     totals TEXT NOT NULL,
     incomplete INTEGER NOT NULL,
     vigil_version TEXT NOT NULL,
     bundle_sha256 TEXT,
     timestamp_time TEXT,
     locker_location TEXT,
     locker_version TEXT,
     source TEXT NOT NULL,
     recorded_at TEXT NOT NULL
   );
   CREATE INDEX runs_by_schedule ON runs (schedule, started_at);
   CREATE TABLE findings (
     run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
     fingerprint TEXT NOT NULL,
     check_id TEXT NOT NULL,
     scenario_key TEXT NOT NULL,
     target TEXT NOT NULL,
     status TEXT NOT NULL,
     verdict TEXT NOT NULL,
     severity TEXT NOT NULL,
     summary TEXT NOT NULL,
     controls TEXT NOT NULL,
     waiver_id TEXT,
     first_seen TEXT NOT NULL,
     change TEXT NOT NULL,
     PRIMARY KEY (run_id, fingerprint)
   );
   CREATE INDEX findings_by_identity ON findings (fingerprint, run_id);
   CREATE TABLE offenders (
     run_id TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     offender_id TEXT NOT NULL,
     why TEXT NOT NULL,
     severity TEXT,
     first_seen TEXT NOT NULL,
     change TEXT NOT NULL,
     PRIMARY KEY (run_id, fingerprint, offender_id),
     FOREIGN KEY (run_id, fingerprint) REFERENCES findings (run_id, fingerprint) ON DELETE CASCADE
   );`,
  // 2: the inventory as named (a run's identity beside its digest) and the population, for the period report's coverage
  `ALTER TABLE runs ADD COLUMN inventory TEXT NOT NULL DEFAULT '';
   ALTER TABLE runs ADD COLUMN population TEXT NOT NULL DEFAULT '{}';`,
]

export interface RunProof {
  /** SHA-256 of the evidence bundle archive */
  bundleSha256?: string
  /** the trusted (RFC 3161) time of the bundle's signature */
  timestampTime?: string
  /** where the bundle is kept (s3://bucket/key, or a locker folder) and the stored version */
  lockerLocation?: string
  lockerVersion?: string
}

export interface RecordInput {
  results: Results
  schedule: string
  branch?: string
  inventoryDigest: string
  policyDigest: string
  proof?: RunProof
  /** where the run came from: `run`, or the bundle it was imported from */
  source: string
}

export interface StoredRun {
  id: string
  schedule: string
  startedAt: string
  finishedAt: string
  branch: string | null
  inventoryDigest: string
  policyDigest: string
  totals: Results['totals']
  incomplete: boolean
  vigilVersion: string
  bundleSha256: string | null
  timestampTime: string | null
  lockerLocation: string | null
  lockerVersion: string | null
  source: string
  /** the inventory file as the run named it */
  inventory: string
  /** targets planned and observed, per kind */
  population: Results['population']
}

export interface StoredFinding {
  runId: string
  fingerprint: string
  checkId: string
  scenarioKey: string
  target: string
  status: string
  verdict: string
  severity: string
  summary: string
  controls: string[]
  waiverId: string | null
  firstSeen: string
  change: 'new' | 'changed' | 'unchanged'
  offenders: { id: string; why: string; severity: string | null; firstSeen: string; change: 'new' | 'unchanged' }[]
}

export class HistoryStore {
  readonly db: DatabaseSync
  readonly file: string

  private constructor(file: string, db: DatabaseSync) {
    this.file = file
    this.db = db
  }

  /** Opens (creating when missing) and migrates the history database. Safe with concurrent writers (WAL, busy timeout). */
  static open(file = DEFAULT_HISTORY): HistoryStore {
    let db: DatabaseSync
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
      db = new DatabaseSync(file, { timeout: 10_000 })
    } catch (e) {
      throw new ConfigError(`--history ${file}: cannot open the history database (${(e as Error).message})`)
    }
    try {
      db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;')
      db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)')
      const row = db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }
      if (row.v > MIGRATIONS.length)
        throw new ConfigError(`${file}: the history database is of schema version ${row.v}, newer than this Vigil knows (${MIGRATIONS.length}); use a newer Vigil`)
      for (let v = row.v + 1; v <= MIGRATIONS.length; v++) {
        db.exec('BEGIN IMMEDIATE')
        try {
          // another process may have migrated while this one waited for the write lock: read it again inside it
          const now = (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v
          if (now >= v) {
            db.exec('COMMIT')
            continue
          }
          db.exec(MIGRATIONS[v - 1]!)
          db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(v, new Date().toISOString())
          db.exec('COMMIT')
        } catch (e) {
          db.exec('ROLLBACK')
          throw e
        }
      }
    } catch (e) {
      db.close()
      if (e instanceof ConfigError) throw e
      throw new ConfigError(`${file}: not a Vigil history database, or damaged (${(e as Error).message})`)
    }
    return new HistoryStore(file, db)
  }

  close(): void {
    this.db.close()
  }

  schemaVersion(): number {
    return (this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v
  }

  /** The last complete run of `schedule` that started before `before`. */
  previousComplete(schedule: string, before: string): StoredRun | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE schedule = ? AND incomplete = 0 AND started_at < ? ORDER BY started_at DESC LIMIT 1').get(schedule, before)
    return row ? toRun(row) : undefined
  }

  hasRun(id: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id)
  }

  /**
   * Records a run (once: a run id already recorded is left as it is, and `false` returned). Findings
   * and offenders get their first-seen time and their change against the previous complete run of
   * the same schedule.
   */
  record(input: RecordInput): boolean {
    const r = input.results
    const db = this.db
    db.exec('BEGIN IMMEDIATE')
    try {
      if (this.hasRun(r.run.id)) {
        db.exec('ROLLBACK')
        return false
      }
      const prev = this.previousComplete(input.schedule, r.run.startedAt)
      const prevFindings = new Map<string, StoredFinding>()
      if (prev) for (const f of this.findings(prev.id)) prevFindings.set(f.fingerprint, f)
      db.prepare(
        `INSERT INTO runs (id, schedule, started_at, finished_at, branch, inventory_digest, policy_digest, totals, incomplete, vigil_version,
           bundle_sha256, timestamp_time, locker_location, locker_version, source, recorded_at, inventory, population) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        r.run.id,
        input.schedule,
        r.run.startedAt,
        r.run.finishedAt,
        input.branch ?? null,
        input.inventoryDigest,
        input.policyDigest,
        JSON.stringify(r.totals),
        r.run.incomplete ? 1 : 0,
        r.run.vigilVersion,
        input.proof?.bundleSha256 ?? null,
        input.proof?.timestampTime ?? null,
        input.proof?.lockerLocation ?? null,
        input.proof?.lockerVersion ?? null,
        input.source,
        new Date().toISOString(),
        r.run.inventory,
        JSON.stringify(r.population),
      )
      const insertFinding = db.prepare(
        `INSERT INTO findings (run_id, fingerprint, check_id, scenario_key, target, status, verdict, severity, summary, controls, waiver_id, first_seen, change)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      const insertOffender = db.prepare('INSERT INTO offenders (run_id, fingerprint, offender_id, why, severity, first_seen, change) VALUES (?, ?, ?, ?, ?, ?, ?)')
      for (const f of r.findings) {
        const before = prevFindings.get(f.fingerprint)
        const change = !before ? 'new' : before.status !== f.status || before.verdict !== f.verdict ? 'changed' : 'unchanged'
        insertFinding.run(r.run.id, f.fingerprint, f.checkId, f.scenarioKey, f.target, f.status, f.verdict, f.severity, f.summary, JSON.stringify(f.controls), f.waiver?.id ?? null, before?.firstSeen ?? f.observedAt, change)
        const old = new Map((before?.offenders ?? []).map((o) => [o.id, o]))
        for (const o of new Map((f.offenders ?? []).map((x) => [x.id, x])).values()) {
          const was = old.get(o.id)
          insertOffender.run(r.run.id, f.fingerprint, o.id, o.why, o.severity ?? null, was?.firstSeen ?? f.observedAt, was ? 'unchanged' : 'new')
        }
      }
      db.exec('COMMIT')
      return true
    } catch (e) {
      db.exec('ROLLBACK')
      throw e
    }
  }

  runs(filter: { schedule?: string; since?: string; until?: string } = {}): StoredRun[] {
    const where: string[] = []
    const args: string[] = []
    if (filter.schedule) (where.push('schedule = ?'), args.push(filter.schedule))
    if (filter.since) (where.push('started_at >= ?'), args.push(filter.since))
    if (filter.until) (where.push('started_at < ?'), args.push(filter.until))
    return this.db
      .prepare(`SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at`)
      .all(...args)
      .map(toRun)
  }

  run(id: string): StoredRun | undefined {
    // a unique prefix will do (compared as text: no pattern characters)
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ? OR substr(id, 1, length(?)) = ?').all(id, id, id)
    if (row.length > 1) throw new ConfigError(`run id "${id}" is ambiguous (${row.length} runs start with it)`)
    return row[0] ? toRun(row[0]) : undefined
  }

  findings(runId: string): StoredFinding[] {
    const offenders = new Map<string, StoredFinding['offenders']>()
    for (const o of this.db.prepare('SELECT * FROM offenders WHERE run_id = ? ORDER BY offender_id').all(runId) as Record<string, string | null>[]) {
      const list = offenders.get(o.fingerprint!) ?? []
      list.push({ id: o.offender_id!, why: o.why!, severity: o.severity, firstSeen: o.first_seen!, change: o.change as 'new' | 'unchanged' })
      offenders.set(o.fingerprint!, list)
    }
    return (this.db.prepare('SELECT * FROM findings WHERE run_id = ? ORDER BY check_id, target, scenario_key').all(runId) as Record<string, string | null>[]).map((f) => ({
      runId: f.run_id!,
      fingerprint: f.fingerprint!,
      checkId: f.check_id!,
      scenarioKey: f.scenario_key!,
      target: f.target!,
      status: f.status!,
      verdict: f.verdict!,
      severity: f.severity!,
      summary: f.summary!,
      controls: JSON.parse(f.controls!) as string[],
      waiverId: f.waiver_id,
      firstSeen: f.first_seen!,
      change: f.change as StoredFinding['change'],
      offenders: offenders.get(f.fingerprint!) ?? [],
    }))
  }
}

function toRun(row: unknown): StoredRun {
  const r = row as Record<string, string | number | null>
  return {
    id: r.id as string,
    schedule: r.schedule as string,
    startedAt: r.started_at as string,
    finishedAt: r.finished_at as string,
    branch: r.branch as string | null,
    inventoryDigest: r.inventory_digest as string,
    policyDigest: r.policy_digest as string,
    totals: JSON.parse(r.totals as string) as Results['totals'],
    incomplete: r.incomplete === 1,
    vigilVersion: r.vigil_version as string,
    bundleSha256: r.bundle_sha256 as string | null,
    timestampTime: r.timestamp_time as string | null,
    lockerLocation: r.locker_location as string | null,
    lockerVersion: r.locker_version as string | null,
    source: r.source as string,
    inventory: r.inventory as string,
    population: JSON.parse((r.population as string) || '{}') as Results['population'],
  }
}
