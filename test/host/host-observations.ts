// Host observations for the pure-judge tests: command records as the probe makes them.
import type { CommandRecord, HostObservation } from '../../checks/host/observation.ts'
import type { SshObservation } from '../../checks/ssh/observation.ts'

export const rec = (command: string, stdout: string, exitCode: number | null = 0, more: Partial<CommandRecord> = {}): CommandRecord => ({ command, exitCode, stdout, durationMs: 3, ...more })

/** An SSH observation whose host part holds these command records, or the host part's error. */
export function host(commands: HostObservation['commands'] | { error: { kind: 'access-denied' | 'not-observed'; message: string } }): SshObservation {
  return {
    target: { name: 'db1', host: 'db1.example.test', address: '10.0.0.5', port: 22 },
    hostKeyPin: { seen: [], status: 'unknown' },
    connections: 1,
    host: 'error' in commands ? (commands as { error: { kind: 'access-denied'; message: string } }) : { commands: commands as HostObservation['commands'] },
  }
}
