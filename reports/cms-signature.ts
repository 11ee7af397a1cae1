// Detached CMS (PKCS#7) signatures over the evidence manifest. Signing uses node-forge (the chosen
// library; it signs with RSA keys only). Verification is Vigil's own, on node:crypto, because
// forge does not verify PKCS#7: it parses the SignedData with forge's ASN.1 reader, checks the
// message digest, the RSA signature over the signed attributes, and the signer's path to a trust
// anchor the auditor supplies, with the same rules `openssl cms -verify` applies by default.
import { X509Certificate, createHash, createPrivateKey, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import forge from 'node-forge'
import { ConfigError } from '../core/config-file.ts'
import { splitPems } from '../checks/tls/certificate.ts'

export interface SigningConfig {
  keyFile: string
  /** PEM: the signer's certificate first, then any intermediates to embed */
  certFile: string
  /** name of the environment variable that holds the key's passphrase (when the key is encrypted) */
  passphraseEnv: string
}

export interface Signer {
  /** forge form of the key; held in memory only */
  key: forge.pki.rsa.PrivateKey
  certificates: forge.pki.Certificate[]
  /** the signer certificate, for messages */
  subject: string
  fingerprint256: string
  notAfter: Date
  /** set when `openssl cms -verify` would refuse the certificate's purpose without `-purpose any` */
  purposeWarning?: string
}

const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4'
const ANY_EKU = '2.5.29.37.0'

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    throw new ConfigError(`${file}: cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? String(e)})`)
  }
}

/** Loads and checks the signing key and certificate; every problem is one ConfigError naming the file. */
export function loadSigner(cfg: SigningConfig, now = new Date()): Signer {
  const keyPem = read(cfg.keyFile, 'signing key')
  const passphrase = process.env[cfg.passphraseEnv]
  let key: KeyObject
  try {
    key = createPrivateKey({ key: keyPem, ...(passphrase !== undefined ? { passphrase } : {}) })
  } catch (e) {
    const msg = (e as Error).message
    const hint = /passphrase|decrypt|bad decrypt/i.test(msg) || /ENCRYPTED/.test(keyPem)
      ? passphrase === undefined
        ? `the key is encrypted: put its passphrase in the environment variable ${cfg.passphraseEnv}`
        : `the passphrase in ${cfg.passphraseEnv} does not decrypt it`
      : 'expected a PEM private key (PKCS#8 or PKCS#1)'
    throw new ConfigError(`${cfg.keyFile}: cannot read the signing key: ${hint}`)
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new ConfigError(`${cfg.keyFile}: the signing key is ${key.asymmetricKeyType}; evidence bundles are signed with node-forge, which signs with RSA keys only (use RSA 3072 or larger)`)
  const certPem = read(cfg.certFile, 'signing certificate')
  const pems = splitPems([certPem])
  if (pems.length === 0) throw new ConfigError(`${cfg.certFile}: holds no PEM certificate`)
  const leaf = new X509Certificate(pems[0]!)
  if (!leaf.publicKey.equals(createPublicKey(key))) throw new ConfigError(`${cfg.certFile}: the first certificate (${leaf.subject.replace(/\n/g, ', ')}) is not the signing key's certificate (${cfg.keyFile})`)
  const notAfter = new Date(leaf.validTo)
  if (notAfter.getTime() <= now.getTime() || new Date(leaf.validFrom).getTime() > now.getTime())
    throw new ConfigError(`${cfg.certFile}: the signing certificate is not valid now (valid ${leaf.validFrom} to ${leaf.validTo})`)
  let certificates: forge.pki.Certificate[]
  try {
    certificates = pems.map((p) => forge.pki.certificateFromPem(p))
  } catch (e) {
    throw new ConfigError(`${cfg.certFile}: node-forge cannot read a certificate in it (${(e as Error).message}); embedded certificates must be RSA certificates`)
  }
  const ekus = leaf.keyUsage
  const purposeWarning =
    ekus && ekus.length > 0 && !ekus.includes(EMAIL_PROTECTION) && !ekus.includes(ANY_EKU)
      ? `the signing certificate's extended key usage (${ekus.join(', ')}) lacks emailProtection: \`openssl cms -verify\` refuses it unless given \`-purpose any\``
      : undefined
  const pkcs1 = key.export({ type: 'pkcs1', format: 'pem' }) as string
  return {
    key: forge.pki.privateKeyFromPem(pkcs1) as forge.pki.rsa.PrivateKey,
    certificates,
    subject: leaf.subject.replace(/\n/g, ', '),
    fingerprint256: leaf.fingerprint256,
    notAfter,
    ...(purposeWarning ? { purposeWarning } : {}),
  }
}

/** A detached CMS SignedData (DER) over `content`: SHA-256, signed attributes (content type, digest, signing time). */
export function signDetached(content: Buffer, signer: Signer, signingTime = new Date()): Buffer {
  const p7 = forge.pkcs7.createSignedData()
  p7.content = forge.util.createBuffer(content.toString('binary'))
  for (const c of signer.certificates) p7.addCertificate(c)
  p7.addSigner({
    key: signer.key,
    certificate: signer.certificates[0]!,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data },
      { type: forge.pki.oids.messageDigest! },
      // forge types the value as a string; it encodes a Date as UTCTime/GeneralizedTime
      { type: forge.pki.oids.signingTime!, value: signingTime as unknown as string },
    ],
  })
  p7.sign({ detached: true })
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary')
}

// ---- verification ----------------------------------------------------------------------------

export interface SignatureCheck {
  /** the signature is mathematically valid over this content, and the digest matches */
  valid: boolean
  /** the signer chains to one of the supplied anchors (false when none was supplied) */
  anchored: boolean
  /** why the signature or digest is not valid */
  problems: string[]
  /** why the signer is not trusted: path, validity at signing time, purpose (only with anchors) */
  trustProblems: string[]
  signer?: { subject: string; issuer: string; serialNumber: string; fingerprint256: string; validFrom: string; validTo: string }
  signingTime?: string
  /** subjects from the signer to the anchor */
  path?: string[]
}

type Node = forge.asn1.Asn1
const OID = { signedData: '1.2.840.113549.1.7.2', data: '1.2.840.113549.1.7.1', contentType: '1.2.840.113549.1.9.3', messageDigest: '1.2.840.113549.1.9.4', signingTime: '1.2.840.113549.1.9.5' }
const DIGESTS: Record<string, string> = { '2.16.840.1.101.3.4.2.1': 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512' }
const RSA_SIGNATURES = new Set(['1.2.840.113549.1.1.1', '1.2.840.113549.1.1.11', '1.2.840.113549.1.1.12', '1.2.840.113549.1.1.13'])

const children = (n: Node | undefined): Node[] => (n && Array.isArray(n.value) ? (n.value as Node[]) : [])
const bytes = (n: Node | undefined): string => (n && typeof n.value === 'string' ? n.value : '')
const oidOf = (n: Node | undefined): string => forge.asn1.derToOid(bytes(n))
const der = (n: Node): Buffer => Buffer.from(forge.asn1.toDer(n).getBytes(), 'binary')
const isContext = (n: Node, tag: number) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === tag

function fail(message: string): never {
  throw Object.assign(new Error(message), { verification: true })
}

/**
 * Reads a SignedData structure far enough to verify it; throws a readable error on anything else.
 * `encapsulated`: the content is inside (an RFC 3161 timestamp token's TSTInfo), else detached.
 */
function parseSignedData(p7s: Buffer, encapsulated = false) {
  let root: Node
  try {
    // forge's typings only know the old boolean form of the options argument
    const fromDer = forge.asn1.fromDer as unknown as (b: forge.util.ByteStringBuffer, o: object) => Node
    root = fromDer(forge.util.createBuffer(p7s.toString('binary')), { strict: true, parseAllBytes: true, decodeBitStrings: false })
  } catch (e) {
    fail(`not a DER-encoded CMS structure (${(e as Error).message})`)
  }
  const [type, explicit] = children(root)
  if (oidOf(type) !== OID.signedData) fail('not a CMS SignedData structure')
  const sd = children(children(explicit)[0])
  const certNode = sd.find((n) => isContext(n, 0))
  const signerInfos = children(sd[sd.length - 1])
  if (signerInfos.length !== 1) fail(`expected exactly one signer, found ${signerInfos.length}`)
  const encap = children(sd[2])
  if (!encapsulated && encap.length > 1) fail('the signature is not detached: it embeds content')
  if (encapsulated && encap.length < 2) fail('the structure carries no content')
  const eContentType = oidOf(encap[0])
  const eContent = encapsulated ? Buffer.from(bytes(children(encap[1])[0]), 'binary') : undefined
  const certs = children(certNode).map((c) => {
    try {
      return new X509Certificate(der(c))
    } catch {
      return fail('an embedded certificate cannot be parsed')
    }
  })
  const si = children(signerInfos[0])
  const sid = children(si[1])
  const serialHex = Buffer.from(bytes(sid[1]), 'binary').toString('hex').replace(/^(00)+/, '').toUpperCase()
  const digestAlg = DIGESTS[oidOf(children(si[2])[0])]
  if (!digestAlg) fail(`unsupported digest algorithm ${oidOf(children(si[2])[0])} (SHA-256/384/512 expected)`)
  const signedAttrs = si.find((n) => isContext(n, 0))
  if (!signedAttrs) fail('the signer has no signed attributes')
  const rest = si.slice(si.indexOf(signedAttrs) + 1)
  const sigAlg = oidOf(children(rest[0])[0])
  if (!RSA_SIGNATURES.has(sigAlg)) fail(`unsupported signature algorithm ${sigAlg}`)
  const signature = Buffer.from(bytes(rest[1]), 'binary')
  const attrs = new Map<string, Node[]>()
  for (const a of children(signedAttrs)) {
    const [t, values] = children(a)
    attrs.set(oidOf(t), children(values))
  }
  // the signature covers the DER of the attributes as a SET OF (tag 0x31), not as the [0] IMPLICIT field
  const attrsDer = der(signedAttrs)
  attrsDer[0] = 0x31
  return { certs, serialHex, digestAlg, attrs, attrsDer, signature, eContentType, eContent }
}

function readTime(n: Node | undefined): string | undefined {
  if (!n) return undefined
  const v = bytes(n)
  const d = n.type === forge.asn1.Type.UTCTIME ? forge.asn1.utcTimeToDate(v) : forge.asn1.generalizedTimeToDate(v)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

const oneLine = (dn: string) => dn.replace(/\n/g, ', ')
const validAt = (c: X509Certificate, t: number) => new Date(c.validFrom).getTime() <= t && t <= new Date(c.validTo).getTime()

/**
 * Verifies a detached CMS signature over `content`. `anchors` are the auditor's trusted CA
 * certificates (`--ca`); with none, the signature and digest are still checked but the signer's
 * identity is not established (`anchored: false`).
 */
export function verifyDetached(content: Buffer, p7s: Buffer, anchors: readonly X509Certificate[]): SignatureCheck {
  const out: SignatureCheck = { valid: false, anchored: false, problems: [], trustProblems: [] }
  let sd: ReturnType<typeof parseSignedData>
  try {
    sd = parseSignedData(p7s)
  } catch (e) {
    out.problems.push(`the signature file is malformed: ${(e as Error).message}`)
    return out
  }
  const contentType = sd.attrs.get(OID.contentType)?.[0]
  if (!contentType || oidOf(contentType) !== OID.data) out.problems.push('the signed content-type attribute is missing or not id-data')
  const digest = Buffer.from(bytes(sd.attrs.get(OID.messageDigest)?.[0]), 'binary')
  if (!digest.equals(createHash(sd.digestAlg).update(content).digest())) out.problems.push('the content does not match the signed message digest: the file was changed after signing')
  out.signingTime = readTime(sd.attrs.get(OID.signingTime)?.[0])
  const signer = signerOf(sd, sd.certs)
  if (!signer) {
    out.problems.push('the signer certificate is not embedded in the signature')
    return out
  }
  out.signer = { subject: oneLine(signer.subject), issuer: oneLine(signer.issuer), serialNumber: signer.serialNumber, fingerprint256: signer.fingerprint256, validFrom: signer.validFrom, validTo: signer.validTo }
  if (!signatureVerifies(sd, signer)) out.problems.push('the RSA signature over the signed attributes does not verify with the signer certificate')
  out.valid = out.problems.length === 0
  if (!out.valid) return out

  if (anchors.length === 0) return out
  const at = out.signingTime ? Date.parse(out.signingTime) : Date.now()
  const ekus = signer.keyUsage
  if (ekus && ekus.length > 0 && !ekus.includes(EMAIL_PROTECTION) && !ekus.includes(ANY_EKU))
    out.trustProblems.push(`the signer certificate's extended key usage does not allow signing messages (no emailProtection), as openssl's default purpose check requires`)
  const chain = chainToAnchor(signer, sd.certs, anchors, at)
  out.path = chain.path
  out.trustProblems.push(...chain.problems)
  out.anchored = out.trustProblems.length === 0
  return out
}

/** The certificate among `certs` whose serial number the SignerInfo names. */
function signerOf(sd: ReturnType<typeof parseSignedData>, certs: readonly X509Certificate[]): X509Certificate | undefined {
  return certs.find((c) => c.serialNumber.replace(/^(00)+/, '').toUpperCase() === sd.serialHex)
}

/** The RSA signature over the DER of the signed attributes verifies with the signer's key. */
function signatureVerifies(sd: ReturnType<typeof parseSignedData>, signer: X509Certificate): boolean {
  try {
    return verifySignature(sd.digestAlg, sd.attrsDer, signer.publicKey, sd.signature)
  } catch {
    return false
  }
}

/**
 * The path from `signer` up through `certs` to one of `anchors`, each link signature-checked, every
 * element valid at `at` (the signing time, or a timestamp's time — not now: evidence outlives
 * certificates) and every issuer a CA.
 */
function chainToAnchor(signer: X509Certificate, certs: readonly X509Certificate[], anchors: readonly X509Certificate[], at: number): { path: string[]; problems: string[] } {
  const pool = [...certs, ...anchors]
  const path: X509Certificate[] = [signer]
  let anchoredAt: X509Certificate | undefined
  for (let cur = signer; path.length <= 8; ) {
    const anchor = anchors.find((a) => a.fingerprint256 === cur.fingerprint256 || (cur.checkIssued(a) && cur.verify(a.publicKey)))
    if (anchor) {
      if (anchor.fingerprint256 !== cur.fingerprint256) path.push(anchor)
      anchoredAt = anchor
      break
    }
    const parent = pool.find((p) => p.fingerprint256 !== cur.fingerprint256 && p.ca && cur.checkIssued(p) && cur.verify(p.publicKey))
    if (!parent) break
    path.push(parent)
    cur = parent
  }
  const names = path.map((c) => oneLine(c.subject))
  if (!anchoredAt) return { path: names, problems: [`the signer (${oneLine(signer.subject)}) does not chain to the supplied CA certificate(s)`] }
  const problems: string[] = []
  for (const c of path) if (!validAt(c, at)) problems.push(`${oneLine(c.subject)} was not valid at ${new Date(at).toISOString()} (valid ${c.validFrom} to ${c.validTo})`)
  for (const c of path.slice(1)) if (!c.ca) problems.push(`${oneLine(c.subject)} is not a CA certificate`)
  return { path: names, problems }
}

// ---- RFC 3161 timestamp tokens -----------------------------------------------------------------

const TIME_STAMPING = '1.3.6.1.5.5.7.3.8'
const TST_INFO = '1.2.840.113549.1.9.16.1.4'

export interface TimestampCheck {
  /** the token's signature verifies and its message imprint is the SHA-256 of what was stamped */
  valid: boolean
  /** the token's signer chains to a supplied TSA anchor at the token's time, with the timeStamping purpose */
  anchored: boolean
  /** the time the authority asserts (TSTInfo genTime) */
  time?: string
  /** the authority's certificate subject */
  authority?: string
  serialNumber?: string
  policy?: string
  problems: string[]
  trustProblems: string[]
  path?: string[]
}

/**
 * Verifies an RFC 3161 timestamp token (a CMS SignedData over a TSTInfo) over `stamped` (the bytes
 * whose SHA-256 the token's message imprint must be). `anchors`: the TSA's pinned root(s).
 */
export function verifyTimestampToken(token: Buffer, stamped: Buffer, anchors: readonly X509Certificate[]): TimestampCheck {
  const out: TimestampCheck = { valid: false, anchored: false, problems: [], trustProblems: [] }
  let sd: ReturnType<typeof parseSignedData>
  try {
    sd = parseSignedData(token, true)
  } catch (e) {
    out.problems.push(`the timestamp token is malformed: ${(e as Error).message}`)
    return out
  }
  if (sd.eContentType !== TST_INFO) out.problems.push('the timestamp token does not carry a TSTInfo')
  const contentType = sd.attrs.get(OID.contentType)?.[0]
  if (!contentType || oidOf(contentType) !== TST_INFO) out.problems.push('the timestamp token signs no TSTInfo content type')
  const digest = Buffer.from(bytes(sd.attrs.get(OID.messageDigest)?.[0]), 'binary')
  if (!digest.equals(createHash(sd.digestAlg).update(sd.eContent!).digest())) out.problems.push('the TSTInfo does not match the token\'s signed message digest')
  let tst: { imprintAlg: string; imprint: Buffer; genTime?: string; serial: string; policy: string }
  try {
    const fromDer = forge.asn1.fromDer as unknown as (b: forge.util.ByteStringBuffer, o: object) => Node
    const t = children(fromDer(forge.util.createBuffer(sd.eContent!.toString('binary')), { strict: true, parseAllBytes: true, decodeBitStrings: false }))
    const imprint = children(t[2])
    tst = {
      policy: oidOf(t[1]),
      imprintAlg: DIGESTS[oidOf(children(imprint[0])[0])] ?? 'unknown',
      imprint: Buffer.from(bytes(imprint[1]), 'binary'),
      serial: Buffer.from(bytes(t[3]), 'binary').toString('hex'),
      ...(readTime(t[4]) ? { genTime: readTime(t[4])! } : {}),
    }
  } catch (e) {
    out.problems.push(`the TSTInfo is malformed: ${(e as Error).message}`)
    return out
  }
  out.time = tst.genTime
  out.serialNumber = tst.serial
  out.policy = tst.policy
  if (tst.imprintAlg === 'unknown' || !tst.imprint.equals(createHash(tst.imprintAlg).update(stamped).digest()))
    out.problems.push('the timestamp was issued for other data: its message imprint is not the hash of the manifest signature')
  if (!tst.genTime) out.problems.push('the TSTInfo has no readable time')
  const signer = signerOf(sd, [...sd.certs, ...anchors])
  if (!signer) {
    out.problems.push('the timestamp authority\'s certificate is not in the token (it was requested without certReq)')
    return out
  }
  out.authority = oneLine(signer.subject)
  if (!signatureVerifies(sd, signer)) out.problems.push('the timestamp token\'s signature does not verify with the authority\'s certificate')
  out.valid = out.problems.length === 0
  if (!out.valid || anchors.length === 0) return out
  if (!(signer.keyUsage ?? []).includes(TIME_STAMPING)) out.trustProblems.push(`the authority's certificate (${out.authority}) is not for time stamping (no timeStamping extended key usage)`)
  const chain = chainToAnchor(signer, sd.certs, anchors, Date.parse(tst.genTime!))
  out.path = chain.path
  out.trustProblems.push(...chain.problems)
  out.anchored = out.trustProblems.length === 0
  return out
}

export function readCertificates(file: string): X509Certificate[] {
  const pems = splitPems([read(file, 'CA certificate file')])
  if (pems.length === 0) throw new ConfigError(`${file}: holds no PEM certificate`)
  return pems.map((p) => new X509Certificate(p))
}
