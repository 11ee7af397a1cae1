// `vigil recheck`: re-derive every verdict of a bundle from its raw observations, with the bundled
// feature files (so the bundled policy parameters) and the bundled waivers, and confirm each one
// matches what the bundle's results.json asserts. Nothing is probed: the Cucumber judging run
// reads the bundle's observations.json, exactly as the original run read its own.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { CHECKS } from '../checks/catalog.ts'
import { judgeWithCucumber, loadPolicies } from './cucumber.ts'
import { FINDING_MEDIA_TYPE } from './verdict-attachment.ts'
import { toFindings, VIGIL_VERSION } from './run.ts'
import { ConfigError } from '../core/config-file.ts'
import { ResultsSchema, type Finding } from '../reports/model.ts'
import { applyWaivers, parseWaivers } from '../reports/waivers.ts'
import { readRunRecord } from '../reports/evidence-bundle.ts'
import { EVIDENCE_FILE, evidenceContent, readEvidence } from '../reports/evidence-store.ts'
import { sha256 } from '../core/hash.ts'

/** The parts of a finding that are its verdict; provenance is descriptive and re-derived elsewhere. */
const COMPARED = ['status', 'verdict', 'errorKind', 'summary', 'params', 'expected', 'actual', 'observed', 'controls', 'observedAt', 'offenders', 'severity', 'policySeverity', 'scenarioKey', 'fingerprint'] as const

export interface RecheckReport {
  findings: number
  reproduced: number
  mismatches: { id: string; field: string; bundled: unknown; rederived: unknown }[]
  /** findings the re-derivation produced that the bundle does not have */
  extra: string[]
  /** findings of the bundle the re-derivation did not produce */
  missing: string[]
  problems: string[]
  notes: string[]
}

export async function recheckFolder(folder: string): Promise<RecheckReport> {
  const record = readRunRecord(folder)
  const resultsFile = join(folder, 'results.json')
  const parsed = ResultsSchema.safeParse(JSON.parse(readFileSync(resultsFile, 'utf8')))
  if (!parsed.success) throw new ConfigError(`${resultsFile}: not a Vigil results file (${parsed.error.issues[0]?.message})`)
  const results = parsed.data
  const report: RecheckReport = { findings: results.findings.length, reproduced: 0, mismatches: [], extra: [], missing: [], problems: [], notes: [] }
  if (results.run.vigilVersion !== VIGIL_VERSION)
    report.notes.push(`the bundle was made by Vigil ${results.run.vigilVersion}; re-derived with Vigil ${VIGIL_VERSION}, whose checks may judge differently`)

  const names = new Map(record.inputs.policies.map((p) => [resolve(folder, p.file), p.policy]))
  // the run's own policy changes: scenarios it switched off, parameters it changed
  const changes = results.run.policyChanges ?? { off: [], params: {} }
  const off = changes.off.map((k) => `not @id:${k}`).join(' and ')
  const tags = [results.run.tags ? `(${results.run.tags})` : '', off].filter(Boolean).join(' and ')
  const policies = await loadPolicies({ features: [...names.keys()], ...(tags ? { tags } : {}), policyName: (f) => names.get(f) ?? f })
  if (policies.problems.length > 0) {
    report.problems.push(...policies.problems.map((p) => `bundled policy: ${p.message}`))
    return report
  }
  const { attachments, stepFailures } = await judgeWithCucumber(
    policies,
    { observationsFile: join(folder, 'observations.json'), runId: randomUUID(), targets: results.run.targets ?? [], paramOverrides: changes.params },
    FINDING_MEDIA_TYPE,
  )
  for (const f of stepFailures) report.problems.push(`${f.scenario ? `${f.scenario.policy}:${f.scenario.line}` : 'a scenario'}: ${f.message}`)
  // compared as results.json holds them: in their JSON form (a field a check leaves undefined is absent there)
  let rederived: Finding[] = toFindings(attachments).map((f) => JSON.parse(JSON.stringify(f)) as Finding)
  if (record.inputs.waivers) {
    const set = parseWaivers(readFileSync(join(folder, record.inputs.waivers.file), 'utf8'), record.inputs.waivers.source, CHECKS.map((c) => c.id))
    rederived = applyWaivers(rederived, set, new Date(results.run.startedAt)).findings
  }

  // every cited piece of evidence is in evidence.jsonl, and is what the observation gives again
  const evidence = readEvidence(join(folder, EVIDENCE_FILE))
  report.problems.push(...evidence.problems)
  const hashes = (f: Finding) => f.evidence.map((e) => e.sha256 ?? sha256(evidenceContent(e.data)))
  const byId = new Map(rederived.map((f) => [f.id, f]))
  for (const f of results.findings) {
    for (const e of f.evidence) if (e.sha256 && !evidence.blobs.has(e.sha256)) report.problems.push(`${f.id}: cites evidence ${e.sha256}, which is not in ${EVIDENCE_FILE}`)
    const again = byId.get(f.id)
    if (!again) {
      report.missing.push(f.id)
      continue
    }
    byId.delete(f.id)
    const diffs: { field: string; bundled: unknown; rederived: unknown }[] = COMPARED.filter((k) => !isDeepStrictEqual(f[k], again[k])).map((k) => ({ field: k, bundled: f[k], rederived: again[k] }))
    if (f.waiver?.id !== again.waiver?.id) diffs.push({ field: 'waiver', bundled: f.waiver?.id, rederived: again.waiver?.id })
    if (!isDeepStrictEqual(hashes(f), hashes(again))) diffs.push({ field: 'evidence', bundled: hashes(f), rederived: hashes(again) })
    for (const d of diffs) report.mismatches.push({ id: f.id, ...d })
    if (diffs.length === 0) report.reproduced++
  }
  report.extra = [...byId.keys()]
  return report
}
