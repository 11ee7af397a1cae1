// Observations reach the disk as they complete, so a run's memory does not grow with the fleet and a
// killed run keeps what it collected: `observations.jsonl` gets one line per observed target, in the
// order probes finish. When observing is over the journal becomes `observations.json` (targets in plan
// order, the file recheck, merge and auditors read) and is removed; judging then reads targets back a
// batch at a time by byte range.
import { closeSync, openSync, rmSync } from 'node:fs'
import { AppendOnlyFile, writeChunksBounded } from '../core/bounded-write.ts'
import { readRange } from '../core/line-reader.ts'
import type { StoredObservation } from './observe.ts'

export const OBSERVATIONS_FILE = 'observations.json'
export const OBSERVATIONS_JOURNAL = 'observations.jsonl'

interface Range {
  offset: number
  length: number
}

export class ObservationJournal {
  readonly file: string
  private readonly out: AppendOnlyFile
  /** by plan index: where the target's latest observation is in the journal */
  private readonly at: (Promise<Range> | undefined)[]

  constructor(file: string, count: number) {
    this.file = file
    this.out = new AppendOnlyFile(file)
    this.at = new Array(count).fill(undefined)
  }

  /** Records target `i`'s observation (a later record of the same target replaces an earlier one). */
  add(i: number, obs: StoredObservation): Promise<Range> {
    const written = this.out.append(JSON.stringify(obs) + '\n').then((r) => ({ offset: r.offset, length: r.length - 1 }))
    // a failed write is reported by finish(), which waits on every record
    written.catch(() => undefined)
    this.at[i] = written
    return written
  }

  has(i: number): boolean {
    return this.at[i] !== undefined
  }

  /** The run ends without using the journal (its policies have a problem): closed and removed. */
  async abandon(): Promise<void> {
    await this.out.close().catch(() => undefined)
    rmSync(this.file, { force: true })
  }

  /**
   * Writes observations.json (`{schemaVersion, runId, collectedAt, targets: [...]}`, one target per
   * line, plan order) from the journal without parsing it, removes the journal, and returns where
   * each target's JSON is in the new file.
   */
  async finish(file: string, header: { runId: string; collectedAt: string }): Promise<ObservationsFile> {
    await this.out.close()
    const ranges = await Promise.all(this.at.map((r, i) => r ?? Promise.reject(new Error(`observation ${i} was never recorded`))))
    const placed: Range[] = []
    const fd = openSync(this.file, 'r')
    try {
      const head = `{"schemaVersion":1,"runId":${JSON.stringify(header.runId)},"collectedAt":${JSON.stringify(header.collectedAt)},"targets":[\n`
      let offset = Buffer.byteLength(head)
      const chunks = function* () {
        yield head
        for (let i = 0; i < ranges.length; i++) {
          const text = readRange(fd, ranges[i]!.offset, ranges[i]!.length)
          placed.push({ offset, length: ranges[i]!.length })
          const sep = i < ranges.length - 1 ? ',\n' : '\n'
          offset += ranges[i]!.length + sep.length
          yield text + sep
        }
        yield ']}\n'
      }
      await writeChunksBounded(file, chunks())
    } finally {
      closeSync(fd)
    }
    rmSync(this.file, { force: true })
    return new ObservationsFile(file, placed)
  }
}

/** observations.json with the byte range of each target: a batch of targets is read without the rest. */
export class ObservationsFile {
  readonly file: string
  private readonly ranges: readonly Range[]

  constructor(file: string, ranges: readonly Range[]) {
    this.file = file
    this.ranges = ranges
  }

  get count(): number {
    return this.ranges.length
  }

  /** The JSON text of targets `from` … `to - 1`, as an observation store (`{schemaVersion, targets}`) the judging World reads. */
  slice(from: number, to: number): string {
    const fd = openSync(this.file, 'r')
    try {
      const parts: string[] = []
      for (let i = from; i < to; i++) parts.push(readRange(fd, this.ranges[i]!.offset, this.ranges[i]!.length))
      return `{"schemaVersion":1,"targets":[\n${parts.join(',\n')}\n]}\n`
    } finally {
      closeSync(fd)
    }
  }
}
