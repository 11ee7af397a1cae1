// The `vigil` command line. Exit codes (public API): 0 all passed, 1 any failed, 2 usage, config or
// policy error, 3 errors (unreachable / inconclusive) but no failure, 4 internal error (a bug).
//
// Each command's module is loaded only when that command runs (or its help is asked for): `vigil run`
// does not load the gate, the history, the locker, lint or the evidence commands, and start-up CPU
// counts against a run's time to its first connection. The arguments name the command; a group of
// commands defined by one module is registered together. No command, `help`, or a name no group has
// (commander then suggests a near one): every command is registered.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command, CommanderError } from 'commander'
import { VIGIL_ROOT } from '../core/vigil-root.ts'

const VIGIL_VERSION: string = JSON.parse(readFileSync(join(VIGIL_ROOT, 'package.json'), 'utf8')).version

function fail(message: string, code: number): never {
  process.stderr.write(`vigil: ${message.replace(/\n/g, '\n  ')}\n`)
  process.exit(code)
}

type Register = (program: Command) => void

/** The commands, in the order `vigil --help` lists them, by the module that defines them. */
export const COMMAND_GROUPS: readonly { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ['run'], load: async () => (await import('./run-command.ts')).addRunCommand },
  { names: ['checks'], load: async () => addChecksCommand },
  { names: ['controls'], load: async () => addControlsCommand },
  { names: ['bundle', 'verify', 'recheck'], load: async () => (await import('./evidence-commands.ts')).addEvidenceCommands },
  { names: ['gate'], load: async () => (await import('./gate-command.ts')).addGateCommand },
  { names: ['lint'], load: async () => (await import('./lint-command.ts')).addLintCommand },
  { names: ['policies'], load: async () => (await import('./policies-command.ts')).addPoliciesCommand },
  { names: ['steps'], load: async () => (await import('./steps-command.ts')).addStepsCommand },
  { names: ['init'], load: async () => (await import('./init-command.ts')).addInitCommand },
  { names: ['history', 'diff'], load: async () => (await import('./history-commands.ts')).addHistoryCommands },
  { names: ['report'], load: async () => (await import('./history-commands.ts')).addReportCommand },
  { names: ['locker'], load: async () => (await import('./locker-commands.ts')).addLockerCommand },
  { names: ['merge'], load: async () => (await import('./merge-command.ts')).addMergeCommand },
  { names: ['lab'], load: async () => addLabCommand },
  { names: ['doctor'], load: async () => addDoctorCommand },
]

/** The command the arguments name: the first one that is not an option (the program's own options take no value). */
export function commandName(argv: readonly string[]): string | undefined {
  for (const a of argv.slice(2)) {
    if (a === '--') return undefined
    if (!a.startsWith('-')) return a
  }
  return undefined
}

/**
 * The program for these arguments (`process.argv`): the command they name, or every command when
 * they name none (`vigil --help`), ask for `help`, or name an unknown one.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const name = commandName(argv)
  const named = COMMAND_GROUPS.find((g) => name !== undefined && g.names.includes(name))
  const registers = await Promise.all((named ? [named] : COMMAND_GROUPS).map((g) => g.load()))
  const program = new Command()
  program
    .name('vigil')
    .description('Continuous compliance and hardening checks: Gherkin policies, real probes, audit-grade evidence.')
    .version(VIGIL_VERSION, '-V, --version')
    .showHelpAfterError('(run `vigil --help` for usage)')
    // set before the subcommands are added so they inherit it: usage errors must exit 2, not 1
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText(
      'after',
      `
Exit codes:
  0  every finding passed (or was waived); verify/recheck: verified
  1  at least one finding failed; verify/recheck: the bundle is not intact or a verdict differs
  2  usage, inventory or policy error (nothing was judged)
  3  no failure, but some targets could not be decided (unreachable, timeout, inconclusive);
     verify/recheck: intact, but the signer was not checked against a CA (give --ca)
  4  internal error in Vigil
  130, 143  interrupted by SIGINT / SIGTERM: what was observed is judged and every report is
     written marked incomplete; a second signal exits at once

A finding is passed, failed, error (could not be observed or decided), not-applicable (the
population was observed and is empty: nothing to judge, never a pass) or waived.

Examples:
  vigil run --config vigil.yaml --out vigil-out --waivers waivers.yaml
  vigil run --tags '@tls and not @slow' --targets web-good,web-legacy
  vigil run --bundle --signing-key signer.key --signing-cert signer.pem
  vigil init --dir . --owners @acme/security
  vigil lint --sarif lint.sarif
  vigil policies --config vigil.yaml
  vigil gate --base origin/main --sarif vigil.sarif
  vigil run --schedule nightly --bundle --tsa https://tsa.example --tsa-ca tsa-root.pem ...
  vigil diff --schedule nightly --format markdown
  vigil report --since 2026-06-01 --schedule nightly --tz Europe/Berlin
  vigil verify vigil-evidence-<run id>.tar.gz --ca evidence-ca.pem
  vigil recheck vigil-evidence-<run id>.tar.gz --ca evidence-ca.pem
  vigil checks
  vigil controls --untested
  vigil doctor --config vigil.yaml
  vigil lab`,
    )

  for (const register of registers) register(program)
  return program
}

function addChecksCommand(program: Command): void {
  program
    .command('checks')
    .description('list the check catalog: ids, what fails, parameters and control mappings')
    .option('--json', 'machine-readable')
    .action(async (flags: { json?: boolean }) => {
      const { listCatalog, formatCatalog } = await import('./catalog-listing.ts')
      const entries = await listCatalog()
      process.stdout.write(flags.json ? JSON.stringify(entries, null, 2) + '\n' : formatCatalog(entries))
    })
}

function addControlsCommand(program: Command): void {
  program
    .command('controls')
    .description('the control catalog (SOC 2, HIPAA) with the checks that test each control, and the controls nothing tests yet')
    .option('-f, --features <paths...>', 'feature files or globs (default: the policy library shipped with Vigil)')
    .option('--untested', 'list only the controls no policy tests')
    .option('--json', 'machine-readable')
    .action(async (flags: { features?: string[]; untested?: boolean; json?: boolean }) => {
      const { DEFAULT_FEATURES, loadPolicies } = await import('../runner/cucumber.ts')
      const { controlCoverage, formatCoverage } = await import('../reports/control-catalog.ts')
      const { ConfigError } = await import('../core/config-file.ts')
      const policies = await loadPolicies({ features: flags.features?.length ? flags.features : DEFAULT_FEATURES })
      if (policies.problems.length > 0) throw new ConfigError(policies.problems.map((p) => p.message).join('\n'))
      const rows = controlCoverage(policies.scenarios).filter((r) => !flags.untested || r.checks.length === 0)
      process.stdout.write(flags.json ? JSON.stringify(rows, null, 2) + '\n' : formatCoverage(rows))
    })
}

function addLabCommand(program: Command): void {
  program
    .command('lab')
    .description('start a local lab of real targets (good and bad), run the policies against it, keep the results')
    .option('-o, --out <dir>', 'where the lab inventory and results go', 'vigil-lab')
    .option('--keep', 'keep the lab servers running until Ctrl-C')
    .action(async (flags: { out: string; keep?: boolean }) => {
      const { runLab } = await import('../lab/run-lab.ts')
      const { runAndReport } = await import('./run-command.ts')
      process.exitCode = await runLab({ out: flags.out, keep: !!flags.keep, report: (f) => runAndReport(f) })
    })
}

function addDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description("check Vigil's own footing: the credentials it will use for each AWS target, whether they can write (they should not), and which of the read-only policy's reads they lack")
    .option('-c, --config <file>', 'inventory file', 'vigil.yaml')
    .option('--json', 'machine-readable')
    .action(async (flags: { config: string; json?: boolean }) => {
      const { loadInventory } = await import('../runner/inventory.ts')
      const { doctorAws } = await import('../checks/aws/doctor.ts')
      const { EXIT } = await import('../reports/model.ts')
      const inv = loadInventory(flags.config)
      const reports = []
      for (const t of inv.targets.aws) reports.push(await doctorAws(t, { timeoutMs: inv.settings.timeoutMs }))
      if (flags.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n')
      else {
        if (reports.length === 0) process.stdout.write(`no AWS targets in ${flags.config}\n`)
        for (const r of reports) {
          process.stdout.write(`${r.ok ? 'OK  ' : 'WARN'} ${r.target}: ${r.identity ? r.identity.arn : 'identity unknown'}\n`)
          for (const w of r.warnings) process.stdout.write(`     ${w}\n`)
        }
      }
      process.exitCode = reports.every((r) => r.ok) ? EXIT.ok : EXIT.failed
    })
}

export async function main(argv: string[]): Promise<void> {
  try {
    const program = await buildProgram(argv)
    await program.parseAsync(argv)
  } catch (e) {
    // --help and --version end here with code 0
    if (e instanceof CommanderError && e.exitCode === 0) process.exit(0)
    // loaded here, not up front: only the error paths need them
    const { EXIT } = await import('../reports/model.ts')
    if (e instanceof CommanderError) process.exit(EXIT.usage)
    const { ConfigError } = await import('../core/config-file.ts')
    if (e instanceof ConfigError) fail(e.message, EXIT.usage)
    if (process.env.VIGIL_DEBUG) process.stderr.write(`${(e as Error).stack}\n`)
    fail(`internal error: ${(e as Error).message ?? String(e)} (set VIGIL_DEBUG=1 for a stack trace; please report it)`, EXIT.internal)
  }
}

// bin/vigil.mjs calls main(); run directly (`node cli/vigil.ts …`), this module runs itself
if (import.meta.main) await main(process.argv)
