// The head of one HTTP/1.x response (status line and header fields, RFC 9112 §2–5), read from the
// bytes a connection delivers, as the HSTS probe needs it: the final status and the header fields,
// nothing of the body. A synchronous state machine like the STARTTLS dialogues: the connection hands
// it every chunk it reads until it says `done` or `error`.
//
// Why not node:http: the probe sends one fixed GET and reads one head, and node's client machinery
// around that (ClientRequest, an llhttp parser per socket, IncomingMessage streams) was about 0.2 ms
// of client CPU per endpoint, a seventh of a TLS endpoint's observation (README "Performance").
//
// What it accepts is what a recipient may (RFC 9112): CRLF or a bare LF as line end, obs-fold
// continuation lines joined to their field with one space, whitespace around a field value dropped,
// interim 1xx responses (100 Continue, 103 Early Hints) skipped. What it refuses is an answer that is
// not HTTP/1.x or a head larger than node's own limit (16 KiB).

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
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Reads one response head; `push` every chunk until the state is no longer `need-more`. */
export class HttpHeadReader {
  private text = ''
  private interim = 0
  private result: HeadState = { state: 'need-more' }

  get state(): HeadState {
    return this.result
  }

  push(chunk: Buffer): HeadState {
    if (this.result.state !== 'need-more') return this.result
    // latin1 keeps every byte as one character, as node hands header values over
    this.text += chunk.toString('latin1')
    for (;;) {
      const end = headEnd(this.text)
      if (end === undefined) {
        if (this.text.length > MAX_HEAD_BYTES) return (this.result = { state: 'error', message: `the response head is larger than ${MAX_HEAD_BYTES / 1024} KiB` })
        return this.result
      }
      if (end.at > MAX_HEAD_BYTES) return (this.result = { state: 'error', message: `the response head is larger than ${MAX_HEAD_BYTES / 1024} KiB` })
      const parsed = parseHead(this.text.slice(0, end.at))
      if ('message' in parsed) return (this.result = { state: 'error', message: parsed.message })
      // 101 (an upgrade nobody asked for) is a final answer; other 1xx are interim
      if (parsed.status >= 200 || parsed.status === 101) return (this.result = { state: 'done', head: parsed })
      if (++this.interim > MAX_INTERIM) return (this.result = { state: 'error', message: `the server sent more than ${MAX_INTERIM} interim (1xx) responses` })
      this.text = this.text.slice(end.after)
    }
  }

  /** The connection ended: a head not yet complete never will be. */
  end(): HeadState {
    if (this.result.state === 'need-more')
      this.result = { state: 'error', message: this.text.length ? 'the server closed the connection in the middle of the response head' : 'the server closed the connection without answering the request' }
    return this.result
  }
}

/** Where the head ends (the empty line): `at` is the end of its last field line, `after` the first byte past the empty line. */
function headEnd(text: string): { at: number; after: number } | undefined {
  // a head that starts with an empty line is malformed; parseHead says so
  const m = /\r?\n\r?\n/.exec(text)
  return m ? { at: m.index, after: m.index + m[0].length } : undefined
}

function parseHead(head: string): HttpHead | { message: string } {
  const lines = head.split(/\r?\n/)
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
