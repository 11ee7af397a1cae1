// The HSTS probe's response-head reader: the cases it must read and refuse, and a property test that
// it reads any well-formed head as node's own HTTP client does (status and Strict-Transport-Security),
// node's client reading the same bytes from a real server on 127.0.0.1.
import http from 'node:http'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpHeadReader, MAX_HEAD_BYTES, fieldValue, type HeadState } from '../../checks/tls/wire/http-head.ts'
import { chunked } from '../fuzz/fuzz-kit.ts'

/** Feeds `text` to a fresh reader cut at the given byte offsets (fuzz-kit's chunked), then ends it when asked. */
function read(text: string, cuts: number[] = [], end = false): HeadState {
  const r = new HttpHeadReader()
  let st: HeadState = r.state
  for (const piece of chunked(Buffer.from(text, 'latin1'), cuts)) st = r.push(piece)
  return end ? r.end() : st
}

function head(st: HeadState) {
  if (st.state !== 'done') throw new Error(`expected a head, got ${JSON.stringify(st)}`)
  return { status: st.head.status, sts: fieldValue(st.head, 'strict-transport-security'), fields: st.head.fields }
}

describe('HttpHeadReader', () => {
  it('reads the status and the fields, names lower-cased, values without surrounding whitespace', () => {
    const h = head(read('HTTP/1.1 200 OK\r\nServer: nginx\r\nStrict-Transport-Security:  max-age=63072000; includeSubDomains \t\r\nContent-Length: 5\r\n\r\nhello'))
    expect(h.status).toBe(200)
    expect(h.sts).toBe('max-age=63072000; includeSubDomains')
    expect(h.fields).toEqual([
      ['server', 'nginx'],
      ['strict-transport-security', 'max-age=63072000; includeSubDomains'],
      ['content-length', '5'],
    ])
  })

  it('waits for the empty line, however the bytes are cut', () => {
    const text = 'HTTP/1.0 301 Moved\r\nLocation: https://x.test/\r\nstrict-transport-security: max-age=1\r\n\r\n'
    const r = new HttpHeadReader()
    for (const b of Buffer.from(text.slice(0, -1), 'latin1')) expect(r.push(Buffer.from([b])).state).toBe('need-more')
    expect(head(r.push(Buffer.from('\n')))).toMatchObject({ status: 301, sts: 'max-age=1' })
  })

  it('joins repeated fields with ", " as node does, and gives null for an absent one', () => {
    expect(head(read('HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=1\r\nX: y\r\nSTRICT-TRANSPORT-SECURITY: preload\r\n\r\n')).sts).toBe('max-age=1, preload')
    expect(head(read('HTTP/1.1 204 No Content\r\n\r\n'))).toEqual({ status: 204, sts: null, fields: [] })
  })

  it('accepts bare LF line ends and a status line without a reason', () => {
    expect(head(read('HTTP/1.1 200\nStrict-Transport-Security: max-age=2\n\n'))).toMatchObject({ status: 200, sts: 'max-age=2' })
  })

  it('joins an obs-fold continuation line to its field with one space', () => {
    expect(head(read('HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=3;\r\n \t includeSubDomains\r\n\r\n')).sts).toBe('max-age=3; includeSubDomains')
  })

  it('skips interim 1xx responses and reads the final one; 101 is final', () => {
    const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nStrict-Transport-Security: max-age=9\r\n\r\nHTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=4\r\n\r\n'
    expect(head(read(text))).toMatchObject({ status: 200, sts: 'max-age=4' })
    expect(head(read(text, [10, 30, 80, 81, 120]))).toMatchObject({ status: 200, sts: 'max-age=4' })
    expect(head(read('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n')).status).toBe(101)
    const endless = 'HTTP/1.1 100 Continue\r\n\r\n'.repeat(9) + 'HTTP/1.1 200 OK\r\n\r\n'
    expect(read(endless)).toEqual({ state: 'error', message: 'the server sent more than 8 interim (1xx) responses' })
  })

  it('refuses what is not an HTTP/1.x response head, quoting its start', () => {
    for (const text of ['SSH-2.0-OpenSSH_9.6\r\n\r\n', 'HTTP/2 200\r\n\r\n', 'HTTP/1.1 20 OK\r\n\r\n', '\r\n\r\n', '<html>\n\n'])
      expect(read(text), text).toMatchObject({ state: 'error', message: expect.stringMatching(/^the answer is not an HTTP\/1\.x response \(it begins ".*"\)$/) })
    expect(read('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n')).toMatchObject({ state: 'error', message: expect.stringContaining('malformed field line ("no colon here")') })
    expect(read('HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n')).toMatchObject({ state: 'error', message: expect.stringContaining('malformed field line') })
    expect(read('HTTP/1.1 200 OK\r\n continued\r\n\r\n')).toEqual({ state: 'error', message: 'the response head begins with a continuation line' })
  })

  it('refuses a head larger than 16 KiB, whether or not it ever ends', () => {
    const big = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n`
    expect(read(big)).toEqual({ state: 'error', message: 'the response head is larger than 16 KiB' })
    expect(read(`${big}\r\n`)).toEqual({ state: 'error', message: 'the response head is larger than 16 KiB' })
    // once decided, more bytes change nothing
    const r = new HttpHeadReader()
    r.push(Buffer.from(big, 'latin1'))
    expect(r.push(Buffer.from('\r\n\r\n')).state).toBe('error')
  })

  it('holds a head to 16 KiB the same way whole or cut, and reads one that arrives a byte at a time', () => {
    // the last field line ends exactly at 16 KiB: accepted, whether the empty line comes with it or after
    const start = 'HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=5\r\nX: '
    const atLimit = start + 'a'.repeat(MAX_HEAD_BYTES - start.length)
    for (const cuts of [[], [MAX_HEAD_BYTES], [MAX_HEAD_BYTES + 1], [MAX_HEAD_BYTES + 2], [MAX_HEAD_BYTES + 3]])
      expect(head(read(`${atLimit}\r\n\r\n`, cuts)), String(cuts)).toMatchObject({ status: 200, sts: 'max-age=5' })
    // one byte more is refused, however it is cut
    for (const cuts of [[], [MAX_HEAD_BYTES + 1], [MAX_HEAD_BYTES + 3]])
      expect(read(`${atLimit}a\r\n\r\n`, cuts), String(cuts)).toEqual({ state: 'error', message: 'the response head is larger than 16 KiB' })
    const r = new HttpHeadReader()
    const bytes = Buffer.from(`${atLimit}\r\n\r\n`, 'latin1')
    let st: HeadState = r.state
    for (let i = 0; i < bytes.length; i++) st = r.push(bytes.subarray(i, i + 1))
    expect(head(st)).toMatchObject({ status: 200, sts: 'max-age=5' })
  })

  it('refuses control characters (NUL, a bare CR) in the head, as node does', () => {
    expect(read('HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=1\u0000x\r\n\r\n')).toEqual({ state: 'error', message: 'the response head has a control character in its field lines' })
    expect(read('HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=1\rx\r\n\r\n')).toMatchObject({ state: 'error' })
    expect(read('HTTP/1.1 200 O\u0001K\r\n\r\n')).toEqual({ state: 'error', message: 'the response head has a control character in its status line' })
    // a tab is whitespace, not a control character
    expect(head(read('HTTP/1.1 200 OK\r\nStrict-Transport-Security:\tmax-age=1;\tpreload\r\n\r\n')).sts).toBe('max-age=1;\tpreload')
  })

  it('takes a status below 100 as the answer, as node does', () => {
    expect(head(read('HTTP/1.1 099 Odd\r\nStrict-Transport-Security: max-age=7\r\n\r\n'))).toMatchObject({ status: 99, sts: 'max-age=7' })
  })

  it('says how the connection ended when it ends before the head does', () => {
    expect(read('', [], true)).toEqual({ state: 'error', message: 'the server closed the connection without answering the request' })
    expect(read('HTTP/1.1 200 OK\r\nStrict-Tra', [], true)).toEqual({ state: 'error', message: 'the server closed the connection in the middle of the response head' })
    // a head already read stays read
    expect(head(read('HTTP/1.1 200 OK\r\n\r\n', [], true)).status).toBe(200)
  })
})

describe('HttpHeadReader reads a head as node:http does', () => {
  let server: Server
  let port: number
  const pending: string[] = []
  beforeAll(async () => {
    // each connection is answered with the next queued response, whatever it was asked
    server = createServer((s: Socket) => {
      const answer = pending.shift() ?? ''
      s.once('data', () => s.end(Buffer.from(answer, 'latin1')))
      s.on('error', () => {})
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  function nodeReads(raw: string): Promise<{ status: number; sts: string | null }> {
    pending.push(raw)
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        const v = res.headers['strict-transport-security']
        resolve({ status: res.statusCode ?? 0, sts: v === undefined ? null : Array.isArray(v) ? v.join(', ') : v })
        res.destroy()
      })
      req.on('error', reject)
    })
  }

  it('status and Strict-Transport-Security agree for any well-formed head, cut anywhere', async () => {
    const ows = fc.constantFrom('', ' ', '  ', '\t', ' \t')
    const name = fc.oneof(
      fc.constantFrom('Strict-Transport-Security', 'strict-transport-security', 'STRICT-TRANSPORT-SECURITY', 'Server', 'Link', 'X-Frame-Options'),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/),
    )
    // visible ASCII and latin1 letters, inner spaces and tabs; no surrounding whitespace of its own
    const value = fc.oneof(fc.constant(''), fc.stringMatching(/^[!-~\u00a1-\u00ff]([ \t!-~\u00a1-\u00ff]{0,30}[!-~\u00a1-\u00ff])?$/))
    const field = fc.tuple(name, ows, value, ows).map(([n, a, v, b]) => `${n}:${a}${v}${b}\r\n`)
    const interim = fc.array(fc.tuple(fc.constantFrom(100, 102, 103), fc.array(field, { maxLength: 2 })), { maxLength: 2 })
    const status = fc.integer({ min: 200, max: 599 })
    const reason = fc.constantFrom('', ' OK', ' Whatever It Says')
    await fc.assert(
      fc.asyncProperty(interim, status, reason, fc.array(field, { maxLength: 8 }), fc.array(fc.nat({ max: 400 }), { maxLength: 4 }), async (pre, code, why, fields, cuts) => {
        const raw =
          pre.map(([c, f]) => `HTTP/1.1 ${c} Info\r\n${f.join('')}\r\n`).join('') + `HTTP/1.1 ${code}${why}\r\n${fields.join('')}Content-Length: 0\r\n\r\n`
        const expected = await nodeReads(raw)
        const ours = head(read(raw, cuts))
        expect({ status: ours.status, sts: ours.sts }).toEqual(expected)
      }),
      { numRuns: 60 },
    )
  })
})
