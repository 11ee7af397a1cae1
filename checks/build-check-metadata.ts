// Regenerates checks/check-metadata.json from the check catalog (what checks/check-metadata.ts
// describes: id, kinds, needs, parameter names and defaults, default severity):
//   node checks/build-check-metadata.ts
// Run it after adding a check or changing one of those.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CHECKS } from './catalog.ts'
import type { CheckMetadata } from './check-metadata.ts'

/** The metadata of every check in the catalog, in catalog order. */
export function catalogMetadata(): CheckMetadata[] {
  return CHECKS.map((c) => ({ id: c.id, kinds: c.kinds, needs: c.needs, params: c.params.map((p) => ({ name: p.name, default: p.default })), severity: { level: c.severity.level } }))
}

export const CHECK_METADATA_FILE = fileURLToPath(new URL('./check-metadata.json', import.meta.url))

/** The metadata file's text for the catalog as it is. */
export function checkMetadataText(): string {
  return JSON.stringify(catalogMetadata(), null, 1) + '\n'
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CHECK_METADATA_FILE, checkMetadataText())
  process.stdout.write(`wrote ${CHECKS.length} checks to ${CHECK_METADATA_FILE}\n`)
}
