// SHA-256 as lower-case hex: file hashes in run.json, manifests, fingerprints, report anchors.
import { createHash } from 'node:crypto'

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex')
