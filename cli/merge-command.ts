// `vigil merge`: the shard folders of one run id into one run folder, then (optionally) the bundle,
// the locker and the history, exactly as for a run made in one process.
import { Command } from 'commander'
import { ConfigError } from '../core/config-file.ts'
import { EXIT, exitCodeForResults } from '../reports/model.ts'
import { addSigningOptions, signerFrom, tsaFrom, type SigningFlags } from './evidence-commands.ts'
import { addLockerOptions, lockerFrom, type LockerFlags } from './locker-commands.ts'
import { keepEvidence } from './run-command.ts'

export function addMergeCommand(program: Command): void {
  const cmd = program
    .command('merge')
    .argument('<shards...>', 'the --out folders of the shards (`vigil run --shard K/N --run-id ID`)')
    .description('combine the shards of one run into one run folder (results, reports, observations), then bundle, keep and record it like any run')
    .requiredOption('-o, --out <dir>', 'the merged run folder')
    .option('-c, --config <file>', "inventory whose locker: section applies to the merged run", 'vigil.yaml')
    .option('-b, --bundle [file]', 'also write the signed evidence bundle of the merged run')
    .option('--history <file>', 'record the merged run here when it names a schedule', '.vigil/history.db')
  addLockerOptions(addSigningOptions(cmd)).action(async (shards: string[], flags: SigningFlags & LockerFlags & { out: string; bundle?: string | boolean; history: string }) => {
    const signer = flags.bundle ? await signerFrom(flags) : undefined
    const tsa = flags.bundle ? await tsaFrom(flags) : undefined
    const locker = await lockerFrom(flags)
    if (locker && !flags.bundle) throw new ConfigError('the locker keeps signed bundles: add --bundle (and the signing key)')
    if (locker) await (await import('../locker/locker.ts')).checkLocker(locker)
    const { mergeShards } = await import('../shards/merge.ts')
    const m = await mergeShards(shards, flags.out)
    const t = m.results.totals
    process.stdout.write(
      `merged ${m.results.run.shards!.length} of ${m.results.run.shards![0]?.count ?? 0} shard(s) of run ${m.results.run.id}: ${m.results.findings.length} findings (${t.passed} passed, ${t.failed} failed, ${t.error} error)` +
        `${m.results.run.incomplete ? `\nINCOMPLETE: ${m.results.run.interruption?.reason}` : ''}\nresults: ${flags.out}/results.json\n`,
    )
    await keepEvidence(m.results, {
      out: flags.out,
      ...(signer ? { signer } : {}),
      ...(tsa ? { tsa } : {}),
      ...(typeof flags.bundle === 'string' ? { archive: flags.bundle } : {}),
      allowIncomplete: false,
      ...(locker ? { locker } : {}),
      history: flags.history,
      quiet: false,
    })
    process.exitCode = m.results.run.incomplete && exitCodeForResults(m.results) === EXIT.ok ? EXIT.errors : exitCodeForResults(m.results)
  })
}
