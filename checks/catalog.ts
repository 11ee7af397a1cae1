// Every check Vigil knows, by stable id. Each domain exports its list from checks/<domain>/index.ts.
// This loads every check's code (judges and what they import): planning, which needs only ids, kinds,
// needs, parameters and severities, reads checks/check-metadata.ts instead.
import type { CheckDefinition } from './types.ts'
import { tlsChecks } from './tls/index.ts'
import { awsChecks } from './aws/index.ts'
import { sshChecks } from './ssh/index.ts'
import { hostChecks } from './host/index.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCheck = CheckDefinition<any, any>

export const CHECKS: readonly AnyCheck[] = [...tlsChecks, ...awsChecks, ...sshChecks, ...hostChecks]

const byId = new Map(CHECKS.map((c) => [c.id, c]))

export function findCheck(id: string): AnyCheck | undefined {
  return byId.get(id)
}

export function getCheck(id: string): AnyCheck {
  const c = byId.get(id)
  if (!c) throw new Error(`unknown check id "${id}"`)
  return c
}
