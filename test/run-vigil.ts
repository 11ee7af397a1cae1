// Runs the `vigil` command as a user does: a separate Node process (the project's Node 24), real
// files, the exit code, both output streams.
import { execFile, spawn } from 'node:child_process'
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

/**
 * Starts `vigil …`, sends `signal` ONCE, `afterMs` after it reports that observing has begun (a second
 * signal exits at once, by design: `again` sends it 200 ms later), and resolves when it exits.
 */
export function runVigilAndSignal(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; signal: NodeJS.Signals; afterMs: number; again?: boolean },
): Promise<{ code: number | null; stderr: string; elapsedMs: number }> {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, [VIGIL_BIN, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env } })
    let stderr = ''
    let sent = false
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
      if (!sent && stderr.includes('vigil: observing')) {
        sent = true
        setTimeout(() => {
          child.kill(opts.signal)
          if (opts.again) setTimeout(() => child.kill(opts.signal), 200)
        }, opts.afterMs)
      }
    })
    child.stdout.resume()
    child.on('exit', (code) => resolve({ code, stderr, elapsedMs: performance.now() - started }))
  })
}
