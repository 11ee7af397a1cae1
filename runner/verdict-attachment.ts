// What a step attaches for each target it judged; the runner turns it into a Finding.
// Kept outside steps/ because importing a step file outside a Cucumber run throws.
import type { TargetKind, Verdict } from '../checks/types.ts'

export const FINDING_MEDIA_TYPE = 'application/vnd.vigil.verdict+json'

export interface VerdictAttachment {
  checkId: string
  target: string
  targetKind: TargetKind
  params: Record<string, unknown>
  observedAt: string
  verdict: Verdict
}

type VerdictReceiver = (pickleId: string, verdict: VerdictAttachment) => void

/**
 * In-process delivery of verdicts: the judging run (runner/cucumber.ts `judgeWithCucumber`)
 * registers a receiver under its world's `runId`, and the world hands each verdict over as the
 * object it is. Attaching it instead (a JSON text per verdict, an envelope through every Cucumber
 * listener, parsed back by the runner) cost ~0.25 s of CPU for the 12,000 verdicts of a
 * 1,000-endpoint run. A world that finds no receiver (Cucumber run some other way) attaches.
 */
// Kept on globalThis under a registered symbol: the runner and the step library must share it even
// when they were loaded as two instances of this module (vitest loads the runner through its own
// module graph, Cucumber loads the step library with Node's import).
const RECEIVERS = Symbol.for('vigil.verdict-receivers')
const receivers: Map<string, VerdictReceiver> = ((globalThis as Record<symbol, unknown>)[RECEIVERS] ??= new Map()) as Map<string, VerdictReceiver>

/** Registers `receive` for the judging run `runId`; returns what unregisters it. */
export function receiveVerdicts(runId: string, receive: VerdictReceiver): () => void {
  if (receivers.has(runId)) throw new Error(`judging run ${runId} already has a verdict receiver`)
  receivers.set(runId, receive)
  return () => receivers.delete(runId)
}

/** Hands `verdict` to the receiver of `runId`; false when there is none (the caller attaches it). */
export function deliverVerdict(runId: string | undefined, pickleId: string | undefined, verdict: VerdictAttachment): boolean {
  const receive = runId !== undefined && pickleId !== undefined ? receivers.get(runId) : undefined
  if (!receive) return false
  receive(pickleId!, verdict)
  return true
}
