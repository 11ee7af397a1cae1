// One entry point per target kind for "how was this observation obtained, what did it cover":
// the operations (connections, handshakes, API calls) and population counts a finding's provenance
// reports. Each domain knows its own observation's shape.
import type { TargetKind } from './types.ts'
import { summarizeTlsObservation } from './tls/observation-summary.ts'
import { summarizeKeyDirObservation, summarizeSshObservation } from './ssh/observation-summary.ts'
import { summarizeAwsObservation } from './aws/observation-summary.ts'

export interface ObservationSummary {
  operations: Record<string, unknown>
  population: Record<string, number>
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const BY_KIND: Record<TargetKind, (data: any) => ObservationSummary> = {
  tls: summarizeTlsObservation,
  ssh: summarizeSshObservation,
  keyDir: summarizeKeyDirObservation,
  aws: summarizeAwsObservation,
}

/** The summary of a stored observation; an observation without data (the probe failed) summarises to nothing. */
export function summarizeObservation(kind: TargetKind, data: unknown): ObservationSummary {
  if (data === null || data === undefined) return { operations: {}, population: {} }
  try {
    return BY_KIND[kind](data)
  } catch {
    // a summary is descriptive; a malformed observation is already the judge's error to report
    return { operations: {}, population: {} }
  }
}
