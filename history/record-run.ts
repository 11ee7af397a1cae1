// Recording a run folder (or an unpacked bundle) in the history: the results, and the digests that
// tell whether two runs judged the same inventory with the same policies.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '../core/hash.ts'
import { ResultsSchema, type Results } from '../reports/model.ts'
import { RunRecordSchema, type RunRecord } from '../reports/run-record.ts'
import type { HistoryStore, RunProof } from './store.ts'

export interface RunFolder {
  results: Results
  record: RunRecord
  inventoryDigest: string
  policyDigest: string
}

export function readRunFolder(dir: string): RunFolder {
  const results = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')))
  const record = RunRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')))
  return { results, record, ...digests(dir, record) }
}

/** The inventory as the run read it (secrets removed), and the set of feature files with their hashes. */
export function digests(dir: string, record: RunRecord): { inventoryDigest: string; policyDigest: string } {
  const inventoryDigest = sha256(readFileSync(join(dir, record.inputs.inventory.file)))
  const policyDigest = sha256(
    record.inputs.policies
      .map((p) => `${p.policy}\u0000${p.sha256}`)
      .sort()
      .join('\n') + `\u0000${JSON.stringify(record.run.policyChanges ?? {})}`,
  )
  return { inventoryDigest, policyDigest }
}

/** Records the run of `dir` under its schedule; false when it was recorded before or names no schedule. */
export function recordRunFolder(store: HistoryStore, dir: string, opts: { source: string; proof?: RunProof; schedule?: string }): { recorded: boolean; runId: string; schedule?: string } {
  const f = readRunFolder(dir)
  const schedule = opts.schedule ?? f.results.run.schedule
  if (!schedule) return { recorded: false, runId: f.results.run.id }
  const recorded = store.record({
    results: f.results,
    schedule,
    ...(f.results.run.branch ? { branch: f.results.run.branch } : {}),
    inventoryDigest: f.inventoryDigest,
    policyDigest: f.policyDigest,
    ...(opts.proof ? { proof: opts.proof } : {}),
    source: opts.source,
  })
  return { recorded, runId: f.results.run.id, schedule }
}
