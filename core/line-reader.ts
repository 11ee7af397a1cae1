// Reading a text file line by line, a chunk at a time: a JSON Lines file of any size is read in
// constant memory. Synchronous, so a report generator can pull lines as it writes.
import { closeSync, openSync, readSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'

/** The file's lines, without their line ends; an empty last line is not yielded. */
export function* readLines(file: string, chunkBytes = 1 << 16): Generator<string> {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.allocUnsafe(chunkBytes)
    const decoder = new StringDecoder('utf8')
    let rest = ''
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null)
      if (n === 0) break
      const text = rest + decoder.write(buf.subarray(0, n))
      let start = 0
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        yield text.slice(start, nl)
        start = nl + 1
      }
      rest = text.slice(start)
    }
    rest += decoder.end()
    if (rest) yield rest
  } finally {
    closeSync(fd)
  }
}

/** One byte range of a file, as text. */
export function readRange(fd: number, offset: number, length: number): string {
  const buf = Buffer.allocUnsafe(length)
  let got = 0
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got)
    if (n === 0) throw new Error(`unexpected end of file at byte ${offset + got}`)
    got += n
  }
  return buf.toString('utf8')
}
