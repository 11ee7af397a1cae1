// The run's output folder: one run per folder. Before a run writes anything it checks the path is a
// folder it can write (not a file, not under a file, not on a kernel pseudo-filesystem such as /proc
// where `mkdir -p` never returns), marks the folder as in progress, and removes every file an earlier
// run left there, so no report of another run can sit beside this run's inputs. The mark is removed
// when the run has written all its files; a folder still marked was never finished (killed), and
// `vigil bundle` refuses it. Every write has a time bound.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, statfsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { ConfigError } from '../core/config-file.ts'
import { writeFileBounded } from '../core/bounded-write.ts'
import { INPUTS_DIR } from './run-inputs.ts'
import type { RunRecord } from '../reports/run-record.ts'
import { sha256File } from '../core/hash.ts'
import { OBSERVATIONS_FILE, OBSERVATIONS_JOURNAL } from './observation-journal.ts'
import { EVIDENCE_FILE, IN_PROGRESS_FILE, REPORT_FILES, RUN_RECORD_FILE, SEAL_FILES } from '../reports/run-files.ts'

export { IN_PROGRESS_FILE }


/** Every file a run writes at the top of its folder (besides inputs/ and the seal files). */
export const RUN_OUTPUT_FILES = [...Object.values(REPORT_FILES), OBSERVATIONS_FILE, OBSERVATIONS_JOURNAL, EVIDENCE_FILE, RUN_RECORD_FILE] as const

/** Kernel pseudo-filesystems (statfs f_type): writing reports there is a mistake, and some calls hang. */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'procfs',
  0x62656572: 'sysfs',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x1cd1: 'devpts',
  0x62656570: 'configfs',
  0x6165676c: 'pstore',
  0xcafe4a11: 'bpf',
  0xde5e81e4: 'efivarfs',
}

export interface InProgressMark {
  runId: string
  pid: number
  host: string
  startedAt: string
}

function nearestExisting(path: string): string {
  let p = path
  while (!existsSync(p)) {
    const up = dirname(p)
    if (up === p) break
    p = up
  }
  return p
}

/**
 * Checks that `dir` can be the output folder and creates it. One paragraph naming the flag and the
 * path on any mistake: a file, a path under a file, a pseudo-filesystem, no permission.
 */
export function ensureOutputFolder(dir: string, flag = '--out'): string {
  const abs = resolve(dir)
  const existing = nearestExisting(abs)
  let st
  try {
    // a link to a folder is a folder (macOS's /tmp is one)
    st = statSync(existing)
  } catch (e) {
    throw new ConfigError(`${flag} ${dir}: cannot examine ${existing} (${(e as NodeJS.ErrnoException).code})`)
  }
  if (existing === abs && !st.isDirectory())
    throw new ConfigError(`${flag} ${dir}: this is a file, not a folder; name a folder for the reports (it is created when missing)`)
  if (existing !== abs && !st.isDirectory())
    throw new ConfigError(`${flag} ${dir}: ${existing} is a file, so no folder can be created under it; name a folder elsewhere`)
  try {
    const fs = PSEUDO_FS[Number(statfsSync(existing).type)]
    if (fs) throw new ConfigError(`${flag} ${dir}: ${existing} is on ${fs}, a kernel pseudo-filesystem, not a place for reports; name a folder on a real disk`)
  } catch (e) {
    if (e instanceof ConfigError) throw e
  }
  // one level at a time: Node's recursive mkdir loops forever on some pseudo-filesystems
  const missing: string[] = []
  for (let p = abs; p !== existing; p = dirname(p)) missing.unshift(p)
  for (const p of missing) {
    try {
      mkdirSync(p)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EEXIST' && statSync(p).isDirectory()) continue
      throw new ConfigError(`${flag} ${dir}: cannot create the folder ${p} (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only filesystem' : code})`)
    }
  }
  return abs
}

/** The folder's in-progress mark, when it has one. */
export function readInProgress(dir: string): InProgressMark | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, IN_PROGRESS_FILE), 'utf8')) as InProgressMark
  } catch {
    return existsSync(join(dir, IN_PROGRESS_FILE)) ? { runId: 'unknown', pid: 0, host: 'unknown', startedAt: 'unknown' } : undefined
  }
}

/**
 * Marks the folder as in progress for `runId`, then (unless `clearEarlierRun: false`: the run clears
 * it itself once its policies are known to be sound) removes every file an earlier run wrote there.
 * Returns the names removed.
 */
export async function claimOutputFolder(dir: string, mark: InProgressMark, opts: { clearEarlierRun?: boolean } = {}): Promise<string[]> {
  // another run still writing here (its process alive on this machine) keeps the folder; a stale mark does not
  const other = readInProgress(dir)
  if (other && other.host === mark.host && other.pid !== mark.pid && processAlive(other.pid))
    throw new ConfigError(`${dir}: run ${other.runId} (process ${other.pid}, started ${other.startedAt}) is writing this folder; give this run another --out`)
  await writeFileBounded(join(dir, IN_PROGRESS_FILE), JSON.stringify(mark, null, 2) + '\n')
  return opts.clearEarlierRun === false ? [] : clearEarlierRun(dir)
}

/**
 * Removes every file an earlier run wrote in the folder (its reports, observations, run record,
 * inputs snapshot and seal), except `keep` (what this run has begun writing). Files Vigil did not
 * write are left alone. Returns the names removed.
 */
export function clearEarlierRun(dir: string, keep: readonly string[] = []): string[] {
  const removed: string[] = []
  // the earlier run's inputs are what its run.json listed; anything else under inputs/ is not Vigil's
  let earlierInputs: string[] = []
  try {
    const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { files?: unknown }
    if (Array.isArray(record.files)) earlierInputs = record.files.filter((f): f is string => typeof f === 'string' && f.startsWith(`${INPUTS_DIR}/`) && !f.split('/').includes('..'))
  } catch {
    // no earlier run record: nothing listed to remove under inputs/
  }
  for (const f of [...RUN_OUTPUT_FILES, ...SEAL_FILES, ...earlierInputs]) {
    const p = join(dir, f)
    if (!keep.includes(f) && existsSync(p)) {
      rmSync(p, { force: true })
      removed.push(f)
    }
  }
  removeEmptyFolders(join(dir, INPUTS_DIR))
  return removed
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function removeEmptyFolders(dir: string): void {
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const e of entries) if (e.isDirectory()) removeEmptyFolders(join(dir, e.name))
  try {
    rmdirSync(dir)
  } catch {
    // not empty: something that is not Vigil's is in it
  }
}

/** The run has written everything: the folder is one complete (or complete-but-interrupted) run. */
export function releaseOutputFolder(dir: string): void {
  rmSync(join(dir, IN_PROGRESS_FILE), { force: true })
}


/**
 * The run has written everything: `run.json` lists every file of the run with its SHA-256 as written
 * (`vigil bundle` refuses a folder where any file differs), then the in-progress mark goes. A run and
 * a merge of shards end the same way.
 */
export async function finishRunFolder(dir: string, run: RunRecord['run'], inputs: RunRecord['inputs']): Promise<string> {
  const listed = [
    ...Object.values(REPORT_FILES),
    OBSERVATIONS_FILE,
    EVIDENCE_FILE,
    inputs.inventory.file,
    ...(inputs.waivers ? [inputs.waivers.file] : []),
    ...inputs.policies.map((p) => p.file),
  ].sort()
  const record: RunRecord = { schemaVersion: 1, run, inputs, files: listed, sha256: Object.fromEntries(listed.map((f) => [f, sha256File(join(dir, f))])) }
  const file = join(dir, RUN_RECORD_FILE)
  await writeFileBounded(file, JSON.stringify(record, null, 2) + '\n')
  releaseOutputFolder(dir)
  return file
}
