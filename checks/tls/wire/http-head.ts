// The head of one HTTP/1.x response (status line and header fields, RFC 9112 §2–5), read from the
// bytes a connection delivers, as the HSTS probe needs it: the final status and the header fields,
// nothing of the body. A synchronous state machine like the STARTTLS dialogues: the connection hands
// it every chunk it reads until it says `done` or `error`.
//
// Why not node:http: the probe sends one fixed GET and reads one head, and node's client machinery
// around that (ClientRequest, an llhttp parser per socket, IncomingMessage streams) was about 0.3 ms
// of client CPU per endpoint in a fleet run (README "Performance").
//
// What it accepts is what a recipient may (RFC 9112): CRLF or a bare LF as line end, obs-fold
// continuation lines joined to their field with one space, whitespace around a field value dropped,
// interim 1xx responses (100 Continue, 103 Early Hints) skipped. What it refuses is an answer that is
// not HTTP/1.x, a control character other than HT in the head, and a head larger than node's own
// limit (16 KiB).

/** Largest response head read, as node's `--max-http-header-size` default. */
export const MAX_HEAD_BYTES = 16 * 1024
/** Interim (1xx) responses skipped before the final one; more is a hostile peer. */
const MAX_INTERIM = 8

export interface HttpHead {
  status: number
  /** header fields in the order received, names lower-cased, values as sent (latin1) */
  fields: [name: string, value: string][]
}

export type HeadState = { state: 'need-more' } | { state: 'done'; head: HttpHead } | { state: 'error'; message: string }

const STATUS_LINE = /^HTTP\/1\.[0-9] ([0-9]{3})(?:[ \t].*)?$/
/** Control characters other than HT: a line with one (NUL, a bare CR…) is refused, as node refuses it. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** The buffer's size at first (most heads fit) and at most: the largest head and the empty line after it. */
const INITIAL_BYTES = 1024
const LIMIT_BYTES = MAX_HEAD_BYTES + 4

/** Reads one response head; `push` every chunk until the state is no longer `need-more`. */
export class HttpHeadReader {
  /**
   * bytes of the head being read, grown on demand (most heads are a few hundred bytes) up to room
   * for the largest head and the empty line that ends it
   */
  private buf = Buffer.allocUnsafe(INITIAL_BYTES)
  private len = 0
  /** where the search for the end of the head resumes: every byte is looked at once */
  private scanned = 0
  private interim = 0
  private result: HeadState = { state: 'need-more' }

  get state(): HeadState {
    return this.result
  }

  push(chunk: Buffer): HeadState {
    for (let at = 0; this.result.state === 'need-more' && at < chunk.length; ) {
      if (chunk.length - at > this.buf.length - this.len) this.grow(chunk.length - at)
      const n = Math.min(chunk.length - at, this.buf.length - this.len)
      chunk.copy(this.buf, this.len, at, at + n)
      this.len += n
      at += n
      this.readHeads()
    }
    return this.result
  }

  /** Room for `more` bytes past what the buffer holds, as far as the limit allows. */
  private grow(more: number): void {
    let size = this.buf.length
    while (size < this.len + more && size < LIMIT_BYTES) size *= 2
    size = Math.min(size, LIMIT_BYTES)
    if (size === this.buf.length) return
    const larger = Buffer.allocUnsafe(size)
    this.buf.copy(larger, 0, 0, this.len)
    this.buf = larger
  }

  /** Every complete head in the buffer: interim ones dropped, the final one parsed. */
  private readHeads(): void {
    for (;;) {
      const end = this.headEnd()
      if (!end) {
        // an end still to come starts at len - 3 at the earliest
        if (this.len > MAX_HEAD_BYTES + 3) this.result = { state: 'error', message: `the response head is larger than ${MAX_HEAD_BYTES / 1024} KiB` }
        return
      }
      if (end.at > MAX_HEAD_BYTES) return void (this.result = { state: 'error', message: `the response head is larger than ${MAX_HEAD_BYTES / 1024} KiB` })
      // latin1 keeps every byte as one character, as node hands header values over
      const parsed = parseHead(this.buf.toString('latin1', 0, end.at))
      if ('message' in parsed) return void (this.result = { state: 'error', message: parsed.message })
      // 1xx but 101 (an upgrade nobody asked for) is interim; anything else is the answer, as node takes it
      if (parsed.status < 100 || parsed.status >= 200 || parsed.status === 101) return void (this.result = { state: 'done', head: parsed })
      if (++this.interim > MAX_INTERIM) return void (this.result = { state: 'error', message: `the server sent more than ${MAX_INTERIM} interim (1xx) responses` })
      this.buf.copy(this.buf, 0, end.after, this.len)
      this.len -= end.after
      this.scanned = 0
    }
  }

  /**
   * Where the head ends (the empty line, CRLF or bare LF): `at` is the end of its last line, `after`
   * the first byte past the empty line. A head that starts with an empty line is malformed; parseHead
   * says so.
   */
  private headEnd(): { at: number; after: number } | undefined {
    const b = this.buf.subarray(0, this.len)
    for (let i = this.scanned; ; ) {
      const lf = b.indexOf(0x0a, i)
      if (lf < 0) {
        this.scanned = this.len
        return undefined
      }
      const at = lf > 0 && b[lf - 1] === 0x0d ? lf - 1 : lf
      const next = b[lf + 1]
      const third = b[lf + 2]
      if (next === 0x0a) return { at, after: lf + 2 }
      if (next === 0x0d && third === 0x0a) return { at, after: lf + 3 }
      if (next === undefined || (next === 0x0d && third === undefined)) {
        // the line after this one has not arrived yet: look again from here
        this.scanned = lf
        return undefined
      }
      i = lf + 1
    }
  }

  /** The connection ended: a head not yet complete never will be. */
  end(): HeadState {
    if (this.result.state === 'need-more')
      this.result = { state: 'error', message: this.len ? 'the server closed the connection in the middle of the response head' : 'the server closed the connection without answering the request' }
    return this.result
  }
}

function parseHead(head: string): HttpHead | { message: string } {
  const lines = head.split(/\r?\n/)
  const bad = lines.findIndex((l) => CONTROL.test(l))
  if (bad >= 0) return { message: `the response head has a control character in its ${bad ? 'field lines' : 'status line'}` }
  const statusLine = lines[0]!
  const status = STATUS_LINE.exec(statusLine)
  if (!status) return { message: `the answer is not an HTTP/1.x response (it begins ${JSON.stringify(statusLine.slice(0, 40))})` }
  const fields: [string, string][] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line[0] === ' ' || line[0] === '\t') {
      // obs-fold: the line continues the previous field's value (RFC 9112 §5.2: replace it with a space)
      const last = fields[fields.length - 1]
      if (!last) return { message: 'the response head begins with a continuation line' }
      last[1] = trimOws(`${last[1]} ${trimOws(line)}`)
      continue
    }
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon) : ''
    if (!FIELD_NAME.test(name)) return { message: `the response head has a malformed field line (${JSON.stringify(line.slice(0, 40))})` }
    fields.push([name.toLowerCase(), trimOws(line.slice(colon + 1))])
  }
  return { status: Number(status[1]), fields }
}

function trimOws(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '')
}

/**
 * A field's value as node's IncomingMessage gives it: every occurrence joined with `, ` (RFC 9110
 * §5.3), or null when absent. `name` is lower-case.
 */
export function fieldValue(head: HttpHead, name: string): string | null {
  const values = head.fields.filter(([n]) => n === name).map(([, v]) => v)
  return values.length ? values.join(', ') : null
}
