// The results file (`results.json`): versioned public schema. Additive changes keep schemaVersion;
// renaming or removing a field bumps it. The zod schema is the single source for the type and the
// published JSON Schema.
import * as z from 'zod'

export const RESULTS_SCHEMA_VERSION = 1

export const FindingStatus = z.enum(['passed', 'failed', 'error', 'skipped', 'waived'])
export type FindingStatus = z.infer<typeof FindingStatus>

export const EvidenceItemSchema = z.object({
  kind: z.string(),
  description: z.string(),
  mediaType: z.string().optional(),
  data: z.unknown(),
})

export const WaiverRefSchema = z.object({
  id: z.string(),
  justification: z.string(),
  approver: z.string(),
  ticket: z.string(),
  expires: z.string(),
})

export const FindingSchema = z.object({
  /** stable id of the finding within a run: `<checkId>@<target>#<scenario line>` */
  id: z.string(),
  checkId: z.string(),
  target: z.string(),
  targetKind: z.string(),
  status: FindingStatus,
  /** status the check reached before any waiver applied */
  verdict: z.enum(['passed', 'failed', 'error', 'skipped']),
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
})

export const ResultsSchema = z.object({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  run: RunSchema,
  totals: z.object({
    passed: z.number().int(),
    failed: z.number().int(),
    error: z.number().int(),
    skipped: z.number().int(),
    waived: z.number().int(),
  }),
  /** population: how many targets of each kind were planned and observed */
  population: z.record(z.string(), z.object({ planned: z.number().int(), observed: z.number().int() })),
  findings: z.array(FindingSchema),
  /** problems with the run itself that are not findings (e.g. expired waivers, undefined steps) */
  problems: z.array(z.object({ kind: z.string(), message: z.string() })),
})
export type Results = z.infer<typeof ResultsSchema>

export function countStatuses(findings: readonly Finding[]): Results['totals'] {
  const totals = { passed: 0, failed: 0, error: 0, skipped: 0, waived: 0 }
  for (const f of findings) totals[f.status]++
  return totals
}

/** Exit codes are public API: 0 all passed, 1 any failed, 2 usage/config error, 3 errors but no failure. */
export const EXIT = { ok: 0, failed: 1, usage: 2, errors: 3 } as const

export function exitCodeFor(totals: Results['totals']): number {
  if (totals.failed > 0) return EXIT.failed
  if (totals.error > 0) return EXIT.errors
  return EXIT.ok
}
