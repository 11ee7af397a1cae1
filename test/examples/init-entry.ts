// `vigil init` as its own program, for the tests to run as a user would (a separate process, real
// files, the exit code) while cli/vigil.ts may not wire the command in yet. Same error handling as
// cli/vigil.ts's main(): usage errors and ConfigErrors exit 2 with one line, no stack trace.
import { Command, CommanderError } from 'commander'
import { ConfigError } from '../../core/config-file.ts'
import { addInitCommand } from '../../cli/init-command.ts'

const program = new Command().name('vigil').exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) })
addInitCommand(program)
try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2)
  if (e instanceof ConfigError) {
    process.stderr.write(`vigil: ${e.message}\n`)
    process.exit(2)
  }
  throw e
}
