// The base side of a pull request: the team's repository as it is at the merge base of `--base`
// and HEAD, unpacked from git into a temporary folder (never a checkout of the work tree), so the
// base side's vigil.yaml, waivers and feature files are read exactly as they were committed.
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as tar from 'tar'
import { ConfigError } from '../core/config-file.ts'

const exec = promisify(execFile)
/** A policy repository is small; a base tree beyond this is refused rather than unpacked. */
const MAX_BASE_BYTES = 512 * 1024 * 1024
const GIT_TIMEOUT_MS = 60_000

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    return (await exec('git', args, { cwd, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 << 20 })).stdout.trim()
  } catch (e) {
    const err = e as { stderr?: string; code?: string | number; message: string }
    if (err.code === 'ENOENT') throw new ConfigError('vigil gate needs git on PATH')
    throw new ConfigError(`git ${args.join(' ')}: ${(err.stderr ?? err.message).trim().split('\n')[0]}`)
  }
}

export interface BaseSide {
  /** the repository's top folder (the change side is its work tree) */
  repo: string
  /** the merge base of `--base` and HEAD */
  commit: string
  /** the ref as given */
  ref: string
  /** the base tree, unpacked */
  dir: string
  cleanup(): void
}

/** Finds the repository, the merge base of `ref` and HEAD, and unpacks the tree at it. */
export async function checkoutBase(cwd: string, ref: string): Promise<BaseSide> {
  let repo: string
  try {
    repo = (await exec('git', ['rev-parse', '--show-toplevel'], { cwd, timeout: GIT_TIMEOUT_MS })).stdout.trim()
  } catch {
    throw new ConfigError(`vigil gate: ${cwd} is not in a git repository; the gate compares a pull request with its base branch`)
  }
  const resolved = await git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => {
    throw new ConfigError(`--base ${ref}: no such commit or branch in ${repo} (a shallow clone? check out with history, e.g. actions/checkout with fetch-depth: 0)`)
  })
  const commit = await git(repo, ['merge-base', resolved, 'HEAD']).catch(() => {
    throw new ConfigError(`--base ${ref}: no common ancestor with HEAD (a shallow clone? fetch the base branch's history)`)
  })
  const dir = mkdtempSync(join(tmpdir(), 'vigil-gate-base-'))
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  try {
    await unpackTree(repo, commit, dir)
  } catch (e) {
    cleanup()
    throw e
  }
  return { repo, commit, ref, dir, cleanup }
}

function unpackTree(repo: string, commit: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['archive', '--format=tar', commit], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] })
    let bytes = 0
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill()
      reject(new ConfigError(`git archive ${commit}: did not finish within ${GIT_TIMEOUT_MS / 1000} s`))
    }, GIT_TIMEOUT_MS)
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length
      if (bytes > MAX_BASE_BYTES) {
        child.kill()
        reject(new ConfigError(`the base tree at ${commit} is larger than ${MAX_BASE_BYTES >> 20} MiB; a policy repository should be small`))
      }
    })
    const extract = tar.x({ cwd: dir, strict: true, preservePaths: false })
    child.stdout.pipe(extract)
    extract.on('error', (e: Error) => reject(new ConfigError(`cannot unpack the base tree: ${e.message}`)))
    extract.on('finish', () => {
      clearTimeout(timer)
      resolve()
    })
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) {
        clearTimeout(timer)
        reject(new ConfigError(`git archive ${commit}: ${stderr.trim().split('\n')[0] || `exit ${code}`}`))
      }
    })
  })
}

/** A file's content at a commit, or undefined when it does not exist there. */
export async function fileAt(repo: string, commit: string, path: string): Promise<string | undefined> {
  return git(repo, ['show', `${commit}:${path}`]).catch(() => undefined)
}
