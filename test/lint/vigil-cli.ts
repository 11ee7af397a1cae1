// Runs `vigil lint|policies|steps` as a user does: a separate Node process, real files, the exit code
// and both streams. Through bin/vigil.mjs once cli/vigil.ts registers the commands, through
// test/lint/cli-shim.ts (the same commands on their own) until then.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runVigil, type VigilResult } from '../run-vigil.ts'

export const WIRED = /addLintCommand\(/.test(readFileSync(fileURLToPath(new URL('../../cli/vigil.ts', import.meta.url)), 'utf8'))
const SHIM = fileURLToPath(new URL('./cli-shim.ts', import.meta.url))

export function vigil(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<VigilResult> {
  // annotations only where a test asks for them, whatever CI this runs on
  const env = { GITHUB_ACTIONS: 'false', ...opts.env }
  if (WIRED) return runVigil(args, { ...opts, env })
  return new Promise((resolve) =>
    execFile(process.execPath, [SHIM, ...args], { cwd: opts.cwd, env: { ...process.env, ...env }, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stdout, stderr }),
    ),
  )
}
