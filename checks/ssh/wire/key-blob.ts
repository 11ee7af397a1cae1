// SSH public key blobs (RFC 4253 §6.6, RFC 5656, RFC 8709): the type, size and fingerprint of a
// key from its public half. Used for host keys, public key files, authorized_keys entries and the
// public section that OpenSSH v1 and PuTTY private key files carry in the clear.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto'

export interface PublicKeyInfo {
  /** blob type string, e.g. `ssh-rsa`, `ecdsa-sha2-nistp256`, `ssh-ed25519`, `sk-ssh-ed25519@openssh.com` */
  blobType: string
  /** family: rsa, dsa, ecdsa, ed25519, ed448, ecdsa-sk, ed25519-sk, or the blob type when unknown */
  type: string
  bits?: number
  curve?: string
  fingerprint: string
}

/** `SHA256:` + unpadded base64 of the blob's SHA-256, as `ssh-keygen -lf` prints it. */
export function sshFingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
}

/** Bytes that are not the SSH structure they should be: the only error this module's readers throw. */
export class SshDataError extends Error {
  override name = 'SshDataError'
}

/** Reads SSH wire strings (uint32 length + bytes) from a buffer, refusing to run past its end. */
export class SshReader {
  private off = 0
  private readonly buf: Buffer
  constructor(buf: Buffer) {
    this.buf = buf
  }
  get offset(): number {
    return this.off
  }
  get remaining(): number {
    return this.buf.length - this.off
  }
  uint32(): number {
    if (this.off + 4 > this.buf.length) throw new SshDataError('truncated SSH data')
    const v = this.buf.readUInt32BE(this.off)
    this.off += 4
    return v
  }
  bytes(): Buffer {
    const n = this.uint32()
    if (this.off + n > this.buf.length) throw new SshDataError('truncated SSH string')
    const b = this.buf.subarray(this.off, this.off + n)
    this.off += n
    return b
  }
  string(): string {
    return this.bytes().toString('latin1')
  }
  raw(n: number): Buffer {
    if (this.off + n > this.buf.length) throw new SshDataError('truncated SSH data')
    const b = this.buf.subarray(this.off, this.off + n)
    this.off += n
    return b
  }
}

/** Bit length of an SSH mpint (big-endian, possibly with a leading zero byte). */
export function mpintBits(m: Buffer): number {
  let i = 0
  while (i < m.length && m[i] === 0) i++
  if (i === m.length) return 0
  return (m.length - i - 1) * 8 + (32 - Math.clz32(m[i]!))
}

const CURVE_BITS: Record<string, number> = { nistp256: 256, nistp384: 384, nistp521: 521 }

/** RFC 4251 §6: algorithm and curve names are printable US-ASCII without whitespace or comma, at most 64 characters. */
export function isSshName(s: string): boolean {
  return /^[\x21-\x2b\x2d-\x7e]{1,64}$/.test(s)
}

/**
 * Parses a public key blob. Throws SshDataError on a blob that is not one, including a key type
 * or curve that is not an SSH name: those strings end up in reports, and in a damaged private key
 * file a wrong length would otherwise pull the bytes after it (key material) into them.
 */
export function parsePublicKeyBlob(blob: Buffer): PublicKeyInfo {
  const r = new SshReader(blob)
  const blobType = r.string()
  if (!isSshName(blobType)) throw new SshDataError('the key type of the blob is not an SSH algorithm name')
  const fingerprint = sshFingerprint(blob)
  // certificates carry a nonce before the key fields; the size is the embedded key's
  const cert = blobType.endsWith('-cert-v01@openssh.com')
  if (cert) r.bytes()
  const base = cert ? blobType.replace('-cert-v01@openssh.com', '') : blobType
  if (base === 'ssh-rsa') {
    r.bytes() // e
    return { blobType, type: 'rsa', bits: mpintBits(r.bytes()), fingerprint }
  }
  if (base === 'ssh-dss') return { blobType, type: 'dsa', bits: mpintBits(r.bytes()), fingerprint }
  if (base === 'ssh-ed25519') return { blobType, type: 'ed25519', bits: 256, fingerprint }
  if (base === 'ssh-ed448') return { blobType, type: 'ed448', bits: 456, fingerprint }
  if (base === 'sk-ssh-ed25519@openssh.com') return { blobType, type: 'ed25519-sk', bits: 256, fingerprint }
  const ec = /^(sk-)?ecdsa-sha2-([a-z0-9]+)(@openssh\.com)?$/.exec(base)
  if (ec) {
    const curve = r.string()
    if (!isSshName(curve)) throw new SshDataError('the curve of the blob is not an SSH name')
    return { blobType, type: ec[1] ? 'ecdsa-sk' : 'ecdsa', curve, bits: CURVE_BITS[curve], fingerprint }
  }
  return { blobType, type: blobType, fingerprint }
}

/** `ssh-rsa` blob from an RSA key's JWK modulus and exponent, etc.: the SSH public blob of any node KeyObject. */
export function publicBlobFromKeyObject(key: KeyObject): Buffer | undefined {
  const pub = key.type === 'private' ? createPublicKey(key) : key
  const str = (b: Buffer | string) => {
    const v = typeof b === 'string' ? Buffer.from(b) : b
    const len = Buffer.alloc(4)
    len.writeUInt32BE(v.length)
    return Buffer.concat([len, v])
  }
  const mpint = (b64url: string) => {
    let v = Buffer.from(b64url, 'base64url')
    if (v.length && v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v])
    return str(v)
  }
  const jwk = pub.export({ format: 'jwk' })
  switch (pub.asymmetricKeyType) {
    case 'rsa':
      return Buffer.concat([str('ssh-rsa'), mpint(jwk.e!), mpint(jwk.n!)])
    case 'ed25519':
      return Buffer.concat([str('ssh-ed25519'), str(Buffer.from(jwk.x!, 'base64url'))])
    case 'ec': {
      const curve = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' }[jwk.crv ?? '']
      if (!curve) return undefined
      const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')])
      return Buffer.concat([str(`ecdsa-sha2-${curve}`), str(curve), str(point)])
    }
    default:
      // DSA has no JWK form in node; callers measure it from asymmetricKeyDetails instead
      return undefined
  }
}
