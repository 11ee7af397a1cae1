// What the host probe records about the machine behind an SSH target (issue 20): the output of each
// allow-listed command it ran over the audit login (checks/host/commands.ts), bounded, with its exit
// code and duration. Nothing secret is recorded: the commands print no password hash, no key.
import type { PartError } from '../ssh/observation.ts'
import type { HostCommandId } from './commands.ts'

/** Observation parts host checks ask for: one per allow-listed command. */
export const hostPart = (id: HostCommandId) => `host.${id}` as const
export const HOST_PART_PREFIX = 'host.'

export interface CommandRecord {
  /** the command line as run (with `sudo -n` when it needed root) */
  command: string
  /** null when the command was killed (timeout, output bound) or the channel closed without a status */
  exitCode: number | null
  /** standard output, at most the command's `maxBytes` */
  stdout: string
  /** the output went past `maxBytes` and the command was stopped there */
  truncated?: true
  /** the first 4 KiB of standard error */
  stderr?: string
  durationMs: number
}

export interface HostObservation {
  /** the commands run, by id; a command that could not run carries its error instead */
  commands: Partial<Record<HostCommandId, CommandRecord | { error: PartError }>>
}
