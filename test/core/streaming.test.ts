// The pieces that keep a fleet run's memory flat: bounded appends, chunked writes, line reading,
// the observation journal, the findings spool and the evidence store. Real files in a temp folder.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AppendOnlyFile, writeChunksBounded } from '../../core/bounded-write.ts'
import { readLines } from '../../core/line-reader.ts'
import { sha256, sha256File } from '../../core/hash.ts'
import { ObservationJournal } from '../../runner/observation-journal.ts'
import type { StoredObservation } from '../../runner/observe.ts'
import { FindingsSpool } from '../../reports/findings-spool.ts'
import { EvidenceWriter, blobLine, evidenceContent, readEvidence } from '../../reports/evidence-store.ts'
import type { Finding } from '../../reports/model.ts'

const scratch = () => mkdtempSync(join(tmpdir(), 'vigil-stream-'))

describe('readLines', () => {
  it('gives back every line of any text, whatever the chunk size (multi-byte characters split across chunks included)', () => {
    const dir = scratch()
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\n/g, '')), { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), (lines, chunk) => {
        const file = join(dir, 'lines.txt')
        writeFileSync(file, lines.map((l) => `${l}\n`).join(''))
        expect([...readLines(file, chunk)]).toEqual(lines)
      }),
      { numRuns: 200 },
    )
  })

  it('gives the last line without its line end, and reads lines longer than its buffer', () => {
    const file = join(scratch(), 'lines.txt')
    const long = 'ü'.repeat(100_000)
    writeFileSync(file, `a\n${long}\n\nlast`)
    expect([...readLines(file, 16)]).toEqual(['a', long, '', 'last'])
    expect([...readLines(file)]).toEqual(['a', long, '', 'last'])
  })
})

describe('bounded writes', () => {
  it('writeChunksBounded writes the chunks in order and returns the size it wrote', async () => {
    const file = join(scratch(), 'out.txt')
    const chunks = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'é'.repeat(i % 500)}\n`)
    const r = await writeChunksBounded(file, chunks)
    const text = readFileSync(file, 'utf8')
    expect(text).toBe(chunks.join(''))
    expect(sha256File(file)).toBe(sha256(text))
    expect(r.bytes).toBe(Buffer.byteLength(text))
  })

  it('writeChunksBounded writes chunks larger than one write, in order, multi-byte text included', async () => {
    const file = join(scratch(), 'out.txt')
    const chunks = ['head ', '€'.repeat(200_000), ' middle ', 'x'.repeat(90_000), ...Array.from({ length: 200 }, (_, i) => `${'ü'.repeat(i * 7)}\n`), '𝄞'.repeat(70_000)]
    const r = await writeChunksBounded(file, chunks)
    const text = readFileSync(file, 'utf8')
    expect(text === chunks.join('')).toBe(true)
    expect(r.bytes).toBe(Buffer.byteLength(text))
  })

  it('AppendOnlyFile keeps call order and says where each text landed', async () => {
    const f = new AppendOnlyFile(join(scratch(), 'a.jsonl'))
    const placed = await Promise.all(['a\n', 'ünïcode\n', 'c\n'].map((t) => f.append(t)))
    await f.close()
    expect(readFileSync(f.file, 'utf8')).toBe('a\nünïcode\nc\n')
    expect(placed).toEqual([
      { offset: 0, length: 2 },
      { offset: 2, length: Buffer.byteLength('ünïcode\n') },
      { offset: 2 + Buffer.byteLength('ünïcode\n'), length: 2 },
    ])
  })

  it('a write into a folder that does not exist fails with the file named, not a stack trace', async () => {
    const f = new AppendOnlyFile(join(scratch(), 'missing', 'a.jsonl'))
    await expect(f.append('x\n')).rejects.toThrow(/missing\/a\.jsonl: cannot write \(ENOENT\)/)
  })
})

const obs = (i: number, extra: Record<string, unknown> = {}): StoredObservation => ({
  target: `t${i}`,
  kind: 'tls',
  tags: [],
  startedAt: '2026-12-03T00:00:00.000Z',
  finishedAt: '2026-12-03T00:00:01.000Z',
  durationMs: 1000,
  parts: ['protocols'],
  data: { n: i, note: 'ünïcode', ...extra },
})

describe('ObservationJournal', () => {
  it('observations finished in any order become observations.json in plan order; a later record of a target replaces the first; batches read back by byte range', async () => {
    const dir = scratch()
    const j = new ObservationJournal(join(dir, 'observations.jsonl'), 4)
    for (const i of [2, 0, 3, 1]) void j.add(i, obs(i))
    void j.add(1, obs(1, { again: true }))
    const file = await j.finish(join(dir, 'observations.json'), { runId: 'r1', collectedAt: '2026-12-03T00:00:00.000Z' })
    const whole = JSON.parse(readFileSync(join(dir, 'observations.json'), 'utf8'))
    expect(whole.runId).toBe('r1')
    expect(whole.targets.map((t: StoredObservation) => t.target)).toEqual(['t0', 't1', 't2', 't3'])
    expect(whole.targets[1].data.again).toBe(true)
    expect(JSON.parse(file.slice(1, 3)).targets).toEqual(whole.targets.slice(1, 3))
    expect(() => readFileSync(join(dir, 'observations.jsonl'))).toThrow(/ENOENT/)
  })
})

const finding = (scenario: string, target: string, status: Finding['status']): Finding =>
  ({ id: `${scenario}@${target}`, checkId: scenario, target, status, verdict: status, scenarioKey: scenario, policy: `${scenario}.feature`, evidence: [] }) as unknown as Finding

describe('FindingsSpool', () => {
  it('reads findings back scenario by scenario, targets in the order added, however batches interleave; withStatus skips the rest', async () => {
    const spool = new FindingsSpool(2)
    await spool.add(1, [finding('s1', 'a', 'passed'), finding('s1', 'b', 'failed')])
    await spool.add(0, [finding('s0', 'a', 'error')])
    await spool.add(1, [finding('s1', 'c', 'passed')])
    await spool.add(0, [finding('s0', 'b', 'passed'), finding('s0', 'c', 'waived')])
    await spool.close()
    expect([...spool].map((f) => f.id)).toEqual(['s0@a', 's0@b', 's0@c', 's1@a', 's1@b', 's1@c'])
    expect([...spool.withStatus(['failed', 'error', 'waived'])].map((f) => f.id)).toEqual(['s0@a', 's0@c', 's1@b'])
    expect([...spool.jsonLines()].map((l) => JSON.parse(l).id)).toEqual([...spool].map((f) => f.id))
    expect(spool.size).toBe(6)
    // what junit.xml's testsuites need, without a pass over the findings
    expect(spool.policySegments()).toEqual([
      { policy: 's0.feature', counts: { passed: 1, failed: 0, error: 1, 'not-applicable': 0, skipped: 0, waived: 1 } },
      { policy: 's1.feature', counts: { passed: 2, failed: 1, error: 0, 'not-applicable': 0, skipped: 0, waived: 0 } },
    ])
    spool.remove()
  })

  it('withStatus reads only the lines it wants and gives what filtering every finding gives: multi-byte text, runs of wanted lines, lines longer than one read', async () => {
    const statuses = ['passed', 'failed', 'error', 'not-applicable', 'waived'] as const
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            scenario: fc.nat(2),
            status: fc.constantFrom(...statuses),
            // a summary with multi-byte characters; now and then longer than withStatus's 1 MiB read
            summary: fc.oneof({ weight: 20, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) }, { weight: 1, arbitrary: fc.constant('é'.repeat(600_000)) }),
          }),
          { maxLength: 40 },
        ),
        fc.subarray([...statuses], { minLength: 1 }),
        async (rows, wanted) => {
          const spool = new FindingsSpool(3)
          // added in batches of up to three findings, as judging adds a batch of targets
          for (let i = 0; i < rows.length; i += 3) {
            const batch = rows.slice(i, i + 3).map((r, j) => ({ ...finding(`s${r.scenario}`, `t${i + j}`, r.status), summary: r.summary }))
            for (let sc = 0; sc < 3; sc++) await spool.add(sc, batch.filter((f) => f.checkId === `s${sc}`))
          }
          await spool.close()
          const all = [...spool]
          expect([...spool.withStatus(wanted)]).toEqual(all.filter((f) => (wanted as readonly string[]).includes(f.status)))
          spool.remove()
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('evidence store', () => {
  it('stores each content once, cites it by hash and size, and reading it back refuses a line whose content was changed', async () => {
    const file = join(scratch(), 'evidence.jsonl')
    const w = new EvidenceWriter(file)
    const pem = { kind: 'pem-chain', description: 'chain', mediaType: 'application/x-pem-file', data: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }
    const a = w.cite([pem, { kind: 'hello', description: 'hello', data: { bytes: 'abcd' } }])
    const b = w.cite([pem])
    await w.close()
    expect(b[0]).toEqual(a[0])
    expect(a[0]).toEqual({ kind: 'pem-chain', description: 'chain', mediaType: 'application/x-pem-file', sha256: sha256(pem.data), bytes: Buffer.byteLength(pem.data) })
    expect(a[1]!.sha256).toBe(sha256(JSON.stringify({ bytes: 'abcd' })))
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2)
    const back = readEvidence(file)
    expect(back.problems).toEqual([])
    expect(back.blobs.get(a[0]!.sha256!)!.data).toBe(pem.data)
    writeFileSync(file, readFileSync(file, 'utf8').replace('MIIB', 'MIIC'))
    const tampered = readEvidence(file)
    expect(tampered.problems).toEqual([expect.stringMatching(/evidence\.jsonl:1: the content does not hash to/)])
    expect(tampered.blobs.has(a[0]!.sha256!)).toBe(false)
  })

  it('writes each line as JSON.stringify of the blob would, to the byte, reusing the hashed text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.constant(undefined)), fc.option(fc.constantFrom('application/x-pem-file', 'application/json', 'text/plain'), { nil: undefined }), (data, mediaType) => {
        const expected = JSON.stringify({ sha256: 'ab12', ...(mediaType ? { mediaType } : {}), data: data ?? null })
        expect(blobLine('ab12', mediaType, data, evidenceContent(data))).toBe(expected)
        expect(blobLine('ab12', mediaType, data)).toBe(expected)
      }),
      { numRuns: 300 },
    )
  })
})
