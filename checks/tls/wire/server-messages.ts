// Reads a server's first flight after a raw ClientHello: records, handshake messages, alerts, and
// the SSLv2 SERVER-HELLO. Bytes come from a stranger, so everything is bounded and a bad byte is a
// `protocol` failure reported as data, never an exception out of `push`.
import type { TlsVersion } from '../observation.ts'
import { versionFromCode } from './client-hello.ts'

/** Most bytes read from one connection before giving up (a certificate chain is a few KiB). */
export const MAX_FLIGHT_BYTES = 256 * 1024
/** TLSCiphertext may be 2^14 + 2048; a plaintext first flight never exceeds that per record. */
const MAX_RECORD = 16384 + 2048

const HELLO_RETRY_RANDOM = Buffer.from('CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C', 'hex')

export const ALERT_NAMES: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
}

export interface Alert {
  level: number
  description: number
  /** `handshake_failure(40)` */
  name: string
}

export function alertName(description: number): string {
  return `${ALERT_NAMES[description] ?? 'unknown'}(${description})`
}

export interface ServerHello {
  /** the legacy version field */
  legacyVersion: number
  /** negotiated version: supported_versions when present, else the legacy field */
  version: TlsVersion | undefined
  versionCode: number
  random: Buffer
  sessionId: Buffer
  cipherSuite: number
  compression: number
  /** a HelloRetryRequest (TLS 1.3): the server accepted the version and suite but wants another key share */
  helloRetryRequest: boolean
  /** TLS 1.3 key_share group (selected group in a HelloRetryRequest) */
  keyShareGroup?: number
  /** the server echoed renegotiation_info (RFC 5746) */
  secureRenegotiation: boolean
  extensionTypes: number[]
}

export type ServerKeyExchange =
  | { kind: 'dhe'; primeBits: number; generator: number | null }
  | { kind: 'ecdhe'; curveType: number; namedGroup?: number }
  | { kind: 'unparsed'; length: number }

export interface Sslv2ServerHello {
  version: number
  sessionIdHit: boolean
  certificateType: number
  certificate: Buffer
  /** 24-bit cipher specs the server shares with the client */
  cipherSpecs: number[]
  connectionId: Buffer
}

export interface ServerFlight {
  format: 'tls' | 'sslv2'
  serverHello?: ServerHello
  /** DER certificates of a TLS ≤1.2 Certificate message, as served */
  certificates?: Buffer[]
  /** raw ServerKeyExchange body; decode with parseServerKeyExchange once the suite's key exchange is known */
  serverKeyExchange?: Buffer
  serverHelloDone: boolean
  /** the fatal alert that ended the flight, or a warning alert seen before it */
  alert?: Alert
  warnings: Alert[]
  sslv2ServerHello?: Sslv2ServerHello
  /** SSLv2 ERROR message code (0x0001 = NO-CIPHER-ERROR) */
  sslv2Error?: number
}

export type ReadState = { state: 'need-more' } | { state: 'done' } | { state: 'error'; message: string }

/** A message that does not decode: what the parsers below throw, and the only thing they throw. */
export class TlsDecodeError extends Error {
  override name = 'TlsDecodeError'
}

/** A bounds-checked cursor over one message. */
class Cursor {
  private pos = 0
  private buf: Buffer
  constructor(buf: Buffer) {
    this.buf = buf
  }
  get remaining(): number {
    return this.buf.length - this.pos
  }
  private need(n: number, what: string): void {
    if (n > this.remaining) throw new TlsDecodeError(`${what}: needs ${n} bytes, ${this.remaining} left`)
  }
  take(n: number, what: string): Buffer {
    this.need(n, what)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  // integers are read in place: a subarray per field was most of what parsing a hello allocated
  u8(what: string): number {
    this.need(1, what)
    return this.buf[this.pos++]!
  }
  u16(what: string): number {
    this.need(2, what)
    this.pos += 2
    return this.buf.readUInt16BE(this.pos - 2)
  }
  u24(what: string): number {
    this.need(3, what)
    this.pos += 3
    return this.buf.readUIntBE(this.pos - 3, 3)
  }
  vec8(what: string): Buffer {
    return this.take(this.u8(what), what)
  }
  vec16(what: string): Buffer {
    return this.take(this.u16(what), what)
  }
  vec24(what: string): Buffer {
    return this.take(this.u24(what), what)
  }
}

export function parseServerHello(body: Buffer): ServerHello {
  const c = new Cursor(body)
  const legacyVersion = c.u16('ServerHello version')
  const random = Buffer.from(c.take(32, 'ServerHello random'))
  const sessionId = Buffer.from(c.vec8('ServerHello session id'))
  const cipherSuite = c.u16('ServerHello cipher suite')
  const compression = c.u8('ServerHello compression')
  let versionCode = legacyVersion
  let keyShareGroup: number | undefined
  let secureRenegotiation = false
  const extensionTypes: number[] = []
  if (c.remaining > 0) {
    const exts = new Cursor(c.vec16('ServerHello extensions'))
    while (exts.remaining > 0) {
      const type = exts.u16('extension type')
      const data = exts.vec16('extension data')
      extensionTypes.push(type)
      if (type === 43) versionCode = new Cursor(data).u16('supported_versions')
      else if (type === 51 && data.length >= 2) keyShareGroup = data.readUInt16BE(0)
      else if (type === 0xff01) secureRenegotiation = true
    }
  }
  return {
    legacyVersion,
    version: versionFromCode(versionCode),
    versionCode,
    random,
    sessionId,
    cipherSuite,
    compression,
    helloRetryRequest: random.equals(HELLO_RETRY_RANDOM),
    keyShareGroup,
    secureRenegotiation,
    extensionTypes,
  }
}

export function parseCertificateMessage(body: Buffer): Buffer[] {
  const list = new Cursor(new Cursor(body).vec24('Certificate list'))
  const ders: Buffer[] = []
  while (list.remaining > 0) ders.push(Buffer.from(list.vec24('certificate')))
  return ders
}

function bitLength(n: Buffer): number {
  let i = 0
  while (i < n.length && n[i] === 0) i++
  if (i === n.length) return 0
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]!))
}

/**
 * Decodes what the probe needs from a ServerKeyExchange. `kx` is the chosen suite's key exchange
 * from the catalog (`DH`, `ECDH`, `DHEPSK`, …): the message itself does not say which it is.
 */
export function parseServerKeyExchange(body: Buffer, kx: string): ServerKeyExchange {
  try {
    const c = new Cursor(body)
    // PSK variants put the identity hint first
    if (kx === 'DHEPSK' || kx === 'ECDHEPSK') c.vec16('psk identity hint')
    if (kx.startsWith('DH') && !kx.startsWith('DH/')) {
      const p = c.vec16('dh_p')
      const gBytes = c.vec16('dh_g')
      c.vec16('dh_Ys')
      const generator = gBytes.length <= 4 ? gBytes.reduce((a, b) => a * 256 + b, 0) : null
      return { kind: 'dhe', primeBits: bitLength(p), generator }
    }
    if (kx === 'ECDH' || kx === 'ECDHEPSK') {
      const curveType = c.u8('curve type')
      if (curveType === 3) return { kind: 'ecdhe', curveType, namedGroup: c.u16('named curve') }
      return { kind: 'ecdhe', curveType }
    }
  } catch {
    // fall through: a malformed SKE is reported as unparsed rather than failing the whole hello
  }
  return { kind: 'unparsed', length: body.length }
}

function parseSslv2ServerHello(body: Buffer): Sslv2ServerHello {
  const c = new Cursor(body)
  c.u8('message type')
  const sessionIdHit = c.u8('session id hit') !== 0
  const certificateType = c.u8('certificate type')
  const version = c.u16('server version')
  const certLen = c.u16('certificate length')
  const specsLen = c.u16('cipher specs length')
  const connLen = c.u16('connection id length')
  const certificate = Buffer.from(c.take(certLen, 'certificate'))
  if (specsLen % 3 !== 0) throw new TlsDecodeError('SSLv2 cipher specs length is not a multiple of 3')
  const specBytes = c.take(specsLen, 'cipher specs')
  const cipherSpecs: number[] = []
  for (let i = 0; i < specBytes.length; i += 3) cipherSpecs.push(specBytes.readUIntBE(i, 3))
  const connectionId = Buffer.from(c.take(connLen, 'connection id'))
  return { version, sessionIdHit, certificateType, certificate, cipherSpecs, connectionId }
}

const CONTENT_TYPES = new Set([20, 21, 22, 23])
const EMPTY = Buffer.alloc(0)

function describeBytes(b: Buffer): string {
  const hex = b.subarray(0, 8).toString('hex').replace(/(..)/g, '$1 ').trim()
  const text = b.subarray(0, 16).toString('latin1')
  return /^[\x20-\x7e\r\n]+$/.test(text) ? `${hex} ("${text.replace(/\r?\n.*/s, '')}")` : hex
}

/**
 * Incremental reader of a server's first flight. Feed it bytes with `push` until it says `done`
 * (the answer is known) or `error`; `flight` holds what was understood so far.
 */
export class ServerFlightReader {
  readonly flight: ServerFlight = { format: 'tls', serverHelloDone: false, warnings: [] }
  private buf: Buffer = EMPTY
  private handshake: Buffer = EMPTY
  private total = 0
  private result: ReadState = { state: 'need-more' }
  private format: 'unknown' | 'tls' | 'sslv2' = 'unknown'

  get bytesRead(): number {
    return this.total
  }

  get state(): ReadState {
    return this.result
  }

  /** Reads `chunk`, which the caller may reuse afterwards: nothing of it is kept but copies. */
  push(chunk: Buffer): ReadState {
    if (this.result.state !== 'need-more') return this.result
    this.total += chunk.length
    if (this.total > MAX_FLIGHT_BYTES) return this.fail(`server sent more than ${MAX_FLIGHT_BYTES} bytes without finishing its first flight`)
    const borrowed = this.buf.length === 0
    this.buf = borrowed ? chunk : Buffer.concat([this.buf, chunk])
    try {
      if (this.format === 'unknown') {
        if (this.buf.length < 3) return this.result
        const b0 = this.buf[0]!
        if (CONTENT_TYPES.has(b0)) this.format = 'tls'
        // SSLv2 2-byte header with the high bit set, then message type 4 (SERVER-HELLO) or 0 (ERROR)
        else if (b0 & 0x80 && (this.buf[2] === 4 || this.buf[2] === 0)) this.format = 'sslv2'
        else return this.fail(`not TLS: the server answered ${describeBytes(this.buf)}`)
        this.flight.format = this.format
      }
      return this.format === 'tls' ? this.readTls() : this.readSslv2()
    } catch (e) {
      return this.fail(e instanceof TlsDecodeError ? `malformed server message: ${e.message}` : `unreadable server answer: ${(e as Error).message}`)
    } finally {
      // an incomplete record waits for more bytes: as a copy, not as a view into `chunk`
      if (borrowed && this.buf.length && this.result.state === 'need-more') this.buf = Buffer.from(this.buf)
    }
  }

  /** The peer closed: what we have is final. */
  end(): ReadState {
    if (this.result.state !== 'need-more') return this.result
    // a ServerHello is the decisive part; a flight cut off after it still answers the question
    if (this.flight.serverHello || this.flight.alert) return (this.result = { state: 'done' })
    if (this.total === 0) return this.result
    return this.fail(`connection closed in the middle of the server's answer (${this.total} bytes)`)
  }

  private fail(message: string): ReadState {
    this.result = { state: 'error', message }
    return this.result
  }

  private readSslv2(): ReadState {
    const b0 = this.buf[0]!
    const len = ((b0 & 0x7f) << 8) | this.buf[1]!
    if (this.buf.length < 2 + len) return this.result
    const body = this.buf.subarray(2, 2 + len)
    if (body[0] === 0) {
      this.flight.sslv2Error = body.length >= 3 ? body.readUInt16BE(1) : -1
      return (this.result = { state: 'done' })
    }
    this.flight.sslv2ServerHello = parseSslv2ServerHello(body)
    return (this.result = { state: 'done' })
  }

  private readTls(): ReadState {
    while (this.buf.length >= 5) {
      const type = this.buf[0]!
      const major = this.buf[1]!
      const len = this.buf.readUInt16BE(3)
      if (!CONTENT_TYPES.has(type) || major !== 3) return this.fail(`not TLS: bad record header ${describeBytes(this.buf)}`)
      if (len > MAX_RECORD) return this.fail(`record of ${len} bytes exceeds the TLS limit`)
      if (this.buf.length < 5 + len) return this.result
      const fragment = this.buf.subarray(5, 5 + len)
      this.buf = this.buf.subarray(5 + len)
      if (type === 21) {
        if (fragment.length < 2) return this.fail('truncated alert')
        const alert = { level: fragment[0]!, description: fragment[1]!, name: alertName(fragment[1]!) }
        // warning alerts (e.g. unrecognized_name before the ServerHello) do not end the handshake
        if (alert.level === 1 && alert.description !== 0) {
          this.flight.warnings.push(alert)
          continue
        }
        this.flight.alert = alert
        return (this.result = { state: 'done' })
      }
      if (type === 22) {
        this.handshake = this.handshake.length ? Buffer.concat([this.handshake, fragment]) : Buffer.from(fragment)
        const r = this.readHandshake()
        if (r.state !== 'need-more') return r
        continue
      }
      // ChangeCipherSpec or application data before we are done: after a TLS 1.3 ServerHello this is
      // encrypted traffic (readHandshake already stopped there), anything else is out of order
      if (this.flight.serverHello) return (this.result = { state: 'done' })
      return this.fail(`unexpected record type ${type} before the ServerHello`)
    }
    return this.result
  }

  private readHandshake(): ReadState {
    while (this.handshake.length >= 4) {
      const type = this.handshake[0]!
      const len = this.handshake.readUIntBE(1, 3)
      if (len > MAX_FLIGHT_BYTES) return this.fail(`handshake message of ${len} bytes is too large`)
      if (this.handshake.length < 4 + len) return this.result
      const body = this.handshake.subarray(4, 4 + len)
      this.handshake = this.handshake.subarray(4 + len)
      if (!this.flight.serverHello && type !== 2) return this.fail(`expected a ServerHello, got handshake message type ${type}`)
      switch (type) {
        case 2: {
          if (this.flight.serverHello) return this.fail('second ServerHello in one flight')
          const sh = parseServerHello(body)
          this.flight.serverHello = sh
          // TLS 1.3: everything after the ServerHello is encrypted; nothing more to read
          if (sh.helloRetryRequest || sh.version === 'TLSv1.3') return (this.result = { state: 'done' })
          break
        }
        case 11:
          this.flight.certificates = parseCertificateMessage(body)
          break
        case 12:
          this.flight.serverKeyExchange = Buffer.from(body)
          break
        case 14:
          this.flight.serverHelloDone = true
          return (this.result = { state: 'done' })
        default:
          // CertificateStatus (22), CertificateRequest (13), …: not needed
          break
      }
    }
    return this.result
  }
}
