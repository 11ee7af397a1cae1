// Regenerates reports/results.schema.json from the zod schema: `node reports/build-results-schema.ts`.
// A test fails when the committed file and the schema drift apart.
import { writeFileSync } from 'node:fs'
import * as z from 'zod'
import { RESULTS_SCHEMA_VERSION, ResultsSchema } from './model.ts'

export function resultsJsonSchema(): string {
  const schema = z.toJSONSchema(ResultsSchema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' })
  return JSON.stringify({ $id: `https://vigil.dev/schemas/results-v${RESULTS_SCHEMA_VERSION}.json`, title: `Vigil results file, schemaVersion ${RESULTS_SCHEMA_VERSION} (version 2 files are read too)`, ...schema }, null, 2) + '\n'
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('./results.schema.json', import.meta.url), resultsJsonSchema())
}
