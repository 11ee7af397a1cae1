// The describe run: Cucumber runs the policy set with a World that records what each phrase would
// judge — the check id and the phrase's own parameters — instead of judging anything. No
// observation, no network. `vigil policies` shows the effective parameters from it, and `vigil lint`
// finds phrases that refuse their parameters, judge another check than their @check: tag, or judge
// nothing.
//
// It replaces the World of Vigil's step library (steps/support/world.ts) for this run only: the
// steps call `this.select(kind, tag)` and `this.judge(checkId, params)`, the contract of that World.
import { World, type IWorldOptions } from '@cucumber/cucumber'
import { judgeWithCucumber, type PolicySet, type Scenario } from '../runner/cucumber.ts'
import type { TargetKind } from '../checks/types.ts'
import type { ScenarioDescription } from './policy-problems.ts'
import { withWorld } from './support-library.ts'

export const DESCRIBE_MEDIA_TYPE = 'application/vnd.vigil.describe+json'

/** What a phrase would judge: one attachment per `judge` call. */
export interface DescribeAttachment {
  checkId: string
  /** the phrase's own parameters (before `policies.params`) */
  params: Record<string, unknown>
  selection: { kind: TargetKind; tag?: string }[]
}

export class DescribeWorld extends World {
  private selection: { kind: TargetKind; tag?: string }[] = []
  /** set by the step library's Before hook (the scenario's @id:) */
  scenarioId: string | undefined

  constructor(options: IWorldOptions) {
    super(options)
  }

  select(kind: TargetKind, tag?: string): void {
    this.selection.push(tag ? { kind, tag } : { kind })
  }

  async judge(checkId: string, params: Record<string, unknown>): Promise<void> {
    const att: DescribeAttachment = { checkId, params, selection: [...this.selection] }
    await this.attach(JSON.stringify(att), DESCRIBE_MEDIA_TYPE)
  }
}

const where = (s: Pick<Scenario, 'file' | 'line' | 'name'>) => `${s.file}:${s.line}:${s.name}`

/** Runs every scenario of `set` with the describe World; one description per scenario of the set. */
export async function describePolicies(set: PolicySet): Promise<ScenarioDescription[]> {
  const { attachments, stepFailures } = await judgeWithCucumber({ ...set, support: withWorld(set.support, DescribeWorld) }, {}, DESCRIBE_MEDIA_TYPE)
  const judged = new Map<string, DescribeAttachment[]>()
  for (const a of attachments) if ('body' in a) judged.set(where(a.scenario), [...(judged.get(where(a.scenario)) ?? []), JSON.parse(a.body) as DescribeAttachment])
  const failures = new Map<string, string>()
  for (const f of stepFailures) {
    // undefined and ambiguous steps are the dry run's problems already
    if (!f.scenario || !f.message.startsWith('FAILED')) continue
    failures.set(where(f.scenario), f.message.replace(/^FAILED:\s*/, ''))
  }
  return set.scenarios.map((scenario) => {
    const failure = failures.get(where(scenario))
    return {
      scenario,
      judged: (judged.get(where(scenario)) ?? []).map((a) => ({ checkId: a.checkId, params: a.params })),
      ...(failure ? { failure } : {}),
    }
  })
}
