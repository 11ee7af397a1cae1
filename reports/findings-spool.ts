// A run's findings on disk while it runs, so memory does not grow with the fleet. Targets are judged
// a batch at a time; each batch's findings are appended to one JSON Lines file per scenario, and read
// back scenario by scenario, targets in plan order: the same order a single judging pass gives. The
// spool lives in the system's temporary folder and is removed when the process exits (or by `remove`).
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AppendOnlyFile } from '../core/bounded-write.ts'
import { completeLines, readLines, readRangeBytes } from '../core/line-reader.ts'
import { FindingStatus, type Finding, type FindingSource, type PolicySegment } from './model.ts'

const STATUS_CODES = FindingStatus.options
/** the most `withStatus` reads at once */
const RUN_BYTES = 1 << 20
const live = new Set<string>()
let cleanupRegistered = false

export class FindingsSpool implements FindingSource {
  readonly dir: string
  private readonly files: AppendOnlyFile[]
  /** per scenario, the status of each line (one byte each): readers that want some statuses skip parsing the rest */
  private readonly statuses: Uint8Array[]
  /** per scenario, where each line ends in its file (bytes, past its line break): `withStatus` reads only the lines it wants */
  private readonly ends: Float64Array[]
  private readonly counts: number[]
  /** the policy (feature file) of each scenario's findings */
  private readonly policies: (string | undefined)[] = []
  private closed = false

  constructor(scenarioCount: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'vigil-findings-'))
    live.add(this.dir)
    if (!cleanupRegistered) {
      cleanupRegistered = true
      process.once('exit', () => {
        for (const d of live) rmSync(d, { recursive: true, force: true })
      })
    }
    this.files = Array.from({ length: scenarioCount }, (_, i) => new AppendOnlyFile(join(this.dir, `${i}.jsonl`)))
    this.statuses = Array.from({ length: scenarioCount }, () => new Uint8Array(64))
    this.ends = Array.from({ length: scenarioCount }, () => new Float64Array(64))
    this.counts = Array.from({ length: scenarioCount }, () => 0)
  }

  get size(): number {
    return this.counts.reduce((a, b) => a + b, 0)
  }

  /** Appends findings of one scenario (in target order). */
  async add(scenario: number, findings: readonly Finding[]): Promise<void> {
    if (findings.length === 0) return
    let codes = this.statuses[scenario]!
    let ends = this.ends[scenario]!
    const n = this.counts[scenario]!
    if (n + findings.length > codes.length) {
      const size = Math.max(codes.length * 2, n + findings.length)
      const grown = new Uint8Array(size)
      grown.set(codes)
      codes = this.statuses[scenario] = grown
      const grownEnds = new Float64Array(size)
      grownEnds.set(ends)
      ends = this.ends[scenario] = grownEnds
    }
    const start = n ? ends[n - 1]! : 0
    let at = start
    const lines = findings.map((f, i) => {
      codes[n + i] = STATUS_CODES.indexOf(f.status)
      const line = JSON.stringify(f)
      ends[n + i] = at += Buffer.byteLength(line) + 1
      return line
    })
    this.policies[scenario] ??= findings[0]!.policy
    this.counts[scenario] = n + findings.length
    // the lines encoded into one buffer of the size already counted: no joined text
    const bytes = Buffer.allocUnsafe(at - start)
    let pos = 0
    for (const line of lines) {
      pos += bytes.write(line, pos, 'utf8')
      bytes[pos++] = 0x0a
    }
    await this.files[scenario]!.append(bytes)
  }

  /** Waits for every write; the spool is then ready to read. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await Promise.all(this.files.map((f) => f.close()))
  }

  /** Consecutive findings of one policy, with status counts, from what the spool keeps in memory: no pass over the findings. */
  policySegments(): PolicySegment[] {
    const out: PolicySegment[] = []
    this.counts.forEach((n, s) => {
      const policy = this.policies[s]
      if (!n || policy === undefined) return
      let last = out.at(-1)
      if (last?.policy !== policy) out.push((last = { policy, counts: Object.fromEntries(STATUS_CODES.map((k) => [k, 0])) as Record<FindingStatus, number> }))
      const codes = this.statuses[s]!
      for (let i = 0; i < n; i++) last.counts[STATUS_CODES[codes[i]!]!]++
    })
    return out
  }

  /** Each finding as its JSON text, in order. */
  *jsonLines(): Generator<string> {
    for (let s = 0; s < this.files.length; s++) if (this.counts[s]) yield* readLines(this.files[s]!.file)
  }

  *[Symbol.iterator](): Iterator<Finding> {
    for (const line of this.jsonLines()) yield JSON.parse(line) as Finding
  }

  /**
   * The findings with these statuses, in order. Only their lines are read (a run of consecutive
   * ones in one read, at most RUN_BYTES): the console and summary.md want the few that need
   * attention, not a fleet's passes.
   */
  *withStatus(statuses: readonly FindingStatus[]): Generator<Finding> {
    const wanted = new Set(statuses.map((s) => STATUS_CODES.indexOf(s)))
    for (let s = 0; s < this.files.length; s++) {
      const n = this.counts[s]!
      if (!n) continue
      const codes = this.statuses[s]!
      const ends = this.ends[s]!
      const fd = openSync(this.files[s]!.file, 'r')
      try {
        for (let i = 0; i < n; i++) {
          if (!wanted.has(codes[i]!)) continue
          const from = i ? ends[i - 1]! : 0
          let to = i
          while (to + 1 < n && wanted.has(codes[to + 1]!) && ends[to + 1]! - from <= RUN_BYTES) to++
          const bytes = readRangeBytes(fd, from, ends[to]! - from)
          i = to
          for (const line of completeLines(bytes, bytes.length)) yield JSON.parse(line) as Finding
        }
      } finally {
        closeSync(fd)
      }
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
    live.delete(this.dir)
  }
}
