// Planning reads checks/check-metadata.json instead of loading every check's code: it must say what
// the catalog says, check for check.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CHECKS } from '../../checks/catalog.ts'
import { CHECK_IDS, CHECK_METADATA, findCheckMetadata } from '../../checks/check-metadata.ts'
import { CHECK_METADATA_FILE, catalogMetadata, checkMetadataText } from '../../checks/build-check-metadata.ts'

describe('check metadata', () => {
  it('is what the catalog says (else run `node checks/build-check-metadata.ts`)', () => {
    expect(readFileSync(CHECK_METADATA_FILE, 'utf8'), 'checks/check-metadata.json is stale: run `node checks/build-check-metadata.ts`').toBe(checkMetadataText())
    expect(CHECK_METADATA).toEqual(catalogMetadata())
    expect(CHECK_IDS).toEqual(CHECKS.map((c) => c.id))
    for (const c of CHECKS) expect(findCheckMetadata(c.id)).toMatchObject({ id: c.id, kinds: c.kinds, needs: c.needs, severity: { level: c.severity.level } })
    for (const c of CHECKS) expect(findCheckMetadata(c.id)!.params.map((p) => p.name)).toEqual(c.params.map((p) => p.name))
    expect(findCheckMetadata('no.such.check')).toBeUndefined()
  })
})
