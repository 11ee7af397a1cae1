// Just enough of the TLS record layer for the lab's scripted server: read a ClientHello, answer
// with hand-built ServerHello / Certificate / ServerHelloDone / Alert records. It lets the lab play
// servers that neither node:tls nor this machine's OpenSSL can be (3DES, RC4, EXPORT, SSLv3 …);
// the reply is never a usable handshake, only the first flight a raw-hello probe reads.
import { randomBytes } from 'node:crypto'

export const CONTENT_TYPE = { alert: 21, handshake: 22 } as const
export const HANDSHAKE_TYPE = { clientHello: 1, serverHello: 2, certificate: 11, serverHelloDone: 14 } as const
export const ALERT = { handshakeFailure: 40, protocolVersion: 70, insufficientSecurity: 71, internalError: 80 } as const

export interface ClientHelloInfo {
  /** version in the record header */
  recordVersion: number
  /** legacy_version in the hello */
  clientVersion: number
  /** supported_versions extension, when present (TLS 1.3 clients) */
  supportedVersions?: number[]
  cipherSuites: number[]
  sessionId: Buffer
  compressionMethods: number[]
  extensions: { type: number; data: Buffer }[]
  serverName?: string
  supportedGroups?: number[]
}

/** Highest version the client offers (supported_versions wins over legacy_version). */
export function highestOfferedVersion(h: ClientHelloInfo): number {
  // GREASE values (0x?a?a, RFC 8701) are not versions.
  const real = (h.supportedVersions ?? []).filter((v) => (v & 0x0f0f) !== 0x0a0a)
  return real.length ? Math.max(...real) : h.clientVersion
}

/**
 * Reads a complete handshake message from the start of `buf` (possibly split over records).
 * Returns undefined while more bytes are needed; throws on something that is not a TLS handshake.
 */
export function readHandshakeMessage(buf: Buffer): { recordVersion: number; type: number; body: Buffer } | undefined {
  let off = 0
  const fragments: Buffer[] = []
  let recordVersion = 0
  while (off + 5 <= buf.length) {
    if (buf[off] !== CONTENT_TYPE.handshake) throw new Error(`not a TLS handshake record (content type ${buf[off]})`)
    recordVersion ||= buf.readUInt16BE(off + 1)
    const len = buf.readUInt16BE(off + 3)
    if (len > 16_384 + 2048) throw new Error(`record too long (${len})`)
    if (off + 5 + len > buf.length) return undefined
    fragments.push(buf.subarray(off + 5, off + 5 + len))
    off += 5 + len
    const joined = Buffer.concat(fragments)
    if (joined.length >= 4) {
      const msgLen = joined.readUIntBE(1, 3)
      if (joined.length >= 4 + msgLen) return { recordVersion, type: joined[0]!, body: joined.subarray(4, 4 + msgLen) }
    }
  }
  return undefined
}

export function parseClientHello(recordVersion: number, body: Buffer): ClientHelloInfo {
  let off = 0
  const u8 = () => body.readUInt8((off += 1) - 1)
  const u16 = () => body.readUInt16BE((off += 2) - 2)
  const bytes = (n: number) => body.subarray(off, (off += n))
  const clientVersion = u16()
  bytes(32)
  const sessionId = Buffer.from(bytes(u8()))
  const suitesLen = u16()
  const cipherSuites: number[] = []
  for (let end = off + suitesLen; off < end;) cipherSuites.push(u16())
  const compressionMethods = [...bytes(u8())]
  const extensions: { type: number; data: Buffer }[] = []
  if (off < body.length) {
    for (let end = off + 2 + u16(); off < end;) {
      const type = u16()
      extensions.push({ type, data: Buffer.from(bytes(u16())) })
    }
  }
  const info: ClientHelloInfo = { recordVersion, clientVersion, cipherSuites, sessionId, compressionMethods, extensions }
  for (const { type, data } of extensions) {
    if (type === 43 && data.length >= 1) {
      info.supportedVersions = []
      for (let i = 1; i + 1 < 1 + data[0]! && i + 1 < data.length; i += 2) info.supportedVersions.push(data.readUInt16BE(i))
    } else if (type === 10 && data.length >= 2) {
      info.supportedGroups = []
      for (let i = 2; i + 1 < 2 + data.readUInt16BE(0) && i + 1 < data.length; i += 2) info.supportedGroups.push(data.readUInt16BE(i))
    } else if (type === 0 && data.length >= 5 && data[2] === 0) {
      info.serverName = data.subarray(5, 5 + data.readUInt16BE(3)).toString('ascii')
    }
  }
  return info
}

function u24(n: number): Buffer {
  const b = Buffer.alloc(3)
  b.writeUIntBE(n, 0, 3)
  return b
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}

export function record(contentType: number, version: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([contentType]), u16(version), u16(payload.length), payload])
}

function handshake(type: number, version: number, body: Buffer): Buffer {
  return record(CONTENT_TYPE.handshake, version, Buffer.concat([Buffer.from([type]), u24(body.length), body]))
}

export interface ServerHelloOptions {
  /** negotiated version, e.g. 0x0303 (TLS 1.2), 0x0300 (SSLv3) */
  version: number
  cipherSuite: number
  sessionId?: Buffer
  compressionMethod?: number
  /** raw extensions (type + data); secure renegotiation is added when `renegotiationInfo` is true */
  extensions?: { type: number; data: Buffer }[]
  renegotiationInfo?: boolean
}

export function serverHelloRecord(o: ServerHelloOptions): Buffer {
  const exts = [...(o.extensions ?? []), ...(o.renegotiationInfo ? [{ type: 0xff01, data: Buffer.from([0]) }] : [])]
  const extBytes = Buffer.concat(exts.map((e) => Buffer.concat([u16(e.type), u16(e.data.length), e.data])))
  const sessionId = o.sessionId ?? randomBytes(32)
  const body = Buffer.concat([
    u16(o.version),
    randomBytes(32),
    Buffer.from([sessionId.length]),
    sessionId,
    u16(o.cipherSuite),
    Buffer.from([o.compressionMethod ?? 0]),
    ...(exts.length ? [u16(extBytes.length), extBytes] : []),
  ])
  return handshake(HANDSHAKE_TYPE.serverHello, o.version, body)
}

/** TLS ≤1.2 Certificate message: the chain as DER, leaf first. */
export function certificateRecord(version: number, ders: Buffer[]): Buffer {
  const list = Buffer.concat(ders.map((d) => Buffer.concat([u24(d.length), d])))
  return handshake(HANDSHAKE_TYPE.certificate, version, Buffer.concat([u24(list.length), list]))
}

export function serverHelloDoneRecord(version: number): Buffer {
  return handshake(HANDSHAKE_TYPE.serverHelloDone, version, Buffer.alloc(0))
}

export function alertRecord(version: number, description: number, level: 1 | 2 = 2): Buffer {
  return record(CONTENT_TYPE.alert, version, Buffer.from([level, description]))
}

/** DER certificates from PEM text (for certificateRecord). */
export function pemToDers(pem: string): Buffer[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((block) =>
    Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64'),
  )
}

export interface LegacySuiteServerOptions {
  /** suites the simulated server accepts, in its preference order (16-bit codes) */
  suites: number[]
  /** versions it accepts (e.g. [0x0303] or [0x0301, 0x0302, 0x0303]); highest usable wins */
  versions: number[]
  /** served chain in the Certificate message (DER, leaf first); omitted = ServerHello only */
  chain?: Buffer[]
  /** choose by the client's order instead of the server's (default: server order) */
  clientOrder?: boolean
}

/**
 * A reply function for startScriptedServer that behaves like a TLS ≤1.2 server supporting
 * exactly `suites` and `versions`: ServerHello (+ Certificate + ServerHelloDone when a chain is
 * given) when the hello overlaps, else the alert a real server sends (protocol_version or
 * handshake_failure).
 */
export function legacySuiteServer(o: LegacySuiteServerOptions): (hello: ClientHelloInfo) => Buffer {
  return (hello) => {
    const offered = hello.supportedVersions?.length ? hello.supportedVersions : [...o.versions.filter((v) => v <= hello.clientVersion)]
    const version = Math.max(-1, ...o.versions.filter((v) => offered.includes(v)))
    const alertVersion = Math.min(hello.clientVersion, 0x0303)
    if (version < 0) return alertRecord(alertVersion, ALERT.protocolVersion)
    const pick = o.clientOrder ? hello.cipherSuites.find((s) => o.suites.includes(s)) : o.suites.find((s) => hello.cipherSuites.includes(s))
    if (pick === undefined) return alertRecord(version, ALERT.handshakeFailure)
    const flight = [serverHelloRecord({ version, cipherSuite: pick, renegotiationInfo: true })]
    if (o.chain?.length) flight.push(certificateRecord(version, o.chain), serverHelloDoneRecord(version))
    return Buffer.concat(flight)
  }
}
