// Lint rules over the loaded policy set: the dry run's own problems (each under its rule, at the
// step's line where there is one), and what the dry run does not look at — check ids, the team's
// @id: tags, selections, the kinds a check applies to, and what each phrase actually judges.
// Pure: every input is data the loader already read.
import { findCheck } from '../checks/catalog.ts'
import { VIGIL_ROOT } from '../core/vigil-root.ts'
import type { Scenario } from '../runner/cucumber.ts'
import { findStepLine } from './feature-lines.ts'
import { problem, splitLocation, type LintProblem, type LintRule } from './problems.ts'

export interface PolicyContext {
  /** the loaded scenarios (before `policies.off`) */
  scenarios: readonly Scenario[]
  /** a feature file's text by absolute path (to put step problems at the step's line) */
  source(abs: string): string | undefined
  /** display name → absolute path of each loaded feature file */
  files: ReadonlyMap<string, string>
  /** the step library's definitions that match a step text: `steps/tls.steps.ts:25` */
  definitionsMatching(text: string): string[]
  cwd?: string
}

const SHIPPED = `${VIGIL_ROOT}features/`

/** A feature file of the team's own (anything not under Vigil's shipped features/ folder). */
export const isTeamFile = (abs: string): boolean => !abs.startsWith(SHIPPED)

const STEP = /^scenario "([\s\S]*)": (no step definition matches|several step definitions match) the step "([\s\S]*)"$/
const DUPLICATE = /^([\s\S]+?): (\d+) scenarios share the key "([\s\S]*)"; ([\s\S]*)$/

/**
 * The dry run's problems (`loadPolicies().problems`), each under its rule; nothing is dropped
 * (unknown wording: rule `policy`). `stepTrouble`: `file:line` of each scenario with an undefined or
 * ambiguous step (it stops there in any run).
 */
export function classifyPolicyProblems(messages: readonly string[], ctx: PolicyContext): { problems: LintProblem[]; stepTrouble: Set<string> } {
  const cwd = ctx.cwd ?? process.cwd()
  const names = [...ctx.files.keys()]
  const abs = (display: string) => ctx.files.get(display) ?? display
  const out: LintProblem[] = []
  const stepTrouble = new Set<string>()
  for (const message of messages) {
    const dup = DUPLICATE.exec(message)
    if (dup) {
      // one problem at each scenario, naming the others
      const places = dup[1]!.split(', ').map((p) => splitLocation(`${p}: x`, names)).filter((p) => p !== undefined)
      for (const p of places) {
        const others = places.filter((o) => o !== p).map((o) => `${o.file}:${o.line ?? '?'}`)
        out.push(problem('duplicate-key', abs(p.file), p.line, `scenario key "${dup[3]}" is also the key of ${others.join(', ')}; ${dup[4]}`, cwd))
      }
      continue
    }
    const at = splitLocation(message, names)
    if (!at) {
      out.push(problem('policy', 'feature file', undefined, message, cwd))
      continue
    }
    const file = abs(at.file)
    const step = STEP.exec(at.rest)
    if (step) {
      const text = step[3]!
      stepTrouble.add(`${file}:${at.line}`)
      const src = ctx.source(file)
      const line = src && at.line ? findStepLine(src, at.line, text) : at.line
      if (step[2] === 'no step definition matches') out.push(problem('undefined-step', file, line, `no phrase of the step library matches "${text}" (\`vigil steps\` lists them)`, cwd))
      else out.push(problem('ambiguous-step', file, line, `several phrases match "${text}": ${ctx.definitionsMatching(text).join(', ') || 'see `vigil steps`'}`, cwd))
      continue
    }
    let rule: LintRule = 'policy'
    if (/needs exactly one @check:<id> tag/.test(at.rest)) rule = 'check-tag'
    else if (/unknown control "/.test(at.rest)) rule = 'unknown-control'
    else if (/has more than one @(id|severity): tag|is not a valid scenario id|is not a severity/.test(at.rest)) rule = 'invalid-tag'
    else if (/^\(\d+:\d+\): /.test(at.rest)) rule = 'gherkin-syntax'
    out.push(problem(rule, file, at.line, at.rest, cwd))
  }
  return { problems: out, stepTrouble }
}

/** Rules on each scenario that the dry run does not apply. */
export function scenarioProblems(ctx: PolicyContext): LintProblem[] {
  const cwd = ctx.cwd ?? process.cwd()
  const out: LintProblem[] = []
  for (const s of ctx.scenarios) {
    const where = `scenario "${s.name}"`
    if (isTeamFile(s.file) && s.idTag === undefined)
      out.push(problem('missing-id', s.file, s.line, `${where} has no @id:<slug> tag; give it one (e.g. @id:${suggestId(s)}) so its findings keep their identity when the file or the name changes`, cwd))
    if (!s.checkId) continue
    const check = findCheck(s.checkId)
    if (!check) {
      out.push(problem('unknown-check', s.file, s.line, `${where}: @check:${s.checkId} names no check of the catalog (see \`vigil checks\`)`, cwd))
      continue
    }
    if (s.selections.length === 0) out.push(problem('no-selection', s.file, s.line, `${where} selects no targets: add a step such as "Given every ${KIND_WORDS[check.kinds[0]!]}"`, cwd))
    for (const sel of s.selections)
      if (!check.kinds.includes(sel.kind))
        out.push(
          problem(
            'wrong-kind',
            s.file,
            stepLineOf(ctx, s, `every ${KIND_WORDS[sel.kind]}${sel.tag ? ` tagged "${sel.tag}"` : ''}`),
            `${where} selects every ${KIND_WORDS[sel.kind]}, but ${check.id} applies to ${check.kinds.map((k) => KIND_WORDS[k]).join(' and ')} targets only`,
            cwd,
          ),
        )
  }
  return out
}

export const KIND_WORDS: Record<string, string> = { tls: 'TLS endpoint', ssh: 'SSH server', keyDir: 'key folder', aws: 'AWS account' }

function suggestId(s: Scenario): string {
  const slug = s.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60)
  return `${s.checkId ? `${s.checkId}.` : ''}${slug || 'scenario'}`
}

export function stepLineOf(ctx: PolicyContext, s: Scenario, text: string): number {
  const src = ctx.source(s.file)
  return src ? findStepLine(src, s.line, text) : s.line
}

/** What the describe run saw one scenario do: the checks its phrases judged, or the error a phrase raised. */
export interface ScenarioDescription {
  scenario: Scenario
  judged: { checkId: string; params: Record<string, unknown> }[]
  /** a phrase that threw (an unknown profile name, …) */
  failure?: string
}

/**
 * From the describe run: a phrase that refuses its parameters, a phrase judging another check than
 * the @check: tag, and a scenario that judges nothing. `skip` holds `file:line` of scenarios that
 * already have a step problem (undefined or ambiguous steps stop them early).
 */
export function describedProblems(described: readonly ScenarioDescription[], skip: ReadonlySet<string>, ctx: PolicyContext): LintProblem[] {
  const cwd = ctx.cwd ?? process.cwd()
  const out: LintProblem[] = []
  for (const d of described) {
    const s = d.scenario
    if (skip.has(`${s.file}:${s.line}`)) continue
    const where = `scenario "${s.name}"`
    if (d.failure) {
      out.push(problem('phrase-error', s.file, s.line, `${where}: ${d.failure}`, cwd))
      continue
    }
    if (d.judged.length === 0) {
      out.push(problem('judges-nothing', s.file, s.line, `${where} has no phrase that judges its targets (a "Then …" step of the step library); it would never produce a finding`, cwd))
      continue
    }
    if (!s.checkId || !findCheck(s.checkId)) continue
    const other = [...new Set(d.judged.map((j) => j.checkId).filter((c) => c !== s.checkId))]
    if (other.length)
      out.push(problem('check-mismatch', s.file, s.line, `${where} is tagged @check:${s.checkId}, but its phrase judges ${other.join(', ')}; tag it @check:${other[0]} or use a phrase of ${s.checkId} (\`vigil steps\`)`, cwd))
  }
  return out
}
