// Hand-built ClientHellos, so the probe can ask about any protocol version, suite or group whatever
// Node's own OpenSSL still negotiates. A hello is never followed up: the probe reads the server's
// first flight and closes, so key shares need not be usable for a full handshake.
import { generateKeyPairSync, randomFillSync } from 'node:crypto'
import { isIP } from 'node:net'
import type { TlsVersion } from '../observation.ts'

/**
 * Whether a name is an IP address (no SNI for those, RFC 6066). node's isIP runs its IPv6 pattern,
 * slow to fail, on every name that is not IPv4: a name with no colon that is not all digits and dots
 * is neither, which is every DNS name a fleet probe sends (~17 hellos per endpoint).
 */
function maybeIp(name: string): boolean {
  return (name.includes(':') || /^[\d.]+$/.test(name)) && isIP(name) !== 0
}

/** Most suites one hello carries; larger hellos break some servers (testssl.sh uses the same bound). */
export const MAX_SUITES_PER_HELLO = 128

export const VERSION_CODES: Record<Exclude<TlsVersion, 'SSLv2'>, number> = {
  SSLv3: 0x0300,
  'TLSv1.0': 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
}

const VERSION_BY_CODE = new Map<number, TlsVersion>([[0x0002, 'SSLv2'], ...(Object.entries(VERSION_CODES) as [TlsVersion, number][]).map(([v, c]) => [c, v] as const)])

export function versionFromCode(code: number): TlsVersion | undefined {
  return VERSION_BY_CODE.get(code)
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

/**
 * Random bytes for hello randoms, TLS 1.3 session ids and SSLv2 challenges, drawn from one pool
 * refilled 4 KiB at a time: a randomBytes call per field (~25 per endpoint) was two fifths of the
 * cost of building a hello. Nothing secret rides on them (a raw hello never completes a handshake),
 * but they stay random.
 */
const randomPool = Buffer.alloc(4096)
let randomPoolUsed = randomPool.length
function copyRandom(target: Buffer, at: number, n: number): void {
  if (randomPoolUsed + n > randomPool.length) {
    randomFillSync(randomPool)
    randomPoolUsed = 0
  }
  randomPool.copy(target, at, randomPoolUsed, randomPoolUsed + n)
  randomPoolUsed += n
}

/** Writes a message of a size known in advance into one buffer, front to back. */
class ByteWriter {
  readonly buf: Buffer
  private pos = 0
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size)
  }
  u8(n: number): void {
    this.pos = this.buf.writeUInt8(n & 0xff, this.pos)
  }
  u16(n: number): void {
    this.pos = this.buf.writeUInt16BE(n, this.pos)
  }
  u24(n: number): void {
    this.pos = this.buf.writeUIntBE(n, this.pos, 3)
  }
  bytes(b: Buffer): void {
    this.pos += b.copy(this.buf, this.pos)
  }
  ascii(s: string): void {
    this.pos += this.buf.write(s, this.pos, 'ascii')
  }
  zeros(n: number): void {
    this.buf.fill(0, this.pos, this.pos + n)
    this.pos += n
  }
  /** `given` (which must be `n` bytes long), or `n` fresh random bytes */
  random(n: number, given?: Buffer): void {
    if (given) {
      if (given.length !== n) throw new Error(`expected ${n} bytes, got ${given.length}`)
      this.bytes(given)
    } else {
      copyRandom(this.buf, this.pos, n)
      this.pos += n
    }
  }
  done(): Buffer {
    if (this.pos !== this.buf.length) throw new Error(`internal: wrote ${this.pos} of ${this.buf.length} bytes`)
    return this.buf
  }
}

/**
 * The extensions that follow server_name, encoded once per (version, groups, key shares): they are
 * the same for every endpoint, and the probe sends each combination to every endpoint it scans.
 * Bounded: a long-running process could meet many group lists (the groups probe narrows them).
 */
const commonExtensionBlocks = new Map<string, Buffer>()
function commonExtensions(version: ClientHelloOptions['version'], groups: readonly number[], keyShares: readonly KeyShare[] | undefined): Buffer {
  const key = `${version}/${groups.join(',')}/${keyShares?.map((s) => `${s.group}:${s.key.toString('hex')}`).join(',') ?? 'default'}`
  let block = commonExtensionBlocks.get(key)
  if (block) return block
  const tls13 = version === 'TLSv1.3'
  const exts: Buffer[] = []
  if (groups.length) {
    exts.push(extension(EXT.supportedGroups, vec16(list16(groups))))
    exts.push(extension(EXT.ecPointFormats, vec8(Buffer.from([0, 1, 2]))))
  }
  if (version === 'TLSv1.2' || tls13) exts.push(extension(EXT.signatureAlgorithms, vec16(list16(SIGNATURE_ALGORITHMS))))
  exts.push(extension(EXT.sessionTicket, Buffer.alloc(0)))
  exts.push(extension(EXT.extendedMasterSecret, Buffer.alloc(0)))
  if (tls13) {
    exts.push(extension(EXT.supportedVersions, vec8(u16(VERSION_CODES['TLSv1.3']))))
    exts.push(extension(EXT.pskKeyExchangeModes, vec8(Buffer.from([1]))))
    const shares = keyShares ?? (groups.includes(X25519) ? [{ group: X25519, key: x25519PublicKey() }] : [])
    exts.push(extension(EXT.keyShare, vec16(Buffer.concat(shares.map((s) => Buffer.concat([u16(s.group), vec16(s.key)]))))))
  } else {
    // renegotiation_info is not defined for TLS 1.3
    exts.push(extension(EXT.renegotiationInfo, Buffer.from([0])))
  }
  block = Buffer.concat(exts)
  if (commonExtensionBlocks.size >= 256) commonExtensionBlocks.clear()
  commonExtensionBlocks.set(key, block)
  return block
}

/** The TLS record(s) of a ClientHello for SSLv3 … TLS 1.3. */
export function buildClientHello(opts: ClientHelloOptions): Buffer {
  if (opts.suites.length === 0) throw new Error('a ClientHello needs at least one suite')
  if (opts.suites.length > MAX_SUITES_PER_HELLO) throw new Error(`at most ${MAX_SUITES_PER_HELLO} suites per hello`)
  const tls13 = opts.version === 'TLSv1.3'
  const ssl3 = opts.version === 'SSLv3'
  const legacyVersion = tls13 ? VERSION_CODES['TLSv1.2'] : VERSION_CODES[opts.version]
  // TLS 1.3 middlebox compatibility mode: a non-empty legacy session id
  const sessionIdLength = opts.sessionId?.length ?? (tls13 ? 32 : 0)
  // SSLv3 has no extensions; the SCSV stands in for renegotiation_info there
  const suiteCount = opts.suites.length + (ssl3 ? 1 : 0)
  const serverName = !ssl3 && opts.serverName && !maybeIp(opts.serverName) ? opts.serverName : undefined
  const common = ssl3 ? undefined : commonExtensions(opts.version, opts.groups ?? [], opts.keyShares)

  // version, random, session id, suites, compression methods (one: null)
  const headLength = 2 + 32 + 1 + sessionIdLength + 2 + 2 * suiteCount + 2
  // server_name: type, length, list length, name type, name length, name (ASCII: one byte a character)
  const sniLength = serverName ? 9 + serverName.length : 0
  let extensionsLength = common ? sniLength + common.length : 0
  // Some servers (F5 and others) hang on hellos of 256–511 bytes; pad to 512 as OpenSSL does (RFC 7685).
  let padding: number | undefined
  if (common) {
    const len = 4 + headLength + 2 + extensionsLength
    if (len >= 256 && len < 512) {
      padding = Math.max(0, 512 - len - 4)
      extensionsLength += 4 + padding
    }
  }
  const bodyLength = headLength + (common ? 2 + extensionsLength : 0)

  const w = new ByteWriter(5 + 4 + bodyLength)
  // record version 3.1 (3.0 for SSLv3): what mainstream clients send, so old servers do not balk
  w.u8(22)
  w.u16(ssl3 ? 0x0300 : 0x0301)
  w.u16(4 + bodyLength)
  w.u8(1) // client_hello
  w.u24(bodyLength)
  w.u16(legacyVersion)
  w.random(32, opts.random)
  w.u8(sessionIdLength)
  w.random(sessionIdLength, opts.sessionId)
  w.u16(2 * suiteCount)
  // indexed: this loop runs for up to 128 suites of every hello
  for (let i = 0; i < opts.suites.length; i++) w.u16(opts.suites[i]!)
  if (ssl3) w.u16(EMPTY_RENEGOTIATION_INFO_SCSV)
  w.u8(1)
  w.u8(0)
  if (common) {
    w.u16(extensionsLength)
    if (serverName) {
      w.u16(EXT.serverName)
      w.u16(5 + serverName.length)
      w.u16(3 + serverName.length)
      w.u8(0) // host_name
      w.u16(serverName.length)
      w.ascii(serverName)
    }
    w.bytes(common)
    if (padding !== undefined) {
      w.u16(EXT.padding)
      w.u16(padding)
      w.zeros(padding)
    }
  }
  return w.done()
}

/** An SSLv2 CLIENT-HELLO offering 24-bit cipher specs (`challenge`: 16 random bytes unless given). */
export function buildSslv2ClientHello(specs: readonly number[], challenge?: Buffer): Buffer {
  if (specs.length === 0) throw new Error('an SSLv2 hello needs at least one cipher spec')
  const challengeLength = challenge?.length ?? 16
  const bodyLength = 9 + 3 * specs.length + challengeLength
  if (bodyLength > 0x7fff) throw new Error('SSLv2 hello too long')
  const w = new ByteWriter(2 + bodyLength)
  w.u16(0x8000 | bodyLength)
  w.u8(1) // CLIENT-HELLO
  w.u16(0x0002)
  w.u16(3 * specs.length)
  w.u16(0) // session id length
  w.u16(challengeLength)
  for (const c of specs) w.u24(c)
  w.random(challengeLength, challenge)
  return w.done()
}

/** Splits a suite list into hello-sized chunks, keeping order. */
export function chunkSuites<T>(suites: readonly T[], size = MAX_SUITES_PER_HELLO): T[][] {
  const out: T[][] = []
  for (let i = 0; i < suites.length; i += size) out.push(suites.slice(i, i + size))
  return out
}
