// Reading a text file line by line, a chunk at a time: a JSON Lines file of any size is read in
// constant memory. Synchronous, so a report generator can pull lines as it writes.
import { closeSync, openSync, readSync } from 'node:fs'

/**
 * The file's lines, without their line ends; an empty last line is not yielded. Lines are cut from
 * the bytes (a newline byte never occurs inside a UTF-8 character) and each is decoded alone: no
 * decoded chunk is made only to be sliced.
 */
export function* readLines(file: string, chunkBytes = 1 << 16): Generator<string> {
  const fd = openSync(file, 'r')
  try {
    let buf = Buffer.allocUnsafe(chunkBytes)
    /** bytes in buf: [0, kept) the start of a line read earlier, then what the last read added */
    let kept = 0
    for (;;) {
      // a line longer than the buffer: a larger one
      if (kept === buf.length) {
        const larger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(larger, 0, 0, kept)
        buf = larger
      }
      const n = readSync(fd, buf, kept, buf.length - kept, null)
      if (n === 0) break
      const end = kept + n
      const start = yield* completeLines(buf, end, kept)
      // the unfinished line moves to the front; the next read follows it
      kept = end - start
      if (start > 0 && kept > 0) buf.copy(buf, 0, start, end)
    }
    if (kept > 0) yield buf.toString('utf8', 0, kept)
  } finally {
    closeSync(fd)
  }
}

/**
 * The lines of buf[0, end) that end in a newline, each decoded alone (a newline byte never occurs
 * inside a UTF-8 character); `searchFrom`: no newline comes before it. Returns where the unfinished
 * rest begins.
 */
export function* completeLines(buf: Buffer, end: number, searchFrom = 0): Generator<string, number> {
  let start = 0
  for (let nl = buf.indexOf(0x0a, searchFrom); nl >= 0 && nl < end; nl = buf.indexOf(0x0a, start)) {
    yield buf.toString('utf8', start, nl)
    start = nl + 1
  }
  return start
}

/** One byte range of a file, as bytes. */
export function readRangeBytes(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length)
  let got = 0
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got)
    if (n === 0) throw new Error(`unexpected end of file at byte ${offset + got}`)
    got += n
  }
  return buf
}

/** One byte range of a file, as text. */
export function readRange(fd: number, offset: number, length: number): string {
  return readRangeBytes(fd, offset, length).toString('utf8')
}
