// Where a finding is shown in the team's repository (annotations, SARIF): the scenario line of the
// team's own feature file, or — for a policy of the library shipped with Vigil — the target's entry in
// the inventory, the only line of the team's that the finding is about.
import { existsSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { VIGIL_ROOT } from '../core/vigil-root.ts'
import type { Finding } from './model.ts'

export interface LocationContext {
  /** the repository root: paths are relative to it */
  repo: string
  inventoryFile: string
  /** line of each target's entry, by target name */
  targetLines: Record<string, number>
}

const posixRelative = (from: string, to: string) => relative(from, to).split('\\').join('/')

export function findingLocation(f: Pick<Finding, 'policy' | 'scenarioLine' | 'target'>, where: LocationContext): { file: string; line: number } {
  const policyFile = resolve(where.repo, f.policy)
  const teams = existsSync(policyFile) && posixRelative(VIGIL_ROOT, policyFile).startsWith('..') && !posixRelative(where.repo, policyFile).startsWith('..')
  if (teams && f.scenarioLine) return { file: posixRelative(where.repo, policyFile), line: f.scenarioLine }
  return { file: posixRelative(where.repo, resolve(where.inventoryFile)), line: where.targetLines[f.target] ?? 1 }
}
