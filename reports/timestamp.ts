// Trusted time for the evidence bundle (RFC 3161). A signature proves who signed, not when: the
// manifest signature's value is sent to a timestamp authority (`--tsa URL`, its root pinned with
// `--tsa-ca`), and the token it returns is embedded in that same signature as its unsigned attribute
// id-aa-signatureTimeStampToken, as CAdES-T does. Unsigned attributes are outside what the signature
// covers, so the bundle's file list and the auditor's openssl commands stay valid, and the token
// proves the signature existed at the authority's time.
import { X509Certificate, createHash, randomBytes } from 'node:crypto'
import forge from 'node-forge'
import { ConfigError } from '../core/config-file.ts'
import { verifyTimestampToken, type TimestampCheck } from './cms-signature.ts'

export const SIGNATURE_TIMESTAMP_TOKEN = '1.2.840.113549.1.9.16.2.14'
const SHA256 = '2.16.840.1.101.3.4.2.1'
const A = forge.asn1
type Node = forge.asn1.Asn1

export interface TimestampAuthority {
  url: string
  /** the authority's pinned root(s): a token that does not chain to them is refused */
  anchors: X509Certificate[]
  timeoutMs?: number
}

const fromDer = (b: Buffer): Node => (A.fromDer as unknown as (x: forge.util.ByteStringBuffer, o: object) => Node)(forge.util.createBuffer(b.toString('binary')), { strict: true, parseAllBytes: true, decodeBitStrings: false })
const toDer = (n: Node): Buffer => Buffer.from(A.toDer(n).getBytes(), 'binary')
const kids = (n: Node | undefined): Node[] => (n && Array.isArray(n.value) ? (n.value as Node[]) : [])

/** TimeStampReq (RFC 3161 §2.4.1): v1, SHA-256 message imprint, a nonce, certReq true. */
export function timestampRequest(stamped: Buffer, nonce: Buffer): Buffer {
  return toDer(
    A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
      A.create(A.Class.UNIVERSAL, A.Type.INTEGER, false, A.integerToDer(1).getBytes()),
      A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [
        A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [A.create(A.Class.UNIVERSAL, A.Type.OID, false, A.oidToDer(SHA256).getBytes()), A.create(A.Class.UNIVERSAL, A.Type.NULL, false, '')]),
        A.create(A.Class.UNIVERSAL, A.Type.OCTETSTRING, false, createHash('sha256').update(stamped).digest().toString('binary')),
      ]),
      A.create(A.Class.UNIVERSAL, A.Type.INTEGER, false, nonce.toString('binary')),
      A.create(A.Class.UNIVERSAL, A.Type.BOOLEAN, false, String.fromCharCode(0xff)),
    ]),
  )
}

/** The signature value of a CMS SignedData's one SignerInfo, and where that SignerInfo is. */
function signerInfoOf(p7s: Buffer): { root: Node; signerInfo: Node; signature: Buffer } {
  let root: Node
  try {
    root = fromDer(p7s)
  } catch (e) {
    throw new ConfigError(`the manifest signature is not DER (${(e as Error).message})`)
  }
  const sd = kids(kids(kids(root)[1])[0])
  const signerInfo = kids(sd[sd.length - 1])[0]
  const fields = kids(signerInfo)
  const signedAttrsAt = fields.findIndex((n) => n.tagClass === A.Class.CONTEXT_SPECIFIC && n.type === 0)
  const sig = fields[signedAttrsAt + 2]
  if (!signerInfo || signedAttrsAt < 0 || !sig || typeof sig.value !== 'string') throw new ConfigError('the manifest signature has no SignerInfo with signed attributes')
  return { root, signerInfo, signature: Buffer.from(sig.value, 'binary') }
}

/** The embedded timestamp token of a manifest signature and the signature value it stamps, if there is one. */
export function embeddedTimestamp(p7s: Buffer): { token: Buffer; signature: Buffer } | undefined {
  const { signerInfo, signature } = signerInfoOf(p7s)
  const unsigned = kids(signerInfo).find((n) => n.tagClass === A.Class.CONTEXT_SPECIFIC && n.type === 1)
  for (const attr of kids(unsigned)) {
    const [oid, values] = kids(attr)
    if (oid && typeof oid.value === 'string' && A.derToOid(oid.value) === SIGNATURE_TIMESTAMP_TOKEN && kids(values)[0]) return { token: toDer(kids(values)[0]!), signature }
  }
  return undefined
}

/** The signature with the token added as its unsigned attribute id-aa-signatureTimeStampToken. */
export function embedTimestamp(p7s: Buffer, token: Buffer): Buffer {
  const { root, signerInfo } = signerInfoOf(p7s)
  const fields = signerInfo.value as Node[]
  if (fields.some((n) => n.tagClass === A.Class.CONTEXT_SPECIFIC && n.type === 1)) throw new ConfigError('the manifest signature already has unsigned attributes')
  fields.push(
    A.create(A.Class.CONTEXT_SPECIFIC, 1, true, [
      A.create(A.Class.UNIVERSAL, A.Type.SEQUENCE, true, [A.create(A.Class.UNIVERSAL, A.Type.OID, false, A.oidToDer(SIGNATURE_TIMESTAMP_TOKEN).getBytes()), A.create(A.Class.UNIVERSAL, A.Type.SET, true, [fromDer(token)])]),
    ]),
  )
  return toDer(root)
}

/**
 * Asks the authority for a token over the signature's value, checks it (imprint, nonce, signature,
 * chain to the pinned root at the token's time) and returns the signature with the token embedded.
 */
export async function timestampSignature(p7s: Buffer, tsa: TimestampAuthority): Promise<{ p7s: Buffer; check: TimestampCheck }> {
  const { signature } = signerInfoOf(p7s)
  const nonce = randomBytes(8)
  nonce[0] = (nonce[0]! & 0x7f) | 0x01 // a positive INTEGER in minimal DER, as the authority will re-encode it
  const { default: got } = await import('got')
  let body: Buffer
  try {
    const res = await got.post(tsa.url, {
      body: timestampRequest(signature, nonce),
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      responseType: 'buffer',
      timeout: { request: tsa.timeoutMs ?? 30_000 },
      retry: { limit: 1 },
    })
    body = Buffer.from(res.body)
  } catch (e) {
    const status = (e as { response?: { statusCode?: number } }).response?.statusCode
    throw new ConfigError(`--tsa ${tsa.url}: the timestamp authority did not answer (${status ? `HTTP ${status}` : (e as Error).message})`)
  }
  let token: Buffer
  try {
    const [status, tokenNode] = kids(fromDer(body))
    const code = kids(status)[0]
    const granted = code && typeof code.value === 'string' ? parseInt(Buffer.from(code.value, 'binary').toString('hex') || '0', 16) : -1
    if (granted !== 0 && granted !== 1) throw new Error(`status ${granted} (not granted)`)
    if (!tokenNode) throw new Error('no token in a granted response')
    token = toDer(tokenNode)
  } catch (e) {
    throw new ConfigError(`--tsa ${tsa.url}: not a usable timestamp response: ${(e as Error).message}`)
  }
  const check = verifyTimestampToken(token, signature, tsa.anchors)
  if (!check.valid || !check.anchored) throw new ConfigError(`--tsa ${tsa.url}: the token is refused: ${[...check.problems, ...check.trustProblems].join('; ')}`)
  if (!tokenNonce(token)?.equals(nonce)) throw new ConfigError(`--tsa ${tsa.url}: the token does not carry the request's nonce (a replayed answer?)`)
  return { p7s: embedTimestamp(p7s, token), check }
}

/** The nonce in a token's TSTInfo (the optional INTEGER after genTime, accuracy and ordering). */
function tokenNonce(token: Buffer): Buffer | undefined {
  const sd = kids(kids(kids(fromDer(token))[1])[0])
  const eContent = kids(kids(sd[2])[1])[0]
  if (!eContent || typeof eContent.value !== 'string') return undefined
  const tst = kids(fromDer(Buffer.from(eContent.value, 'binary')))
  const ints = tst.slice(5).filter((n) => n.tagClass === A.Class.UNIVERSAL && n.type === A.Type.INTEGER)
  return ints[0] && typeof ints[0].value === 'string' ? Buffer.from(ints[0].value, 'binary') : undefined
}
