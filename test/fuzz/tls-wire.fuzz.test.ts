// Property tests of the TLS server-flight parsers (checks/tls/wire/server-messages.ts) on random
// bytes, on generated handshakes and on mutations of real flights recorded from openssl s_server
// (test/tls/fixtures/*.hex): bit flips, truncations, insertions and corrupted length fields. The
// parsers may throw only TlsDecodeError; the reader and parseServerKeyExchange throw nothing at all
// (their problems are data); no input takes a second. The HSTS probe's HTTP response-head reader
// (checks/tls/wire/http-head.ts) gets random bytes and mutated heads the same way, and its reading of
// the leaf out of node's session bytes (sessionLeaf) random bytes and mutated sessions.
import { readdirSync, readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { exchangeHello } from '../../checks/tls/wire/raw-connection.ts'
import { HttpHeadReader, type HeadState } from '../../checks/tls/wire/http-head.ts'
import { sessionLeaf } from '../../checks/tls/hsts-probe.ts'
import { nodeSession, opensslSession } from '../tls/session-bytes.ts'
import {
  ServerFlightReader,
  TlsDecodeError,
  parseCertificateMessage,
  parseServerHello,
  parseServerKeyExchange,
  type ReadState,
} from '../../checks/tls/wire/server-messages.ts'
import { applyMutation, bytes, chunked, mutation, nothing, only, onlyAsync, runs, usePeer, type LengthField } from './fuzz-kit.ts'

const FIXTURES = new URL('../tls/fixtures/', import.meta.url)
const flights = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.hex'))
  .sort()
  .map((f) => ({ name: f, bytes: Buffer.from(readFileSync(new URL(f, FIXTURES), 'utf8').trim(), 'hex') }))
const servedCert = new X509Certificate(readFileSync(new URL('localhost-cert.pem', FIXTURES))).raw

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff])
const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff])
function record(type: number, body: Buffer, version = 0x0303): Buffer {
  return Buffer.concat([Buffer.from([type]), u16(version), u16(body.length), body])
}
function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), body])
}

/** An SSLv2 SERVER-HELLO carrying the fixtures' real certificate (no SSLv2 server was at hand to record). */
function sslv2ServerHello(): Buffer {
  const specs = Buffer.from([0x01, 0x00, 0x80, 0x07, 0x00, 0xc0])
  const connId = Buffer.alloc(16, 9)
  const body = Buffer.concat([Buffer.from([4, 0, 1, 0, 2]), u16(servedCert.length), u16(specs.length), u16(connId.length), servedCert, specs, connId])
  return Buffer.concat([u16(0x8000 | body.length), body])
}

interface Message {
  type: number
  /** offset of the body in the flight */
  at: number
  body: Buffer
}

/**
 * Walks a recorded flight independently of the reader: every length field (record lengths,
 * handshake lengths, and those inside ServerHello, Certificate and ServerKeyExchange) and every
 * handshake message. Messages spanning records are not followed (the fixtures have none).
 */
function dissect(flight: Buffer): { fields: LengthField[]; messages: Message[] } {
  const fields: LengthField[] = []
  const messages: Message[] = []
  if (flight.length >= 2 && flight[0]! & 0x80) {
    // SSLv2: 2-byte header, then certificate, cipher specs and connection id lengths
    fields.push({ offset: 0, width: 2 }, { offset: 7, width: 2 }, { offset: 9, width: 2 }, { offset: 11, width: 2 })
    return { fields, messages }
  }
  let off = 0
  while (off + 5 <= flight.length) {
    const type = flight[off]!
    const len = flight.readUInt16BE(off + 3)
    fields.push({ offset: off + 3, width: 2 })
    const end = Math.min(off + 5 + len, flight.length)
    if (type === 22) {
      let m = off + 5
      while (m + 4 <= end) {
        const mlen = flight.readUIntBE(m + 1, 3)
        fields.push({ offset: m + 1, width: 3 })
        if (m + 4 + mlen > end) break
        const msg = { type: flight[m]!, at: m + 4, body: flight.subarray(m + 4, m + 4 + mlen) }
        messages.push(msg)
        fields.push(...inner(msg))
        m += 4 + mlen
      }
    }
    off += 5 + len
  }
  return { fields, messages }
}

function inner({ type, at, body }: Message): LengthField[] {
  const out: LengthField[] = []
  const vec = (o: number, width: 1 | 2 | 3): number => {
    if (o + width > body.length) return body.length
    out.push({ offset: at + o, width })
    return o + width + body.readUIntBE(o, width)
  }
  if (type === 2 && body.length > 35) {
    let o = vec(34, 1) + 3
    if (o + 2 <= body.length) {
      const extEnd = vec(o, 2)
      o += 2
      while (o + 4 <= Math.min(extEnd, body.length)) o = vec(o + 2, 2)
    }
  } else if (type === 11 && body.length >= 3) {
    const end = vec(0, 3)
    let o = 3
    while (o + 3 <= Math.min(end, body.length)) o = vec(o, 3)
  } else if (type === 12 && body.length >= 4) {
    // ECDHE: curve type 3, named curve, point; DHE: p, g, Ys. Then the signature.
    let o = body[0] === 3 ? vec(3, 1) : vec(vec(vec(0, 2), 2), 2)
    if (o + 2 <= body.length) o = vec(o + 2, 2)
  }
  return out
}

const seeds = [...flights.map((f) => f.bytes), sslv2ServerHello()]
const seedFields = seeds.map((s) => dissect(s).fields)
const realMessages = flights.flatMap((f) => dissect(f.bytes).messages)
const bodiesOf = (type: number) => realMessages.filter((m) => m.type === type).map((m) => Buffer.from(m.body))
const serverHellos = bodiesOf(2)
const certificateMessages = bodiesOf(11)
const keyExchanges = bodiesOf(12)

const KX = ['ECDH', 'DH', 'DH(1024)', 'DH(512)', 'DHEPSK', 'ECDHEPSK', 'RSA', 'PSK', 'DH/RSA', 'ECDH/ECDSA', 'SRP', 'GOST', 'None', 'any', ''] as const
const isDecodeError = (e: unknown) => e instanceof TlsDecodeError

function readAll(chunks: readonly Buffer[]): { state: ReadState; reader: ServerFlightReader } {
  const reader = new ServerFlightReader()
  for (const c of chunks) if (reader.push(c).state !== 'need-more') break
  const state = reader.end()
  return { state, reader }
}

/** The same answer, whatever the chunking; "not TLS" quotes the bytes received so far, which may differ. */
function sameAnswer(a: ReturnType<typeof checkRead>, b: ReturnType<typeof checkRead>): void {
  const gist = (st: ReadState) => (st.state === 'error' ? { state: 'error', message: st.message.replace(/^(not TLS: the server answered|not TLS: bad record header) .*$/s, '$1 …') } : st)
  expect(gist(b.state)).toEqual(gist(a.state))
  expect(b.reader.flight).toEqual(a.reader.flight)
}

/** The reader never throws, never loses track (need-more after end with bytes read), never hits its own catch-all. */
function checkRead(chunks: readonly Buffer[]): { state: ReadState; reader: ServerFlightReader } {
  const r = only(() => readAll(chunks), nothing, 'ServerFlightReader')
  if (!r.ok) throw r.error
  const { state, reader } = r.value
  expect(['need-more', 'done', 'error']).toContain(state.state)
  if (state.state === 'need-more') expect(reader.bytesRead).toBe(0)
  // the reader turns anything that is not a TlsDecodeError into "unreadable server answer": a bug
  if (state.state === 'error') expect(state.message).not.toMatch(/^unreadable server answer/)
  if (state.state === 'done') expect(reader.flight.serverHello ?? reader.flight.alert ?? reader.flight.sslv2ServerHello ?? reader.flight.sslv2Error).toBeDefined()
  return { state, reader }
}

/** Read whole and cut into chunks at `cuts`, the flight gets the same answer (each read held to checkRead). */
function readsAlikeInChunks(flight: Buffer, cuts: readonly number[]): void {
  const whole = checkRead([flight])
  const split = checkRead(chunked(flight, cuts))
  sameAnswer(whole, split)
}

describe('TLS wire parsers: sanity of the seeds', () => {
  it('the recorded flights hold ServerHello, Certificate and ServerKeyExchange messages and their length fields', () => {
    expect(serverHellos.length).toBeGreaterThanOrEqual(4)
    expect(certificateMessages.length).toBeGreaterThanOrEqual(2)
    expect(keyExchanges.length).toBeGreaterThanOrEqual(2)
    for (const [i, s] of seeds.entries()) {
      expect(seedFields[i]!.length, `fields of seed ${i}`).toBeGreaterThan(0)
      expect(checkRead([s]).state.state, `seed ${i}`).toBe('done')
    }
    for (const b of serverHellos) expect(() => parseServerHello(b)).not.toThrow()
    for (const b of certificateMessages) expect(parseCertificateMessage(b)[0]!.equals(servedCert)).toBe(true)
  })
})

describe('parseServerHello', () => {
  it('throws only TlsDecodeError on random bytes', () => {
    fc.assert(
      fc.property(bytes(300), (b) => {
        only(() => parseServerHello(b), isDecodeError, 'parseServerHello')
      }),
      { numRuns: runs(1000) },
    )
  })

  it('throws only TlsDecodeError on mutated real ServerHellos, and what it returns is consistent', () => {
    const fieldsOf = serverHellos.map((b) => inner({ type: 2, at: 0, body: b }))
    fc.assert(
      fc.property(mutation(serverHellos.length), ({ seed, ops }) => {
        const b = applyMutation(serverHellos[seed]!, ops, fieldsOf[seed])
        const r = only(() => parseServerHello(b), isDecodeError, 'parseServerHello')
        if (r.ok) {
          expect(r.value.random.length).toBe(32)
          expect(r.value.sessionId.length).toBeLessThanOrEqual(255)
          expect(r.value.cipherSuite).toBeLessThanOrEqual(0xffff)
          expect(r.value.extensionTypes.length).toBeLessThanOrEqual(b.length / 4)
        }
      }),
      { numRuns: runs(1000) },
    )
  })
})

describe('parseCertificateMessage', () => {
  it('throws only TlsDecodeError on random and on mutated real Certificate messages', () => {
    const fieldsOf = certificateMessages.map((b) => inner({ type: 11, at: 0, body: b }))
    fc.assert(
      fc.property(fc.oneof(bytes(64).map((b) => ({ b })), mutation(certificateMessages.length).map((m) => ({ b: applyMutation(certificateMessages[m.seed]!, m.ops, fieldsOf[m.seed]) }))), ({ b }) => {
        const r = only(() => parseCertificateMessage(b), isDecodeError, 'parseCertificateMessage')
        if (r.ok) expect(r.value.reduce((n, d) => n + 3 + d.length, 3)).toBeLessThanOrEqual(b.length)
      }),
      { numRuns: runs(1000) },
    )
  })
})

describe('parseServerKeyExchange', () => {
  it('never throws, whatever the bytes and the suite key exchange; "unparsed" keeps the length', () => {
    const fieldsOf = keyExchanges.map((b) => inner({ type: 12, at: 0, body: b }))
    const body = fc.oneof(bytes(300), mutation(keyExchanges.length).map((m) => applyMutation(keyExchanges[m.seed]!, m.ops, fieldsOf[m.seed])))
    fc.assert(
      fc.property(body, fc.oneof(fc.constantFrom(...KX), fc.string({ maxLength: 8 })), (b, kx) => {
        const r = only(() => parseServerKeyExchange(b, kx), nothing, 'parseServerKeyExchange')
        if (!r.ok) return
        const ske = r.value
        expect(['dhe', 'ecdhe', 'unparsed']).toContain(ske.kind)
        if (ske.kind === 'unparsed') expect(ske.length).toBe(b.length)
        if (ske.kind === 'dhe') expect(ske.primeBits).toBeLessThanOrEqual(8 * b.length)
      }),
      { numRuns: runs(1000) },
    )
  })
})

/** A generated flight: records of handshake messages with random bodies, alerts and stray records. */
const generatedFlight: fc.Arbitrary<Buffer> = (() => {
  const ext = fc.tuple(fc.oneof(fc.constantFrom(43, 51, 0xff01, 0, 11, 23), fc.nat(0xffff)), bytes(6)).map(([t, d]) => Buffer.concat([u16(t), u16(d.length), d]))
  const serverHelloBody = fc
    .record({ version: fc.constantFrom(0x0300, 0x0301, 0x0303, 0x0304, 0x7f1c), hrr: fc.boolean(), sid: bytes(40), suite: fc.nat(0xffff), exts: fc.array(ext, { maxLength: 5 }), cut: fc.option(fc.nat(80)) })
    .map(({ version, hrr, sid, suite, exts, cut }) => {
      const random = hrr ? Buffer.from('CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C', 'hex') : Buffer.alloc(32, 1)
      const e = Buffer.concat(exts)
      const b = Buffer.concat([u16(version), random, Buffer.from([sid.length]), sid, u16(suite), Buffer.from([0]), u16(e.length), e])
      return cut === null ? b : b.subarray(0, cut)
    })
  const certBody = fc.array(bytes(40), { maxLength: 4 }).map((certs) => {
    const list = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])))
    return Buffer.concat([u24(list.length), list])
  })
  const message = fc.oneof(
    serverHelloBody.map((b) => handshake(2, b)),
    certBody.map((b) => handshake(11, b)),
    bytes(80).map((b) => handshake(12, b)),
    fc.constant(handshake(14, Buffer.alloc(0))),
    fc.tuple(fc.nat(255), bytes(30)).map(([t, b]) => handshake(t, b)),
  )
  const rec = fc.oneof(
    { arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }).map((ms) => record(22, Buffer.concat(ms))), weight: 6 },
    { arbitrary: fc.tuple(fc.constantFrom(1, 2, 7), fc.nat(255)).map(([l, d]) => record(21, Buffer.from([l, d]))), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom(20, 23, 24, 0), bytes(8)).map(([t, b]) => record(t, b)), weight: 1 },
  )
  return fc.array(rec, { minLength: 1, maxLength: 5 }).map((rs) => Buffer.concat(rs))
})()

describe('ServerFlightReader', () => {
  it('never throws on random bytes, in any chunking', () => {
    const start = fc.constantFrom(Buffer.alloc(0), Buffer.from([22, 3, 3]), Buffer.from([21, 3, 1]), Buffer.from([0x80]))
    fc.assert(
      fc.property(start, bytes(600), fc.array(fc.nat(), { maxLength: 6 }), (head, b, cuts) => {
        checkRead(chunked(Buffer.concat([head, b]), cuts))
      }),
      { numRuns: runs(1000) },
    )
  })

  it('never throws on generated handshakes, and chunking does not change the answer', () => {
    fc.assert(
      fc.property(generatedFlight, fc.array(fc.nat(), { maxLength: 8 }), (flight, cuts) => {
        readsAlikeInChunks(flight, cuts)
      }),
      { numRuns: runs(1000) },
    )
  })

  it('never throws on mutated real flights (bit flips, truncation, insertion, length fields), and chunking does not change the answer', () => {
    fc.assert(
      fc.property(mutation(seeds.length), fc.array(fc.nat(), { maxLength: 8 }), ({ seed, ops }, cuts) => {
        readsAlikeInChunks(applyMutation(seeds[seed]!, ops, seedFields[seed]), cuts)
      }),
      { numRuns: runs(1000) },
    )
  })

  it('a flight whose only damage is a length field is an error or an answer, never a hang waiting for bytes already sent', () => {
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.nat(), fc.constantFrom('zero', 'max', 'high-bit', 'one') as fc.Arbitrary<'zero' | 'max' | 'high-bit' | 'one'>, (seed, field, to) => {
        const flight = applyMutation(seeds[seed]!, [{ op: 'length', field, change: { to } }], seedFields[seed])
        const { state, reader } = checkRead([flight])
        // the peer closed after the flight: end() decides
        expect(state.state === 'need-more').toBe(reader.bytesRead === 0)
      }),
      { numRuns: runs(500) },
    )
  })
})

describe('exchangeHello against a peer answering with a mutated flight', () => {
  let next: { flight: Buffer; close: boolean } = { flight: Buffer.alloc(0), close: true }
  // answer once the hello is in, in two writes; then close, or keep the connection open
  const port = usePeer((s) => {
    s.once('data', () => {
      const { flight, close } = next
      const half = flight.length >> 1
      s.write(flight.subarray(0, half))
      setImmediate(() => (close ? s.end(flight.subarray(half)) : s.write(flight.subarray(half))))
    })
  })

  it('never rejects, and settles within its budget with an answer, closed or error', async () => {
    await fc.assert(
      fc.asyncProperty(mutation(seeds.length), fc.nat(4), async ({ seed, ops }, keepOpen) => {
        // now and then the peer keeps the connection open: the reader's own end (a timeout) decides
        const close = keepOpen !== 0
        next = { flight: applyMutation(seeds[seed]!, ops, seedFields[seed]), close }
        const r = await onlyAsync(() => exchangeHello({ host: '127.0.0.1', port: port(), hello: Buffer.from([22, 3, 1, 0, 0]), timeoutMs: 60 }), nothing, 'exchangeHello')
        if (!r.ok) return
        expect(['answer', 'closed', 'error']).toContain(r.value.outcome)
        expect(r.value.connected).toBe(true)
        if (r.value.outcome === 'error') expect(r.value.detail).not.toMatch(/unreadable server answer/)
      }),
      { numRuns: runs(150) },
    )
  }, 60_000)
})

describe('HttpHeadReader (the HSTS probe reads the response head with it)', () => {
  const seeds = [
    'HTTP/1.1 200 OK\r\nServer: nginx\r\nStrict-Transport-Security: max-age=63072000; includeSubDomains\r\nContent-Length: 0\r\n\r\n',
    'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.0 301 Moved\nLocation: /x\n strict-transport-security: max-age=1\n\n',
  ].map((s) => Buffer.from(s, 'latin1'))

  /** Never throws; once decided, stays decided; a head it read has a three-digit status that is not interim. */
  function checkHead(chunks: readonly Buffer[]): HeadState {
    const r = only(() => {
      const reader = new HttpHeadReader()
      let st: HeadState = reader.state
      for (const c of chunks) {
        const next = reader.push(c)
        if (st.state !== 'need-more') expect(next).toBe(st)
        st = next
      }
      return reader.end()
    }, nothing, 'HttpHeadReader')
    if (!r.ok) throw r.error
    const st = r.value
    expect(['done', 'error']).toContain(st.state)
    if (st.state === 'done') {
      // a three-digit status, never an interim one (a status below 100 is an answer, as node takes it)
      expect(Number.isInteger(st.head.status) && st.head.status >= 0 && st.head.status <= 999).toBe(true)
      expect(st.head.status >= 100 && st.head.status < 200 && st.head.status !== 101).toBe(false)
    }
    return st
  }

  it('never throws on random bytes or on mutations of real heads, in any chunking, and answers alike whole or cut', () => {
    const text = fc.oneof(bytes(600), mutation(seeds.length).map((m) => applyMutation(seeds[m.seed]!, m.ops)))
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), (b, cuts) => {
        expect(checkHead(chunked(b, cuts))).toEqual(checkHead([b]))
      }),
      { numRuns: runs(1000) },
    )
  })
})

describe('sessionLeaf (the HSTS name check reads the leaf out of node\'s session bytes)', () => {
  const session = opensslSession(servedCert)
  const seeds = [session, nodeSession(session, 'localhost')]

  it('reads the leaf from both seeds', () => {
    for (const s of seeds) expect(sessionLeaf(s)?.equals(servedCert)).toBe(true)
  })

  it('throws nothing on random and on mutated sessions; what it returns is a DER SEQUENCE inside the input', () => {
    fc.assert(
      fc.property(fc.oneof(bytes(512).map((b) => ({ b })), mutation(seeds.length).map((m) => ({ b: applyMutation(seeds[m.seed]!, m.ops) }))), ({ b }) => {
        const r = only(() => sessionLeaf(b), nothing, 'sessionLeaf')
        if (r.ok && r.value) {
          expect(r.value[0]).toBe(0x30)
          expect(r.value.buffer === b.buffer && r.value.byteOffset >= b.byteOffset && r.value.byteOffset + r.value.length <= b.byteOffset + b.length).toBe(true)
        }
      }),
      { numRuns: runs(1000) },
    )
  })
})
