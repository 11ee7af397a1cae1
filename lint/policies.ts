// `vigil policies`: the effective policy set — every scenario a run would judge (the library and
// the team's own feature files, after `policies.off`), with its key, check, place, severity,
// controls and the parameters its check will get (the phrase's, with `policies.params` over them);
// and the scenarios switched off, as off.
import { findCheck } from '../checks/catalog.ts'
import { ConfigError } from '../core/config-file.ts'
import { describePolicies } from './describe.ts'
import { policiesConfigProblems } from './inventory-problems.ts'
import { loadRepository } from './load.ts'
import { classifyPolicyProblems, KIND_WORDS, scenarioProblems } from './policy-problems.ts'
import { formatProblems, sortProblems, splitLocation, type LintProblem } from './problems.ts'

export interface PolicyEntry {
  key: string
  state: 'on' | 'off'
  /** `vigil.yaml:7`, for a scenario `policies.off` switches off */
  offBy?: string
  name: string
  checkId: string
  /** the feature file, as findings name it */
  file: string
  line: number
  severity: string
  severityFrom: 'check default' | '@severity'
  controls: string[]
  /** the `Given every …` phrases */
  selects: string[]
  /** what the check will get: the phrase's parameters, `policies.params` over them */
  params: Record<string, unknown>
  /** the phrase's own parameters */
  phraseParams: Record<string, unknown>
  /** parameters `policies.params` sets, with where */
  overridden: { name: string; from: string; phrase?: unknown }[]
  /** the check's parameters neither the phrase nor `policies.params` sets: the check's defaults apply */
  defaults: Record<string, unknown>
  /** a phrase that refuses its parameters (the run would stop on it) */
  error?: string
}

export interface PolicyListing {
  inventory: string
  features: string[]
  policies: PolicyEntry[]
}

const lineOf = (where: string | undefined, file: string) => {
  const at = where ? splitLocation(`${where}: x`, [file]) : undefined
  return at ? `${at.file}:${at.line ?? '?'}` : file
}

export async function listPolicies(opts: { config: string; features?: string[] }): Promise<PolicyListing> {
  const repo = await loadRepository({ config: opts.config, ...(opts.features ? { features: opts.features } : {}) })
  const { inv, set, ctx } = repo
  // what would stop `vigil run` stops this listing too, with every problem at once
  // (a `policies.paths` entry that loads nothing does not stop a run; no policy at all does)
  const blocking: LintProblem[] = [
    ...repo.problems.filter((p) => p.rule !== 'policies-paths' || /there is no policy to run/.test(p.message)),
    ...classifyPolicyProblems(repo.policyMessages, ctx).problems,
    ...scenarioProblems(ctx).filter((p) => p.rule === 'unknown-check'),
    ...(inv ? policiesConfigProblems(inv, ctx.scenarios) : []),
  ]
  if (blocking.length) throw new ConfigError(`the policy set cannot be loaded:\n${formatProblems(sortProblems(blocking)).trimEnd()}\n(\`vigil lint\` lists every problem)`)
  if (!set || !inv) throw new ConfigError(`${opts.config}: no policy loaded`)

  const described = new Map((await describePolicies(set)).map((d) => [d.scenario, d]))
  const off = new Set(inv.policies.off)
  const policies = ctx.scenarios.map((s): PolicyEntry => {
    const d = described.get(s)
    const check = s.checkId ? findCheck(s.checkId) : undefined
    const judged = d?.judged.find((j) => j.checkId === s.checkId) ?? d?.judged[0]
    const phraseParams = judged?.params ?? {}
    const overrides = s.idTag ? (inv.policies.params[s.scenarioKey] ?? {}) : {}
    const params = { ...phraseParams, ...overrides }
    const from = lineOf(inv.policies.lines[`params:${s.scenarioKey}`], inv.file)
    const defaults = Object.fromEntries((check?.params ?? []).filter((p) => !(p.name in params)).map((p) => [p.name, p.default]))
    return {
      key: s.scenarioKey,
      state: off.has(s.scenarioKey) ? 'off' : 'on',
      ...(off.has(s.scenarioKey) ? { offBy: lineOf(inv.policies.lines[`off:${s.scenarioKey}`], inv.file) } : {}),
      name: s.name,
      checkId: s.checkId ?? '',
      file: s.policy,
      line: s.line,
      severity: s.severity ?? check?.severity.level ?? 'unknown',
      severityFrom: s.severity ? '@severity' : 'check default',
      controls: s.controls,
      selects: s.selections.map((sel) => `every ${KIND_WORDS[sel.kind]}${sel.tag ? ` tagged "${sel.tag}"` : ''}`),
      params,
      phraseParams,
      overridden: Object.keys(overrides).map((name) => ({ name, from, ...(name in phraseParams ? { phrase: phraseParams[name] } : {}) })),
      defaults,
      ...(d?.failure ? { error: d.failure } : {}),
    }
  })
  return { inventory: opts.config, features: repo.features, policies }
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))

export function formatPolicies(l: PolicyListing): string {
  const out: string[] = []
  for (const p of l.policies) {
    if (p.state === 'off') {
      out.push(`off  ${p.key}  ${p.file}:${p.line}  (${p.checkId}; switched off by policies.off, ${p.offBy})`)
      continue
    }
    out.push(`on   ${p.key}  ${p.file}:${p.line}`)
    out.push(`     ${p.name}`)
    out.push(`     check ${p.checkId} · severity ${p.severity} (${p.severityFrom}) · controls ${p.controls.join(' ') || 'none'}`)
    out.push(`     selects ${p.selects.join(' and ') || 'nothing'}`)
    if (p.error) out.push(`     error: ${p.error}`)
    const changed = new Map(p.overridden.map((o) => [o.name, o]))
    const params = Object.entries(p.params).map(([k, v]) => {
      const o = changed.get(k)
      return `${k}=${show(v)}${o ? ` (policies.params, ${o.from}${'phrase' in o ? `; the phrase says ${show(o.phrase)}` : ''})` : ''}`
    })
    out.push(`     params ${params.join(', ') || 'none'}`)
    const defaults = Object.entries(p.defaults).map(([k, v]) => `${k}=${show(v)}`)
    if (defaults.length) out.push(`     check defaults ${defaults.join(', ')}`)
  }
  const on = l.policies.filter((p) => p.state === 'on').length
  const changed = l.policies.reduce((n, p) => n + (p.state === 'on' ? p.overridden.length : 0), 0)
  out.push('', `${l.policies.length} scenarios: ${on} on, ${l.policies.length - on} off; ${changed} parameter(s) set by policies.params in ${l.inventory}`)
  return out.join('\n') + '\n'
}
