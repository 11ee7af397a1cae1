// How an SSH server or key-folder observation was obtained (operations) and what it covered
// (population), for the provenance every finding carries. Pure: counts read off the observation.
import type { KeyDirObservation, KeysObservation, Part, SshObservation } from './observation.ts'

const ok = <T extends object>(p: Part<T> | undefined): T | undefined => (p && !('error' in p) ? p : undefined)

function keyCounts(k: KeysObservation | undefined): Record<string, number> {
  if (!k) return {}
  return { keyFilesExamined: k.filesExamined, keysFound: k.keys.length, unreadablePaths: k.unreadable.length }
}

export function summarizeSshObservation(o: SshObservation): { operations: Record<string, unknown>; population: Record<string, number> } {
  const kex = ok(o.kexinit)
  return {
    operations: { connections: o.connections, hostKeyPin: o.hostKeyPin.status, ...(ok(o.host) ? { hostCommands: Object.keys(ok(o.host)!.commands).length } : {}) },
    population: {
      ...(kex ? { kexMethodsOffered: kex.kex.length, hostKeyAlgorithmsOffered: kex.hostKeyAlgorithms.length } : {}),
      ...(ok(o.hostKeys) ? { hostKeysProbed: ok(o.hostKeys)!.keys.length } : {}),
      ...keyCounts(ok(o.keys)),
    },
  }
}

export function summarizeKeyDirObservation(o: KeyDirObservation): { operations: Record<string, unknown>; population: Record<string, number> } {
  return { operations: { source: 'local file system' }, population: keyCounts(ok(o.keys)) }
}
