// Raw evidence, stored once. A TLS endpoint's certificate chain backs five findings and a hello's
// bytes several more: results.json cites each piece by SHA-256 and `evidence.jsonl` holds its
// content once per run, one JSON line per distinct content. An auditor resolves a citation with
// `jq -c 'select(.sha256 == "<hash>") | .data' evidence.jsonl`; `vigil recheck` resolves every one.
import { existsSync } from 'node:fs'
import { sha256 } from '../core/hash.ts'
import { readLines } from '../core/line-reader.ts'
import { AppendOnlyFile } from '../core/bounded-write.ts'
import type { Finding } from './model.ts'

export { EVIDENCE_FILE } from './run-files.ts'

/** One line of evidence.jsonl. */
export interface EvidenceBlob {
  sha256: string
  mediaType?: string
  data: unknown
}

/** The bytes an evidence item's hash is taken over: a string as it is, anything else as its JSON text. */
export function evidenceContent(data: unknown): string {
  return typeof data === 'string' ? data : JSON.stringify(data ?? null)
}

export type EvidenceRef = Finding['evidence'][number]

/**
 * An evidence.jsonl line, `JSON.stringify({ sha256, mediaType?, data })` to the byte; content that is
 * not a string goes in as the JSON text its hash was taken over (`content`, when at hand), not
 * serialized a second time.
 */
export function blobLine(sha: string, mediaType: string | undefined, data: unknown, content?: string): string {
  const head = `{"sha256":${JSON.stringify(sha)}${mediaType ? `,"mediaType":${JSON.stringify(mediaType)}` : ''},"data":`
  return head + (typeof data === 'string' || content === undefined ? JSON.stringify(data ?? null) : content) + '}'
}

/** Writes evidence.jsonl: each distinct content once, in the order first cited. */
export class EvidenceWriter {
  private readonly seen = new Set<string>()
  private readonly out: AppendOnlyFile
  /** new lines since the last flush: written together, one append per batch of findings */
  private pending: string[] = []
  /** content → its citation, within one batch (a chain is cited by five findings of a target) */
  private recent = new Map<string, { sha256: string; bytes: number }>()
  /** the same for data cited as the same object (a target's hellos, cited by several checks): not even stringified again */
  private byObject = new WeakMap<object, { sha256: string; bytes: number }>()

  constructor(file: string) {
    this.out = new AppendOnlyFile(file)
  }

  /** The items as citations (content replaced by its hash and size); new content is queued for writing. */
  cite(items: readonly { kind: string; description: string; mediaType?: string; data?: unknown }[]): EvidenceRef[] {
    return items.map((item) => {
      const object = typeof item.data === 'object' && item.data !== null ? item.data : undefined
      let known = object && this.byObject.get(object)
      let content: string | undefined
      if (!known) {
        content = evidenceContent(item.data)
        known = this.recent.get(content)
        if (!known) this.recent.set(content, (known = { sha256: sha256(content), bytes: Buffer.byteLength(content) }))
        if (object) this.byObject.set(object, known)
      }
      const hash = known.sha256
      if (!this.seen.has(hash)) {
        this.seen.add(hash)
        this.pending.push(blobLine(hash, item.mediaType, item.data, content) + '\n')
      }
      return { kind: item.kind, description: item.description, ...(item.mediaType ? { mediaType: item.mediaType } : {}), sha256: hash, bytes: known.bytes }
    })
  }

  /** Writes the lines queued since the last flush. */
  async flush(): Promise<void> {
    this.recent = new Map()
    if (this.pending.length === 0) return
    const text = this.pending.join('')
    this.pending = []
    await this.out.append(text)
  }

  /** Writes what is queued and closes the file; a write that failed fails here, naming the file. */
  async close(): Promise<void> {
    await this.flush()
    await this.out.close()
  }
}

/** evidence.jsonl as a map by hash; a line whose content does not hash to its name is reported, not used. */
export function readEvidence(file: string): { blobs: Map<string, EvidenceBlob>; problems: string[] } {
  const blobs = new Map<string, EvidenceBlob>()
  const problems: string[] = []
  if (!existsSync(file)) return { blobs, problems }
  let n = 0
  for (const line of readLines(file)) {
    n++
    let blob: EvidenceBlob
    try {
      blob = JSON.parse(line) as EvidenceBlob
    } catch {
      problems.push(`${file}:${n}: not a JSON line`)
      continue
    }
    if (typeof blob?.sha256 !== 'string' || sha256(evidenceContent(blob.data)) !== blob.sha256) {
      problems.push(`${file}:${n}: the content does not hash to ${String(blob?.sha256)}`)
      continue
    }
    blobs.set(blob.sha256, blob)
  }
  return { blobs, problems }
}
