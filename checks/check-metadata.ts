// What planning needs to know of every check — its target kinds, the observation parts it needs, its
// parameters and default severity — without loading the checks' code (their judges import parsers,
// crypto helpers and data tables a run needs only once it judges). Generated from the catalog
// (checks/catalog.ts) into check-metadata.json by `node checks/build-check-metadata.ts`;
// test/checks/check-metadata.test.ts fails when the two differ. Titles and descriptions are not
// here: what shows a check to a person loads the catalog.
import type { CheckDefinition, ParamSpec } from './types.ts'
import data from './check-metadata.json' with { type: 'json' }

/** What the planner, the policy set and the findings need of a check definition. */
export type CheckMetadata = Pick<CheckDefinition, 'id' | 'kinds' | 'needs'> & {
  params: Pick<ParamSpec, 'name' | 'default'>[]
  severity: Pick<CheckDefinition['severity'], 'level'>
}

/** Every check, in catalog order. */
export const CHECK_METADATA: readonly CheckMetadata[] = data as unknown as CheckMetadata[]

/** Every check id, in catalog order. */
export const CHECK_IDS: readonly string[] = CHECK_METADATA.map((c) => c.id)

const byId = new Map(CHECK_METADATA.map((c) => [c.id, c]))

export function findCheckMetadata(id: string): CheckMetadata | undefined {
  return byId.get(id)
}
