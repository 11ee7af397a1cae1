// A file write with a time bound: a hung or very slow filesystem (a stale network mount) fails the
// write with a message naming the file instead of hanging the run. Every file Vigil writes for a run
// goes through here.
import { writeFile } from 'node:fs/promises'
import { ConfigError } from './config-file.ts'

/** Default bound on one file write. */
export const WRITE_TIMEOUT_MS = 60_000

/** Writes a file within `timeoutMs`, or fails with a message naming it (a hung mount never hangs the run). */
export async function writeFileBounded(file: string, data: string | Uint8Array, timeoutMs = WRITE_TIMEOUT_MS): Promise<void> {
  const ac = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort()
      reject(new ConfigError(`${file}: the write did not finish within ${Math.round(timeoutMs / 1000)} s (a hung or very slow filesystem?)`))
    }, timeoutMs)
    timer.unref()
  })
  try {
    await Promise.race([writeFile(file, data, { signal: ac.signal }), deadline])
  } catch (e) {
    if (e instanceof ConfigError) throw e
    const code = (e as NodeJS.ErrnoException).code
    throw new ConfigError(`${file}: cannot write (${code === 'ENOSPC' ? 'no space left on the device' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (e as Error).message)})`)
  } finally {
    clearTimeout(timer)
  }
}
