// The STARTTLS peers run each server in a process group of its own: one signal reaches the daemon
// and every worker it forked.
import type { ChildProcess } from 'node:child_process'

/** Sends `signal` to the child's whole process group; a group already gone is not an error. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // the group is gone already
  }
}
