// `vigil steps`: the phrases of Vigil's step library (lint/steps.ts).
import type { Command } from 'commander'

export function addStepsCommand(program: Command): void {
  program
    .command('steps')
    .description('the step phrases policies are written in: pattern, parameters, the check each judges, an example from the library')
    .option('--json', 'machine-readable')
    .action(async (flags: { json?: boolean }) => {
      const { listSteps, formatSteps } = await import('../lint/steps.ts')
      const entries = await listSteps()
      process.stdout.write(flags.json ? JSON.stringify(entries, null, 2) + '\n' : formatSteps(entries))
    })
}
