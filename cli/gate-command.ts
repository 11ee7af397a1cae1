// `vigil gate`: the pull-request gate (gate/). Fails on what the change made worse, and only on that.
import { appendFileSync, readFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import { SEVERITIES, type Severity } from '../checks/types.ts'
import { EXIT } from '../reports/model.ts'
import { checkSarifPath, printAnnotations, writeSarif } from './ci-outputs.ts'

export const GATE_HELP = `
The gate reads the base side (vigil.yaml, the waivers and feature files at the merge base of --base
and HEAD, from git) and the change side (the work tree), observes what both need ONCE, judges both on
those observations, and classifies every finding and offender (the README has the decision table):
  new            fails on the change side, not on the base side            fails the gate
  coverage lost  decided on the base side; error, not applicable or gone  fails the gate unless retired:
  weakened       passes or drops out only because the policy got looser   fails the gate unless declared
  still failing  fails on both sides (old debt)                           fails only with --fail-on all
  fixed          fails on the base side, passes under an equal policy
  environment    (--since) fails now and did not in the earlier run       fails only with --fail-on environment
The gate's settings are read from the base side's vigil.yaml (gate: failOn, minSeverity); the command
line can make them stricter, never looser.

Exit codes: 0 the gate passed; 1 it failed; 2 usage, inventory or policy error; 3 the gate passed but
some findings could not be decided; 130/143 interrupted (no gate verdict).`

export function addGateCommand(program: Command): void {
  program
    .command('gate')
    .description('pull-request gate: judge the base branch and the change on the same observations; fail on what the change made worse')
    .requiredOption('--base <ref>', 'the branch or commit the pull request merges into (e.g. origin/main)')
    .option('-c, --config <file>', 'inventory file (read at both sides)', 'vigil.yaml')
    .option('-o, --out <dir>', 'the change side\'s reports and gate.json (the base side\'s in <out>/base)', 'vigil-gate')
    .option('-w, --waivers <file>', 'exceptions file (read at both sides)')
    .option('-f, --features <paths...>', 'feature files or globs (default: the policy library shipped with Vigil)')
    .option('-t, --tags <expression>', 'Cucumber tag expression selecting scenarios')
    .option('--since <results>', 'an earlier run (results folder or bundle), e.g. last night\'s: reports environment changes and first-seen dates')
    .addOption(new Option('--fail-on <classes>', 'new | all | environment (comma-separated); adds to the base side\'s gate.failOn').argParser((v) => v.split(',').map((s) => s.trim())))
    .addOption(new Option('--min-severity <level>', 'only offenders at or above this severity fail the gate (lowers, never raises, the base side\'s)').choices([...SEVERITIES]))
    .option('--sarif <file>', 'also write SARIF 2.1.0 for code scanning')
    .option('--allow-changed-endpoints', 'send SSH/AWS credentials to targets whose connection details the change altered (only after review)')
    .option('--json', 'print gate.json on stdout')
    .option('-q, --quiet', 'print nothing; rely on the exit code and the files')
    .addHelpText('after', GATE_HELP)
    .action(async (flags: {
      base: string; config: string; out: string; waivers?: string; features?: string[]; tags?: string; since?: string
      failOn?: string[]; minSeverity?: Severity; sarif?: string; allowChangedEndpoints?: boolean; json?: boolean; quiet?: boolean
    }) => {
      const { ConfigError } = await import('../core/config-file.ts')
      const bad = (flags.failOn ?? []).filter((c) => !['new', 'all', 'environment'].includes(c))
      if (bad.length) throw new ConfigError(`--fail-on: ${bad.join(', ')} is not one of new, all, environment`)
      if (flags.sarif) checkSarifPath(flags.sarif)
      const { runGate } = await import('../gate/run-gate.ts')
      const say = (m: string) => (flags.quiet || flags.json ? undefined : process.stderr.write(`vigil: ${m}\n`))
      const ac = new AbortController()
      const onSignal = (sig: NodeJS.Signals) => {
        if (ac.signal.aborted) process.exit(sig === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint)
        ac.abort(sig)
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      const g = await runGate({
        base: flags.base,
        config: flags.config,
        out: flags.out,
        ...(flags.waivers ? { waivers: flags.waivers } : {}),
        ...(flags.features ? { features: flags.features } : {}),
        ...(flags.tags ? { tags: flags.tags } : {}),
        ...(flags.since ? { since: flags.since } : {}),
        ...(flags.failOn ? { failOn: flags.failOn as ('new' | 'all' | 'environment')[] } : {}),
        ...(flags.minSeverity ? { minSeverity: flags.minSeverity } : {}),
        allowChangedEndpoints: !!flags.allowChangedEndpoints,
        signal: ac.signal,
        onStage: say,
      })
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      const ctx = { results: g.change.results, inventoryFile: flags.config, targetLines: g.change.targetLines, gate: g.report }
      if (flags.sarif) await writeSarif(flags.sarif, ctx)
      await printAnnotations(ctx)
      if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, readFileSync(g.change.files.summary, 'utf8') + '\n')
      if (flags.json) process.stdout.write(JSON.stringify(g.report, null, 2) + '\n')
      else if (!flags.quiet) {
        const failing = g.report.rows.filter((r) => r.failsGate)
        for (const r of failing) process.stdout.write(`FAIL    ${r.class.padEnd(14)} ${r.checkId}  ${r.target}${r.offender ? `  ${r.offender.id}` : ''}: ${r.reason}\n`)
        for (const r of g.report.rows.filter((x) => !x.failsGate && x.declared)) process.stdout.write(`DECLARED ${r.class.padEnd(13)} ${r.checkId}  ${r.target}: ${r.declared!.kind} ${r.declared!.ticket}: ${r.declared!.reason}\n`)
        for (const n of g.report.notes) process.stdout.write(`note: ${n}\n`)
        const c = g.report.counts
        process.stdout.write(
          `gate ${g.report.passed ? 'passed' : 'FAILED'}: ${c.new} new, ${c['coverage-lost']} coverage lost, ${c.weakened} weakened, ${c['still-failing']} still failing, ${c.fixed} fixed` +
            (g.report.since ? `, ${c.environment} environment` : '') +
            `\ngate:    ${g.gateFile}\nsummary: ${g.change.files.summary}\n`,
        )
      }
      const undecided = g.change.results.totals.error > 0
      if (g.change.results.run.incomplete || g.base?.results.run.incomplete) {
        // no gate verdict from an interrupted run; probes cut short may still hold sockets: go now
        await new Promise<void>((resolve) => process.stdout.write('', () => resolve()))
        process.exit(ac.signal.reason === 'SIGTERM' ? EXIT.sigterm : ac.signal.aborted ? EXIT.sigint : EXIT.errors)
      }
      process.exitCode = !g.report.passed ? EXIT.failed : undecided ? EXIT.errors : EXIT.ok
    })
}
