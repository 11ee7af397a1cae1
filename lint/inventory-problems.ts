// Lint rules that join the inventory with the policy set: what `policies.off` / `policies.params`
// name, selections by tag that no target carries, and `retired:` entries that are not retired.
// Pure: the inventory and the scenarios are already loaded.
import { findCheck } from '../checks/catalog.ts'
import type { Scenario } from '../runner/cucumber.ts'
import { allTargets, type AnyTarget, type Inventory } from '../runner/inventory.ts'
import { selects } from '../runner/target-selection.ts'
import { KIND_WORDS, stepLineOf, type PolicyContext } from './policy-problems.ts'
import { problem, splitLocation, type LintProblem, type LintRule } from './problems.ts'

/** `"file:line: field x"` (Inventory.policies.lines) → a problem at that line, the field kept in the message. */
function atField(rule: LintRule, where: string | undefined, inv: Inventory, message: string, cwd: string): LintProblem {
  const at = where ? splitLocation(`${where}: ${message}`, [inv.file]) : undefined
  return at ? problem(rule, at.file, at.line, at.rest, cwd) : problem(rule, inv.file, undefined, message, cwd)
}

/**
 * `policies.off` and `policies.params`: the same rules `effectivePolicies` applies, every problem at
 * its own line instead of one error for all. `scenarios` are all the loaded ones (before `off`).
 */
export function policiesConfigProblems(inv: Inventory, scenarios: readonly Scenario[], cwd = process.cwd()): LintProblem[] {
  const p = inv.policies
  const out: LintProblem[] = []
  const byKey = new Map(scenarios.map((s) => [s.scenarioKey, s]))
  const ids = scenarios.filter((s) => s.idTag !== undefined).map((s) => s.scenarioKey)
  const known = () => ids.slice(0, 8).join(', ') + (ids.length > 8 ? `, … ${ids.length - 8} more` : '')
  for (const k of p.off) {
    const s = byKey.get(k)
    const where = p.lines[`off:${k}`]
    if (!s) out.push(atField('policies-off', where, inv, `"${k}" names no scenario of the loaded policies (keys: ${known()})`, cwd))
    else if (!s.idTag) out.push(atField('policies-off', where, inv, `"${k}" has no @id: tag; switch your own scenarios off in their feature file (or give them an @id:)`, cwd))
  }
  for (const [k, params] of Object.entries(p.params)) {
    const s = byKey.get(k)
    const where = p.lines[`params:${k}`]
    if (!s) {
      out.push(atField('policies-params', where, inv, `"${k}" names no scenario of the loaded policies (keys: ${known()})`, cwd))
      continue
    }
    if (p.off.includes(k)) out.push(atField('policies-params', where, inv, `"${k}" is switched off (policies.off); its parameters would never apply`, cwd))
    if (!s.idTag) out.push(atField('policies-params', where, inv, `"${k}" has no @id: tag; change your own scenarios' parameters in their phrases`, cwd))
    const check = s.checkId ? findCheck(s.checkId) : undefined
    const names = new Set(check?.params.map((x) => x.name) ?? [])
    for (const name of Object.keys(params))
      if (!names.has(name)) out.push(atField('policies-params', where ? `${where}.${name}` : undefined, inv, `${s.checkId} has no parameter "${name}" (it has: ${[...names].join(', ') || 'none'})`, cwd))
  }
  return out
}

/** The scenarios a run would judge: all loaded ones but those `policies.off` switches off. */
export function activeScenarios(inv: Inventory | undefined, scenarios: readonly Scenario[]): Scenario[] {
  const off = new Set(inv?.policies.off ?? [])
  return scenarios.filter((s) => !off.has(s.scenarioKey))
}

/** `Given every TLS endpoint tagged "x"` where no TLS target of the inventory carries `x`. */
export function selectionProblems(inv: Inventory, active: readonly Scenario[], ctx: PolicyContext): LintProblem[] {
  const cwd = ctx.cwd ?? process.cwd()
  const targets = allTargets(inv)
  const out: LintProblem[] = []
  for (const s of active)
    for (const sel of s.selections) {
      if (!sel.tag) continue
      const ofKind = targets.filter((t) => t.kind === sel.kind)
      if (ofKind.some((t) => selects(sel, { kind: t.kind, tags: t.target.tags }))) continue
      const carried = [...new Set(ofKind.flatMap((t) => t.target.tags))].sort()
      const text = `every ${KIND_WORDS[sel.kind]} tagged "${sel.tag}"`
      out.push(
        problem(
          'unmatched-selection',
          s.file,
          stepLineOf(ctx, s, text),
          `scenario "${s.name}": no ${KIND_WORDS[sel.kind]} in ${inv.file} is tagged "${sel.tag}" (${ofKind.length ? `their tags: ${carried.join(', ') || 'none'}` : `there is no ${KIND_WORDS[sel.kind]} at all`}); the scenario would judge nothing`,
          cwd,
        ),
      )
    }
  return out
}

/** Every (scenario, target) pair a run would judge, with the check: what findings there would be. */
export function judgedPairs(inv: Inventory, active: readonly Scenario[]): { scenario: Scenario; checkId: string; target: AnyTarget }[] {
  const targets = allTargets(inv)
  const out: { scenario: Scenario; checkId: string; target: AnyTarget }[] = []
  for (const s of active) {
    const check = s.checkId ? findCheck(s.checkId) : undefined
    if (!check) continue
    for (const t of targets)
      if (check.kinds.includes(t.kind) && s.selections.some((sel) => selects(sel, { kind: t.kind, tags: t.target.tags }))) out.push({ scenario: s, checkId: check.id, target: t })
  }
  return out
}

/**
 * `retired:` entries whose subject still exists. An entry naming one thing (a target, a scenario
 * key, a check) is not retired while that thing is still in the inventory or the policy set; an
 * entry naming several (a check on a target, …) while a run would still judge that combination.
 */
export function retiredProblems(inv: Inventory, active: readonly Scenario[], cwd = process.cwd()): LintProblem[] {
  const out: LintProblem[] = []
  const names = new Set(allTargets(inv).map((t) => t.target.name))
  const pairs = judgedPairs(inv, active)
  for (const r of inv.retired) {
    const at = splitLocation(`${r.source}: x`, [inv.file])
    const named = [r.target !== undefined ? `target "${r.target}"` : '', r.scenario !== undefined ? `scenario "${r.scenario}"` : '', r.check !== undefined ? `check ${r.check}` : ''].filter(Boolean)
    const fields = [r.target, r.scenario, r.check].filter((x) => x !== undefined).length
    let still: string | undefined
    if (fields === 1 && r.target !== undefined && names.has(r.target)) still = `target "${r.target}" is still in the inventory (${inv.file}:${inv.targetLines[r.target] ?? '?'})`
    else if (fields === 1 && r.scenario !== undefined) {
      const s = active.find((x) => x.scenarioKey === r.scenario)
      if (s) still = `scenario "${r.scenario}" is still in the policies (${s.policy}:${s.line})`
    } else if (fields === 1 && r.check !== undefined) {
      const s = active.find((x) => x.checkId === r.check)
      if (s) still = `check ${r.check} is still judged by scenario "${s.scenarioKey}" (${s.policy}:${s.line})`
    } else if (fields > 1) {
      const p = pairs.find(
        (x) => (r.target === undefined || x.target.target.name === r.target) && (r.scenario === undefined || x.scenario.scenarioKey === r.scenario) && (r.check === undefined || x.checkId === r.check),
      )
      if (p) still = `scenario "${p.scenario.scenarioKey}" (${p.scenario.policy}:${p.scenario.line}) still judges target "${p.target.target.name}" with ${p.checkId}`
    }
    if (still) out.push(problem('retired-still-present', at?.file ?? inv.file, at?.line, `retired entry (${named.join(', ')}, ${r.ticket}) is not retired: ${still}. Remove what it retires, or this entry`, cwd))
  }
  return out
}
