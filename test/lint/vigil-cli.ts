// Runs `vigil lint|policies|steps` as a user does: a separate Node process, real files, the exit code
// and both streams.
import { runVigil, type VigilResult } from '../run-vigil.ts'

export function vigil(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<VigilResult> {
  // annotations only where a test asks for them, whatever CI this runs on
  const env = { GITHUB_ACTIONS: 'false', ...opts.env }
  return runVigil(args, { ...opts, env })
}
