// One reading of a run's findings shared by reports written side by side (results.json, junit.xml,
// findings.csv and the page's first pass): each finding is read from the spool and parsed once, not
// once per report. Each reader gets its own view, to be iterated once; what one reader has not taken
// yet waits in its queue, so the readers must advance together (writeChunksTogether) to keep the
// queues short: a reader with findings waiting is advanced first.
import type { Finding, FindingSource, PolicySegment } from './model.ts'

interface Entry {
  finding: Finding
  /** its JSON text, when the source keeps findings as text */
  line?: string
}

/** A reader's view: the findings, and how many wait in its queue (read for another reader, not yet taken by this one). */
export type TeeView = FindingSource & { waiting(): number }

/** `readers` views of `source`; `onFinding` sees every finding once, as it is read. */
export function teeFindings(source: FindingSource, readers: number, onFinding?: (f: Finding) => void): TeeView[] {
  const lines = source.jsonLines?.()[Symbol.iterator]()
  const objects = lines ? undefined : source[Symbol.iterator]()
  const queues: Entry[][] = Array.from({ length: readers }, () => [])
  const heads = queues.map(() => 0)
  let ended = false
  // the next finding into every queue; false at the end
  const read = (): boolean => {
    if (ended) return false
    let entry: Entry
    if (lines) {
      const r = lines.next()
      if (r.done) return !(ended = true)
      entry = { finding: JSON.parse(r.value) as Finding, line: r.value }
    } else {
      const r = objects!.next()
      if (r.done) return !(ended = true)
      entry = { finding: r.value }
    }
    onFinding?.(entry.finding)
    for (const q of queues) q.push(entry)
    return true
  }
  function* take(i: number): Generator<Entry> {
    const q = queues[i]!
    for (;;) {
      if (heads[i] === q.length) {
        q.length = heads[i] = 0
        if (!read()) return
      }
      const e = q[heads[i]!]!
      q[heads[i]!++] = undefined as unknown as Entry
      yield e
    }
  }
  // a source that does not keep its policy runs is counted now, in a reading of its own
  let segments: PolicySegment[] | undefined
  const policySegments = (): PolicySegment[] => (segments ??= source.policySegments?.() ?? countSegments(source))
  return queues.map((_, i) => ({
    *[Symbol.iterator]() {
      for (const e of take(i)) yield e.finding
    },
    *jsonLines() {
      for (const e of take(i)) yield e.line ?? JSON.stringify(e.finding)
    },
    policySegments,
    waiting: () => queues[i]!.length - heads[i]!,
  }))
}

/** Consecutive findings of one policy, with their status counts. */
export function countSegments(findings: Iterable<Finding>): PolicySegment[] {
  const out: PolicySegment[] = []
  for (const f of findings) {
    let last = out.at(-1)
    if (last?.policy !== f.policy) out.push((last = { policy: f.policy, counts: { passed: 0, failed: 0, error: 0, 'not-applicable': 0, skipped: 0, waived: 0 } }))
    last.counts[f.status]++
  }
  return out
}
