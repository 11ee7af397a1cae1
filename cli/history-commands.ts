// `vigil history`, `vigil history import`, `vigil diff`, and the recording of a scheduled run.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { ConfigError } from '../core/config-file.ts'
import { sha256 } from '../core/hash.ts'
import { EXIT } from '../reports/model.ts'
import { addSigningOptions, checkArchivePath, signerFrom, tsaFrom, writeBundle, type SigningFlags } from './evidence-commands.ts'

const HISTORY_OPTION = ['--history <file>', 'the history database (SQLite)', '.vigil/history.db'] as const

/** After `vigil run --schedule …`: the run (and its bundle, when one was written) goes into the history. */
export async function recordScheduledRun(out: string, opts: { history: string; schedule?: string; bundle?: string; locker?: { location: string; version: string }; quiet?: boolean }): Promise<void> {
  const { HistoryStore } = await import('../history/store.ts')
  const { recordRunFolder } = await import('../history/record-run.ts')
  const store = HistoryStore.open(opts.history)
  try {
    const proof = opts.bundle
      ? { bundleSha256: sha256(readFileSync(opts.bundle)), ...(await timestampOf(out)), ...(opts.locker ? { lockerLocation: opts.locker.location, lockerVersion: opts.locker.version } : {}) }
      : undefined
    const r = recordRunFolder(store, out, { source: opts.bundle ?? out, ...(proof ? { proof } : {}), ...(opts.schedule ? { schedule: opts.schedule } : {}) })
    if (!opts.quiet && r.recorded) process.stderr.write(`vigil: recorded run ${r.runId} in ${opts.history} (schedule ${r.schedule})\n`)
  } finally {
    store.close()
  }
}

/** The trusted time of a sealed folder's signature (its signature and imprint checked; the root is checked when the period report counts it). */
async function timestampOf(dir: string): Promise<{ timestampTime?: string }> {
  const { embeddedTimestamp } = await import('../reports/timestamp.ts')
  const { verifyTimestampToken } = await import('../reports/cms-signature.ts')
  try {
    const stamp = embeddedTimestamp(readFileSync(join(dir, 'manifest.json.p7s')))
    const t = stamp ? verifyTimestampToken(stamp.token, stamp.signature, []) : undefined
    return t?.valid && t.time ? { timestampTime: t.time } : {}
  } catch {
    return {}
  }
}

export function addHistoryCommands(program: Command): void {
  const history = program
    .command('history')
    .description('per check, target and offender: when it started failing, when it was fixed, time to fix, flapping')
    .option(...HISTORY_OPTION)
    .option('-s, --schedule <name>', 'only runs of this schedule')
    .option('--check <id>', 'only this check')
    .option('--target <name>', 'only this target')
    .option('--control <id>', 'only findings mapped to this control, e.g. soc2:CC6.7')
    .option('--severity <level>', 'only this severity')
    .option('--since <date>', 'runs started at or after this date (ISO-8601)')
    .option('--until <date>', 'runs started before this date')
    .option('--json', 'machine-readable')
    .action(async (flags: { history: string; schedule?: string; check?: string; target?: string; control?: string; severity?: string; since?: string; until?: string; json?: boolean }) => {
      const { HistoryStore } = await import('../history/store.ts')
      const { timeline } = await import('../history/timeline.ts')
      const store = openExisting(HistoryStore, flags.history)
      try {
        const t = timeline(store, flags)
        if (flags.json) return void process.stdout.write(JSON.stringify(t, null, 2) + '\n')
        process.stdout.write(`${t.runs.length} complete run(s)${flags.schedule ? ` of ${flags.schedule}` : ''}; ${t.rows.length} offender(s) that failed at least once\n`)
        for (const r of t.rows) {
          const spans = r.intervals.map((i) => `${i.from} → ${i.fixedAt ? `${i.fixedAt} (${i.hoursToFix} h)` : 'still failing'}`).join('; ')
          process.stdout.write(`${r.failingNow ? 'FAILING' : 'fixed  '} ${r.checkId}  ${r.target}  ${r.offender}  [${r.severity}]${r.flaps ? `  flapped ${r.flaps}×` : ''}\n         ${spans}\n`)
        }
      } finally {
        store.close()
      }
    })

  history
    .command('import')
    .argument('<sources...>', 'evidence bundles (.tar.gz), sealed folders, folders holding bundles, or an S3 locker s3://bucket/prefix')
    .description('rebuild the history from evidence bundles, verifying each (signature, hashes); a tampered one is refused by name')
    .option('--ca <file>', 'the evidence CA the bundles must be signed by')
    .option('--tsa-ca <file>', 'the timestamp authority root their timestamps must chain to')
    .option('-s, --schedule <name>', 'record runs that name no schedule under this one')
    .option('-c, --config <file>', "inventory whose locker.credentials read an S3 locker", 'vigil.yaml')
    // --history is `vigil history`'s own option, wherever it is written on the line
    .action(async (sources: string[], _flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<{ history: string; ca?: string; tsaCa?: string; schedule?: string; config: string }>()
      const { HistoryStore } = await import('../history/store.ts')
      const { recordRunFolder } = await import('../history/record-run.ts')
      const { verifyBundle } = await import('../reports/evidence-bundle.ts')
      const { readCertificates } = await import('../reports/cms-signature.ts')
      const anchors = flags.ca ? readCertificates(flags.ca) : []
      const tsaAnchors = flags.tsaCa ? readCertificates(flags.tsaCa) : []
      const store = HistoryStore.open(flags.history)
      let refused = 0
      let recorded = 0
      // an S3 locker: every bundle in it downloaded first, with where it was and its version
      const { mkdtempSync, rmSync } = await import('node:fs')
      const { tmpdir } = await import('node:os')
      const downloads = mkdtempSync(join(tmpdir(), 'vigil-locker-'))
      const kept = new Map<string, { location: string; version: string }>()
      const local: string[] = []
      try {
        for (const s of sources) {
          if (!s.startsWith('s3://')) {
            local.push(s)
            continue
          }
          const { fetchS3Bundles } = await import('../locker/locker.ts')
          const { loadInventory } = await import('../runner/inventory.ts')
          const credentials = statSync(flags.config, { throwIfNoEntry: false }) ? loadInventory(flags.config).locker?.credentials : undefined
          const fetched = await fetchS3Bundles(s, downloads, credentials ? { credentials } : {})
          for (const k of fetched.overwritten) process.stdout.write(`WARN    ${k}: the key holds more than one version; every version is imported and checked\n`)
          for (const b of fetched.bundles) {
            kept.set(b.file, { location: b.location, version: b.version })
            local.push(b.file)
          }
        }
        for (const path of expandSources(local)) {
          const v = await verifyBundle(path, anchors, tsaAnchors)
          try {
            if (!v.intact || ((anchors.length || tsaAnchors.length) && v.trustProblems.length)) {
              refused++
              process.stdout.write(`REFUSED ${kept.get(path)?.location ?? path}: ${[...v.problems, ...v.trustProblems].slice(0, 3).join('; ')}\n`)
              continue
            }
            // trusted time only when the token chains to the pinned --tsa-ca root: anyone who signs could mint a token
            const time = v.timestamp?.anchored && v.timestamp.time ? { timestampTime: v.timestamp.time } : {}
            if (v.timestamp?.valid && !v.timestamp.anchored) process.stdout.write(`note    ${kept.get(path)?.location ?? path}: its timestamp is not recorded as trusted time (give --tsa-ca with the authority's root)\n`)
            const where = kept.get(path)
            const lockerProof = where ? { lockerLocation: where.location, lockerVersion: where.version } : {}
            const proof = statSync(path).isFile() ? { bundleSha256: sha256(readFileSync(path)), ...time, ...lockerProof } : time
            const r = recordRunFolder(store, v.folder, { source: where?.location ?? path, ...(proof ? { proof } : {}), ...(flags.schedule ? { schedule: flags.schedule } : {}) })
            if (r.recorded) recorded++
            process.stdout.write(`${r.recorded ? 'recorded' : r.schedule ? 'known   ' : 'skipped '} ${where?.location ?? path}: run ${r.runId}${r.schedule ? ` (${r.schedule})` : ' names no schedule (give --schedule)'}\n`)
          } finally {
            v.cleanup()
          }
        }
      } finally {
        store.close()
        rmSync(downloads, { recursive: true, force: true })
      }
      process.stdout.write(`${recorded} run(s) recorded in ${flags.history}${refused ? `; ${refused} bundle(s) refused` : ''}\n`)
      process.exitCode = refused ? EXIT.failed : EXIT.ok
    })

  program
    .command('diff')
    .argument('[runA]', 'the earlier run id (a unique prefix will do)')
    .argument('[runB]', 'the later run id')
    .description('what changed between two recorded runs (default: the last two complete runs of the schedule): new, fixed, still failing, coverage lost')
    .option(...HISTORY_OPTION)
    .option('-s, --schedule <name>', 'the schedule whose last two complete runs are compared')
    .option('--format <format>', 'text, markdown or json', 'text')
    .option('--notify <url>', 'also POST the message as Slack-compatible JSON to this webhook')
    .action(async (runA: string | undefined, runB: string | undefined, flags: { history: string; schedule?: string; format: string; notify?: string }) => {
      if (!['text', 'markdown', 'json'].includes(flags.format)) throw new ConfigError(`--format ${flags.format}: use text, markdown or json`)
      if (runA && !runB) throw new ConfigError('vigil diff: give two run ids (earlier, later), or none for the last two complete runs of the schedule')
      const { HistoryStore } = await import('../history/store.ts')
      const { diffRuns, diffMarkdown, slackPayload } = await import('../history/diff.ts')
      const store = openExisting(HistoryStore, flags.history)
      try {
        let a, b
        if (runA && runB) {
          a = store.run(runA)
          b = store.run(runB)
          if (!a || !b) throw new ConfigError(`no recorded run ${!a ? runA : runB} in ${flags.history}`)
        } else {
          const complete = store.runs(flags.schedule ? { schedule: flags.schedule } : {}).filter((r) => !r.incomplete)
          if (!flags.schedule && new Set(complete.map((r) => r.schedule)).size > 1)
            throw new ConfigError(`${flags.history} holds several schedules (${[...new Set(complete.map((r) => r.schedule))].join(', ')}): give --schedule, or two run ids`)
          if (complete.length < 2) throw new ConfigError(`${flags.history}: fewer than two complete runs${flags.schedule ? ` of ${flags.schedule}` : ''} to compare`)
          ;[a, b] = complete.slice(-2)
        }
        const d = diffRuns(a!, store.findings(a!.id), b!, store.findings(b!.id))
        const schedule = flags.schedule ?? b!.schedule
        if (flags.format === 'json') process.stdout.write(JSON.stringify(d, null, 2) + '\n')
        else if (flags.format === 'markdown') process.stdout.write(diffMarkdown(d, schedule) + '\n')
        else {
          process.stdout.write(`${schedule}: ${d.from.startedAt} → ${d.to.startedAt}: ${d.counts.new} new, ${d.counts.fixed} fixed, ${d.counts['still-failing']} still failing, ${d.counts['coverage-lost']} no longer checked\n`)
          for (const r of d.rows.filter((x) => x.class !== 'still-failing'))
            process.stdout.write(`${r.class.toUpperCase().padEnd(15)} ${r.checkId}  ${r.target}${r.offender ? `  ${r.offender.id}` : ''}\n`)
        }
        if (flags.notify) await notify(flags.notify, slackPayload(d, schedule))
      } finally {
        store.close()
      }
    })
}

export function addReportCommand(program: Command): void {
  const cmd = program
    .command('report')
    .description('the period report: per control and night, whether it operated (passed, failed, error, waived, missing), with each night\'s proof')
    .requiredOption('--since <date>', 'first night, YYYY-MM-DD')
    .option('--until <date>', 'first night NOT included, YYYY-MM-DD (default: up to the last night that has ended)')
    .option('-s, --schedule <name>', 'the schedule (default: schedule.name in the inventory)')
    .option('--tz <zone>', 'time zone of the nights, IANA name (default: schedule.timezone in the inventory, else UTC)')
    .option('--branch <name>', 'count runs of this branch (default: the branch of the schedule\'s latest run)')
    .option('-c, --config <file>', 'inventory whose schedule: gives the night\'s start time', 'vigil.yaml')
    .option(...HISTORY_OPTION)
    .option('-o, --out <dir>', 'where period-report.html, .md and .json go', 'vigil-period')
    .option('-b, --bundle [file]', 'also seal the report as a signed evidence bundle (default: vigil-evidence-period-<id>.tar.gz beside --out)')
  addSigningOptions(cmd).action(
    async (flags: SigningFlags & { since: string; until?: string; schedule?: string; tz?: string; branch?: string; config: string; history: string; out: string; bundle?: string | boolean }) => {
      if (typeof flags.bundle === 'string') checkArchivePath(flags.bundle, '--bundle')
      const signer = flags.bundle ? await signerFrom(flags) : undefined
      const tsa = flags.bundle ? await tsaFrom(flags) : undefined
      const { existsSync } = await import('node:fs')
      const { HistoryStore } = await import('../history/store.ts')
      const { periodReport } = await import('../history/period.ts')
      const { periodHtml, periodMarkdown } = await import('../history/period-render.ts')
      const { ensureOutputFolder } = await import('../runner/output-folder.ts')
      const { writeFileBounded } = await import('../core/bounded-write.ts')
      let schedule: { name?: string; start: string; timezone: string } = { start: '00:00', timezone: 'UTC' }
      if (existsSync(flags.config)) {
        const { loadInventory } = await import('../runner/inventory.ts')
        const inv = loadInventory(flags.config)
        if (inv.schedule) schedule = inv.schedule
      }
      const name = flags.schedule ?? schedule.name
      if (!name) throw new ConfigError(`give --schedule, or a schedule: section in ${flags.config}`)
      const store = openExisting(HistoryStore, flags.history)
      try {
        const r = periodReport(store, { schedule: name, since: flags.since, ...(flags.until ? { until: flags.until } : {}), timezone: flags.tz ?? schedule.timezone, start: schedule.start, ...(flags.branch ? { branch: flags.branch } : {}) })
        const dir = ensureOutputFolder(flags.out)
        const { SEAL_FILES, PERIOD_RECORD_FILE } = await import('../reports/evidence-bundle.ts')
        const { rmSync } = await import('node:fs')
        const { randomUUID } = await import('node:crypto')
        // an earlier seal describes other files
        for (const f of SEAL_FILES) rmSync(join(dir, f), { force: true })
        const written: Record<string, string> = {
          'period-report.json': JSON.stringify(r, null, 2) + '\n',
          'period-report.md': periodMarkdown(r),
          'period-report.html': periodHtml(r),
        }
        for (const [f, text] of Object.entries(written)) await writeFileBounded(join(dir, f), text)
        // what the report wrote, byte for byte: sealing refuses a folder where any file differs
        const record = { schemaVersion: 1, id: randomUUID(), createdAt: new Date().toISOString(), schedule: r.schedule, since: r.since, until: r.until, timezone: r.timezone, files: Object.keys(written).sort(), sha256: Object.fromEntries(Object.entries(written).map(([f, t]) => [f, sha256(t)])) }
        await writeFileBounded(join(dir, PERIOD_RECORD_FILE), JSON.stringify(record, null, 2) + '\n')
        process.stdout.write(`${r.counts.nights} nights: ${r.counts.proven} proven, ${r.counts.unproven} unproven, ${r.counts.missing} missing; ${r.controls.length} controls\nreport:  ${join(dir, 'period-report.html')} (also .md, .json)\n`)
        if (signer) await writeBundle(dir, typeof flags.bundle === 'string' ? flags.bundle : undefined, signer, false, false, tsa)
      } finally {
        store.close()
      }
    },
  )
}

function openExisting<T>(Store: { open(file: string): T }, file: string): T {
  try {
    statSync(file)
  } catch {
    throw new ConfigError(`--history ${file}: no history database there (record runs with \`vigil run --schedule <name>\`, or rebuild it with \`vigil history import\`)`)
  }
  return Store.open(file)
}

/** Bundles named, and the bundles (.tar.gz) inside folders that are not themselves sealed folders. */
function expandSources(sources: string[]): string[] {
  const out: string[] = []
  for (const s of sources) {
    let st
    try {
      st = statSync(s)
    } catch {
      throw new ConfigError(`${s}: no such bundle or folder`)
    }
    if (st.isDirectory() && !readdirSync(s).includes('manifest.json'))
      out.push(...readdirSync(s).filter((f) => f.endsWith('.tar.gz')).sort().map((f) => join(s, f)))
    else out.push(s)
  }
  return out
}

/** The morning message to a Slack-compatible webhook: bounded in time, the URL never printed (it is a secret). */
async function notify(url: string, payload: unknown): Promise<void> {
  const { default: got } = await import('got')
  try {
    await got.post(url, { json: payload, timeout: { request: 10_000 }, retry: { limit: 1 }, throwHttpErrors: true })
  } catch (e) {
    const status = (e as { response?: { statusCode?: number } }).response?.statusCode
    throw new ConfigError(`--notify: the webhook did not accept the message (${status ? `HTTP ${status}` : ((e as Error).message ?? 'failed').replace(url, '<url>')})`)
  }
}
