// `vigil gate --base <ref>`: judge the base side and the change side of a pull request on the SAME
// observations, collected once, and classify every difference (gate/decide.ts).
//
// 1. the base side is the repository at the merge base, unpacked from git (gate/base-side.ts); the
//    change side is the work tree;
// 2. both sides are planned; the union of the targets and parts they need is observed once (a
//    target defined identically on both sides is one observation);
// 3. each side is a full `vigil run` fed from those observations: the base side into `<out>/base/`,
//    the change side into `<out>/` with the gate's comparison first in summary.md;
// 4. gate.json, annotations and SARIF say what the change made worse.
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { createHash } from 'node:crypto'
import { findCheck } from '../checks/catalog.ts'
import { ConfigError } from '../core/config-file.ts'
import { allTargets, loadInventory, type AnyTarget, type Inventory } from '../runner/inventory.ts'
import { displayPath, type PolicyNamer } from '../runner/cucumber.ts'
import { effectivePolicies } from '../runner/policy-set.ts'
import { observeAll, type ObserveOptions, type PlannedTarget, type StoredObservation } from '../runner/observe.ts'
import { planRun, run, type RunOutcome } from '../runner/run.ts'
import { writeFileBounded } from '../core/bounded-write.ts'
import { materialize, type Finding, type Results } from '../reports/model.ts'
import { findingLocation } from '../reports/finding-location.ts'
import type { Severity } from '../checks/types.ts'
import { checkoutBase, fileAt } from './base-side.ts'
import { decide, environmentRows, offenderKey, GATE_CLASSES, type GateRow } from './decide.ts'
import { GATE_SCHEMA_VERSION, failsGate, gateMarkdown, stricter, type GateReport, type GateSettings } from './gate-report.ts'
import { readEarlierResults } from './earlier-run.ts'

export interface GateOptions {
  base: string
  config: string
  out: string
  waivers?: string
  features?: string[]
  tags?: string
  since?: string
  failOn?: GateSettings['failOn']
  minSeverity?: Severity
  allowChangedEndpoints?: boolean
  signal?: AbortSignal
  onStage?: (message: string) => void
  onProgress?: (stage: 'observe', done: number, total: number, target: string) => void
}

export interface GateOutcome {
  report: GateReport
  change: RunOutcome
  base?: RunOutcome
  gateFile: string
}

/** Fields of SSH and AWS targets that decide where credentials go. */
const CONNECTION_FIELDS = ['host', 'address', 'port', 'endpoint', 'hostKey', 'roleArn', 'externalId', 'profile'] as const

interface Side {
  root: string
  config: string
  inv?: Inventory
  waivers?: string
  /** --features mapped onto this side; absent: the side's inventory decides (policies:) */
  features?: string[]
  policyName: PolicyNamer
  planned: PlannedTarget[]
}

export async function runGate(opts: GateOptions): Promise<GateOutcome> {
  const cwd = process.cwd()
  opts.onStage?.(`reading the base side (${opts.base})`)
  const base = await checkoutBase(cwd, opts.base)
  try {
    const onSide = (root: string) => (p: string) => resolve(root, relative(base.repo, resolve(cwd, p)))
    const inRepo = (p: string) => {
      const rel = relative(base.repo, resolve(cwd, p))
      if (rel.startsWith('..') || isAbsolute(rel)) throw new ConfigError(`${p}: the gate reads the base side from git, so the file must be in the repository ${base.repo}`)
      return p
    }
    inRepo(opts.config)
    if (opts.waivers) inRepo(opts.waivers)
    for (const f of opts.features ?? []) inRepo(f)
    // findings of both sides name their feature files relative to the repository, so they match
    const namer = (root: string): PolicyNamer => (file) => {
      const rel = relative(root, file)
      return rel.startsWith('..') || isAbsolute(rel) ? displayPath(file) : rel.split('\\').join('/')
    }
    const sideOf = (root: string, map: (p: string) => string): Side => ({
      root,
      config: map(opts.config),
      ...(opts.waivers ? { waivers: map(opts.waivers) } : {}),
      ...(opts.features?.length ? { features: opts.features.map(map) } : {}),
      policyName: namer(root),
      planned: [],
    })
    const change = sideOf(base.repo, (p) => resolve(cwd, p))
    const before = sideOf(base.dir, onSide(base.dir))

    // plan both sides (the base side may have no inventory yet: the pull request that adopts Vigil)
    for (const side of [before, change]) {
      if (!existsSync(side.config)) {
        if (side === change) throw new ConfigError(`${opts.config}: no such inventory in the work tree`)
        continue
      }
      side.inv = loadInventory(side.config)
      // the base side's own feature files may not exist yet (the pull request adds them)
      if (side.features && side === before) side.features = side.features.filter((f) => existsSync(f.replace(/[*?[{].*$/, '')))
      if (side.features && !side.features.length) continue
      try {
        const { set } = await effectivePolicies(side.inv, { ...(side.features ? { features: side.features } : {}), ...(opts.tags ? { tags: opts.tags } : {}), policyName: side.policyName })
        side.planned = planRun(side.inv, set.scenarios, undefined).targets
      } catch (e) {
        if (e instanceof ConfigError && side === before) throw new ConfigError(`the base side (${opts.base} at ${base.commit.slice(0, 12)}): ${e.message}`)
        throw e
      }
    }

    if (change.inv) refuseChangedEndpoints(before.inv, change.inv, change.planned, !!opts.allowChangedEndpoints)

    // observe the union once: a target defined identically on both sides is one observation
    const settingsFrom = before.inv ?? change.inv!
    const pool = new Map<string, { planned: PlannedTarget; inv: Inventory }>()
    const poolKey = (p: PlannedTarget, inv: Inventory) => observationKey(p.entry, inv)
    for (const side of [before, change])
      for (const p of side.planned) {
        const k = poolKey(p, side.inv!)
        const have = pool.get(k)
        if (have) for (const n of p.needs) have.planned.needs.add(n)
        else pool.set(k, { planned: { entry: p.entry, needs: new Set(p.needs) }, inv: side.inv! })
      }
    const entries = [...pool.entries()]
    opts.onStage?.(`observing ${entries.length} target(s) once for both sides`)
    const observed = new Map<string, StoredObservation>()
    // one observeAll per distinct trust setting (the inventory's extra CAs decide certificate trust at observation time)
    const byInv = new Map<Inventory, [string, PlannedTarget][]>()
    for (const [k, v] of entries) byInv.set(v.inv, [...(byInv.get(v.inv) ?? []), [k, v.planned]])
    for (const [inv, list] of byInv) {
      const settings = { ...inv, settings: settingsFrom.settings }
      const obs = await observeAll(settings, list.map(([, p]) => p), { ...(opts.signal ? { signal: opts.signal } : {}), onProgress: (d, t, n) => opts.onProgress?.('observe', d, t, n) })
      list.forEach(([k], i) => observed.set(k, obs[i]!))
    }
    const fromPool = (inv: Inventory) => async (_i: Inventory, planned: PlannedTarget[], _o: ObserveOptions): Promise<StoredObservation[]> =>
      planned.map((p) => {
        const o = observed.get(poolKey(p, inv))
        if (!o) throw new Error(`gate: no observation for ${p.entry.target.name}`)
        return { ...o, target: p.entry.target.name, tags: p.entry.target.tags }
      })

    // the base side, judged into <out>/base/
    let baseOutcome: RunOutcome | undefined
    if (before.inv && before.planned.length > 0) {
      opts.onStage?.('judging the base side')
      baseOutcome = await run({
        config: before.config,
        out: join(opts.out, 'base'),
        ...(before.features ? { features: before.features } : {}),
        ...(opts.tags ? { tags: opts.tags } : {}),
        ...(before.waivers && existsSync(before.waivers) ? { waivers: before.waivers } : {}),
        observer: fromPool(before.inv),
        policyName: before.policyName,
        ...(opts.signal ? { signal: opts.signal } : {}),
        inventoryLabel: `${opts.config}@${base.commit.slice(0, 12)}`,
      })
    }

    // gate settings from the base side; the command line can only make them stricter
    const fromBase: GateSettings = before.inv?.gate ?? { failOn: ['new'], minSeverity: 'info' }
    const settings = stricter(fromBase, { ...(opts.failOn ? { failOn: opts.failOn } : {}), ...(opts.minSeverity ? { minSeverity: opts.minSeverity } : {}) })
    const since = opts.since ? await readEarlierResults(opts.since) : undefined

    let report: GateReport | undefined
    const versionNote = await vigilVersionChange(base.repo, base.commit)
    opts.onStage?.('judging the change side')
    const changeOutcome = await run({
      config: change.config,
      out: opts.out,
      ...(change.features ? { features: change.features } : {}),
      ...(opts.tags ? { tags: opts.tags } : {}),
      ...(change.waivers ? { waivers: change.waivers } : {}),
      observer: fromPool(change.inv!),
      policyName: change.policyName,
      ...(opts.signal ? { signal: opts.signal } : {}),
      summaryPrefix: (changeResults) => {
        // a pull request's findings: small enough to compare in memory
        report = buildReport({
          base: baseOutcome && materialize(baseOutcome.results),
          change: materialize(changeResults),
          changeInv: change.inv!,
          baseObservations: observationsByTarget(before, observed, poolKey),
          repo: base.repo,
          ref: opts.base,
          commit: base.commit,
          settings,
          settingsSource: before.inv?.gate ? `${opts.config} at ${base.commit.slice(0, 12)}` : 'defaults',
          since,
          notes: versionNote ? [versionNote] : [],
        })
        return gateMarkdown(report)
      },
    })
    if (changeOutcome.results.run.incomplete || baseOutcome?.results.run.incomplete)
      report = { ...report!, passed: false, notes: [...report!.notes, 'the run was interrupted: an incomplete run gives no gate verdict'] }
    const gateFile = join(opts.out, 'gate.json')
    await writeFileBounded(gateFile, JSON.stringify(report, null, 2) + '\n')
    return { report: report!, change: changeOutcome, ...(baseOutcome ? { base: baseOutcome } : {}), gateFile }
  } finally {
    base.cleanup()
  }
}

/** One observation per distinct definition of a target (and, for TLS, per set of trust anchors). */
function observationKey(entry: AnyTarget, inv: Inventory): string {
  const { name: _n, tags: _t, ...definition } = entry.target as Record<string, unknown>
  const trust = entry.kind === 'tls' ? createHash('sha256').update(inv.trust.extraCaPems.join('\n')).digest('hex') : ''
  return JSON.stringify([entry.kind, definition, trust])
}

/** The base side's observation of each target, by target name (for re-judging with the change's policy). */
function observationsByTarget(side: Side, observed: Map<string, StoredObservation>, key: (p: PlannedTarget, inv: Inventory) => string): Map<string, StoredObservation> {
  const out = new Map<string, StoredObservation>()
  if (!side.inv) return out
  for (const p of side.planned) {
    const o = observed.get(key(p, side.inv))
    if (o) out.set(p.entry.target.name, o)
  }
  return out
}

/**
 * Credentials stay with the base side's targets: an SSH or AWS target whose connection fields differ
 * from the base side (or that the base side does not have) would receive the team's credentials at
 * an address the pull request chose.
 */
function refuseChangedEndpoints(baseInv: Inventory | undefined, changeInv: Inventory, planned: PlannedTarget[], allow: boolean): void {
  if (allow) return
  const baseTargets = new Map((baseInv ? allTargets(baseInv) : []).map((t) => [`${t.kind}:${t.target.name}`, t]))
  const changed: string[] = []
  for (const { entry } of planned) {
    if (entry.kind !== 'ssh' && entry.kind !== 'aws') continue
    if (entry.kind === 'ssh' && !entry.target.login) continue
    const was = baseTargets.get(`${entry.kind}:${entry.target.name}`)
    const diff = CONNECTION_FIELDS.filter((f) => JSON.stringify((entry.target as Record<string, unknown>)[f]) !== JSON.stringify(was ? (was.target as Record<string, unknown>)[f] : undefined))
    if (!was) changed.push(`${entry.target.name} (${entry.kind}, not on the base side)`)
    else if (diff.length) changed.push(`${entry.target.name} (${entry.kind}: ${diff.join(', ')} changed)`)
  }
  if (changed.length)
    throw new ConfigError(
      `${changeInv.file}: the change points credentialed targets somewhere the base side does not: ${changed.join('; ')}. ` +
        'The gate sends SSH and AWS credentials only to the connection details already on the base branch; ' +
        'after review, run it with --allow-changed-endpoints (e.g. in a workflow that runs once the change is approved)',
    )
}

interface BuildInput {
  base: Results | undefined
  change: Results
  changeInv: Inventory
  baseObservations: Map<string, StoredObservation>
  repo: string
  ref: string
  commit: string
  settings: GateSettings
  settingsSource: string
  since?: { results: Results; source: string }
  notes: string[]
}

function buildReport(i: BuildInput): GateReport {
  const baseResults = i.base
  const rows: GateRow[] = decide({
    base: baseResults,
    change: i.change,
    rejudge: (b: Finding, c: Finding) => {
      const obs = i.baseObservations.get(b.target)
      const check = findCheck(c.checkId)
      if (!obs || obs.probeError || !check) return undefined
      try {
        const v = check.judge(obs.data, c.params, { now: new Date(obs.startedAt) })
        return new Set(v.status === 'failed' ? (v.offenders ?? []).map((o) => o.id) : [])
      } catch {
        return undefined
      }
    },
    retired: i.changeInv.retired,
    baseWaiverIds: new Set((baseResults?.waivers ?? []).map((w) => w.id)),
  })
  if (i.since) {
    const env = environmentRows(baseResults ?? i.change, i.since.results)
    rows.push(...env.rows)
    for (const r of rows) if (r.offender && !r.firstSeen) {
      const seen = env.firstSeen.get(offenderKey(r, r.offender.id))
      if (seen) r.firstSeen = seen
    }
  }
  const withLocation = rows.map((r) => ({ ...r, ...locate(r, i.change, baseResults, i.changeInv, i.repo) }))
  const final = withLocation.map((r) => ({ ...r, failsGate: failsGate(r, i.settings) }))
  const counts = Object.fromEntries(GATE_CLASSES.map((c) => [c, final.filter((r) => r.class === c).length])) as GateReport['counts']
  return {
    schemaVersion: GATE_SCHEMA_VERSION,
    identityVersion: 1,
    passed: !final.some((r) => r.failsGate),
    base: { ref: i.ref, commit: i.commit, ...(baseResults ? { runId: baseResults.run.id } : {}), findings: baseResults?.findings.length ?? 0 },
    change: { runId: i.change.run.id, findings: i.change.findings.length },
    settings: { ...i.settings, source: i.settingsSource },
    ...(i.since ? { since: { runId: i.since.results.run.id, startedAt: i.since.results.run.startedAt, source: i.since.source } } : {}),
    counts,
    rows: final,
    notes: i.notes,
  }
}

/** Where a row is annotated: the scenario line of the team's own feature file, else the target's entry in vigil.yaml. */
function locate(r: GateRow, change: Results, base: Results | undefined, inv: Inventory, repo: string): Pick<GateRow, 'location'> {
  const f = change.findings.find((x) => x.id === r.findingId) ?? base?.findings.find((x) => x.id === r.findingId)
  return f ? { location: findingLocation(f, { repo, inventoryFile: inv.file, targetLines: inv.targetLines }) } : {}
}

/** A different Vigil on the two sides (the team's lockfile) is stated: verdicts may differ for that reason alone. */
async function vigilVersionChange(repo: string, commit: string): Promise<string | undefined> {
  const versionIn = (text: string | undefined) => {
    try {
      return (JSON.parse(text ?? '') as { packages?: Record<string, { version?: string }> }).packages?.['node_modules/vigil']?.version
    } catch {
      return undefined
    }
  }
  const before = versionIn(await fileAt(repo, commit, 'package-lock.json'))
  let now: string | undefined
  try {
    now = versionIn(readFileSync(join(repo, 'package-lock.json'), 'utf8'))
  } catch {
    now = undefined
  }
  return before && now && before !== now ? `the pull request changes Vigil from ${before} to ${now}: both sides were judged by the Vigil running now (${now})` : undefined
}
