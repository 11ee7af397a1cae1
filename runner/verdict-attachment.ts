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
