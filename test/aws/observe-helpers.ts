// Shared by the AWS integration suites: observe a moto account with every part and judge it.
import { afterAll, beforeAll, expect } from 'vitest'
import { observeAws } from '../../checks/aws/probe.ts'
import { startMoto, type Moto } from '../../lab/aws/moto-server.ts'
import { AWS_PARTS, type AwsObservation } from '../../checks/aws/observation.ts'
import { EMULATOR_CREDENTIALS, seedAwsLab } from '../../lab/aws/seed-account.ts'
import { getCheck } from '../../checks/catalog.ts'
import type { ObserveContext, Verdict } from '../../checks/types.ts'
import type { AwsTarget } from '../../checks/aws/target.ts'

export const ALL_PARTS = new Set<string>(Object.values(AWS_PARTS))

export function ctxFor(needs: Set<string> = ALL_PARTS): ObserveContext {
  return { needs, timeoutMs: 5000, extraCaPems: [], limit: (_h, fn) => fn() }
}

export function target(endpoint: string, regions = ['us-east-1']): AwsTarget {
  return { name: 'moto', regions, endpoint, tags: [] }
}

export async function observe(endpoint: string, regions?: string[], needs?: Set<string>): Promise<AwsObservation> {
  return observeAws(target(endpoint, regions), ctxFor(needs), { credentials: async () => EMULATOR_CREDENTIALS })
}

export function judge(id: string, obs: AwsObservation, params: Record<string, unknown> = {}, now = new Date()): Verdict {
  return getCheck(id).judge(obs, params, { now })
}

/** ARNs of the offending resources (observed.offenders), checked against the gate's offender ids. */
export function offenders(v: Verdict): string[] {
  const arns = ((v.observed.offenders as { arn: string }[]) ?? []).map((o) => o.arn).sort()
  // Verdict.offenders names the same resources, each as its ARN or `<arn>#<aspect>`; none unless failed or error
  if (v.status === 'failed') expect([...new Set((v.offenders ?? []).map((o) => o.id.split('#')[0]!))].sort(), 'Verdict.offenders vs observed.offenders').toEqual(arns)
  else if (v.status !== 'error') expect(v.offenders, `${v.status} verdict with offenders`).toBeUndefined()
  return arns
}

/** One moto server per suite: started before the suite's tests, stopped after them. */
export function useMoto(): () => Moto {
  let moto: Moto | undefined
  beforeAll(async () => {
    moto = await startMoto()
  }, 90_000)
  afterAll(async () => {
    await moto?.stop()
  })
  return () => {
    if (!moto) throw new Error('moto is not running (useMoto() must be called at the top of the suite)')
    return moto
  }
}

/** Resets moto, seeds the lab account (good and bad buckets, users, roles) and observes it whole. */
export async function observeSeededLab(moto: Moto): Promise<AwsObservation> {
  await moto.reset()
  await seedAwsLab(moto.endpoint)
  return observe(moto.endpoint)
}
