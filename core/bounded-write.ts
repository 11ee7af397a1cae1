// A file write with a time bound: a hung or very slow filesystem (a stale network mount) fails the
// write with a message naming the file instead of hanging the run. Every file Vigil writes for a run
// goes through here.
import { open, writeFile, type FileHandle } from 'node:fs/promises'
import { ConfigError } from './config-file.ts'

/**
 * Bytes gathered before one write. At a megabyte a write's buffer (outside V8's heap) was one the
 * allocator kept: peak memory of a 1,000-endpoint run ~280 MB, ~245 MB at 256 KiB, for the same CPU.
 */
const WRITE_CHUNK = 1 << 18

/** Default bound on one file write. */
export const WRITE_TIMEOUT_MS = 60_000

/** Writes a file within `timeoutMs`, or fails with a message naming it (a hung mount never hangs the run). */
export async function writeFileBounded(file: string, data: string | Uint8Array, timeoutMs = WRITE_TIMEOUT_MS): Promise<void> {
  const ac = new AbortController()
  try {
    await bounded(file, writeFile(file, data, { signal: ac.signal }), timeoutMs)
  } finally {
    // a write that timed out is abandoned, not left running
    ac.abort()
  }
}

/** Runs one file operation within `timeoutMs`, or fails naming the file (as writeFileBounded does). */
async function bounded<T>(file: string, op: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConfigError(`${file}: the write did not finish within ${Math.round(timeoutMs / 1000)} s (a hung or very slow filesystem?)`)), timeoutMs)
    timer.unref()
  })
  try {
    return await Promise.race([op, deadline])
  } catch (e) {
    if (e instanceof ConfigError) throw e
    const code = (e as NodeJS.ErrnoException).code
    throw new ConfigError(`${file}: cannot write (${code === 'ENOSPC' ? 'no space left on the device' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (e as Error).message)})`)
  } finally {
    clearTimeout(timer)
  }
}

/** All of `buf` at `position`, however many writes it takes (a write may be short), each time-bounded. */
async function writeAll(file: string, handle: FileHandle, buf: Buffer, position: number, timeoutMs: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await bounded(file, handle.write(buf, done, buf.length - done, position + done), timeoutMs)
    if (bytesWritten === 0) throw new ConfigError(`${file}: cannot write (nothing was written; no space left on the device?)`)
    done += bytesWritten
  }
}

/**
 * Writes a file from a stream of text chunks, WRITE_CHUNK bytes at a time, each write time-bounded: a large
 * report is never held whole in memory. Returns the file's size in bytes.
 */
export async function writeChunksBounded(file: string, chunks: Iterable<string>, timeoutMs = WRITE_TIMEOUT_MS): Promise<{ bytes: number }> {
  const [bytes] = await writeChunksTogether([[file, chunks]], timeoutMs)
  return { bytes: bytes! }
}

/**
 * Writes several files from their chunk streams side by side, taking one chunk from each in turn,
 * and more from one while its `behind` says so (streams that share one reading of their input,
 * reports/findings-tee.ts, stay in step and what waits for a slow one stays short), each file
 * WRITE_CHUNK bytes at a time with every write time-bounded. Returns each file's size in bytes.
 */
export async function writeChunksTogether(outputs: readonly (readonly [file: string, chunks: Iterable<string>, behind?: () => boolean])[], timeoutMs = WRITE_TIMEOUT_MS): Promise<number[]> {
  // Each chunk is encoded straight into the writer's one buffer, written and reused once full: no
  // joined text and no new buffer per write (a 1,000-endpoint run's reports are ~40 MB of text, and
  // joined 256 KiB strings are what made V8 collect its old generation again and again).
  const writers = outputs.map(([file, chunks, behind]) => ({ out: new AppendOnlyFile(file, timeoutMs), it: chunks[Symbol.iterator](), behind, buf: Buffer.allocUnsafe(WRITE_CHUNK), used: 0, done: false }))
  const flush = async (w: (typeof writers)[number]) => {
    // append resolves once written: the buffer is free again
    if (w.used) await w.out.append(w.buf.subarray(0, w.used))
    w.used = 0
  }
  const put = async (w: (typeof writers)[number], text: string) => {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a chunk that might not fit is written after a flush
    if (w.used + text.length * 3 > WRITE_CHUNK) await flush(w)
    if (text.length * 3 > WRITE_CHUNK) await w.out.append(Buffer.from(text, 'utf8'))
    else w.used += w.buf.write(text, w.used, 'utf8')
  }
  try {
    while (writers.some((w) => !w.done))
      for (const w of writers)
        // one chunk, and more while the stream is `behind` the others (what they read waits for it)
        do {
          if (w.done) break
          const r = w.it.next()
          if (r.done) {
            w.done = true
            await flush(w)
          } else await put(w, r.value)
        } while (w.behind?.())
  } finally {
    await Promise.all(writers.map((w) => w.out.close()))
  }
  return writers.map((w) => w.out.bytes)
}

/**
 * A file written by appending, one bounded write at a time, in call order (JSON Lines journals).
 * `append` resolves to where the text landed, so a reader can fetch it back by byte range.
 */
export class AppendOnlyFile {
  readonly file: string
  private readonly timeoutMs: number
  private handle: Promise<FileHandle>
  private tail: Promise<unknown> = Promise.resolve()
  private size = 0
  private closed = false

  constructor(file: string, timeoutMs = WRITE_TIMEOUT_MS) {
    this.file = file
    this.timeoutMs = timeoutMs
    this.handle = bounded(file, open(file, 'w'), timeoutMs)
    // a failure is reported by the append or close that waits on it
    this.handle.catch(() => undefined)
  }

  /** bytes appended so far (written once the appends have resolved) */
  get bytes(): number {
    return this.size
  }

  /** Appends text, or bytes (not to be changed until the returned promise resolves). */
  append(data: string | Buffer): Promise<{ offset: number; length: number }> {
    if (this.closed) return Promise.reject(new Error(`${this.file}: written after it was closed`))
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    const offset = this.size
    this.size += buf.length
    const done = this.tail.then(async () => {
      const h = await this.handle
      await writeAll(this.file, h, buf, offset, this.timeoutMs)
      return { offset, length: buf.length }
    })
    this.tail = done.catch(() => undefined)
    return done
  }

  async close(): Promise<void> {
    this.closed = true
    await this.tail
    await bounded(this.file, (await this.handle).close(), this.timeoutMs)
  }
}
