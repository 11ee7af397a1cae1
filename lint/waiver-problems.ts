// Lint rules on the waivers file: every entry on its own (loadWaivers), expired entries, and entries
// whose target or check/target combination matches nothing the inventory and policies would judge.
// Pure: the waivers, the inventory and the scenarios are already loaded.
import { CHECKS } from '../checks/catalog.ts'
import type { Scenario } from '../runner/cucumber.ts'
import { allTargets, type Inventory } from '../runner/inventory.ts'
import { matches, waiverActive, type WaiverSet } from '../reports/waivers.ts'
import { judgedPairs } from './inventory-problems.ts'
import { problem, splitLocation, type LintProblem, type LintRule } from './problems.ts'

export function waiverProblems(set: WaiverSet, opts: { now: Date; inv?: Inventory; active?: readonly Scenario[]; cwd?: string }): LintProblem[] {
  const cwd = opts.cwd ?? process.cwd()
  const out: LintProblem[] = []
  const at = (rule: LintRule, message: string) => {
    const loc = splitLocation(message, [set.file])
    out.push(loc ? problem(rule, loc.file, loc.line, loc.rest, cwd) : problem(rule, set.file, undefined, message, cwd))
  }
  for (const p of set.problems) at(p.kind === 'waiver-unknown-check' ? 'waiver-unknown-check' : 'waiver-invalid', p.message)
  const names = opts.inv ? allTargets(opts.inv).map((t) => t.target.name) : undefined
  const pairs = opts.inv && opts.active ? judgedPairs(opts.inv, opts.active) : undefined
  for (const w of set.waivers) {
    if (!waiverActive(w, opts.now)) at('waiver-expired', `${w.source}: waiver ${w.id} (${w.check} on ${w.target}, ${w.ticket}) expired on ${w.expires}; it waives nothing (renew it with a new date and approval, or remove it)`)
    if (!names) continue
    if (!names.some((n) => matches(w.target, n))) {
      const glob = /[*?]/.test(w.target)
      at('waiver-unknown-target', `${w.source}: waiver ${w.id}: target ${glob ? 'pattern ' : ''}"${w.target}" matches no target of ${opts.inv!.file}${names.length ? ` (targets: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''})` : ''}; it waives nothing`)
      continue
    }
    if (!CHECKS.some((c) => matches(w.check, c.id)) || !pairs) continue
    if (!pairs.some((p) => matches(w.check, p.checkId) && matches(w.target, p.target.target.name)))
      at('waiver-matches-nothing', `${w.source}: waiver ${w.id}: no scenario judges a target matching "${w.target}" with a check matching "${w.check}"; it waives nothing`)
  }
  return out
}
