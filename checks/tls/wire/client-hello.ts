// Hand-built ClientHellos, so the probe can ask about any protocol version, suite or group whatever
// Node's own OpenSSL still negotiates. A hello is never followed up: the probe reads the server's
// first flight and closes, so key shares need not be usable for a full handshake.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import type { TlsVersion } from '../observation.ts'

/** Most suites one hello carries; larger hellos break some servers (testssl.sh uses the same bound). */
export const MAX_SUITES_PER_HELLO = 128

export const VERSION_CODES: Record<Exclude<TlsVersion, 'SSLv2'>, number> = {
  SSLv3: 0x0300,
  'TLSv1.0': 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
}

export function versionFromCode(code: number): TlsVersion | undefined {
  if (code === 0x0002) return 'SSLv2'
  return (Object.entries(VERSION_CODES) as [TlsVersion, number][]).find(([, c]) => c === code)?.[0]
}

export const EXT = {
  serverName: 0,
  supportedGroups: 10,
  ecPointFormats: 11,
  signatureAlgorithms: 13,
  padding: 21,
  extendedMasterSecret: 23,
  sessionTicket: 35,
  supportedVersions: 43,
  pskKeyExchangeModes: 45,
  keyShare: 51,
  renegotiationInfo: 0xff01,
} as const

/** Broad on purpose: old servers with SHA-1 or DSA certificates must still answer. */
export const SIGNATURE_ALGORITHMS: readonly number[] = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601, 0x0303,
  0x0301, 0x0302, 0x0402, 0x0502, 0x0602, 0x0203, 0x0201, 0x0202,
]

const X25519 = 29
const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff

export interface KeyShare {
  group: number
  key: Buffer
}

export interface ClientHelloOptions {
  /** highest version offered; SSLv2 has its own builder */
  version: Exclude<TlsVersion, 'SSLv2'>
  /** 16-bit suite codes, in offer order, at most MAX_SUITES_PER_HELLO */
  suites: readonly number[]
  /** SNI; left out for IP literals and when undefined */
  serverName?: string
  /** supported_groups; also decides the TLS 1.3 key share */
  groups?: readonly number[]
  /** TLS 1.3 key shares; default: a fresh x25519 share when x25519 is in `groups`, else none (the server answers HelloRetryRequest) */
  keyShares?: readonly KeyShare[]
  /** fixed values for reproducible bytes in tests */
  random?: Buffer
  sessionId?: Buffer
}

function u8(n: number): Buffer {
  return Buffer.from([n & 0xff])
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}
function u24(n: number): Buffer {
  const b = Buffer.alloc(3)
  b.writeUIntBE(n, 0, 3)
  return b
}
function vec16(body: Buffer): Buffer {
  return Buffer.concat([u16(body.length), body])
}
function vec8(body: Buffer): Buffer {
  return Buffer.concat([u8(body.length), body])
}
function list16(values: readonly number[]): Buffer {
  return Buffer.concat(values.map(u16))
}
function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(body)])
}

/**
 * The X25519 key share every raw hello offers. One key pair per process, not per hello: a raw hello
 * never completes a handshake, so the private key is never used, and generating and exporting a pair
 * for each of ~20 hellos per endpoint was 4 % of a fleet scan's CPU.
 */
let sharedX25519: Buffer | undefined
export function x25519PublicKey(): Buffer {
  // raw key = last 32 bytes of the SPKI DER
  sharedX25519 ??= generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
  return sharedX25519
}

/** The TLS record(s) of a ClientHello for SSLv3 … TLS 1.3. */
export function buildClientHello(opts: ClientHelloOptions): Buffer {
  if (opts.suites.length === 0) throw new Error('a ClientHello needs at least one suite')
  if (opts.suites.length > MAX_SUITES_PER_HELLO) throw new Error(`at most ${MAX_SUITES_PER_HELLO} suites per hello`)
  const tls13 = opts.version === 'TLSv1.3'
  const ssl3 = opts.version === 'SSLv3'
  const legacyVersion = tls13 ? VERSION_CODES['TLSv1.2'] : VERSION_CODES[opts.version]
  const random = opts.random ?? randomBytes(32)
  // TLS 1.3 middlebox compatibility mode: a non-empty legacy session id
  const sessionId = opts.sessionId ?? (tls13 ? randomBytes(32) : Buffer.alloc(0))
  // SSLv3 has no extensions; the SCSV stands in for renegotiation_info there
  const suites = ssl3 ? [...opts.suites, EMPTY_RENEGOTIATION_INFO_SCSV] : opts.suites
  const groups = opts.groups ?? []

  const exts: Buffer[] = []
  if (!ssl3) {
    if (opts.serverName && !isIP(opts.serverName)) {
      const name = Buffer.from(opts.serverName, 'ascii')
      exts.push(extension(EXT.serverName, vec16(Buffer.concat([u8(0), vec16(name)]))))
    }
    if (groups.length) {
      exts.push(extension(EXT.supportedGroups, vec16(list16(groups))))
      exts.push(extension(EXT.ecPointFormats, vec8(Buffer.from([0, 1, 2]))))
    }
    if (opts.version === 'TLSv1.2' || tls13) exts.push(extension(EXT.signatureAlgorithms, vec16(list16(SIGNATURE_ALGORITHMS))))
    exts.push(extension(EXT.sessionTicket, Buffer.alloc(0)))
    exts.push(extension(EXT.extendedMasterSecret, Buffer.alloc(0)))
    if (tls13) {
      exts.push(extension(EXT.supportedVersions, vec8(u16(VERSION_CODES['TLSv1.3']))))
      exts.push(extension(EXT.pskKeyExchangeModes, vec8(Buffer.from([1]))))
      const shares = opts.keyShares ?? (groups.includes(X25519) ? [{ group: X25519, key: x25519PublicKey() }] : [])
      exts.push(extension(EXT.keyShare, vec16(Buffer.concat(shares.map((s) => Buffer.concat([u16(s.group), vec16(s.key)]))))))
    } else {
      // renegotiation_info is not defined for TLS 1.3
      exts.push(extension(EXT.renegotiationInfo, Buffer.from([0])))
    }
  }

  const head = Buffer.concat([u16(legacyVersion), random, vec8(sessionId), vec16(list16(suites)), vec8(Buffer.from([0]))])
  let extBlock = Buffer.concat(exts)
  // Some servers (F5 and others) hang on hellos of 256–511 bytes; pad to 512 as OpenSSL does (RFC 7685).
  if (!ssl3) {
    const len = 4 + head.length + 2 + extBlock.length
    if (len >= 256 && len < 512) {
      const pad = Math.max(0, 512 - len - 4)
      extBlock = Buffer.concat([extBlock, extension(EXT.padding, Buffer.alloc(pad))])
    }
  }
  const body = ssl3 && extBlock.length === 0 ? head : Buffer.concat([head, vec16(extBlock)])
  const handshake = Buffer.concat([u8(1), u24(body.length), body])
  // record version 3.1 (3.0 for SSLv3): what mainstream clients send, so old servers do not balk
  return Buffer.concat([u8(22), u16(ssl3 ? 0x0300 : 0x0301), vec16(handshake)])
}

/** An SSLv2 CLIENT-HELLO offering 24-bit cipher specs. */
export function buildSslv2ClientHello(specs: readonly number[], challenge: Buffer = randomBytes(16)): Buffer {
  if (specs.length === 0) throw new Error('an SSLv2 hello needs at least one cipher spec')
  const specBytes = Buffer.concat(specs.map((c) => Buffer.from([(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff])))
  const body = Buffer.concat([u8(1), u16(0x0002), u16(specBytes.length), u16(0), u16(challenge.length), specBytes, challenge])
  if (body.length > 0x7fff) throw new Error('SSLv2 hello too long')
  return Buffer.concat([u16(0x8000 | body.length), body])
}

/** Splits a suite list into hello-sized chunks, keeping order. */
export function chunkSuites<T>(suites: readonly T[], size = MAX_SUITES_PER_HELLO): T[][] {
  const out: T[][] = []
  for (let i = 0; i < suites.length; i += size) out.push(suites.slice(i, i + size))
  return out
}
