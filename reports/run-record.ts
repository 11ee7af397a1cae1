// `run.json`: what a run used and what it wrote, beside the reports in the output folder. The
// evidence bundle is exactly the files it lists (plus the integrity files), and `vigil recheck`
// reads it to find the bundled feature files, inventory and waivers. External input when read
// back: validated with zod.
import * as z from 'zod'
import { RunSchema } from './model.ts'

export { RUN_RECORD_FILE } from './run-files.ts'

export const RunRecordSchema = z
  .object({
    schemaVersion: z.literal(1),
    run: RunSchema,
    inputs: z
      .object({
        /** the inventory as configured, secrets removed */
        inventory: z.object({ source: z.string(), file: z.string() }),
        /** the waivers file exactly as read */
        waivers: z.object({ source: z.string(), file: z.string() }).optional(),
        /** each feature file used: `policy` as findings name it, `file` its exact copy in this folder */
        policies: z.array(z.object({ policy: z.string(), file: z.string(), sha256: z.string() })),
      })
      .strict(),
    /** every file of the run, relative to the output folder, `/`-separated, sorted */
    files: z.array(z.string()),
    /** SHA-256 of each of those files as this run wrote it: a file that differs is not this run's */
    sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)).optional(),
  })
  .strict()
export type RunRecord = z.infer<typeof RunRecordSchema>
