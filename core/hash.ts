// SHA-256 as lower-case hex: file hashes in run.json, manifests, fingerprints, report anchors.
import { createHash, hash } from 'node:crypto'
import { closeSync, openSync, readSync } from 'node:fs'

export const sha256 = (data: string | Uint8Array): string => hash('sha256', data, 'hex')

/** SHA-256 of a file, read a chunk at a time (a large results file is never held whole). */
export function sha256File(file: string): string {
  const hash = createHash('sha256')
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.allocUnsafe(1 << 20)
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n))
  } finally {
    closeSync(fd)
  }
  return hash.digest('hex')
}
