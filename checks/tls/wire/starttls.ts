// The plain-text dialogues that turn a connection into a TLS one (STARTTLS and its relatives), as
// synchronous state machines: the connection hands every byte it reads to `push` and writes what the
// machine answers, until the machine says the server is ready for the ClientHello (or why it is
// not). No credentials are ever sent; the dialogue is recorded line by line for the evidence.
//
// SMTP/submission (RFC 3207): greeting 220, EHLO, STARTTLS listed, STARTTLS → 220.
// IMAP (RFC 3501): greeting * OK, CAPABILITY lists STARTTLS, STARTTLS → tagged OK.
// POP3 (RFC 2595): greeting +OK, CAPA lists STLS (a server without CAPA is asked STLS anyway), STLS → +OK.
// FTP (RFC 4217): greeting 220, AUTH TLS → 234.
// LDAP (RFC 4511 §4.14): ExtendedRequest 1.3.6.1.4.1.1466.20037 → ExtendedResponse resultCode 0.
// PostgreSQL: SSLRequest (80877103) → 'S' (or 'N': no TLS).
// MySQL/MariaDB: the server's HandshakeV10 has CLIENT_SSL; the client answers with an SSLRequest packet
//   (capabilities with CLIENT_SSL, sequence 1) and starts TLS at once.
// XMPP (RFC 6120 §5): stream header, features list <starttls/>, <starttls/> → <proceed/>.
import type { StarttlsKind } from '../target.ts'

/** Most bytes the server may send during the upgrade; a larger banner is refused (hostile peers). */
export const MAX_UPGRADE_BYTES = 64 * 1024
/** Lines of the dialogue kept for the evidence, and characters of each. */
const MAX_DIALOGUE_LINES = 40
const MAX_LINE_CHARS = 200

export type UpgradeStep =
  | { kind: 'more' }
  /** write these bytes, then wait for more */
  | { kind: 'send'; bytes: Buffer }
  /** write these bytes (if any), then the server expects the ClientHello */
  | { kind: 'ready'; bytes?: Buffer }
  /** the server does not offer the upgrade, or refused it: it does not do TLS here */
  | { kind: 'not-offered'; detail: string }
  /** the server answered something the protocol does not allow, or too much */
  | { kind: 'error'; detail: string }

export interface Upgrader {
  readonly kind: StarttlsKind
  /** bytes to send as soon as the connection is up (a client-first protocol), if any */
  start(): UpgradeStep
  /** bytes the server sent */
  push(data: Buffer): UpgradeStep
  /** the dialogue so far, `C: …` and `S: …` lines, bounded */
  readonly dialogue: string[]
  /** bytes read from the server */
  readonly bytesRead: number
}

/** A short human name of the upgrade, for messages (`SMTP STARTTLS`). */
export const UPGRADE_NAMES: Record<StarttlsKind, string> = {
  smtp: 'SMTP STARTTLS',
  submission: 'SMTP (submission) STARTTLS',
  imap: 'IMAP STARTTLS',
  pop3: 'POP3 STLS',
  ftp: 'FTP AUTH TLS',
  ldap: 'LDAP StartTLS',
  postgres: 'PostgreSQL SSLRequest',
  mysql: 'MySQL SSL request',
  xmpp: 'XMPP STARTTLS',
}

/** The state machine of one upgrade; `host` is the name the client addresses (XMPP's stream `to`). */
export function createUpgrader(kind: StarttlsKind, host: string): Upgrader {
  switch (kind) {
    case 'smtp':
    case 'submission':
      return new SmtpUpgrader(kind)
    case 'imap':
      return new ImapUpgrader()
    case 'pop3':
      return new Pop3Upgrader()
    case 'ftp':
      return new FtpUpgrader()
    case 'ldap':
      return new LdapUpgrader()
    case 'postgres':
      return new PostgresUpgrader()
    case 'mysql':
      return new MysqlUpgrader()
    case 'xmpp':
      return new XmppUpgrader(host)
  }
}

const clip = (s: string) => (s.length > MAX_LINE_CHARS ? `${s.slice(0, MAX_LINE_CHARS)}…` : s)
/**
 * Printable text of what a server sent: control characters (newlines included, so a server cannot
 * forge a `C:` line), Unicode line separators and bidirectional controls shown as \xNN / \uNNNN.
 */
const printable = (s: string) =>
  s.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.charCodeAt(0)
    return n > 0xff ? `\\u${n.toString(16).padStart(4, '0')}` : `\\x${n.toString(16).padStart(2, '0')}`
  })

abstract class BaseUpgrader implements Upgrader {
  readonly dialogue: string[] = []
  bytesRead = 0
  private omitted = 0
  protected buffered = Buffer.alloc(0)
  readonly kind: StarttlsKind
  constructor(kind: StarttlsKind) {
    this.kind = kind
  }

  protected note(line: string): void {
    if (this.dialogue.length < MAX_DIALOGUE_LINES) this.dialogue.push(clip(printable(line)))
    else if (++this.omitted === 1) this.dialogue.push('… (further lines not kept)')
  }
  protected send(text: string, step: 'send' | 'ready' = 'send'): UpgradeStep {
    this.note(`C: ${text}`)
    return { kind: step, bytes: Buffer.from(`${text}\r\n`, 'latin1') }
  }
  start(): UpgradeStep {
    return { kind: 'more' }
  }
  push(data: Buffer): UpgradeStep {
    this.bytesRead += data.length
    if (this.bytesRead > MAX_UPGRADE_BYTES) return { kind: 'error', detail: `the server sent more than ${MAX_UPGRADE_BYTES / 1024} KiB before the ${UPGRADE_NAMES[this.kind]} upgrade completed` }
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, data]) : Buffer.from(data)
    return this.consume()
  }
  protected abstract consume(): UpgradeStep
}

/** Line-based protocols: complete CRLF (or LF) lines, one at a time. */
abstract class LineUpgrader extends BaseUpgrader {
  protected consume(): UpgradeStep {
    for (;;) {
      const nl = this.buffered.indexOf(0x0a)
      if (nl < 0) return { kind: 'more' }
      const line = this.buffered.subarray(0, nl).toString('latin1').replace(/\r$/, '')
      this.buffered = this.buffered.subarray(nl + 1)
      this.note(`S: ${line}`)
      const step = this.line(line)
      if (step.kind !== 'more') {
        // a server that talks on past its answer (pipelining garbage) would corrupt the TLS stream
        if (step.kind === 'ready' && this.buffered.length)
          return { kind: 'error', detail: `the server sent ${this.buffered.length} byte(s) after accepting the ${UPGRADE_NAMES[this.kind]} upgrade, before any ClientHello` }
        return step
      }
    }
  }
  protected abstract line(line: string): UpgradeStep
}

/** SMTP and FTP replies: `ddd-text` continues, `ddd text` ends a reply. */
function replyEnd(line: string): { code: number; last: boolean } | undefined {
  const m = /^(\d{3})([ -]|$)/.exec(line)
  return m ? { code: Number(m[1]), last: m[2] !== '-' } : undefined
}

class SmtpUpgrader extends LineUpgrader {
  private state: 'greeting' | 'ehlo' | 'starttls' = 'greeting'
  private offered = false
  protected line(line: string): UpgradeStep {
    const r = replyEnd(line)
    if (!r) return { kind: 'error', detail: `the server's answer is not an SMTP reply: "${clip(printable(line))}"` }
    if (this.state === 'ehlo' && r.code === 250 && /^250[ -]STARTTLS\b/i.test(line)) this.offered = true
    if (!r.last) return { kind: 'more' }
    switch (this.state) {
      case 'greeting':
        if (r.code !== 220) return { kind: 'error', detail: `the SMTP server's greeting is ${r.code}, not 220: "${clip(printable(line))}"` }
        this.state = 'ehlo'
        return this.send('EHLO vigil.invalid')
      case 'ehlo':
        // 500/502: no ESMTP at all (a HELO-only server), so no STARTTLS either
        if (r.code === 500 || r.code === 502) return { kind: 'not-offered', detail: `the SMTP server does not speak ESMTP (EHLO refused: "${clip(printable(line))}"), so it cannot offer STARTTLS` }
        if (r.code !== 250) return { kind: 'error', detail: `the SMTP server refused EHLO: "${clip(printable(line))}"` }
        if (!this.offered) return { kind: 'not-offered', detail: 'the SMTP server does not offer STARTTLS (its EHLO reply lists no STARTTLS)' }
        this.state = 'starttls'
        return this.send('STARTTLS')
      case 'starttls':
        if (r.code === 220) return { kind: 'ready' }
        // 454 "TLS not available due to temporary reason", 421: a temporary state, not a verdict
        if (r.code >= 400 && r.code < 500) return { kind: 'error', detail: `the SMTP server lists STARTTLS but refused it for now: "${clip(printable(line))}"` }
        return { kind: 'not-offered', detail: `the SMTP server lists STARTTLS but refused it: "${clip(printable(line))}"` }
    }
  }
}

class FtpUpgrader extends LineUpgrader {
  private state: 'greeting' | 'auth' = 'greeting'
  /** the code of a multi-line reply being read (RFC 959 §4.2: only its first and last lines carry it) */
  private open?: number
  constructor() {
    super('ftp')
  }
  protected line(line: string): UpgradeStep {
    if (this.open !== undefined) {
      if (!line.startsWith(`${this.open} `)) return { kind: 'more' }
      this.open = undefined
    } else if (/^\d{3}-/.test(line)) {
      this.open = Number(line.slice(0, 3))
      return { kind: 'more' }
    }
    const r = replyEnd(line)
    if (!r) return { kind: 'error', detail: `the server's answer is not an FTP reply: "${clip(printable(line))}"` }
    if (this.state === 'greeting') {
      // 120: "service ready in nnn minutes", then the 220
      if (r.code >= 100 && r.code < 200) return { kind: 'more' }
      if (r.code !== 220) return { kind: 'error', detail: `the FTP server's greeting is ${r.code}, not 220: "${clip(printable(line))}"` }
      this.state = 'auth'
      return this.send('AUTH TLS')
    }
    if (r.code === 234) return { kind: 'ready' }
    // 421/431: unavailable for now; 500/502/504: not understood or not implemented; 530/534: refused by policy
    if (r.code >= 400 && r.code < 500) return { kind: 'error', detail: `the FTP server cannot take AUTH TLS now: "${clip(printable(line))}"` }
    if (r.code >= 500) return { kind: 'not-offered', detail: `the FTP server does not accept AUTH TLS: "${clip(printable(line))}"` }
    return { kind: 'error', detail: `unexpected answer to AUTH TLS: "${clip(printable(line))}"` }
  }
}

class ImapUpgrader extends LineUpgrader {
  private state: 'greeting' | 'capability' | 'starttls' = 'greeting'
  private offered = false
  constructor() {
    super('imap')
  }
  protected line(line: string): UpgradeStep {
    const caps = (text: string) => /(^|[\s[])STARTTLS(\s|\]|$)/i.test(text)
    switch (this.state) {
      case 'greeting':
        if (/^\* PREAUTH\b/i.test(line)) return { kind: 'error', detail: 'the IMAP server pre-authenticated the connection; STARTTLS is not possible in that state' }
        if (!/^\* OK\b/i.test(line)) return { kind: 'error', detail: `the IMAP server's greeting is not "* OK": "${clip(printable(line))}"` }
        this.state = 'capability'
        return this.send('V1 CAPABILITY')
      case 'capability':
        if (/^\* CAPABILITY\b/i.test(line)) {
          if (caps(line)) this.offered = true
          return { kind: 'more' }
        }
        if (line.startsWith('* ')) return { kind: 'more' }
        if (/^V1 OK\b/i.test(line)) {
          if (!this.offered) return { kind: 'not-offered', detail: 'the IMAP server does not offer STARTTLS (its CAPABILITY lists no STARTTLS)' }
          this.state = 'starttls'
          return this.send('V2 STARTTLS')
        }
        return { kind: 'error', detail: `unexpected answer to CAPABILITY: "${clip(printable(line))}"` }
      case 'starttls':
        if (line.startsWith('* ')) return { kind: 'more' }
        if (/^V2 OK\b/i.test(line)) return { kind: 'ready' }
        if (/^V2 (NO|BAD)\b/i.test(line)) return { kind: 'not-offered', detail: `the IMAP server refused STARTTLS: "${clip(printable(line))}"` }
        return { kind: 'error', detail: `unexpected answer to STARTTLS: "${clip(printable(line))}"` }
    }
  }
}

class Pop3Upgrader extends LineUpgrader {
  private state: 'greeting' | 'capa-status' | 'capa-list' | 'stls' = 'greeting'
  private offered = false
  constructor() {
    super('pop3')
  }
  protected line(line: string): UpgradeStep {
    switch (this.state) {
      case 'greeting':
        if (!/^\+OK\b/.test(line)) return { kind: 'error', detail: `the POP3 server's greeting is not "+OK": "${clip(printable(line))}"` }
        this.state = 'capa-status'
        return this.send('CAPA')
      case 'capa-status':
        if (/^\+OK\b/.test(line)) {
          this.state = 'capa-list'
          return { kind: 'more' }
        }
        // no CAPA (RFC 1939 servers): ask for STLS directly
        this.state = 'stls'
        return this.send('STLS')
      case 'capa-list':
        if (line !== '.') {
          if (/^STLS\b/i.test(line)) this.offered = true
          return { kind: 'more' }
        }
        if (!this.offered) return { kind: 'not-offered', detail: 'the POP3 server does not offer STLS (its CAPA lists no STLS)' }
        this.state = 'stls'
        return this.send('STLS')
      case 'stls':
        if (/^\+OK\b/.test(line)) return { kind: 'ready' }
        if (/^-ERR\b/.test(line)) return { kind: 'not-offered', detail: `the POP3 server refused STLS: "${clip(printable(line))}"` }
        return { kind: 'error', detail: `unexpected answer to STLS: "${clip(printable(line))}"` }
    }
  }
}

class PostgresUpgrader extends BaseUpgrader {
  constructor() {
    super('postgres')
  }
  override start(): UpgradeStep {
    this.note('C: SSLRequest (8 bytes: length 8, code 80877103)')
    return { kind: 'send', bytes: Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]) }
  }
  protected consume(): UpgradeStep {
    const b = this.buffered[0]
    if (b === undefined) return { kind: 'more' }
    if (b === 0x53 /* S */) {
      this.note("S: 'S' (the server will do TLS)")
      if (this.buffered.length > 1) return { kind: 'error', detail: `the server sent ${this.buffered.length - 1} byte(s) after accepting the SSLRequest, before any ClientHello` }
      return { kind: 'ready' }
    }
    if (b === 0x4e /* N */) {
      this.note("S: 'N' (the server does not do TLS)")
      return { kind: 'not-offered', detail: "the PostgreSQL server answered the SSLRequest with 'N': it does not do TLS" }
    }
    if (b === 0x45 /* E */) {
      const text = this.buffered.subarray(5).toString('utf8').split('\0').filter(Boolean).join(' ')
      this.note(`S: error message ${text}`)
      return { kind: 'error', detail: `the PostgreSQL server answered the SSLRequest with an error: ${clip(printable(text))}` }
    }
    this.note(`S: byte 0x${b.toString(16).padStart(2, '0')}`)
    return { kind: 'error', detail: `the answer to the SSLRequest is not 'S' or 'N' but byte 0x${b.toString(16).padStart(2, '0')}: not a PostgreSQL server` }
  }
}

/** MySQL capability flags (protocol::CapabilityFlags). */
const CLIENT_LONG_PASSWORD = 0x1
const CLIENT_PROTOCOL_41 = 0x200
const CLIENT_SSL = 0x800
const CLIENT_SECURE_CONNECTION = 0x8000

class MysqlUpgrader extends BaseUpgrader {
  constructor() {
    super('mysql')
  }
  protected consume(): UpgradeStep {
    const b = this.buffered
    if (b.length < 4) return { kind: 'more' }
    const len = b.readUIntLE(0, 3)
    if (b.length < 4 + len) return { kind: 'more' }
    const p = b.subarray(4, 4 + len)
    if (p[0] === 0xff) {
      // ERR packet: 0xff, code (2), then '#' + SQL state (5) on 4.1+, then the message
      const code = p.length >= 3 ? p.readUInt16LE(1) : 0
      const text = p.subarray(p[3] === 0x23 ? 9 : 3).toString('utf8')
      this.note(`S: error ${code} ${text}`)
      return { kind: 'error', detail: `the MySQL server refused the connection before its handshake: error ${code} ${clip(printable(text))}` }
    }
    if (p[0] !== 10) {
      this.note(`S: handshake packet of protocol version ${p[0]}`)
      return { kind: 'error', detail: `the server's first packet is not a MySQL HandshakeV10 (protocol version byte ${p[0]})` }
    }
    const nul = p.indexOf(0, 1)
    // version NUL, connection id (4), auth data part 1 (8), filler (1), capabilities low (2)
    if (nul < 0 || p.length < nul + 1 + 4 + 8 + 1 + 2) return { kind: 'error', detail: 'the MySQL handshake packet is truncated' }
    const version = p.subarray(1, nul).toString('latin1')
    const capsLow = p.readUInt16LE(nul + 1 + 4 + 8 + 1)
    const ssl = (capsLow & CLIENT_SSL) !== 0
    this.note(`S: HandshakeV10, server ${version}, capabilities 0x${capsLow.toString(16).padStart(4, '0')} (CLIENT_SSL ${ssl ? 'set' : 'not set'})`)
    if (!ssl) return { kind: 'not-offered', detail: `the MySQL server (${clip(printable(version))}) does not offer TLS (its handshake lacks CLIENT_SSL)` }
    if (b.length > 4 + len) return { kind: 'error', detail: 'the MySQL server sent more than its handshake packet before the client answered' }
    const req = Buffer.alloc(4 + 32)
    req.writeUIntLE(32, 0, 3)
    req[3] = 1 // sequence id: the answer to the server's packet 0
    req.writeUInt32LE(CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION, 4)
    req.writeUInt32LE(16 * 1024 * 1024, 8) // max packet size
    req[12] = 33 // utf8_general_ci; 23 zero bytes follow
    this.note('C: SSLRequest packet (capabilities with CLIENT_SSL, no user name)')
    return { kind: 'ready', bytes: req }
  }
}

/** LDAP StartTLS (RFC 4511 §4.14.1): LDAPMessage { messageID 1, ExtendedRequest { requestName [0] OID } }. */
const STARTTLS_OID = '1.3.6.1.4.1.1466.20037'
const LDAP_RESULT_NAMES: Record<number, string> = { 0: 'success', 1: 'operationsError', 2: 'protocolError', 12: 'unavailableCriticalExtension', 51: 'busy', 52: 'unavailable', 53: 'unwillingToPerform', 80: 'other' }

/**
 * One BER TLV at `at`: tag and the value's bounds; `incomplete` when more bytes are needed, `bad`
 * when the length is not a definite length of at most four bytes (LDAP forbids the others).
 */
function berTlv(b: Buffer, at: number): { tag: number; start: number; end: number } | 'incomplete' | 'bad' {
  if (at < 0) return 'bad'
  if (b.length < at + 2) return 'incomplete'
  const tag = b[at]!
  let len = b[at + 1]!
  let start = at + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) return 'bad'
    if (b.length < start + n) return 'incomplete'
    len = b.readUIntBE(start, n)
    start += n
  }
  return { tag, start, end: start + len }
}

/** A TLV inside `[from, to)`, complete; undefined otherwise (the enclosing message is already whole). */
function innerTlv(b: Buffer, from: number, to: number): { tag: number; start: number; end: number } | undefined {
  const t = from < to ? berTlv(b, from) : 'bad'
  return typeof t === 'object' && t.end <= to ? t : undefined
}

class LdapUpgrader extends BaseUpgrader {
  constructor() {
    super('ldap')
  }
  override start(): UpgradeStep {
    const oid = Buffer.from(STARTTLS_OID, 'latin1')
    const name = Buffer.concat([Buffer.from([0x80, oid.length]), oid])
    const op = Buffer.concat([Buffer.from([0x77, name.length]), name])
    const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x01]), op])
    this.note(`C: ExtendedRequest StartTLS (${STARTTLS_OID}), message 1`)
    return { kind: 'send', bytes: Buffer.concat([Buffer.from([0x30, body.length]), body]) }
  }
  protected consume(): UpgradeStep {
    const b = this.buffered
    const msg = berTlv(b, 0)
    if (msg === 'incomplete') return { kind: 'more' }
    if (msg === 'bad' || msg.tag !== 0x30) return { kind: 'error', detail: `the answer to the StartTLS request is not an LDAP message (${msg === 'bad' ? 'no definite length' : `tag 0x${msg.tag.toString(16)}`})` }
    if (b.length < msg.end) return { kind: 'more' }
    const bad = (what: string): UpgradeStep => ({ kind: 'error', detail: `the LDAP server's answer to StartTLS is malformed: ${what}` })
    const id = innerTlv(b, msg.start, msg.end)
    if (!id || id.tag !== 0x02 || id.end === id.start || id.end - id.start > 4) return bad('no message id')
    const messageId = b.readUIntBE(id.start, id.end - id.start)
    const op = innerTlv(b, id.end, msg.end)
    if (!op) return bad('no protocol operation')
    if (op.tag !== 0x78) return bad(`protocol operation 0x${op.tag.toString(16)}, not an ExtendedResponse`)
    const rc = innerTlv(b, op.start, op.end)
    if (!rc || rc.tag !== 0x0a || rc.end === rc.start || rc.end - rc.start > 4) return bad('no result code')
    const code = b.readUIntBE(rc.start, rc.end - rc.start)
    const dn = innerTlv(b, rc.end, op.end)
    const diag = dn ? innerTlv(b, dn.end, op.end) : undefined
    const text = diag && diag.tag === 0x04 ? b.subarray(diag.start, diag.end).toString('utf8') : ''
    const name = `${code} (${LDAP_RESULT_NAMES[code] ?? 'result'})`
    this.note(`S: ExtendedResponse to message ${messageId}, resultCode ${name}${text ? `: ${text}` : ''}`)
    // message 0 is a Notice of Disconnection (RFC 4511 §4.4.1): the server is going away, not refusing
    if (messageId === 0) return { kind: 'error', detail: `the LDAP server sent a Notice of Disconnection instead of answering StartTLS: resultCode ${name}${text ? ` "${clip(printable(text))}"` : ''}` }
    if (messageId !== 1) return bad(`an answer to message ${messageId}; the StartTLS request was message 1`)
    if (code === 0) {
      if (b.length > msg.end) return { kind: 'error', detail: `the server sent ${b.length - msg.end} byte(s) after accepting StartTLS, before any ClientHello` }
      return { kind: 'ready' }
    }
    // RFC 4511 §4.14.2: protocolError — TLS not supported; unwillingToPerform / unavailableCriticalExtension
    // refuse it too. busy, unavailable (a major TLS problem, or shutting down), operationsError: not a verdict
    const detail = `resultCode ${name}${text ? ` "${clip(printable(text))}"` : ''}`
    if (code === 2 || code === 12 || code === 53) return { kind: 'not-offered', detail: `the LDAP server refused StartTLS: ${detail}` }
    return { kind: 'error', detail: `the LDAP server could not take StartTLS now: ${detail}` }
  }
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;')

class XmppUpgrader extends BaseUpgrader {
  private state: 'features' | 'proceed' = 'features'
  private seen = 0
  private readonly host: string
  constructor(host: string) {
    super('xmpp')
    this.host = host
  }
  override start(): UpgradeStep {
    const header = `<?xml version='1.0'?><stream:stream to='${xmlEscape(this.host)}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`
    this.note(`C: ${header}`)
    return { kind: 'send', bytes: Buffer.from(header, 'utf8') }
  }
  protected consume(): UpgradeStep {
    const text = this.buffered.toString('utf8')
    const fresh = text.slice(this.seen)
    if (/<stream:error\b/.test(text) && /<\/stream:error>|<\/stream:stream>/.test(text)) {
      this.note(`S: ${fresh}`)
      const cond = /<stream:error>\s*<([\w-]+)/.exec(text)?.[1] ?? 'unknown'
      return { kind: 'error', detail: `the XMPP server closed the stream with the error ${cond}` }
    }
    if (this.state === 'features') {
      const end = /<\/stream:features>|<stream:features\s*\/>/.exec(text)
      if (!end) return { kind: 'more' }
      const features = text.slice(0, end.index + end[0].length)
      this.note(`S: ${features.slice(this.seen)}`)
      this.buffered = Buffer.from(text.slice(features.length), 'utf8')
      this.seen = 0
      if (!/<starttls\b[^>]*urn:ietf:params:xml:ns:xmpp-tls/.test(features)) return { kind: 'not-offered', detail: 'the XMPP server does not offer STARTTLS (its stream features list no <starttls/>)' }
      this.state = 'proceed'
      this.note(`C: <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`)
      return { kind: 'send', bytes: Buffer.from("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", 'utf8') }
    }
    const m = /<(proceed|failure)\b[^>]*?(\/>|>[\s\S]*?<\/\1>)/.exec(text)
    if (!m) {
      this.seen = text.length
      return { kind: 'more' }
    }
    this.note(`S: ${m[0]}`)
    if (m[1] === 'failure') return { kind: 'not-offered', detail: 'the XMPP server answered <starttls/> with <failure/>' }
    if (text.length > m.index + m[0].length) return { kind: 'error', detail: 'the XMPP server sent data after <proceed/>, before any ClientHello' }
    return { kind: 'ready' }
  }
}
