// `vigil run`: the command that probes and judges (runner/run.ts does the work), and what it does
// around a run — the flags, SIGINT/SIGTERM, progress and JSON logs, CI outputs, and keeping the
// evidence (bundle, locker, history) that `vigil merge` shares.
import { appendFileSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { Command, Option } from 'commander'
import type { SingleBar } from 'cli-progress'
import { ConfigError } from '../core/config-file.ts'
import { run, type RunOutcome } from '../runner/run.ts'
import { EXIT, exitCodeForResults, type Results } from '../reports/model.ts'
import type { Signer } from '../reports/cms-signature.ts'
import type { TimestampAuthority } from '../reports/timestamp.ts'
import type { LockerOptions } from '../locker/locker.ts'
import { addLockerOptions, describeStored, lockerFrom, type LockerFlags } from './locker-commands.ts'
import { parseCount, parseDuration, parseRate } from './flag-values.ts'
import { parseShard, type Shard } from '../shards/select.ts'
import { addSigningOptions, checkArchivePath, signerFrom, tsaFrom, writeBundle, type SigningFlags } from './evidence-commands.ts'

interface RunFlags {
  schedule?: string
  shard?: Shard
  runId?: string
  concurrency?: string
  perHost?: string
  perHostRate?: string
  timeout?: string
  maxDuration?: string
  logFormat?: string
  config: string
  out: string
  waivers?: string
  features?: string[]
  tags?: string
  targets?: string
  json?: boolean
  quiet?: boolean
  verbose?: boolean
  color: boolean
}

type RunCommandFlags = RunFlags & SigningFlags & { bundle?: string | boolean }

/**
 * SIGINT/SIGTERM while a run is under way: the first stops new probes and lets the run write its
 * reports marked incomplete (exit 130/143 afterwards); a second exits at once.
 */
function interruptible(): { signal: AbortSignal; received: () => NodeJS.Signals | undefined; release: () => void } {
  const ac = new AbortController()
  let first: NodeJS.Signals | undefined
  const on = (sig: NodeJS.Signals) => {
    if (first) {
      process.stderr.write(`\nvigil: ${sig} again: exiting at once; the reports were not written\n`)
      process.exit(sig === 'SIGINT' ? EXIT.sigint : EXIT.sigterm)
    }
    first = sig
    process.stderr.write(`\nvigil: ${sig}: starting no new probes; in-flight ones get a few seconds, then what was observed is judged and every report is written marked INCOMPLETE (${sig} again exits at once)\n`)
    ac.abort(sig)
  }
  process.on('SIGINT', on)
  process.on('SIGTERM', on)
  return {
    signal: ac.signal,
    received: () => first,
    release: () => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
    },
  }
}

/** The exit code of an interrupted run: 130 for SIGINT, 143 for SIGTERM (128 + the signal's number). */
export function interruptedExit(results: { run: { incomplete?: boolean } }, sig: NodeJS.Signals | undefined): number | undefined {
  if (!results.run.incomplete || !sig) return undefined
  return sig === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint
}

/** One JSON object per line on stderr (`--log-format json`): for log collectors, never for secrets. */
function jsonLog(event: string, fields: Record<string, unknown>): void {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'info', event, ...fields }) + '\n')
}

export async function runAndReport(flags: RunFlags): Promise<RunOutcome & { signal?: NodeJS.Signals }> {
  if (flags.logFormat && flags.logFormat !== 'text' && flags.logFormat !== 'json') throw new ConfigError(`--log-format ${flags.logFormat}: text or json`)
  const json = flags.logFormat === 'json'
  const tty = process.stderr.isTTY && !flags.quiet && !flags.json && !json
  let bar: SingleBar | undefined
  const progress = tty ? await import('cli-progress') : undefined
  const interrupt = interruptible()
  const settings = {
    ...(flags.concurrency ? { concurrency: parseCount(flags.concurrency, '--concurrency', 1, 2000) } : {}),
    ...(flags.perHost ? { perHost: parseCount(flags.perHost, '--per-host', 1, 64) } : {}),
    ...(flags.perHostRate ? { perHostRate: parseRate(flags.perHostRate, '--per-host-rate', 0.1, 1000) } : {}),
    ...(flags.timeout ? { timeoutMs: parseDuration(flags.timeout, '--timeout') } : {}),
  }
  if (settings.timeoutMs !== undefined && (settings.timeoutMs < 100 || settings.timeoutMs > 120_000)) throw new ConfigError(`--timeout ${flags.timeout}: between 100ms and 120s`)
  const maxDurationMs = flags.maxDuration ? parseDuration(flags.maxDuration, '--max-duration') : undefined
  const started = Date.now()
  const outcome = await run({
    signal: interrupt.signal,
    ...(Object.keys(settings).length ? { settings } : {}),
    ...(maxDurationMs ? { maxDurationMs } : {}),
    ...(flags.shard ? { shard: flags.shard } : {}),
    ...(flags.runId ? { runId: flags.runId } : {}),
    config: flags.config,
    out: flags.out,
    features: flags.features,
    tags: flags.tags,
    targets: flags.targets ? flags.targets.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    waivers: flags.waivers,
    ...(flags.schedule ? { schedule: flags.schedule } : {}),
    onStage: (m) => {
      bar?.stop()
      bar = undefined
      if (json) jsonLog('stage', { message: m })
      else if (!flags.quiet && !flags.json) process.stderr.write(`vigil: ${m}\n`)
    },
    onProgress: (_stage, done, total, target) => {
      const elapsed = (Date.now() - started) / 1000
      const rate = elapsed > 0 ? done / elapsed : 0
      if (json) return jsonLog('target-observed', { target, done, total, ratePerSecond: Math.round(rate * 10) / 10, etaSeconds: rate > 0 ? Math.round((total - done) / rate) : null })
      if (!tty) return
      if (!bar) {
        bar = new progress!.SingleBar({ format: '  observing [{bar}] {value}/{total} targets  {rate}/s  ETA {eta_formatted}  {target}', hideCursor: true, clearOnComplete: true, etaBuffer: 50 }, progress!.Presets.shades_classic)
        bar.start(total, 0, { target: '', rate: '0.0' })
      }
      bar.update(done, { target, rate: rate.toFixed(1) })
      if (done === total) {
        bar.stop()
        bar = undefined
      }
    },
  })
  bar?.stop()
  interrupt.release()
  if (json) jsonLog('run-finished', { runId: outcome.results.run.id, incomplete: !!outcome.results.run.incomplete, totals: outcome.results.totals, results: outcome.files.results })
  // CI-native: on GitHub Actions the job page shows the summary without anyone opening an artifact
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, readFileSync(outcome.files.summary, 'utf8') + '\n')
  if (flags.json) for (const chunk of (await import('../reports/write-reports.ts')).resultsJsonChunks(outcome.results)) process.stdout.write(chunk)
  else if (!flags.quiet) {
    for (const line of (await import('../reports/console.ts')).consoleLines(outcome.results, { color: flags.color && !!process.stdout.isTTY, verbose: flags.verbose })) process.stdout.write(line + '\n')
    const f = outcome.files
    process.stdout.write(`report:  ${f.html}\nresults: ${f.results} (also ${basename(f.junit)}, ${basename(f.csv)}, ${basename(f.summary)}, ${basename(f.observations)})\n`)
  }
  const sig = interrupt.received()
  return { ...outcome, ...(sig ? { signal: sig } : {}) }
}

/**
 * After a run (or a merge): the signed bundle (not of an incomplete run unless allowed), the locker,
 * and the history when the run names its schedule (an incomplete one too, marked so: the period
 * report counts it as such).
 */
export async function keepEvidence(
  results: Pick<Results, 'run'>,
  o: { out: string; signer?: Signer; tsa?: TimestampAuthority; archive?: string; allowIncomplete: boolean; locker?: LockerOptions; history: string; quiet: boolean },
): Promise<void> {
  let archive: string | undefined
  if (o.signer) {
    if (results.run.incomplete && !o.allowIncomplete)
      process.stderr.write(`vigil: no bundle written: the run is incomplete; the reports in ${o.out} say so. Seal it anyway with \`vigil bundle ${o.out} --allow-incomplete\`\n`)
    else archive = await writeBundle(o.out, o.archive, o.signer, o.quiet, o.allowIncomplete, o.tsa)
  }
  let stored
  if (o.locker && archive) {
    stored = await (await import('../locker/locker.ts')).pushBundle(archive, o.locker)
    if (!o.quiet) process.stdout.write(describeStored(stored))
  }
  if (results.run.schedule) await (await import('./history-commands.ts')).recordScheduledRun(o.out, { history: o.history, ...(archive ? { bundle: archive } : {}), ...(stored ? { locker: stored } : {}), quiet: o.quiet })
}

export function addRunCommand(program: Command): void {
  const runCommand = program
    .command('run')
    .description('probe every target in the inventory and judge it against the policies')
    .option('-c, --config <file>', 'inventory file', 'vigil.yaml')
    .option('-o, --out <dir>', 'where results.json, junit.xml and observations.json go', 'vigil-out')
    .option('-f, --features <paths...>', 'feature files or globs (default: the policy library shipped with Vigil)')
    .option('-t, --tags <expression>', "Cucumber tag expression selecting scenarios, e.g. '@tls and not @slow'")
    .option('--targets <names>', 'comma-separated target names to narrow the run to')
    .option('-w, --waivers <file>', 'exceptions file (waivers.yaml): failed findings it covers are reported as waived')
    .option('--json', 'print the results document on stdout instead of the summary')
    .option('-q, --quiet', 'print nothing; rely on the exit code and the files')
    .option('-v, --verbose', 'list passed findings too')
    .addOption(new Option('--no-color', 'no ANSI colours'))
    .option('-b, --bundle [file]', 'also write the signed evidence bundle (default: vigil-evidence-<run id>.tar.gz beside --out)')
    .option('--allow-incomplete', 'with --bundle: seal the run even when it was interrupted (the bundle says it is incomplete)')
    .option('--sarif <file>', 'also write SARIF 2.1.0 (code scanning): one result per non-passing finding')
    .option('--concurrency <n>', 'sockets open at once across the run (over the inventory\'s settings.concurrency)')
    .option('--per-host <n>', 'sockets open at once to one host (over settings.perHost)')
    .option('--per-host-rate <n>', 'new connections per second to one host, at most (over settings.perHostRate; loopback is not limited)')
    .option('--timeout <duration>', 'budget of one network operation, e.g. 5s (over settings.timeoutMs)')
    .option('--max-duration <duration>', 'budget of the whole run, e.g. 30m: when spent, the run ends like an interruption (reports written, marked incomplete)')
    .option('--shard <k/n>', 'observe only shard K of N (targets partitioned by resolved host); combine the shards with `vigil merge`')
    .option('--run-id <id>', 'the run id, shared by the shards of one run')
    .option('--log-format <format>', 'text (default) or json: one JSON object per event on stderr, for log collectors')
    .option('-s, --schedule <name>', 'the schedule this run belongs to (e.g. nightly): recorded in the history (default: schedule: in the inventory)')
    .option('--history <file>', 'the history database a scheduled run is recorded in', '.vigil/history.db')
  addLockerOptions(addSigningOptions(runCommand)).action(async (flags: RunCommandFlags & LockerFlags & { allowIncomplete?: boolean; sarif?: string; schedule?: string; history: string; shard?: string; runId?: string }, cmd: Command) => {
    // a shard is not evidence on its own: the merged run is bundled, kept and recorded
    if (flags.shard) {
      const own = (o: string) => cmd.getOptionValueSource(o) === 'cli'
      const refused = [['bundle', '--bundle'], ['locker', '--locker'], ['history', '--history']].filter(([o]) => own(o!)).map(([, f]) => f)
      if (refused.length) throw new ConfigError(`--shard refuses ${refused.join(', ')}: a shard is part of a run; \`vigil merge\` the shards, then bundle, keep and record the merged run`)
      if (!flags.runId) throw new ConfigError('--shard needs --run-id: the shards of one run share it, so `vigil merge` can tell they belong together')
    }
    // the bundle path and the signing key are checked before anything is probed: a mistake must not cost a whole run
    if (typeof flags.bundle === 'string') checkArchivePath(flags.bundle, '--bundle')
    if (flags.sarif) (await import('./ci-outputs.ts')).checkSarifPath(flags.sarif)
    const signer = flags.bundle ? await signerFrom(flags) : undefined
    const tsa = flags.bundle ? await tsaFrom(flags) : undefined
    // the locker is checked before probing too: a bucket that cannot hold evidence must not cost a run
    const locker = flags.shard ? undefined : await lockerFrom(flags)
    if (locker && !flags.bundle) throw new ConfigError('the locker keeps signed bundles: add --bundle (and the signing key) to this run')
    if (locker) await (await import('../locker/locker.ts')).checkLocker(locker)
    const outcome = await runAndReport({ ...flags, ...(flags.schedule ? { schedule: flags.schedule } : {}), ...(flags.shard ? { shard: parseShard(flags.shard) } : {}), ...(flags.runId ? { runId: flags.runId } : {}) })
    const ci = { results: outcome.results, inventoryFile: flags.config, targetLines: outcome.targetLines }
    const { printAnnotations, writeSarif } = await import('./ci-outputs.ts')
    if (flags.sarif) await writeSarif(flags.sarif, ci)
    if (!flags.json) await printAnnotations(ci)
    if (!flags.shard)
      await keepEvidence(outcome.results, {
        out: flags.out,
        ...(signer ? { signer } : {}),
        ...(tsa ? { tsa } : {}),
        ...(typeof flags.bundle === 'string' ? { archive: flags.bundle } : {}),
        allowIncomplete: !!flags.allowIncomplete,
        ...(locker ? { locker } : {}),
        history: flags.history,
        quiet: !!(flags.quiet || flags.json),
      })
    // a scenario that could not run (e.g. an unknown profile name in its phrase) is a policy error,
    // unless real failures already make the run fail; waiver warnings change no exit code
    const code = interruptedExit(outcome.results, outcome.signal) ?? exitCodeForResults(outcome.results)
    if (outcome.results.run.incomplete) {
      // probes cut short (a signal, the budget) may still hold sockets until their timeouts: everything is written, so go now
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()))
      process.exit(code)
    }
    process.exitCode = code
  })
}
