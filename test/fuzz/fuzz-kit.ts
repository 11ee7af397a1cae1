// Shared by the fuzz suites: a time budget per input, the "only our own typed error" check, a local
// peer that answers each connection as the suite says, and mutations of real inputs (bit flips,
// truncations, insertions, deletions, repeats and corrupted length fields). A mutation is kept as
// data ({ seed, ops }) and applied inside the property, so a failure prints a small readable
// counterexample (fast-check also prints its seed and path).
import { createServer, type Server, type Socket } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, expect } from 'vitest'

/** No single input may take longer than this. */
export const BUDGET_MS = 1000

/** Runs per property; VIGIL_FUZZ_RUNS raises it for a longer local session. */
export function runs(n: number): number {
  const env = Number(process.env.VIGIL_FUZZ_RUNS)
  return Number.isFinite(env) && env > 0 ? env : n
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown }

/**
 * Calls `f` once, asserts it took less than BUDGET_MS and that it either returned or threw an error
 * `allowed` accepts. Returns what happened.
 */
export function only<T>(f: () => T, allowed: (e: unknown) => boolean, what = 'call'): Outcome<T> {
  const started = performance.now()
  let out: Outcome<T>
  try {
    out = { ok: true, value: f() }
  } catch (error) {
    out = { ok: false, error }
  }
  return withinBudget(out, started, allowed, what)
}

/** `only` for async functions. */
export async function onlyAsync<T>(f: () => Promise<T>, allowed: (e: unknown) => boolean, what = 'call'): Promise<Outcome<T>> {
  const started = performance.now()
  let out: Outcome<T>
  try {
    out = { ok: true, value: await f() }
  } catch (error) {
    out = { ok: false, error }
  }
  return withinBudget(out, started, allowed, what)
}

/** The checks of `only` on what a call started at `started` came to. */
function withinBudget<T>(out: Outcome<T>, started: number, allowed: (e: unknown) => boolean, what: string): Outcome<T> {
  const ms = performance.now() - started
  expect(ms, `${what} took ${Math.round(ms)} ms`).toBeLessThan(BUDGET_MS)
  if (!out.ok && !allowed(out.error)) throw new Error(`${what} threw an error it must not throw: ${describeError(out.error)}`, { cause: out.error })
  return out
}

/** Never throws: for functions whose contract is to report problems as data. */
export const nothing = (): boolean => false

export function describeError(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : `non-Error ${typeof e}: ${String(e)}`
}

/**
 * A TCP peer on 127.0.0.1 for the suite: listening before its tests, each connection handed to
 * `answer`, every socket and the server closed after them. Returns the port (known once listening).
 */
export function usePeer(answer: (socket: Socket) => void): () => number {
  let server: Server | undefined
  let port = 0
  const sockets = new Set<Socket>()
  beforeAll(async () => {
    const s = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
      answer(socket)
    })
    server = s
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
    port = (s.address() as { port: number }).port
  })
  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((r) => server?.close(r))
  })
  return () => port
}

export const bytes = (maxLength = 1024): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a))

/** A length field of a real input: `width` bytes, big-endian, at `offset`. */
export interface LengthField {
  offset: number
  width: 1 | 2 | 3 | 4
}

export type MutationOp =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'truncate'; at: number }
  | { op: 'drop-head'; at: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; n: number }
  | { op: 'repeat'; at: number; n: number; times: number }
  | { op: 'length'; field: number; change: LengthChange }
  | { op: 'int'; at: number; width: 1 | 2 | 3 | 4; change: LengthChange }

/** How a length field is corrupted. */
export type LengthChange = { to: 'zero' | 'max' | 'high-bit' | 'one' } | { to: 'delta'; delta: number } | { to: 'value'; value: number }

const change: fc.Arbitrary<LengthChange> = fc.oneof(
  fc.record({ to: fc.constantFrom('zero' as const, 'max' as const, 'high-bit' as const, 'one' as const) }),
  fc.record({ to: fc.constant('delta' as const), delta: fc.integer({ min: -8, max: 8 }) }),
  fc.record({ to: fc.constant('delta' as const), delta: fc.integer({ min: -70000, max: 70000 }) }),
  fc.record({ to: fc.constant('value' as const), value: fc.nat() }),
)

const op: fc.Arbitrary<MutationOp> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x20, 0x0a) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('drop-head' as const), at: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 16 }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 1, max: 8 }) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('length' as const), field: fc.nat(), change }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('int' as const), at: fc.nat(), width: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const), change }), weight: 1 },
)

export interface Mutation {
  seed: number
  ops: MutationOp[]
}

/** Which seed, and 1–4 operations on it. */
export function mutation(seedCount: number, maxOps = 4): fc.Arbitrary<Mutation> {
  return fc.record({ seed: fc.nat(seedCount - 1), ops: fc.array(op, { minLength: 1, maxLength: maxOps }) })
}

function corrupt(old: number, width: number, c: LengthChange): number {
  const max = 2 ** (8 * width) - 1
  let v: number
  switch (c.to) {
    case 'zero':
      v = 0
      break
    case 'max':
      v = max
      break
    case 'one':
      v = 1
      break
    case 'high-bit':
      v = old + 2 ** (8 * width - 1)
      break
    case 'delta':
      v = old + c.delta
      break
    case 'value':
      v = c.value
      break
  }
  return ((Math.trunc(v) % (max + 1)) + (max + 1)) % (max + 1)
}

/** Applies the operations in order; `fields` are the length fields of the seed as it was. */
export function applyMutation(seed: Buffer, ops: readonly MutationOp[], fields: readonly LengthField[] = []): Buffer {
  let b = Buffer.from(seed)
  const pos = (at: number, end = b.length) => (end > 0 ? at % end : 0)
  for (const o of ops) {
    switch (o.op) {
      case 'flip':
        if (b.length) b[pos(o.at)]! ^= 1 << o.bit
        break
      case 'set':
        if (b.length) b[pos(o.at)] = o.byte
        break
      case 'truncate':
        b = b.subarray(0, pos(o.at, b.length + 1))
        break
      case 'drop-head':
        b = b.subarray(pos(o.at, b.length + 1))
        break
      case 'insert': {
        const at = pos(o.at, b.length + 1)
        b = Buffer.concat([b.subarray(0, at), Buffer.from(o.bytes), b.subarray(at)])
        break
      }
      case 'delete': {
        const at = pos(o.at)
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + o.n)])
        break
      }
      case 'repeat': {
        const at = pos(o.at)
        const part = b.subarray(at, at + o.n)
        b = Buffer.concat([b.subarray(0, at + part.length), ...Array.from({ length: o.times }, () => part), b.subarray(at + part.length)])
        break
      }
      case 'length':
      case 'int': {
        const f: LengthField | undefined = o.op === 'length' ? fields[fields.length ? o.field % fields.length : 0] : { offset: pos(o.at), width: o.width }
        if (!f || f.offset + f.width > b.length) break
        b = Buffer.from(b)
        b.writeUIntBE(corrupt(b.readUIntBE(f.offset, f.width), f.width, o.change), f.offset, f.width)
        break
      }
    }
  }
  return b
}

/** Cuts a buffer into chunks at the given (sorted, deduplicated) points. */
export function chunked(b: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (b.length ? c % b.length : 0)))].sort((x, y) => x - y)
  const out: Buffer[] = []
  let from = 0
  for (const p of points) {
    if (p > from) out.push(b.subarray(from, p))
    from = Math.max(from, p)
  }
  out.push(b.subarray(from))
  return out
}

/** The offsets of the uint32 length prefixes of consecutive SSH strings starting at `from`. */
export function sshStringFields(b: Buffer, from = 0, limit = 64): LengthField[] {
  const out: LengthField[] = []
  let off = from
  while (off + 4 <= b.length && out.length < limit) {
    out.push({ offset: off, width: 4 })
    off += 4 + b.readUInt32BE(off)
  }
  return out
}

/** The length octets of every DER element (first octet; long forms by their first length byte and all of it). */
export function derLengthFields(b: Buffer, from = 0, to = b.length, depth = 0, out: LengthField[] = []): LengthField[] {
  let off = from
  while (off + 2 <= to && depth < 16 && out.length < 256) {
    const tag = b[off]!
    const first = b[off + 1]!
    let len: number
    let hdr: number
    if (first < 0x80) {
      out.push({ offset: off + 1, width: 1 })
      len = first
      hdr = 2
    } else {
      const n = first & 0x7f
      if (n < 1 || n > 4 || off + 2 + n > to) return out
      out.push({ offset: off + 1, width: 1 }, { offset: off + 2, width: n as 1 | 2 | 3 | 4 })
      len = b.readUIntBE(off + 2, n)
      hdr = 2 + n
    }
    if (off + hdr + len > to) return out
    if (tag & 0x20) derLengthFields(b, off + hdr, off + hdr + len, depth + 1, out)
    off += hdr + len
  }
  return out
}

/** A string of characters that matter to the format, plus a few random ones. */
export function textOf(alphabet: readonly string[], maxLength = 200): fc.Arbitrary<string> {
  return fc.array(fc.oneof({ arbitrary: fc.constantFrom(...alphabet), weight: 5 }, { arbitrary: fc.string({ unit: 'binary', maxLength: 3 }), weight: 1 }), { maxLength }).map((p) => p.join(''))
}

/** Text mutations of a real text file: characters and whole lines inserted, dropped, repeated, swapped. */
export type TextOp =
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; n: number }
  | { op: 'truncate'; at: number }
  | { op: 'dup-line'; line: number; times: number }
  | { op: 'drop-line'; line: number }
  | { op: 'swap-lines'; a: number; b: number }
  | { op: 'indent'; line: number; by: number }

export function textMutation(seedCount: number, alphabet: readonly string[]): fc.Arbitrary<{ seed: number; ops: TextOp[] }> {
  const t: fc.Arbitrary<TextOp> = fc.oneof(
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: textOf(alphabet, 8) }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('dup-line' as const), line: fc.nat(), times: fc.integer({ min: 1, max: 6 }) }),
    fc.record({ op: fc.constant('drop-line' as const), line: fc.nat() }),
    fc.record({ op: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }),
    fc.record({ op: fc.constant('indent' as const), line: fc.nat(), by: fc.integer({ min: -4, max: 6 }) }),
  )
  return fc.record({ seed: fc.nat(seedCount - 1), ops: fc.array(t, { minLength: 1, maxLength: 5 }) })
}

export function applyTextMutation(seed: string, ops: readonly TextOp[]): string {
  let s = seed
  for (const o of ops) {
    const lines = s.split('\n')
    const li = (n: number) => n % lines.length
    switch (o.op) {
      case 'insert': {
        const at = o.at % (s.length + 1)
        s = s.slice(0, at) + o.text + s.slice(at)
        break
      }
      case 'delete': {
        const at = s.length ? o.at % s.length : 0
        s = s.slice(0, at) + s.slice(at + o.n)
        break
      }
      case 'truncate':
        s = s.slice(0, o.at % (s.length + 1))
        break
      case 'dup-line':
        lines.splice(li(o.line), 0, ...Array.from({ length: o.times }, () => lines[li(o.line)]!))
        s = lines.join('\n')
        break
      case 'drop-line':
        lines.splice(li(o.line), 1)
        s = lines.join('\n')
        break
      case 'swap-lines': {
        const [a, b] = [li(o.a), li(o.b)]
        ;[lines[a], lines[b]] = [lines[b]!, lines[a]!]
        s = lines.join('\n')
        break
      }
      case 'indent': {
        const i = li(o.line)
        lines[i] = o.by >= 0 ? ' '.repeat(o.by) + lines[i] : lines[i]!.replace(new RegExp(`^ {0,${-o.by}}`), '')
        s = lines.join('\n')
        break
      }
    }
  }
  return s
}
