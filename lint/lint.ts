// `vigil lint`: every mistake of a team's policy repository, each at its file and line, without the
// network — Gherkin syntax, undefined or ambiguous phrases, unknown checks and controls, tags,
// duplicate keys, what the phrases judge, selections and waivers that match nothing in the
// inventory, `policies.off`/`params` naming nothing, `retired:` entries that are not retired.
import { CHECKS } from '../checks/catalog.ts'
import { loadWaivers } from '../reports/waivers.ts'
import { describePolicies } from './describe.ts'
import { activeScenarios, policiesConfigProblems, retiredProblems, selectionProblems } from './inventory-problems.ts'
import { loadRepository, waiversFile } from './load.ts'
import { classifyPolicyProblems, describedProblems, scenarioProblems } from './policy-problems.ts'
import { sortProblems, type LintProblem } from './problems.ts'
import { waiverProblems } from './waiver-problems.ts'

export interface LintOptions {
  config: string
  waivers?: string
  features?: string[]
  /** "today" for waiver expiry (default: now) */
  now?: Date
  cwd?: string
}

export interface LintReport {
  problems: LintProblem[]
  /** what was looked at */
  inventory: string
  waivers: string | undefined
  featureFiles: string[]
  scenarios: number
}

export async function lintRepository(opts: LintOptions): Promise<LintReport> {
  const cwd = opts.cwd ?? process.cwd()
  const repo = await loadRepository({ config: opts.config, ...(opts.features ? { features: opts.features } : {}), cwd })
  const { inv, set, ctx } = repo
  const problems: LintProblem[] = [...repo.problems]

  const dryRun = classifyPolicyProblems(repo.policyMessages, ctx)
  problems.push(...dryRun.problems, ...scenarioProblems(ctx))
  const active = activeScenarios(inv, ctx.scenarios)
  if (set) {
    // scenarios whose steps the dry run could not match stop early in the describe run: not reported twice
    const described = await describePolicies(set)
    problems.push(...describedProblems(described, dryRun.stepTrouble, ctx))
  }
  if (inv) {
    problems.push(...policiesConfigProblems(inv, ctx.scenarios, cwd), ...selectionProblems(inv, active, ctx), ...retiredProblems(inv, active, cwd))
  }

  const wf = waiversFile(opts.waivers, cwd)
  if (wf) {
    // a named waivers file that does not exist is a usage error (as for `vigil run`)
    const ws = loadWaivers(wf, CHECKS.map((c) => c.id))
    problems.push(...waiverProblems(ws, { now: opts.now ?? new Date(), ...(inv ? { inv, active } : {}), cwd }))
  }

  return {
    problems: sortProblems(problems),
    inventory: opts.config,
    waivers: wf,
    featureFiles: [...new Set(ctx.scenarios.map((s) => s.policy))],
    scenarios: ctx.scenarios.length,
  }
}

