// The effective policy set of a run: the shipped library and the team's own feature files (one step
// vocabulary), minus the built-in scenarios the inventory switches off, with the parameters it
// changes. `vigil run`, `vigil gate`, `vigil policies` and `vigil lint` all start here.
import { findCheck } from '../checks/catalog.ts'
import { ConfigError } from '../core/config-file.ts'
import { DEFAULT_FEATURES, loadPolicies, type PolicyNamer, type PolicySet } from './cucumber.ts'
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

/** `--features` replaces the inventory's `policies:` choice of files; `off` and `params` still apply. */
export async function effectivePolicies(inv: Inventory, opts: { features?: string[]; tags?: string; policyName?: PolicyNamer }): Promise<EffectivePolicies> {
  const p = inv.policies
  const features = opts.features?.length ? opts.features : [...(p.library ? DEFAULT_FEATURES : []), ...p.paths]
  if (features.length === 0) throw new ConfigError(`${inv.file}: policies.library is false and policies.paths is empty: there is no policy to run`)
  const set = await loadPolicies({ features, ...(opts.tags ? { tags: opts.tags } : {}), ...(opts.policyName ? { policyName: opts.policyName } : {}) })
  if (set.problems.length > 0) throw new ConfigError(set.problems.map((x) => x.message).join('\n'))
  const byKey = new Map(set.scenarios.map((s) => [s.scenarioKey, s]))
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
    const check = s.checkId ? findCheck(s.checkId) : undefined
    const names = new Set(check?.params.map((x) => x.name) ?? [])
    for (const name of Object.keys(params))
      if (!names.has(name)) problems.push(`${p.lines[`params:${k}`]}.${name}: ${s.checkId} has no parameter "${name}" (it has: ${[...names].join(', ') || 'none'})`)
  }
  if (problems.length) throw new ConfigError(problems.join('\n'))
  if (p.off.length) {
    // the judging run must skip them too: Cucumber's own tag filter
    const without = p.off.map((k) => `not @id:${k}`).join(' and ')
    const src = set.runConfiguration.sources
    src.tagExpression = src.tagExpression ? `(${src.tagExpression}) and ${without}` : without
    set.scenarios = set.scenarios.filter((s) => !p.off.includes(s.scenarioKey))
  }
  return { features, set, overrides: p.params, off: p.off }
}
