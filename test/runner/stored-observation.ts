// A stored TLS observation as the runner keeps it (runner/observe.ts), for tests that judge without probing.
import type { StoredObservation } from '../../runner/observe.ts'

export function storedObservation(name: string, data: unknown, probeError?: StoredObservation['probeError']): StoredObservation {
  return {
    target: name,
    kind: 'tls',
    tags: [],
    startedAt: '2026-12-03T10:00:00.000Z',
    finishedAt: '2026-12-03T10:00:01.000Z',
    durationMs: 1000,
    parts: ['tls.protocols'],
    data,
    ...(probeError ? { probeError } : {}),
  }
}
