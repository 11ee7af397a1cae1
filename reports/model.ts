// The results file (`results.json`): versioned public schema. Additive changes keep schemaVersion;
// renaming or removing a field bumps it. The zod schema is the single source for the type and the
// published JSON Schema.
import * as z from 'zod'

// 2: the `not-applicable` status (a consumer's exhaustive switch must learn it), `run.incomplete`
// 3: evidence items carry `sha256` and `bytes`, their content is stored once in evidence.jsonl
//    (version 2 files, with the content inline as `data`, are still read)
export const RESULTS_SCHEMA_VERSION = 3

/**
 * `not-applicable`: the check's population was observed and is empty (no bucket selected, no key
 * found): nothing was judged, so nothing passed. Never counted as a pass; a control whose every
 * finding is not applicable is untested.
 */
export const FindingStatus = z.enum(['passed', 'failed', 'error', 'not-applicable', 'skipped', 'waived'])
export type FindingStatus = z.infer<typeof FindingStatus>

/**
 * One piece of raw evidence a verdict rests on. Its content is stored once per run in
 * `evidence.jsonl` (one JSON line per distinct content: `{sha256, mediaType, data}`), however many
 * findings cite it: `jq -c 'select(.sha256 == "<sha256>") | .data' evidence.jsonl`. The hash is
 * SHA-256 over the content's UTF-8 bytes (a string as it is, anything else as its JSON text).
 */
export const EvidenceItemSchema = z.object({
  kind: z.string(),
  description: z.string(),
  mediaType: z.string().optional(),
  sha256: z.string().optional(),
  /** size of the content, bytes */
  bytes: z.number().int().optional(),
  /** the content inline (schema 2; a schema 3 file keeps it in evidence.jsonl) */
  data: z.unknown().optional(),
})

export const WaiverRefSchema = z.object({
  id: z.string(),
  justification: z.string(),
  approver: z.string(),
  ticket: z.string(),
  /** last day (UTC) the waiver applies, YYYY-MM-DD */
  expires: z.string(),
  /** where the waiver is written, `waivers.yaml:12` */
  source: z.string().optional(),
})

/** How the observation behind a finding was obtained: an auditor's "source" test, re-derivable from observations.json. */
export const ProvenanceSchema = z.object({
  /** the probe that collected the observation, e.g. `checks/tls/probe.ts` */
  probe: z.string(),
  /** the target as configured in the inventory (secrets removed) */
  target: z.record(z.string(), z.unknown()),
  /** the observation parts collected (the union of what the judging checks need) */
  parts: z.array(z.string()),
  /** budget of one network operation, ms */
  timeoutMs: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  /** connections, handshakes, API calls made */
  operations: z.record(z.string(), z.unknown()),
  /** where the raw observation is: `observations.json#/targets/3` */
  observation: z.string(),
})

export const SeveritySchema = z.enum(['critical', 'high', 'medium', 'low', 'info'])

/** What makes a failing or erroring verdict so, with an id that survives routine change (identity v1). */
export const OffenderSchema = z.object({
  /** stable across runs: an ARN, `TLSv1.0`, `TLSv1.2/<suite>`, a certificate's position + subject + key hash, a path, an algorithm */
  id: z.string(),
  why: z.string(),
  /** set when this offender is worse or milder than the finding's severity */
  severity: SeveritySchema.optional(),
})

/**
 * How findings are matched across runs (the gate, history): `identityVersion` in results.json.
 * v1: check id + scenario key + target name, and for a failure each offender id. No line number,
 * summary text or evidence takes part.
 */
export const IDENTITY_VERSION = 1

export const FindingSchema = z.object({
  /** id of the finding within this run: `<checkId>@<target>#<policy>:<line>`; carries a line number, so never match runs on it (use `fingerprint`) */
  id: z.string(),
  /** identity v1 of the finding, hashed: SHA-256 of check id, scenario key and target name */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  /** the scenario's stable key: its `@id:<slug>` tag, else `<policy path>#<scenario name>[<Examples row>]` */
  scenarioKey: z.string(),
  /** the finding's severity: the scenario's `@severity:` tag, else the worst of its offenders', else the check's default */
  severity: SeveritySchema,
  /** what the policy says: the scenario's `@severity:` tag, else the check's default (the gate compares this one) */
  policySeverity: SeveritySchema.optional(),
  checkId: z.string(),
  target: z.string(),
  targetKind: z.string(),
  status: FindingStatus,
  /** status the check reached before any waiver applied */
  verdict: z.enum(['passed', 'failed', 'error', 'not-applicable', 'skipped']),
  errorKind: z.string().optional(),
  policy: z.string(),
  scenario: z.string(),
  scenarioLine: z.number().int().optional(),
  controls: z.array(z.string()),
  summary: z.string(),
  params: z.record(z.string(), z.unknown()),
  expected: z.record(z.string(), z.unknown()),
  actual: z.record(z.string(), z.unknown()),
  observed: z.record(z.string(), z.unknown()),
  evidence: z.array(EvidenceItemSchema),
  /** when the observation this verdict was derived from was collected */
  observedAt: z.string(),
  waiver: WaiverRefSchema.optional(),
  provenance: ProvenanceSchema.optional(),
  /** what the observation covered: buckets, principals, keys examined, suites accepted, … */
  population: z.record(z.string(), z.number()).optional(),
  /** every offender of a failed or erroring verdict (absent when passed or not applicable) */
  offenders: z.array(OffenderSchema).optional(),
})
export type Finding = z.infer<typeof FindingSchema>

export const RunSchema = z.object({
  id: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  vigilVersion: z.string(),
  nodeVersion: z.string(),
  host: z.string(),
  operator: z.string(),
  inventory: z.string(),
  features: z.array(z.string()),
  tags: z.string().optional(),
  targets: z.array(z.string()).optional(),
  /** the waivers file applied, when one was */
  waivers: z.string().optional(),
  /** the schedule this run belongs to (`--schedule nightly`, or `schedule:` in vigil.yaml): its history and period report */
  schedule: z.string().optional(),
  /** the branch of the team's repository the run was made from, when known */
  branch: z.string().optional(),
  /** this run is one shard of a run (`vigil run --shard K/N --run-id ID`) */
  shard: z.object({ index: z.number().int(), count: z.number().int(), by: z.string() }).optional(),
  /** this run was merged from shards (`vigil merge`): each shard's host and times */
  shards: z.array(z.object({ index: z.number().int(), count: z.number().int(), host: z.string(), startedAt: z.string(), finishedAt: z.string(), findings: z.number().int() })).optional(),
  /** built-in scenarios the inventory switched off, and the parameters it changed, by scenario key */
  policyChanges: z.object({ off: z.array(z.string()), params: z.record(z.string(), z.record(z.string(), z.unknown())) }).optional(),
  settings: z
    .object({ timeoutMs: z.number().int(), concurrency: z.number().int(), perHost: z.number().int(), perHostRate: z.number().optional(), maxDurationMs: z.number().int().optional() })
    .optional(),
  /**
   * true when the run ended before every planned target was observed (SIGINT/SIGTERM): the targets
   * not observed are `error` findings with errorKind `interrupted`. Every report says so first, and
   * `vigil bundle` refuses such a folder unless told `--allow-incomplete`. Always written since
   * schemaVersion 2 (optional only so that older bundles still read).
   */
  incomplete: z.boolean().optional(),
  /** why and when the run was cut short, when it was */
  interruption: z.object({ reason: z.string(), at: z.string(), unobserved: z.array(z.string()) }).optional(),
  /** the policy repository the feature files came from, when they are in a git work tree */
  policyRepo: z.object({ root: z.string(), commit: z.string(), dirty: z.boolean(), remote: z.string().optional() }).optional(),
})

/** What each waiver did in this run. */
export const WaiverUseSchema = z.object({
  id: z.string(),
  source: z.string(),
  check: z.string(),
  target: z.string(),
  approver: z.string(),
  ticket: z.string(),
  expires: z.string(),
  justification: z.string(),
  /** `active` waived the matching failed/error findings; `expired` waived nothing */
  state: z.enum(['active', 'expired']),
  /** findings it waived (active) or would have waived (expired) */
  waived: z.array(z.string()),
  /** passing findings it matched (nothing to waive) */
  matchedPassing: z.array(z.string()),
})
export type WaiverUse = z.infer<typeof WaiverUseSchema>

export const ResultsSchema = z.object({
  schemaVersion: z.union([z.literal(2), z.literal(RESULTS_SCHEMA_VERSION)]),
  /** how findings and offenders are identified across runs (see IDENTITY_VERSION) */
  identityVersion: z.literal(IDENTITY_VERSION),
  run: RunSchema,
  totals: z.object({
    passed: z.number().int(),
    failed: z.number().int(),
    error: z.number().int(),
    'not-applicable': z.number().int(),
    skipped: z.number().int(),
    waived: z.number().int(),
  }),
  /** population: how many targets of each kind were planned and observed */
  population: z.record(z.string(), z.object({ planned: z.number().int(), observed: z.number().int() })),
  findings: z.array(FindingSchema),
  /** the waivers file's entries and what each did; absent when no waivers file was given */
  waivers: z.array(WaiverUseSchema).optional(),
  /**
   * problems with the run itself that are not findings. `error` (a scenario that could not run) makes
   * the run exit 2 unless a failure makes it 1; `warning` (an expired, malformed or unused waiver) is
   * reported and changes no exit code: the finding it meant to waive fails on its own.
   */
  problems: z.array(z.object({ kind: z.string(), message: z.string(), severity: z.enum(['error', 'warning']).optional() })),
})
export type Results = z.infer<typeof ResultsSchema>

/**
 * Findings as the reports read them: an array, or a stream a large run reads back from disk (each
 * iteration parses anew, so a report iterates as few times as it can). `withStatus` lets a stream
 * skip the findings a reader does not want without parsing them.
 */
export interface FindingSource extends Iterable<Finding> {
  withStatus?(statuses: readonly FindingStatus[]): Iterable<Finding>
  /** each finding as its JSON text (a stream that stores them so is copied without parsing) */
  jsonLines?(): Iterable<string>
  /** the runs of consecutive findings of one policy with their status counts, when the source keeps them (no pass over the findings) */
  policySegments?(): PolicySegment[]
}

export interface PolicySegment {
  policy: string
  counts: Record<FindingStatus, number>
}

/** The results of a run with its findings as a source: what the report writers take. */
export type ResultsView = Omit<Results, 'findings'> & { findings: FindingSource }

/** The findings of `source` whose status is one of `statuses`. */
export function findingsWithStatus(source: FindingSource, statuses: readonly FindingStatus[]): Iterable<Finding> {
  if (source.withStatus) return source.withStatus(statuses)
  return (function* () {
    for (const f of source) if (statuses.includes(f.status)) yield f
  })()
}

/** How many findings the results hold (from the totals: no pass over the findings). */
export function findingCount(results: Pick<Results, 'totals'>): number {
  return Object.values(results.totals).reduce((a, b) => a + b, 0)
}

/** The results with every finding in memory (for callers at pull-request scale: the gate, tests). */
export function materialize(results: ResultsView): Results {
  return { ...results, findings: Array.isArray(results.findings) ? results.findings : [...results.findings] }
}

export function countStatuses(findings: readonly Finding[]): Results['totals'] {
  const totals = { passed: 0, failed: 0, error: 0, 'not-applicable': 0, skipped: 0, waived: 0 }
  for (const f of findings) totals[f.status]++
  return totals
}

/**
 * Exit codes are public API: 0 all passed, 1 any failed, 2 usage/config error, 3 errors but no
 * failure, 4 internal error; 130 / 143 interrupted by SIGINT / SIGTERM (reports written, marked incomplete).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, errors: 3, internal: 4, sigint: 130, sigterm: 143 } as const

export function exitCodeFor(totals: Results['totals']): number {
  if (totals.failed > 0) return EXIT.failed
  if (totals.error > 0) return EXIT.errors
  return EXIT.ok
}

/** The exit code of a whole run: a scenario that could not run is a policy error (2) unless real failures make it 1. */
export function exitCodeForResults(results: Pick<Results, 'totals' | 'problems'>): number {
  const code = exitCodeFor(results.totals)
  const fatal = results.problems.some((p) => (p.severity ?? 'error') === 'error')
  return fatal && code !== EXIT.failed ? EXIT.usage : code
}
