// The effective policy set of a run: the shipped library and the team's own feature files (one step
// vocabulary), minus the built-in scenarios the inventory switches off, with the parameters it
// changes. `vigil run`, `vigil gate`, `vigil policies` and `vigil lint` all start here.
//
// Two stages, so a run can start probing before Cucumber is loaded: `planEffectivePolicies` (the
// scenarios, every problem that needs no step definition; no Cucumber) and `withPolicySteps` (loads
// Cucumber and the step library, finds undefined or ambiguous steps, gives the judging run's set).
// `effectivePolicies` does both, in that order.
import { findCheckMetadata } from '../checks/check-metadata.ts'
import { ConfigError } from '../core/config-file.ts'
import { checkPolicySteps, loadPolicies, type PolicySet } from './cucumber.ts'
import { DEFAULT_FEATURES, planPolicies, type PolicyNamer, type PolicyPlan } from './policy-plan.ts'
import type { Inventory } from './inventory.ts'

export interface EffectivePolicies {
  /** feature files or globs loaded */
  features: string[]
  set: PolicySet
  /** parameters by scenario key, from the inventory's `policies.params` */
  overrides: Record<string, Record<string, unknown>>
  /** scenario keys switched off */
  off: string[]
}

/** The effective policies before Cucumber is loaded: what a run plans and probes from. */
export interface EffectivePlan {
  /** feature files or globs loaded */
  features: string[]
  /** the selected scenarios, those switched off removed; `plan.tags` excludes them too (the judging run's filter) */
  plan: PolicyPlan
  /** parameters by scenario key, from the inventory's `policies.params` */
  overrides: Record<string, Record<string, unknown>>
  /** scenario keys switched off */
  off: string[]
}

type PolicyOptions = { features?: string[]; tags?: string; policyName?: PolicyNamer }

/** `--features` replaces the inventory's `policies:` choice of files; `off` and `params` still apply. */
function featuresOf(inv: Inventory, opts: PolicyOptions): string[] {
  const p = inv.policies
  const features = opts.features?.length ? opts.features : [...(p.library ? DEFAULT_FEATURES : []), ...p.paths]
  if (features.length === 0) throw new ConfigError(`${inv.file}: policies.library is false and policies.paths is empty: there is no policy to run`)
  return features
}

const loadOptions = (features: string[], opts: PolicyOptions) => ({ features, ...(opts.tags ? { tags: opts.tags } : {}), ...(opts.policyName ? { policyName: opts.policyName } : {}) })

/**
 * Checks the inventory's `policies.off` and `policies.params` against the selected scenarios (a
 * ConfigError listing every mistake), then removes the scenarios switched off, from the list and
 * from the tag expression the judging run filters with.
 */
function applyPolicyChanges(inv: Inventory, plan: PolicyPlan): PolicyPlan {
  const p = inv.policies
  const byKey = new Map(plan.scenarios.map((s) => [s.scenarioKey, s]))
  const known = () => [...byKey.keys()].slice(0, 12).join(', ') + (byKey.size > 12 ? ', …' : '')
  const problems: string[] = []
  for (const k of p.off) {
    const s = byKey.get(k)
    if (!s) problems.push(`${p.lines[`off:${k}`]}: "${k}" names no scenario of the loaded policies (keys: ${known()})`)
    else if (!s.idTag) problems.push(`${p.lines[`off:${k}`]}: "${k}" has no @id: tag; switch your own scenarios off in their feature file (or give them an @id:)`)
  }
  for (const [k, params] of Object.entries(p.params)) {
    const s = byKey.get(k)
    if (!s) {
      problems.push(`${p.lines[`params:${k}`]}: "${k}" names no scenario of the loaded policies (keys: ${known()})`)
      continue
    }
    if (p.off.includes(k)) problems.push(`${p.lines[`params:${k}`]}: "${k}" is switched off (policies.off); its parameters would never apply`)
    if (!s.idTag) problems.push(`${p.lines[`params:${k}`]}: "${k}" has no @id: tag; change your own scenarios' parameters in their phrases`)
    const check = s.checkId ? findCheckMetadata(s.checkId) : undefined
    const names = new Set(check?.params.map((x) => x.name) ?? [])
    for (const name of Object.keys(params))
      if (!names.has(name)) problems.push(`${p.lines[`params:${k}`]}.${name}: ${s.checkId} has no parameter "${name}" (it has: ${[...names].join(', ') || 'none'})`)
  }
  if (problems.length) throw new ConfigError(problems.join('\n'))
  if (!p.off.length) return plan
  // the judging run must skip them too: Cucumber's own tag filter
  const without = p.off.map((k) => `not @id:${k}`).join(' and ')
  return { ...plan, tags: plan.tags ? `(${plan.tags}) and ${without}` : without, scenarios: plan.scenarios.filter((s) => !p.off.includes(s.scenarioKey)) }
}

/**
 * The scenarios a run judges and every problem that needs no step definition (a ConfigError), without
 * loading Cucumber: a run plans and starts probing from this, then calls `withPolicySteps`.
 */
export async function planEffectivePolicies(inv: Inventory, opts: PolicyOptions): Promise<EffectivePlan> {
  const features = featuresOf(inv, opts)
  const plan = await planPolicies(loadOptions(features, opts))
  if (plan.problems.length > 0) throw new ConfigError(plan.problems.map((x) => x.message).join('\n'))
  return { features, plan: applyPolicyChanges(inv, plan), overrides: inv.policies.params, off: inv.policies.off }
}

/**
 * The step check of a planned policy set (loads Cucumber and the step library): a ConfigError when a
 * step has no step definition or several; else the set the judging run uses.
 */
export async function withPolicySteps(eff: EffectivePlan): Promise<EffectivePolicies> {
  const set = await checkPolicySteps(eff.plan)
  if (set.problems.length > 0) throw new ConfigError(set.problems.map((x) => x.message).join('\n'))
  return { features: eff.features, set, overrides: eff.overrides, off: eff.off }
}

/** Both stages at once, every policy problem (steps included) reported before the inventory's policy changes are checked. */
export async function effectivePolicies(inv: Inventory, opts: PolicyOptions): Promise<EffectivePolicies> {
  const features = featuresOf(inv, opts)
  const set = await loadPolicies(loadOptions(features, opts))
  if (set.problems.length > 0) throw new ConfigError(set.problems.map((x) => x.message).join('\n'))
  const plan = applyPolicyChanges(inv, { features, tags: opts.tags ?? '', scenarios: set.scenarios, problems: [], unrunnable: false, policyName: set.policyName })
  if (inv.policies.off.length) {
    set.scenarios = plan.scenarios
    set.runConfiguration.sources.tagExpression = plan.tags
  }
  return { features, set, overrides: inv.policies.params, off: inv.policies.off }
}
