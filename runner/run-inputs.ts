// Snapshots what a run used into its output folder (`inputs/`): the exact feature files, the
// inventory with secrets removed and the waivers file as read, so the evidence bundle holds the
// policies that decided, not whatever the repository holds later. Also finds the git commit of
// the policy repository.
import { execFile } from 'node:child_process'
import { sha256 } from '../core/hash.ts'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { writeFileBounded } from '../core/bounded-write.ts'
import { dirname, join, relative, sep } from 'node:path'
import { promisify } from 'node:util'
import { redactInventoryText, redactUrl } from './redact.ts'
import type { RunRecord } from '../reports/run-record.ts'
import type { Results } from '../reports/model.ts'

export const INPUTS_DIR = 'inputs'
const run = promisify(execFile)


/** The deepest folder holding every file. */
export function commonRoot(files: readonly string[]): string {
  if (files.length === 0) return '/'
  let root = dirname(files[0]!)
  for (const f of files) while (root !== dirname(root) && !f.startsWith(root + sep)) root = dirname(root)
  return root
}

const posix = (p: string) => p.split(sep).join('/')

/**
 * Copies the inputs into `<out>/inputs/` (replacing an earlier run's copies) and returns their
 * places for run.json. `policies` maps each feature file (absolute) to its name in findings.
 */
export async function snapshotInputs(
  out: string,
  inputs: { inventoryFile: string; inventoryText: string; waiversFile?: string; waiversText?: string; policies: ReadonlyMap<string, string> },
): Promise<RunRecord['inputs']> {
  const dir = join(out, INPUTS_DIR)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'policies'), { recursive: true })
  const inventory = `${INPUTS_DIR}/inventory.yaml`
  await writeFileBounded(join(out, inventory), redactInventoryText(inputs.inventoryText))
  const root = commonRoot([...inputs.policies.keys()])
  const policies: RunRecord['inputs']['policies'] = []
  for (const [file, policy] of [...inputs.policies].sort(([a], [b]) => a.localeCompare(b))) {
    const bytes = readFileSync(file)
    const copy = `${INPUTS_DIR}/policies/${posix(relative(root, file))}`
    mkdirSync(dirname(join(out, copy)), { recursive: true })
    await writeFileBounded(join(out, copy), bytes)
    policies.push({ policy, file: copy, sha256: sha256(bytes) })
  }
  let waivers: RunRecord['inputs']['waivers']
  if (inputs.waiversFile !== undefined && inputs.waiversText !== undefined) {
    waivers = { source: inputs.waiversFile, file: `${INPUTS_DIR}/waivers.yaml` }
    await writeFileBounded(join(out, waivers.file), inputs.waiversText)
  }
  return { inventory: { source: inputs.inventoryFile, file: inventory }, ...(waivers ? { waivers } : {}), policies }
}

/** The git commit the feature files were taken from, when they live in a work tree (`dirty`: uncommitted changes under them). */
export async function policyRepository(files: readonly string[]): Promise<Results['run']['policyRepo']> {
  if (files.length === 0) return undefined
  const root = commonRoot(files)
  const git = async (...args: string[]) => (await run('git', ['-C', root, ...args], { timeout: 5000, maxBuffer: 1 << 20 })).stdout.trim()
  try {
    const [top, commit] = (await git('rev-parse', '--show-toplevel', 'HEAD')).split('\n')
    if (!top || !commit) return undefined
    const dirty = (await git('status', '--porcelain', '--', '.')).length > 0
    // a remote URL can carry a token (https://x-access-token:…@github.com/…): never copied as is
    const remote = await git('config', '--get', 'remote.origin.url').catch(() => '')
    return { root: top, commit, dirty, ...(remote ? { remote: redactUrl(remote) } : {}) }
  } catch {
    return undefined
  }
}
