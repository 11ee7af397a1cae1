// Until cli/vigil.ts registers them: a `vigil` with only the lint, policies and steps commands, with
// the same error handling as cli/vigil.ts (usage and ConfigError → 2, anything else → 4).
import { Command, CommanderError } from 'commander'
import { ConfigError } from '../../core/config-file.ts'
import { addLintCommand } from '../../cli/lint-command.ts'
import { addPoliciesCommand } from '../../cli/policies-command.ts'
import { addStepsCommand } from '../../cli/steps-command.ts'

const program = new Command().name('vigil').exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) })
addLintCommand(program)
addPoliciesCommand(program)
addStepsCommand(program)
try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2)
  if (e instanceof ConfigError) {
    process.stderr.write(`vigil: ${e.message.replace(/\n/g, '\n  ')}\n`)
    process.exit(2)
  }
  process.stderr.write(`vigil: internal error: ${(e as Error).stack}\n`)
  process.exit(4)
}
