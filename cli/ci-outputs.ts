// What `vigil run` and `vigil gate` give CI besides their reports: a SARIF file (`--sarif`) and, on
// GitHub Actions, annotations at the team's lines.
import { execFileSync } from 'node:child_process'
import { relative, resolve } from 'node:path'
import { findingsWithStatus, type Finding, type ResultsView } from '../reports/model.ts'
import type { GateReport } from '../gate/gate-report.ts'
import { workflowCommands, type Annotation } from '../reports/annotations.ts'
import { writeFileBounded } from '../core/bounded-write.ts'
import { VIGIL_VERSION } from '../runner/run.ts'
import { checkArchivePath } from './evidence-commands.ts'

/** The repository the run is in (annotations and SARIF paths are relative to it), else the current folder. */
export function repositoryRoot(): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return process.cwd()
  }
}

export interface CiContext {
  results: ResultsView
  inventoryFile: string
  targetLines: Record<string, number>
  gate?: GateReport
}

export async function locator(ctx: CiContext): Promise<(f: Finding) => { file: string; line: number }> {
  const { findingLocation } = await import('../reports/finding-location.ts')
  const repo = repositoryRoot()
  return (f) => findingLocation(f, { repo, inventoryFile: ctx.inventoryFile, targetLines: ctx.targetLines })
}

/** `--sarif FILE`: checked before anything is probed, like --bundle. */
export const checkSarifPath = (file: string) => checkArchivePath(file, '--sarif')

export async function writeSarif(file: string, ctx: CiContext): Promise<void> {
  const { sarifLog } = await import('../reports/sarif.ts')
  const locate = await locator(ctx)
  const baseline = ctx.gate ? baselineByFinding(ctx.gate) : undefined
  const inventory = relative(repositoryRoot(), resolve(ctx.inventoryFile)).split('\\').join('/')
  const log = sarifLog(ctx.results, { vigilVersion: VIGIL_VERSION, locate, inventory, ...(baseline ? { baseline } : {}) })
  await writeFileBounded(file, JSON.stringify(log, null, 1) + '\n')
}

function baselineByFinding(gate: GateReport): Map<string, { newOffenders: number; oldOffenders: number }> {
  const out = new Map<string, { newOffenders: number; oldOffenders: number }>()
  for (const r of gate.rows) {
    const e = out.get(r.findingId) ?? { newOffenders: 0, oldOffenders: 0 }
    if (r.class === 'new') e.newOffenders++
    if (r.class === 'still-failing' || r.class === 'weakened') e.oldOffenders++
    out.set(r.findingId, e)
  }
  return out
}

/** On GitHub Actions: the findings (run) or the gate's rows (gate) as annotations on stdout. */
export async function printAnnotations(ctx: CiContext): Promise<void> {
  if (process.env.GITHUB_ACTIONS !== 'true') return
  const locate = await locator(ctx)
  const items: Annotation[] = []
  if (ctx.gate) {
    for (const r of ctx.gate.rows) {
      if (!r.location || !(r.failsGate || r.declared || r.class === 'environment')) continue
      items.push({
        level: r.failsGate ? 'error' : 'warning',
        file: r.location.file,
        line: r.location.line,
        title: `Vigil gate: ${r.class}: ${r.checkId} on ${r.target}`,
        message: `${r.offender ? `${r.offender.id}: ${r.offender.why}\n` : ''}${r.reason}${r.declared ? ` (declared: ${r.declared.kind} ${r.declared.ticket}: ${r.declared.reason})` : ''}`,
      })
    }
  } else {
    for (const f of findingsWithStatus(ctx.results.findings, ['failed', 'error'])) {
      const at = locate(f)
      items.push({
        level: f.status === 'failed' ? 'error' : 'warning',
        file: at.file,
        line: at.line,
        title: `Vigil: ${f.checkId} ${f.status} on ${f.target} (${f.severity})`,
        message: [f.summary, ...(f.offenders ?? []).slice(0, 20).map((o) => `- ${o.id}: ${o.why}`)].join('\n'),
      })
    }
  }
  process.stdout.write(workflowCommands(items))
}
