// Runs the `vigil` command as a user does: a separate Node process (the project's Node 24), real
// files, the exit code, both output streams.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const VIGIL_BIN = fileURLToPath(new URL('../bin/vigil.mjs', import.meta.url))

export interface VigilResult {
  code: number
  stdout: string
  stderr: string
}

export function runVigil(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<VigilResult> {
  return new Promise((resolve) =>
    execFile(process.execPath, [VIGIL_BIN, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, stdout, stderr }),
    ),
  )
}

/** A stack trace in user-facing output is a bug: errors are one paragraph naming file, line and field. */
export const STACK_TRACE = /\n\s+at .+\(.+:\d+:\d+\)/
