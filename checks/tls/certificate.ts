// The certificate part of a TLS observation: parses a served chain into facts and builds the trust
// path itself, so the verdict does not depend on how a particular handshake library validated it.
// node:crypto X509Certificate parses RSA, ECDSA and EdDSA certificates alike (node-forge cannot
// read ECDSA keys); its checkIssued + verify are OpenSSL's issuer-name/AKID match and signature check.
import { X509Certificate, hash } from 'node:crypto'
import { isIP, type Socket } from 'node:net'
import tls from 'node:tls'
import type { TlsTarget } from './target.ts'
import type { ErrorKind, ObserveContext } from '../types.ts'
import type { CertificateInfo, CertificateObservation, TlsVersion } from './observation.ts'
import { spkiSha256 } from './offenders.ts'
import { openUpgraded } from './wire/raw-connection.ts'
import { createUpgrader } from './wire/starttls.ts'

/** Names for signature OIDs node:crypto leaves unnamed (it names the common ones itself). */
const SIGNATURE_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-SHA256',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
}

const CURVE_BITS: Record<string, number> = {
  prime192v1: 192, secp192r1: 192, secp224r1: 224, prime256v1: 256, secp256r1: 256, secp256k1: 256,
  secp384r1: 384, secp521r1: 521, brainpoolP256r1: 256, brainpoolP384r1: 384, brainpoolP512r1: 512,
}

/** Chains longer than this are treated as hostile rather than walked. */
const MAX_PATH = 10

/** node:crypto prints a DN one attribute per line, most significant first; one line reads better. */
function dn(name: string): string {
  return name.split('\n').filter(Boolean).join(', ')
}

/**
 * Splits node's `subjectAltName` string (`DNS:a, IP Address:1.2.3.4`). Since Node 17 values that
 * contain a comma or quote are JSON-quoted, so a plain split on ", " would cut them apart.
 */
export function parseSubjectAltNames(san: string | undefined): string[] {
  if (!san) return []
  const out: string[] = []
  const re = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/y
  let m: RegExpExecArray | null
  while (re.lastIndex < san.length && (m = re.exec(san))) {
    const value = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!
    const type = m[1]!.trim() === 'IP Address' ? 'IP' : m[1]!.trim()
    out.push(`${type}:${value}`)
    if (m[0].length === 0) break
  }
  return out
}

/**
 * RFC 5280 self-issued: subject and issuer names are equal. Not `checkIssued(c)`, which also
 * demands keyCertSign and so says "no" for a self-signed server certificate.
 */
function isSelfIssued(c: X509Certificate): boolean {
  return c.subject === c.issuer
}

function selfSigned(c: X509Certificate): boolean {
  try {
    return isSelfIssued(c) && c.verify(c.publicKey)
  } catch {
    return false
  }
}

export function certificateInfo(c: X509Certificate): CertificateInfo {
  const key = c.publicKey
  const details = key.asymmetricKeyDetails ?? {}
  const keyType = key.asymmetricKeyType ?? 'unknown'
  const curve = details.namedCurve
  const keyBits = details.modulusLength ?? (curve ? CURVE_BITS[curve] : undefined) ??
    (keyType === 'ed25519' ? 256 : keyType === 'ed448' ? 448 : undefined)
  const oid = c.signatureAlgorithmOid
  const spki = spkiSha256(c)
  return {
    subject: dn(c.subject),
    issuer: dn(c.issuer),
    serialNumber: c.serialNumber,
    notBefore: c.validFromDate.toISOString(),
    notAfter: c.validToDate.toISOString(),
    keyType,
    ...(keyBits !== undefined ? { keyBits } : {}),
    ...(curve ? { curve } : {}),
    signatureAlgorithm: c.signatureAlgorithm ?? SIGNATURE_OIDS[oid] ?? oid,
    fingerprintSha256: c.fingerprint256,
    ...(spki ? { spkiSha256: spki } : {}),
    subjectAltNames: parseSubjectAltNames(c.subjectAltName),
    isCA: c.ca,
    selfIssued: isSelfIssued(c),
  }
}

interface Anchor {
  cert: X509Certificate
  pem: string
  source: 'system' | 'extra'
}

/**
 * A Map that forgets its least recently used entry beyond `max`: the caches below key parsed
 * certificates by their bytes, and a scan of many distinct endpoints must not grow without bound.
 */
class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>()
  private readonly max: number
  constructor(max: number) {
    this.max = max
  }
  get(key: K, make: () => V): V {
    let v = this.entries.get(key)
    if (v !== undefined) {
      // re-inserted: a Map iterates in insertion order, so the first key is the least recently used
      this.entries.delete(key)
    } else {
      v = make()
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!)
    }
    this.entries.set(key, v)
    return v
  }
}

/**
 * The roots node's own TLS clients trust: the bundled Mozilla store plus NODE_EXTRA_CA_CERTS, plus
 * the OS store when node runs with --use-system-ca. Parsed once per process (a few ms).
 */
export function systemRootPems(): string[] {
  return tls.getCACertificates('default')
}

function parseAnchors(pems: string[], source: Anchor['source']): Anchor[] {
  return pems.flatMap((pem) => {
    try {
      return [{ cert: new X509Certificate(pem), pem, source }]
    } catch {
      return []
    }
  })
}

let systemAnchors: Anchor[] | undefined

/** Every trust anchor for one `extraCaPems` set, extra ones first (an operator who adds a CA explicitly means that one). */
interface AnchorSet {
  anchors: Anchor[]
  /** distinguishes anchor sets in the trust-path cache key */
  id: number
}
let anchorSetIds = 0
const anchorSets = new BoundedCache<string, AnchorSet>(16)
function anchorSetFor(extraCaPems: string[]): AnchorSet {
  return anchorSets.get(extraCaPems.join('\n'), () => {
    systemAnchors ??= parseAnchors(systemRootPems(), 'system')
    return { anchors: [...parseAnchors(splitPems(extraCaPems), 'extra'), ...systemAnchors], id: anchorSetIds++ }
  })
}

/** The PEM certificate blocks in each text, in order. */
export function splitPems(pems: string[]): string[] {
  return pems.flatMap((p) => p.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
}

function toPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`
}

/** What one served certificate yields; everything here depends on its bytes alone. */
interface ParsedCertificate {
  /** SHA-256 of the DER (base64): the cache key */
  hash: string
  pem: string
  /** both absent when node cannot parse the certificate */
  cert?: X509Certificate
  info?: CertificateInfo
}

/**
 * Distinct certificates seen by this process. Endpoints of one fleet serve a handful of chains (one
 * wildcard certificate, shared intermediates), and parsing, hashing the key and exporting the facts
 * of a certificate cost far more than hashing its bytes to find it again.
 */
const parsedCertificates = new BoundedCache<string, ParsedCertificate>(1024)
function parseCertificate(der: Buffer): ParsedCertificate {
  const key = hash('sha256', der, 'base64')
  return parsedCertificates.get(key, () => {
    try {
      const cert = new X509Certificate(der)
      return { hash: key, pem: toPem(der), cert, info: certificateInfo(cert) }
    } catch {
      return { hash: key, pem: toPem(der) }
    }
  })
}

function signedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  if (!child.checkIssued(issuer)) return false
  try {
    return child.verify(issuer.publicKey)
  } catch {
    return false
  }
}

function role(index: number, pathLength: number, isAnchor: boolean): string {
  if (index === 0) return 'leaf'
  return isAnchor || index === pathLength - 1 ? 'root' : 'intermediate'
}

/** The issuer path built from a leaf, and why it ends short of an anchor when it does. */
interface TrustPath {
  path: X509Certificate[]
  anchor?: Anchor
  reason?: string
}

/**
 * Walks issuers from `served[0]` through the served certificates, stopping at a trust anchor. Only
 * names and signatures are looked at, never the time: the result is a function of the certificates
 * and anchors alone, which is what lets describeChain keep it per distinct chain.
 */
function buildTrustPath(served: X509Certificate[], anchors: Anchor[]): TrustPath {
  const isAnchor = (c: X509Certificate) => anchors.find((a) => a.cert.fingerprint256 === c.fingerprint256)
  const path: X509Certificate[] = [served[0]!]
  let anchor: Anchor | undefined = isAnchor(served[0]!)
  let reason: string | undefined
  while (!anchor && !reason) {
    const cur = path.at(-1)!
    if (path.length > MAX_PATH) {
      reason = `chain longer than ${MAX_PATH} certificates`
      break
    }
    const fromAnchors = anchors.find((a) => signedBy(cur, a.cert))
    if (fromAnchors) {
      anchor = fromAnchors
      path.push(fromAnchors.cert)
      break
    }
    const used = new Set(path.map((c) => c.fingerprint256))
    const next = served.find((c) => !used.has(c.fingerprint256) && signedBy(cur, c))
    if (next) {
      anchor = isAnchor(next)
      path.push(next)
      continue
    }
    // No issuer verified: tell apart a name match with a bad signature from a missing issuer.
    const nameMatch = [...served.filter((c) => !used.has(c.fingerprint256)), ...anchors.map((a) => a.cert)].find((c) => cur.checkIssued(c))
    if (isSelfIssued(cur)) {
      reason = selfSigned(cur)
        ? path.length === 1 ? 'self-signed' : `self-signed root not trusted: ${dn(cur.subject)}`
        : `bad signature: ${dn(cur.subject)}`
    } else if (nameMatch) {
      reason = `bad signature: ${dn(cur.subject)} is not signed by ${dn(nameMatch.subject)}`
    } else {
      reason = `unknown issuer: ${dn(cur.issuer)}`
    }
  }
  return { path, ...(anchor ? { anchor } : {}), ...(reason ? { reason } : {}) }
}

/** Trust paths by served chain (certificate hashes, in order) and anchor set. */
const trustPaths = new BoundedCache<string, TrustPath>(1024)

export interface DescribeChainOptions {
  source: 'raw-hello' | 'node-tls'
  protocol: TlsVersion
  /** the name the client asked for (kept for context; hostname matching is its own check) */
  host: string
  extraCaPems: string[]
  /** validity is judged at this time (default: now, i.e. observation time) */
  now?: Date
}

/**
 * Parses a served chain (DER, leaf first, as sent) and validates it the way a client would: walk
 * issuers from the leaf through the served certificates, stopping at a trust anchor (system roots
 * or `extraCaPems`); every certificate on the path must be within its validity window at `now`
 * and every issuer must be a CA. Throws only when the leaf itself cannot be parsed.
 */
export function describeChain(ders: Buffer[], opts: DescribeChainOptions): CertificateObservation {
  if (ders.length === 0) throw new ProbeError('protocol', 'the server sent no certificate')
  const now = opts.now ?? new Date()
  const chain = ders.map(parseCertificate)
  if (!chain[0]!.cert) throw new ProbeError('protocol', 'the leaf certificate could not be parsed')
  const served = chain.flatMap((c) => (c.cert ? [c.cert] : []))
  const unparsable = chain.flatMap((c, i) => (c.cert ? [] : [i]))
  const anchorSet = anchorSetFor(opts.extraCaPems)
  const key = `${anchorSet.id} ${chain.map((c) => c.hash).join(' ')}`
  const { path, anchor, reason } = trustPaths.get(key, () => buildTrustPath(served, anchorSet.anchors))

  // A client rejects a path with an expired, not-yet-valid or non-CA element even when it builds.
  const problems: string[] = []
  if (anchor) {
    path.forEach((c, i) => {
      const what = role(i, path.length, i === path.length - 1)
      if (c.validToDate.getTime() < now.getTime()) problems.push(`expired ${what}: ${dn(c.subject)} (notAfter ${c.validToDate.toISOString()})`)
      if (c.validFromDate.getTime() > now.getTime()) problems.push(`not yet valid ${what}: ${dn(c.subject)} (notBefore ${c.validFromDate.toISOString()})`)
      if (i > 0 && !c.ca) problems.push(`issuer is not a CA: ${dn(c.subject)}`)
    })
  }
  if (unparsable.length) problems.push(`unparsable certificate(s) at position ${unparsable.join(', ')}`)
  const trusted = Boolean(anchor) && problems.filter((p) => !p.startsWith('unparsable')).length === 0
  const reasons = [...(reason ? [reason] : []), ...problems]

  return {
    source: opts.source,
    protocol: opts.protocol,
    chainPem: chain.map((c) => c.pem),
    // copies: the cached facts are shared by every observation of the same certificate
    certs: chain.flatMap((c) => (c.info ? [{ ...c.info, subjectAltNames: [...c.info.subjectAltNames] }] : [])),
    trust: {
      trusted,
      path: path.map((c) => dn(c.subject)),
      ...(anchor ? { anchorPem: anchor.pem.endsWith('\n') ? anchor.pem : `${anchor.pem}\n`, anchorSource: anchor.source } : {}),
      ...(reasons.length ? { reason: reasons.join('; ') } : {}),
    },
  }
}

/** An Error carrying the ErrorKind a probe records in its PartError. */
export class ProbeError extends Error {
  readonly kind: ErrorKind
  constructor(kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ProbeError'
    this.kind = kind
  }
}

const VERSIONS: Record<string, TlsVersion> = { TLSv1: 'TLSv1.0', 'TLSv1.1': 'TLSv1.1', 'TLSv1.2': 'TLSv1.2', 'TLSv1.3': 'TLSv1.3', SSLv3: 'SSLv3' }

/** Maps a socket error to the ErrorKind a verdict reports. */
export function networkErrorKind(err: NodeJS.ErrnoException): ErrorKind {
  const code = err.code ?? ''
  if (['ETIMEDOUT', 'ESOCKETTIMEDOUT'].includes(code)) return 'timeout'
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL'].includes(code)) return 'unreachable'
  return 'protocol'
}

/** OpenSSL error strings carry a code, a source path and a newline; the reason is what a reader needs. */
export function tidyNetworkMessage(message: string): string {
  const m = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(message)
  const reason = m ? m[1]!.trim() : message.trim()
  return /^(write|read) EPROTO/.test(message) && m ? `TLS error: ${reason}` : reason
}

/**
 * The groups of Vigil's full handshakes (node:tls: HSTS, a TLS 1.3-only chain): every group OpenSSL
 * can negotiate, with a key share for X25519 alone (OpenSSL sends one for the first group of an
 * explicit list; a server that wants another asks for it with a HelloRetryRequest). OpenSSL's
 * default list also sends an X25519MLKEM768 share, whose ML-KEM key generation was a tenth of the
 * client's CPU per handshake to a server that picks X25519 (bench/tls.ts), and leaves out the
 * brainpool groups, which this one offers.
 */
const HANDSHAKE_GROUP_NAMES = [
  'X25519',
  'P-256',
  'X448',
  'P-384',
  'P-521',
  'X25519MLKEM768',
  'SecP256r1MLKEM768',
  'SecP384r1MLKEM1024',
  'ffdhe2048',
  'ffdhe3072',
  'ffdhe4096',
  'ffdhe6144',
  'ffdhe8192',
  'brainpoolP256r1tls13',
  'brainpoolP384r1tls13',
  'brainpoolP512r1tls13',
  'brainpoolP256r1',
  'brainpoolP384r1',
  'brainpoolP512r1',
]

/**
 * The groups of `names` this Node's OpenSSL knows, as an `ecdhCurve` list; undefined (OpenSSL's
 * default) when it knows none. A Node linked against an older OpenSSL (a distribution's build on
 * OpenSSL 3.0 has no ML-KEM groups) refuses a list naming a group it lacks, which would make every
 * full handshake fail.
 */
export function knownGroups(names: readonly string[]): string | undefined {
  const all = names.join(':')
  if (accepts(all)) return all
  const known = names.filter(accepts)
  return known.length ? known.join(':') : undefined
}
function accepts(list: string): boolean {
  try {
    tls.createSecureContext({ ecdhCurve: list })
    return true
  } catch {
    return false
  }
}

let handshakeCurve: { ecdhCurve?: string } | undefined
/** `{ ecdhCurve }` for a full handshake's secure context (HANDSHAKE_GROUP_NAMES as this OpenSSL takes them, worked out once), or nothing: OpenSSL's default. */
export function ecdhCurveOption(): { ecdhCurve?: string } {
  if (!handshakeCurve) {
    const list = knownGroups(HANDSHAKE_GROUP_NAMES)
    handshakeCurve = list ? { ecdhCurve: list } : {}
  }
  return handshakeCurve
}

/** The TLS context of every chain fetch, built once: it holds no per-endpoint state. */
let chainFetchContext: tls.SecureContext | undefined

/**
 * One node:tls handshake that returns the chain the server presented (DER, leaf first). Used when
 * a raw hello cannot see the Certificate message (TLS 1.3 encrypts it). No trust store is given to
 * the socket: with one, node appends a locally known root to `getPeerCertificate(true)`, and the
 * observation must show what was served. Throws a ProbeError (kind timeout/unreachable/protocol).
 */
export function fetchChainWithNodeTls(target: TlsTarget, ctx: ObserveContext): Promise<{ ders: Buffer[]; protocol: TlsVersion }> {
  const connectTo = target.address ?? target.host
  return ctx.limit(connectTo, async () => {
    // a `starttls:` target: the service's upgrade first, then the handshake on that connection
    const kind = target.starttls
    if (!kind) return handshake(target, ctx)
    const up = await openUpgraded({ host: connectTo, port: target.port, timeoutMs: ctx.timeoutMs, upgrade: () => createUpgrader(kind, target.host) })
    if (!up.socket) throw new ProbeError(up.error?.kind ?? 'protocol', `${connectTo}:${target.port}: ${up.error?.detail ?? 'the upgrade did not complete'}`)
    return handshake(target, ctx, up.socket)
  })
}

function handshake(target: TlsTarget, ctx: ObserveContext, upgraded?: Socket): Promise<{ ders: Buffer[]; protocol: TlsVersion }> {
  return new Promise((resolve, reject) => {
    const connectTo = target.address ?? target.host
    const socket = tls.connect({
      ...(upgraded ? { socket: upgraded } : { host: connectTo, port: target.port }),
      // SNI must be a DNS name (RFC 6066); node warns when given an IP.
      ...(isIP(target.host) ? {} : { servername: target.host }),
      rejectUnauthorized: false,
      secureContext: (chainFetchContext ??= tls.createSecureContext({
        // An empty store: see above. Also makes node skip loading the system roots for nothing.
        ca: [],
        // Old servers must still show their certificate; judging their protocol is another check.
        minVersion: 'TLSv1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
        ...ecdhCurveOption(),
      })),
    })
    let settled = false
    const finish = (err: Error | undefined, value?: { ders: Buffer[]; protocol: TlsVersion }) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (err) reject(err)
      else resolve(value!)
    }
    // One overall budget for connect + handshake: socket.setTimeout only covers idleness.
    const timer = setTimeout(() => finish(new ProbeError('timeout', `no TLS handshake with ${connectTo}:${target.port} within ${ctx.timeoutMs} ms`)), ctx.timeoutMs)
    socket.once('secureConnect', () => {
      const ders: Buffer[] = []
      const seen = new Set<string>()
      let c = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | Record<string, never>
      while (c && 'raw' in c && c.raw && !seen.has(c.fingerprint256)) {
        seen.add(c.fingerprint256)
        ders.push(c.raw)
        c = c.issuerCertificate
      }
      const protocol = VERSIONS[socket.getProtocol() ?? '']
      if (ders.length === 0) finish(new ProbeError('protocol', `${connectTo}:${target.port} completed a handshake without a certificate`))
      else if (!protocol) finish(new ProbeError('protocol', `unexpected protocol ${socket.getProtocol()} from ${connectTo}:${target.port}`))
      else finish(undefined, { ders, protocol })
    })
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const kind = networkErrorKind(err)
      const what = kind === 'unreachable' ? 'cannot connect to' : kind === 'timeout' ? 'timed out talking to' : 'TLS handshake failed with'
      finish(new ProbeError(kind, `${what} ${connectTo}:${target.port}: ${tidyNetworkMessage(err.message)}`, { cause: err }))
    })
    socket.once('close', () => finish(new ProbeError('protocol', `${connectTo}:${target.port} closed the connection during the TLS handshake`)))
  })
}
