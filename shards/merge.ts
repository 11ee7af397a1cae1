// `vigil merge DIR…`: the shard folders of one run id become one run folder — one results file, one
// set of reports, observations whose pointers still resolve, population counts that add up, the
// shards listed — sealable into one signed bundle like any run. Refused: shards of different run ids,
// policy sets or inventories, and overlapping shards. A missing or interrupted shard makes the
// merged run incomplete, and says which.
import { cpSync, existsSync, readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../core/config-file.ts'
import { writeChunksBounded, writeFileBounded } from '../core/bounded-write.ts'
import { readLines } from '../core/line-reader.ts'
import { EVIDENCE_FILE } from '../reports/evidence-store.ts'
import { OBSERVATIONS_FILE } from '../runner/observation-journal.ts'
import { RESULTS_SCHEMA_VERSION, ResultsSchema, countStatuses, type Finding, type Results, type WaiverUse } from '../reports/model.ts'
import { RUN_RECORD_FILE, RunRecordSchema, type RunRecord } from '../reports/run-record.ts'
import { writeReports } from '../reports/write-reports.ts'
import { digests } from '../history/record-run.ts'
import { claimOutputFolder, ensureOutputFolder, finishRunFolder } from '../runner/output-folder.ts'
import { INPUTS_DIR } from '../runner/run-inputs.ts'
import type { StoredObservation } from '../runner/observe.ts'

interface ShardFolder {
  dir: string
  results: Results
  record: RunRecord
  observations: StoredObservation[]
  inventoryDigest: string
  policyDigest: string
}

function readShard(dir: string): ShardFolder {
  const read = (f: string) => {
    try {
      return JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown
    } catch (e) {
      throw new ConfigError(`${join(dir, f)}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is ${dir} the --out folder of a \`vigil run --shard\`?`)
    }
  }
  const results = ResultsSchema.safeParse(read('results.json'))
  if (!results.success) throw new ConfigError(`${join(dir, 'results.json')}: not a results file of this Vigil (${results.error.issues[0]?.message})`)
  const record = RunRecordSchema.safeParse(read(RUN_RECORD_FILE))
  if (!record.success) throw new ConfigError(`${join(dir, RUN_RECORD_FILE)}: not a run record (${record.error.issues[0]?.message})`)
  if (!results.data.run.shard) throw new ConfigError(`${dir}: not a shard (run it with --shard K/N --run-id ID)`)
  const observations = (read('observations.json') as { targets: StoredObservation[] }).targets
  return { dir, results: results.data, record: record.data, observations, ...digests(dir, record.data) }
}

export interface MergeOutcome {
  results: Results
  out: string
  missing: number[]
}

export async function mergeShards(dirs: string[], out: string): Promise<MergeOutcome> {
  if (dirs.length === 0) throw new ConfigError('vigil merge: name the shard folders')
  const shards = dirs.map(readShard).sort((a, b) => a.results.run.shard!.index - b.results.run.shard!.index)
  const first = shards[0]!
  const id = first.results.run.id
  const count = first.results.run.shard!.count
  const problems: string[] = []
  for (const s of shards) {
    const r = s.results.run
    if (r.id !== id) problems.push(`${s.dir}: run id ${r.id}, not ${id}: shards of one run share --run-id`)
    if (r.shard!.count !== count) problems.push(`${s.dir}: shard ${r.shard!.index}/${r.shard!.count}, not of ${count} shards`)
    if (s.policyDigest !== first.policyDigest) problems.push(`${s.dir}: another policy set than ${first.dir} (feature files or policy changes differ)`)
    if (s.inventoryDigest !== first.inventoryDigest) problems.push(`${s.dir}: another inventory than ${first.dir}`)
  }
  const seen = new Map<number, string>()
  for (const s of shards) {
    const i = s.results.run.shard!.index
    if (seen.has(i)) problems.push(`${s.dir} and ${seen.get(i)} are both shard ${i}/${count}: overlapping shards`)
    seen.set(i, s.dir)
  }
  const targetShard = new Map<string, string>()
  for (const s of shards)
    for (const o of s.observations) {
      const other = targetShard.get(o.target)
      if (other && other !== s.dir) problems.push(`target ${o.target} is in ${other} and ${s.dir}: overlapping shards`)
      targetShard.set(o.target, s.dir)
    }
  if (problems.length) throw new ConfigError(`vigil merge: not merged:\n${[...new Set(problems)].join('\n')}`)
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i))

  // observations: concatenated in shard order; every finding's pointer renumbered to the merged file
  const observations = shards.flatMap((s) => s.observations)
  const position = new Map(observations.map((o, i) => [o.target, i]))
  const findings: Finding[] = shards
    .flatMap((s) => s.results.findings)
    .map((f) => (f.provenance ? { ...f, provenance: { ...f.provenance, observation: `observations.json#/targets/${position.get(f.target)}` } } : f))
    .sort((a, b) => a.policy.localeCompare(b.policy) || (a.scenarioLine ?? 0) - (b.scenarioLine ?? 0) || (position.get(a.target) ?? 0) - (position.get(b.target) ?? 0))
  const population: Results['population'] = {}
  for (const s of shards)
    for (const [kind, p] of Object.entries(s.results.population)) {
      const row = (population[kind] ??= { planned: 0, observed: 0 })
      row.planned += p.planned
      row.observed += p.observed
    }
  const waivers = mergeWaiverUses(shards.map((s) => s.results.waivers))
  const interrupted = shards.filter((s) => s.results.run.incomplete)
  const incomplete = missing.length > 0 || interrupted.length > 0
  const reason = [
    ...(missing.length ? [`shard(s) ${missing.join(', ')} of ${count} missing: their targets are not in this run`] : []),
    ...interrupted.map((s) => `shard ${s.results.run.shard!.index}/${count}: ${s.results.run.interruption?.reason ?? 'incomplete'}`),
  ].join('; ')
  const { shard: _shard, ...runBase } = first.results.run
  const results: Results = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    identityVersion: 1,
    run: {
      ...runBase,
      startedAt: shards.map((s) => s.results.run.startedAt).sort()[0]!,
      finishedAt: shards.map((s) => s.results.run.finishedAt).sort().at(-1)!,
      host: hostname(),
      shards: shards.map((s) => ({ index: s.results.run.shard!.index, count, host: s.results.run.host, startedAt: s.results.run.startedAt, finishedAt: s.results.run.finishedAt, findings: s.results.findings.length })),
      incomplete,
    },
    totals: countStatuses(findings),
    population,
    findings,
    ...(waivers ? { waivers } : {}),
    problems: dedupe(shards.flatMap((s) => s.results.problems)),
  }
  delete results.run.interruption
  if (incomplete) results.run.interruption = { reason, at: new Date().toISOString(), unobserved: interrupted.flatMap((s) => s.results.run.interruption?.unobserved ?? []) }

  ensureOutputFolder(out, '--out')
  await claimOutputFolder(out, { runId: id, pid: process.pid, host: hostname(), startedAt: new Date().toISOString() })
  // the inputs are the same in every shard (checked above): the first shard's copy
  cpSync(join(first.dir, INPUTS_DIR), join(out, INPUTS_DIR), { recursive: true })
  await writeFileBounded(join(out, OBSERVATIONS_FILE), JSON.stringify({ schemaVersion: 1, runId: id, collectedAt: results.run.startedAt, targets: observations }, null, 1))
  await writeChunksBounded(join(out, EVIDENCE_FILE), mergedEvidence(shards.map((s) => join(s.dir, EVIDENCE_FILE))))
  await writeReports(out, results)
  await finishRunFolder(out, results.run, first.record.inputs)
  return { results, out, missing }
}

/** The shards' evidence.jsonl lines, each content once (shards that saw one certificate cite one hash). */
function* mergedEvidence(files: string[]): Generator<string> {
  const seen = new Set<string>()
  for (const file of files) {
    if (!existsSync(file)) continue
    for (const line of readLines(file)) {
      const hash = (JSON.parse(line) as { sha256: string }).sha256
      if (seen.has(hash)) continue
      seen.add(hash)
      yield line + '\n'
    }
  }
}

function mergeWaiverUses(lists: (WaiverUse[] | undefined)[]): WaiverUse[] | undefined {
  const present = lists.filter((l): l is WaiverUse[] => !!l)
  if (!present.length) return undefined
  const byId = new Map<string, WaiverUse>()
  for (const list of present)
    for (const u of list) {
      const had = byId.get(u.id)
      byId.set(u.id, had ? { ...had, waived: [...had.waived, ...u.waived], matchedPassing: [...had.matchedPassing, ...u.matchedPassing] } : { ...u })
    }
  return [...byId.values()]
}

function dedupe(problems: Results['problems']): Results['problems'] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const k = JSON.stringify(p)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}
