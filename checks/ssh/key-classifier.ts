// Recognises SSH and PEM key files by their CONTENT and describes them: format, key type, size,
// fingerprint and — for private keys — how (and how well) they are protected. Pure: bytes in,
// descriptions out. The descriptions never contain key material or anything derived from the
// private half; only the public half's fingerprint.
//
// ssh2's parseKey cannot tell plain from encrypted PKCS#8 or read PuTTY v3, and node:crypto cannot
// read OpenSSH v1 or say why a key is encrypted, so the headers are read here directly.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { derInteger, oidString, parseDer, type DerNode } from '../../core/der.ts'
import type { KeyFormat, KeyProtection, KeyRecord } from './observation.ts'
import { parsePublicKeyBlob, publicBlobFromKeyObject, sshFingerprint, SshDataError, SshReader } from './wire/key-blob.ts'

type Found = Omit<KeyRecord, 'file'>

/**
 * A name read from the file (cipher, KDF, key type) as it may appear in a description: a word of
 * letters, digits and `._@-` (`aes256-ctr`, `chacha20-poly1305@openssh.com`, `1.2.840.113549.1.5.13`).
 * Anything else becomes `fallback`: empty, binary or long text comes from a damaged file — a
 * length field that ran into the bytes after it, a header line merged with the body — and may be
 * key material. Twenty letters and digits in a row are base64 of the body, not an algorithm name.
 */
function nameOr(s: string | undefined, fallback: string): string {
  return isName(s) ? s : fallback
}

function isName(s: string | undefined): s is string {
  return s !== undefined && /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(s) && !/[A-Za-z0-9]{20}/.test(s)
}

/** Every key the file holds (several for authorized_keys or PEM bundles); empty when it holds none. */
export function classifyKeyContent(content: Buffer): Found[] {
  // key files are text; a NUL in the first KiB means a binary file that cannot be one
  if (content.subarray(0, 1024).includes(0)) return []
  const text = content.toString('latin1')
  const found: Found[] = []
  for (const block of pemBlocks(text)) {
    const k = classifyPemBlock(block)
    if (k) found.push(k)
  }
  if (/^PuTTY-User-Key-File-[23]: /m.test(text)) {
    const k = classifyPutty(text)
    if (k) found.push(k)
  }
  for (const block of rfc4716Blocks(text)) {
    const k = classifyRfc4716(block)
    if (k) found.push(k)
  }
  found.push(...classifyPublicKeyLines(text))
  return found
}

interface PemBlock {
  label: string
  headers: Record<string, string>
  body: Buffer
}

/**
 * The label and body of every armored block: `<begin><label><suffix>` and a line break, then the
 * body up to the first `<end><label><suffix>`. This is the regex
 * /BEGIN (label)SUFFIX\r?\n([\s\S]*?)END \1SUFFIX/g, in linear time: the regex scans the rest of
 * the text again for every BEGIN line without an END (seconds for a 256 KiB file of BEGIN lines).
 * `label` is a sticky regex whose first group is the label, ending with the suffix.
 */
function* armoredBlocks(text: string, begin: string, end: string, label: RegExp): Generator<{ label: string; body: string }> {
  // every END line, by label, in order
  const ends = new Map<string, { at: number[]; next: number }>()
  for (let i = text.indexOf(end); i >= 0; i = text.indexOf(end, i + 1)) {
    label.lastIndex = i + end.length
    const m = label.exec(text)
    if (!m) continue
    const e = ends.get(m[1]!) ?? { at: [], next: 0 }
    e.at.push(i)
    ends.set(m[1]!, e)
  }
  for (let i = text.indexOf(begin); i >= 0; ) {
    label.lastIndex = i + begin.length
    const m = label.exec(text)
    const nl = m ? (text.startsWith('\r\n', label.lastIndex) ? 2 : text[label.lastIndex] === '\n' ? 1 : 0) : 0
    const e = m && nl ? ends.get(m[1]!) : undefined
    if (!m || !e) {
      i = text.indexOf(begin, i + 1)
      continue
    }
    const bodyStart = label.lastIndex + nl
    while (e.next < e.at.length && e.at[e.next]! < bodyStart) e.next++
    const stop = e.at[e.next]
    if (stop === undefined) {
      i = text.indexOf(begin, i + 1)
      continue
    }
    yield { label: m[1]!, body: text.slice(bodyStart, stop) }
    label.lastIndex = stop + end.length
    label.exec(text)
    i = text.indexOf(begin, label.lastIndex)
  }
}

function* pemBlocks(text: string): Generator<PemBlock> {
  for (const block of armoredBlocks(text, '-----BEGIN ', '-----END ', /([A-Z0-9 ]+)-----/y)) {
    const headers: Record<string, string> = {}
    const lines = block.body.split(/\r?\n/)
    let i = 0
    for (; i < lines.length && lines[i]!.includes(':'); i++) {
      const [k, ...v] = lines[i]!.split(':')
      headers[k!.trim().toLowerCase()] = v.join(':').trim()
    }
    yield { label: block.label, headers, body: Buffer.from(lines.slice(i).join(''), 'base64') }
  }
}

const PEM_TYPE: Record<string, { format: KeyFormat; type: string }> = {
  'RSA PRIVATE KEY': { format: 'pem-pkcs1', type: 'rsa' },
  'EC PRIVATE KEY': { format: 'pem-sec1', type: 'ecdsa' },
  'DSA PRIVATE KEY': { format: 'pem-dsa', type: 'dsa' },
}

function classifyPemBlock(b: PemBlock): Found | undefined {
  if (b.label === 'OPENSSH PRIVATE KEY') return classifyOpensshV1(b.body)
  if (b.label === 'ENCRYPTED PRIVATE KEY') return classifyEncryptedPkcs8(b.body)
  if (b.label === 'PRIVATE KEY') return fromKeyObject(tryKey(() => createPrivateKey({ key: b.body, format: 'der', type: 'pkcs8' })), 'private', 'pkcs8', { encrypted: false, weaknesses: [] })
  if (b.label === 'PUBLIC KEY') return fromKeyObject(tryKey(() => createPublicKey({ key: b.body, format: 'der', type: 'spki' })), 'public', 'pem-spki-public')
  if (b.label === 'RSA PUBLIC KEY') return fromKeyObject(tryKey(() => createPublicKey({ key: b.body, format: 'der', type: 'pkcs1' })), 'public', 'pem-pkcs1-public')
  if (b.label === 'SSH2 ENCRYPTED PRIVATE KEY') return undefined // handled by the RFC 4716-style reader
  const legacy = PEM_TYPE[b.label]
  if (!legacy) return undefined
  if (/ENCRYPTED/i.test(b.headers['proc-type'] ?? '')) {
    // RFC 1421 encryption: the key is derived with OpenSSL's EVP_BytesToKey — one MD5 pass over
    // passphrase + salt, no work factor — so a weak passphrase falls to brute force quickly.
    // `DEK-Info: AES-128-CBC,<IV in hex>` (RFC 1421 §4.6.1.3)
    const cipher = nameOr(/^([A-Za-z0-9-]+),[0-9A-Fa-f]+$/.exec(b.headers['dek-info'] ?? '')?.[1], 'unknown')
    return {
      kind: 'private',
      format: legacy.format,
      type: legacy.type,
      ...estimateLegacySize(legacy.type, b.body.length),
      protection: { encrypted: true, cipher, kdf: 'EVP_BytesToKey-MD5', rounds: 1, weaknesses: ['PEM encryption derives the key with a single MD5 pass (no work factor)'] },
    }
  }
  const type = legacy.format === 'pem-pkcs1' ? 'pkcs1' : legacy.format === 'pem-sec1' ? 'sec1' : undefined
  const key = tryKey(() => (type ? createPrivateKey({ key: b.body, format: 'der', type }) : createPrivateKey(`-----BEGIN ${b.label}-----\n${b.body.toString('base64')}\n-----END ${b.label}-----\n`)))
  return fromKeyObject(key, 'private', legacy.format, { encrypted: false, weaknesses: [] }) ?? { kind: 'private', format: legacy.format, type: legacy.type, protection: { encrypted: false, weaknesses: [] } }
}

function tryKey(f: () => KeyObject): KeyObject | undefined {
  try {
    return f()
  } catch {
    return undefined
  }
}

function fromKeyObject(key: KeyObject | undefined, kind: 'private' | 'public', format: KeyFormat, protection?: KeyProtection): Found | undefined {
  if (!key) return undefined
  const d = key.asymmetricKeyDetails ?? {}
  const t = key.asymmetricKeyType ?? 'unknown'
  const type = t === 'ec' ? 'ecdsa' : t === 'rsa-pss' ? 'rsa' : t
  const curve = d.namedCurve
  const bits = t === 'rsa' || t === 'rsa-pss' || t === 'dsa' ? d.modulusLength : t === 'ed25519' ? 256 : t === 'ed448' ? 456 : curve ? EC_BITS[curve] : undefined
  const blob = tryBlob(key)
  return {
    kind,
    format,
    type,
    ...(bits !== undefined ? { bits, sizeSource: 'measured' as const } : {}),
    ...(curve ? { curve } : {}),
    ...(blob ? { fingerprint: sshFingerprint(blob) } : {}),
    ...(protection ? { protection } : {}),
  }
}

function tryBlob(key: KeyObject): Buffer | undefined {
  try {
    return publicBlobFromKeyObject(key)
  } catch {
    return undefined
  }
}

const EC_BITS: Record<string, number> = { prime256v1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384, secp521r1: 521, 'P-521': 521, secp256k1: 256, secp224r1: 224, prime192v1: 192 }

// Sizes of keys that cannot be read without the passphrase, from the encrypted blob's length.
// PKCS#1 RSA holds n, d (k/8 bytes each) and p, q, dp, dq, qinv (k/16 each): ≈ 9k/16 + ~40 bytes.
// SEC1 EC keys are ~121 (P-256), ~167 (P-384), ~223 (P-521) bytes. Rounded to common sizes; the
// record says `estimated` so nobody mistakes it for a measurement.
function roundRsaBits(bits: number): number {
  return Math.max(512, Math.round(bits / 512) * 512)
}

function estimateLegacySize(type: string, cipherLen: number): Pick<Found, 'bits' | 'curve' | 'sizeSource'> {
  if (type === 'rsa') return { bits: roundRsaBits(((cipherLen - 40) * 16) / 9), sizeSource: 'estimated' }
  if (type === 'ecdsa') {
    const [curve, bits] = cipherLen <= 144 ? ['nistp256', 256] : cipherLen <= 192 ? ['nistp384', 384] : ['nistp521', 521]
    return { bits: bits as number, curve: curve as string, sizeSource: 'estimated' }
  }
  return {}
}

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  scrypt: '1.3.6.1.4.1.11591.4.11',
} as const
const PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'hmacWithSHA1',
  '1.2.840.113549.2.8': 'hmacWithSHA224',
  '1.2.840.113549.2.9': 'hmacWithSHA256',
  '1.2.840.113549.2.10': 'hmacWithSHA384',
  '1.2.840.113549.2.11': 'hmacWithSHA512',
}
const ENC: Record<string, string> = {
  '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
  '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
  '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
  '1.2.840.113549.3.7': 'des-ede3-cbc',
  '1.3.14.3.2.7': 'des-cbc',
  '1.2.840.113549.3.2': 'rc2-cbc',
}
const PBES1: Record<string, string> = {
  '1.2.840.113549.1.5.1': 'pbeWithMD2AndDES-CBC',
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC',
  '1.2.840.113549.1.5.6': 'pbeWithMD5AndRC2-CBC',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC',
  '1.2.840.113549.1.12.1.3': 'pbeWithSHAAnd3-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.6': 'pbeWithSHAAnd40BitRC2-CBC',
}

function classifyEncryptedPkcs8(der: Buffer): Found {
  const protection: KeyProtection = { encrypted: true, weaknesses: [] }
  let cipherLen = der.length
  try {
    const root = parseDer(der)
    const [algId, data] = root.children ?? []
    cipherLen = data?.value.length ?? der.length
    const alg = oidString(algId?.children?.[0])
    if (alg === OID.pbes2) {
      const [kdf, enc] = algId!.children![1]?.children ?? []
      const kdfOid = oidString(kdf?.children?.[0])
      const encOid = oidString(enc?.children?.[0])
      protection.cipher = (encOid && ENC[encOid]) ?? encOid
      if (kdfOid === OID.pbkdf2) {
        const p: DerNode[] = kdf!.children![1]?.children ?? []
        protection.rounds = derInteger(p[1])
        const prfNode = p.find((n) => n.tag === 0x30)
        const prf = prfNode ? (PRF[oidString(prfNode.children?.[0]) ?? ''] ?? 'unknown') : 'hmacWithSHA1'
        protection.kdf = `PBKDF2-${prf}`
      } else if (kdfOid === OID.scrypt) {
        protection.kdf = 'scrypt'
        protection.rounds = derInteger(kdf!.children![1]?.children?.[1])
      } else protection.kdf = kdfOid
      if (protection.cipher && /^(des|rc2)/.test(protection.cipher)) protection.weaknesses.push(`PKCS#8 key encrypted with legacy cipher ${protection.cipher}`)
    } else if (alg && PBES1[alg]) {
      protection.kdf = PBES1[alg]
      protection.weaknesses.push(`PKCS#8 key uses legacy PBES1 (${PBES1[alg]}): single-DES/RC2-era encryption`)
    } else protection.kdf = alg
  } catch {
    protection.weaknesses.push('encryption parameters could not be parsed')
  }
  // an OID read from damaged DER can be as long as the bytes it was read from
  if (protection.cipher !== undefined) protection.cipher = nameOr(protection.cipher, 'unknown')
  if (protection.kdf !== undefined) protection.kdf = nameOr(protection.kdf, 'unknown')
  return { kind: 'private', format: 'pkcs8-encrypted', ...estimatePkcs8(cipherLen), protection }
}

// Encrypted PKCS#8 hides even the key's algorithm. Its length still separates Edwards keys
// (48–83 bytes), EC keys (≈138/185/241 bytes with the public point) and RSA/DSA (hundreds+);
// DSA is weak at every size, so calling a DSA key "rsa-or-dsa" with a small estimated size
// still reaches the right strength decision.
function estimatePkcs8(cipherLen: number): Pick<Found, 'type' | 'bits' | 'curve' | 'sizeSource'> {
  if (cipherLen <= 96) return { type: 'eddsa', bits: 256, sizeSource: 'estimated' }
  if (cipherLen <= 300) {
    const [curve, bits] = cipherLen <= 160 ? ['nistp256', 256] : cipherLen <= 208 ? ['nistp384', 384] : ['nistp521', 521]
    return { type: 'ecdsa', curve: curve as string, bits: bits as number, sizeSource: 'estimated' }
  }
  return { type: 'rsa-or-dsa', bits: roundRsaBits(((cipherLen - 66) * 16) / 9), sizeSource: 'estimated' }
}

const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1')

function classifyOpensshV1(body: Buffer): Found | undefined {
  if (!body.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) return undefined
  try {
    const r = new SshReader(body.subarray(OPENSSH_MAGIC.length))
    const cipher = r.string()
    const kdf = r.string()
    // both are names (`none`, `aes256-ctr`, `bcrypt`); anything else means a damaged length field
    if (!isName(cipher) || !isName(kdf)) throw new SshDataError('cipher or KDF name is not a name')
    const kdfOptions = r.bytes()
    const nkeys = r.uint32()
    const pub = nkeys >= 1 ? parsePublicKeyBlob(r.bytes()) : undefined
    const encrypted = cipher !== 'none'
    let rounds: number | undefined
    if (kdf === 'bcrypt' && kdfOptions.length) {
      const o = new SshReader(kdfOptions)
      o.bytes() // salt
      rounds = o.uint32()
    }
    return {
      kind: 'private',
      format: 'openssh-v1',
      type: pub?.type ?? 'unknown',
      ...(pub?.bits !== undefined ? { bits: pub.bits, sizeSource: 'measured' as const } : {}),
      ...(pub?.curve ? { curve: pub.curve } : {}),
      ...(pub ? { fingerprint: pub.fingerprint } : {}),
      protection: encrypted ? { encrypted, cipher, kdf, ...(rounds !== undefined ? { rounds } : {}), weaknesses: [] } : { encrypted, weaknesses: [] },
    }
  } catch {
    return { kind: 'private', format: 'openssh-v1', type: 'unknown', protection: { encrypted: false, weaknesses: ['file is damaged: its header could not be parsed'] } }
  }
}

function classifyPutty(text: string): Found | undefined {
  const header = /^PuTTY-User-Key-File-([23]): (\S+)/m.exec(text)
  if (!header) return undefined
  const field = (name: string) => new RegExp(`^${name}: *(.*?)\\r?$`, 'm').exec(text)?.[1]
  const version = header[1]
  const encryption = nameOr(field('Encryption'), 'unknown')
  const publicLines = Number(field('Public-Lines') ?? '0')
  const lines = text.split(/\r?\n/)
  const at = lines.findIndex((l) => l.startsWith('Public-Lines:'))
  let pub: ReturnType<typeof parsePublicKeyBlob> | undefined
  try {
    if (at >= 0 && publicLines > 0 && publicLines < 64) pub = parsePublicKeyBlob(Buffer.from(lines.slice(at + 1, at + 1 + publicLines).join(''), 'base64'))
  } catch {
    pub = undefined
  }
  const encrypted = encryption !== 'none'
  const protection: KeyProtection = { encrypted, weaknesses: [] }
  if (encrypted) {
    protection.cipher = encryption
    if (version === '2') {
      // PPK v2 turns the passphrase into the key with two plain SHA-1 hashes: no salt, no work factor
      protection.kdf = 'SHA-1'
      protection.rounds = 1
      protection.weaknesses.push('PPK v2 derives the key from the passphrase with unsalted SHA-1 (no work factor)')
    } else {
      protection.kdf = nameOr(field('Key-Derivation') ?? 'Argon2', 'unknown')
      const passes = Number(field('Argon2-Passes'))
      if (Number.isFinite(passes)) protection.rounds = passes
    }
  }
  return {
    kind: 'private',
    format: version === '2' ? 'putty-v2' : 'putty-v3',
    type: pub?.type ?? nameOr(header[2], 'unknown'),
    ...(pub?.bits !== undefined ? { bits: pub.bits, sizeSource: 'measured' as const } : {}),
    ...(pub?.curve ? { curve: pub.curve } : {}),
    ...(pub ? { fingerprint: pub.fingerprint } : {}),
    protection,
  }
}

interface Rfc4716Block {
  label: string
  body: Buffer
}

function* rfc4716Blocks(text: string): Generator<Rfc4716Block> {
  for (const block of armoredBlocks(text, '---- BEGIN SSH2 ', '---- END SSH2 ', /([A-Z ]+) ----/y)) {
    const lines = block.body.split(/\r?\n/)
    const body: string[] = []
    let continued = false
    for (const l of lines) {
      // header lines are `Tag: value`, continued with a trailing backslash
      if (continued || /^[A-Za-z-]+:/.test(l)) {
        continued = l.endsWith('\\')
        continue
      }
      body.push(l.trim())
    }
    yield { label: block.label, body: Buffer.from(body.join(''), 'base64') }
  }
}

const SSHCOM_MAGIC = 0x3f6ff9eb

function classifyRfc4716(b: Rfc4716Block): Found | undefined {
  if (b.label === 'PUBLIC KEY') {
    try {
      const pub = parsePublicKeyBlob(b.body)
      return { kind: 'public', format: 'rfc4716-public', type: pub.type, ...(pub.bits ? { bits: pub.bits, sizeSource: 'measured' as const } : {}), ...(pub.curve ? { curve: pub.curve } : {}), fingerprint: pub.fingerprint }
    } catch {
      return undefined
    }
  }
  if (b.label !== 'ENCRYPTED PRIVATE KEY') return undefined
  // ssh.com / Tectia private key: magic, length, key type, cipher, then the (maybe encrypted) key
  try {
    const r = new SshReader(b.body)
    if (r.uint32() !== SSHCOM_MAGIC) return undefined
    r.uint32()
    const keyType = r.string()
    const cipher = r.string()
    if (!isName(cipher)) return undefined // a damaged length field, not a cipher name
    const data = r.bytes()
    const type = keyType.startsWith('if-modn') ? 'rsa' : keyType.startsWith('dl-modp') ? 'dsa' : 'unknown'
    const encrypted = cipher !== 'none'
    let size: Pick<Found, 'bits' | 'sizeSource'> = {}
    if (!encrypted && type === 'rsa') {
      // ssh.com mpints are uint32 bit-count + bytes; the order is e, d, n
      const d = new SshReader(data)
      d.uint32()
      const bitsOf = () => {
        const bits = d.uint32()
        d.raw(Math.ceil(bits / 8))
        return bits
      }
      bitsOf()
      bitsOf()
      size = { bits: bitsOf(), sizeSource: 'measured' }
    } else if (type === 'rsa') size = { bits: roundRsaBits(((data.length - 30) * 16) / 7), sizeSource: 'estimated' }
    return {
      kind: 'private',
      format: 'sshcom',
      type,
      ...size,
      protection: encrypted
        ? { encrypted, cipher, kdf: 'MD5', rounds: 1, weaknesses: ['ssh.com format derives the key with MD5 (no salt, no work factor)'] }
        : { encrypted, weaknesses: [] },
    }
  } catch {
    return undefined
  }
}

const AUTHORIZED_KEYS_OPTIONS = new Set([
  'agent-forwarding', 'cert-authority', 'command', 'environment', 'expiry-time', 'from', 'no-agent-forwarding',
  'no-port-forwarding', 'no-pty', 'no-user-rc', 'no-x11-forwarding', 'permitlisten', 'permitopen', 'port-forwarding',
  'principals', 'pty', 'no-touch-required', 'restrict', 'tunnel', 'user-rc', 'verify-required', 'x11-forwarding',
])

function splitOptions(s: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (const ch of s) {
    if (ch === '"') quoted = !quoted
    if (ch === ',' && !quoted) {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out
}

function tokenize(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (const ch of line) {
    if (ch === '"') quoted = !quoted
    if (/\s/.test(ch) && !quoted) {
      if (cur) out.push(cur)
      cur = ''
    } else cur += ch
  }
  if (cur) out.push(cur)
  return out
}

const KEY_TYPE_TOKEN = /^(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)(-cert-v01@openssh\.com)?$/

/** OpenSSH one-line public keys and authorized_keys entries; known_hosts lines are someone else's keys and skipped. */
function classifyPublicKeyLines(text: string): Found[] {
  const entries: { line: number; info: ReturnType<typeof parsePublicKeyBlob>; withOptions: boolean }[] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.length > 16_384) return
    const tokens = tokenize(line)
    const at = tokens.findIndex((t) => KEY_TYPE_TOKEN.test(t))
    if (at < 0 || at > 1 || !tokens[at + 1]) return
    if (at === 1) {
      const opts = splitOptions(tokens[0]!)
      const areOptions = opts.every((o) => AUTHORIZED_KEYS_OPTIONS.has(o.split('=')[0]!.toLowerCase()))
      if (!areOptions) return // host patterns or @cert-authority markers: a known_hosts line
    }
    try {
      const blob = Buffer.from(tokens[at + 1]!, 'base64')
      const info = parsePublicKeyBlob(blob)
      if (info.blobType !== tokens[at]) return
      entries.push({ line: i + 1, info, withOptions: at === 1 })
    } catch {
      // a line that names a key type but holds no valid blob is not a key
    }
  })
  const format: KeyFormat = entries.length > 1 || entries.some((e) => e.withOptions) ? 'authorized-keys' : 'openssh-public'
  return entries.map(({ line, info }) => ({
    line,
    kind: 'public' as const,
    format,
    type: info.type,
    ...(info.bits !== undefined ? { bits: info.bits, sizeSource: 'measured' as const } : {}),
    ...(info.curve ? { curve: info.curve } : {}),
    fingerprint: info.fingerprint,
  }))
}
