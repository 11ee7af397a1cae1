// The `vigil` command line. Exit codes (public API): 0 all passed, 1 any failed, 2 usage, config or
// policy error, 3 errors (unreachable / inconclusive) but no failure, 4 internal error (a bug).
import { Command, CommanderError } from 'commander'
import { ConfigError } from '../core/config-file.ts'
import { VIGIL_VERSION } from '../runner/run.ts'
import { EXIT } from '../reports/model.ts'
import { listCatalog, formatCatalog } from './catalog-listing.ts'
import { addRunCommand, runAndReport } from './run-command.ts'
import { addGateCommand } from './gate-command.ts'
import { addLintCommand } from './lint-command.ts'
import { addPoliciesCommand } from './policies-command.ts'
import { addStepsCommand } from './steps-command.ts'
import { addInitCommand } from './init-command.ts'
import { addHistoryCommands, addReportCommand } from './history-commands.ts'
import { addLockerCommand } from './locker-commands.ts'
import { addMergeCommand } from './merge-command.ts'
import { addEvidenceCommands } from './evidence-commands.ts'

function fail(message: string, code: number): never {
  process.stderr.write(`vigil: ${message.replace(/\n/g, '\n  ')}\n`)
  process.exit(code)
}

export function buildProgram(): Command {
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

  addRunCommand(program)

  program
    .command('checks')
    .description('list the check catalog: ids, what fails, parameters and control mappings')
    .option('--json', 'machine-readable')
    .action(async (flags: { json?: boolean }) => {
      const entries = await listCatalog()
      process.stdout.write(flags.json ? JSON.stringify(entries, null, 2) + '\n' : formatCatalog(entries))
    })

  program
    .command('controls')
    .description('the control catalog (SOC 2, HIPAA) with the checks that test each control, and the controls nothing tests yet')
    .option('-f, --features <paths...>', 'feature files or globs (default: the policy library shipped with Vigil)')
    .option('--untested', 'list only the controls no policy tests')
    .option('--json', 'machine-readable')
    .action(async (flags: { features?: string[]; untested?: boolean; json?: boolean }) => {
      const { DEFAULT_FEATURES, loadPolicies } = await import('../runner/cucumber.ts')
      const { controlCoverage, formatCoverage } = await import('../reports/control-catalog.ts')
      const policies = await loadPolicies({ features: flags.features?.length ? flags.features : DEFAULT_FEATURES })
      if (policies.problems.length > 0) throw new ConfigError(policies.problems.map((p) => p.message).join('\n'))
      const rows = controlCoverage(policies.scenarios).filter((r) => !flags.untested || r.checks.length === 0)
      process.stdout.write(flags.json ? JSON.stringify(rows, null, 2) + '\n' : formatCoverage(rows))
    })

  addEvidenceCommands(program)
  addGateCommand(program)
  addLintCommand(program)
  addPoliciesCommand(program)
  addStepsCommand(program)
  addInitCommand(program)
  addHistoryCommands(program)
  addReportCommand(program)
  addLockerCommand(program)
  addMergeCommand(program)

  program
    .command('lab')
    .description('start a local lab of real targets (good and bad), run the policies against it, keep the results')
    .option('-o, --out <dir>', 'where the lab inventory and results go', 'vigil-lab')
    .option('--keep', 'keep the lab servers running until Ctrl-C')
    .action(async (flags: { out: string; keep?: boolean }) => {
      const { runLab } = await import('../lab/run-lab.ts')
      process.exitCode = await runLab({ out: flags.out, keep: !!flags.keep, report: (f) => runAndReport(f) })
    })

  program
    .command('doctor')
    .description("check Vigil's own footing: the credentials it will use for each AWS target, and whether they can write")
    .option('-c, --config <file>', 'inventory file', 'vigil.yaml')
    .option('--json', 'machine-readable')
    .action(async (flags: { config: string; json?: boolean }) => {
      const { loadInventory } = await import('../runner/inventory.ts')
      const { doctorAws } = await import('../checks/aws/doctor.ts')
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

  return program
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0
      process.exit(e.exitCode === 0 ? 0 : EXIT.usage)
    }
    if (e instanceof ConfigError) fail(e.message, EXIT.usage)
    if (process.env.VIGIL_DEBUG) process.stderr.write(`${(e as Error).stack}\n`)
    fail(`internal error: ${(e as Error).message ?? String(e)} (set VIGIL_DEBUG=1 for a stack trace; please report it)`, EXIT.internal)
  }
}

await main(process.argv)
