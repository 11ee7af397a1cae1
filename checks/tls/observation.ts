// What the TLS probe (checks/tls/probe.ts) records about one endpoint, and what the TLS judges read.
// Every part is optional: the planner asks only for the parts the selected checks need, and a part
// that could not be collected carries its own `error` instead of data.
import type { ErrorKind } from '../types.ts'
import type { StarttlsKind } from './target.ts'

export type TlsVersion = 'SSLv2' | 'SSLv3' | 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'
export const TLS_VERSIONS: readonly TlsVersion[] = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']

/** Observation parts a check can ask for (CheckDefinition.needs). */
export const TLS_PARTS = {
  protocols: 'tls.protocols',
  certificate: 'tls.certificate',
  /** one hello per accepted protocol offering only suites of a category; enumerated when accepted */
  suites: (c: SuiteCategory) => `tls.suites:${c}` as const,
  /** DHE group size and ECDHE curves (weak ones, and ones outside the Mozilla list) */
  keyExchange: 'tls.kex',
  hsts: 'http.hsts',
  /** the first connection: TLS from the first byte, or the service's upgrade to TLS and its dialogue */
  upgrade: 'tls.upgrade',
} as const

/**
 * Suite categories the probe can be asked about (definitions in checks/tls/cipher-suites.ts):
 * - `all`          every suite in the catalog (full enumeration)
 * - `fs`           ephemeral key exchange (ECDHE, DHE, and every TLS 1.3 suite)
 * - `non-fs`       no ephemeral key exchange (static RSA, static DH/ECDH, PSK, SRP, KRB5, …)
 * - `weak`         NULL, EXPORT, anonymous, RC4, DES/3DES, IDEA, MD5 MAC
 * - `outside-intermediate` / `outside-modern`   not in that Mozilla 6.0 profile's suite list
 */
export type SuiteCategory = 'all' | 'fs' | 'non-fs' | 'weak' | 'outside-intermediate' | 'outside-modern'

export interface PartError {
  kind: ErrorKind
  message: string
}

/** One hello the probe sent and what came back (evidence; also counts handshakes). */
export interface HelloRecord {
  protocol: TlsVersion
  /** why it was sent, e.g. `protocol support`, `suites:weak`, `enumerate suites:weak` */
  purpose: string
  /** number of suites offered */
  offeredSuites: number
  /** groups offered (supported_groups), when relevant */
  offeredGroups?: string[]
  outcome: 'accepted' | 'refused' | 'error'
  /** IANA name of the suite the server chose */
  chosenSuite?: string
  /** negotiated version the server answered with */
  serverVersion?: TlsVersion
  /** TLS 1.3 key share / HRR group, or the ECDHE curve of a ServerKeyExchange */
  group?: string
  /** DH prime size of a DHE ServerKeyExchange */
  dhBits?: number
  /** e.g. `handshake_failure(40)` */
  alert?: string
  error?: string
  /** with `outcome: 'error'`: unreachable (connect failed), timeout, or protocol (not TLS, malformed) */
  errorKind?: ErrorKind
  /**
   * The server answered with a ServerHello it had no right to send: a version that is not a TLS
   * version or is above the one offered, or a cipher suite the hello did not offer. Not a refusal:
   * `outcome` is `error` with `errorKind` `protocol`.
   */
  violation?: ProtocolViolation
  durationMs: number
}

export interface ProtocolViolation {
  /** what was wrong, for a person, e.g. `ServerHello names version 0x7f7f, which is not a TLS version` */
  reason: string
  /** the server's bytes, hex, at most MAX_VIOLATION_BYTES of them */
  bytesHex: string
  /** which bytes `bytesHex` holds */
  bytesOf: string
}

/** Bound on the bytes a violation keeps as evidence. */
export const MAX_VIOLATION_BYTES = 512

export interface CertificateInfo {
  subject: string
  issuer: string
  serialNumber: string
  notBefore: string // ISO-8601
  notAfter: string // ISO-8601
  /** `rsa` | `ec` | `dsa` | `ed25519` | `ed448` | … (node:crypto asymmetricKeyType) */
  keyType: string
  keyBits?: number
  curve?: string
  /** e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `sha1WithRSAEncryption` */
  signatureAlgorithm: string
  fingerprintSha256: string
  /**
   * hex SHA-256 of the SubjectPublicKeyInfo (DER): names the key, not the certificate, so a renewal
   * with the same key keeps it. Absent in observations made before it was recorded (the judges then
   * recompute it from `chainPem`).
   */
  spkiSha256?: string
  subjectAltNames: string[]
  isCA: boolean
  selfIssued: boolean
}

export interface CertificateObservation {
  /** how the chain was obtained: a raw TLS ≤1.2 hello shows the Certificate message exactly as sent */
  source: 'raw-hello' | 'node-tls'
  /** protocol of the handshake that delivered the chain */
  protocol: TlsVersion
  /** PEM certificates as served, leaf first */
  chainPem: string[]
  certs: CertificateInfo[]
  /** path validation against system roots + inventory extraCaFiles, done at observation time */
  trust: {
    trusted: boolean
    /** subjects from leaf to anchor, when a path was built */
    path: string[]
    /** PEM of the trust anchor used, when one was found */
    anchorPem?: string
    anchorSource?: 'system' | 'extra'
    /** why untrusted, e.g. `self-signed`, `unknown issuer: CN=…`, `bad signature`, `expired intermediate` */
    reason?: string
  }
}

export interface ProtocolsObservation {
  /** versions the server answered with that version */
  accepted: TlsVersion[]
  refused: TlsVersion[]
  /**
   * versions we could not decide (error on that hello), with the reason; `errorKind` `protocol`
   * when the server's answer broke the protocol (a malformed or impossible ServerHello)
   */
  undetermined: { version: TlsVersion; reason: string; errorKind?: ErrorKind }[]
}

export interface SuitesObservation {
  /** per accepted protocol: for each probed category, the complete list of accepted suites in it (IANA names); [] = refused */
  byProtocol: Partial<Record<TlsVersion, Partial<Record<SuiteCategory, string[]>>>>
  /** the server's choice when offered everything, per protocol (its preferred suite) */
  preferred: Partial<Record<TlsVersion, string>>
  /** categories that could not be enumerated under an accepted protocol (a hello failed), with the reason */
  undetermined?: { protocol: TlsVersion; category: SuiteCategory; reason: string; errorKind?: ErrorKind }[]
}

export interface KeyExchangeObservation {
  /** DH prime bits seen in DHE ServerKeyExchange, per protocol; absent protocol = no DHE accepted there */
  dheBits: Partial<Record<TlsVersion, number>>
  /** ECDHE curves / TLS 1.3 groups the server accepted when offered them, by name (e.g. `secp256r1`, `x25519`, `secp192r1`) */
  acceptedGroups: string[]
  /** groups offered in probes that the server did not pick (tested and refused) */
  refusedGroups: string[]
  /** bits of security-relevant size per accepted group (curve order bits; ffdhe prime bits) */
  groupBits: Record<string, number>
}

export interface HstsObservation {
  url: string
  status?: number
  /** raw Strict-Transport-Security header, null when absent */
  header: string | null
  /** whether the certificate was trusted by the HTTP client (browsers ignore HSTS on untrusted certs) */
  certificateTrusted?: boolean
}

type Part<T> = (T & { error?: undefined }) | { error: PartError }

/** How the first connection's upgrade to TLS went (a `starttls:` target); no credentials are ever sent. */
export interface UpgradeObservation {
  protocol: StarttlsKind
  /** `done`: offered and accepted; `not-offered`: not offered, or refused; `failed`: the dialogue broke (see detail) */
  status: 'done' | 'not-offered' | 'failed'
  detail?: string
  /** the plain-text dialogue, `C: …` / `S: …`, bounded */
  dialogue: string[]
}

export interface TlsObservation {
  target: { name: string; host: string; address: string; port: number; starttls?: StarttlsKind }
  /** a `starttls:` target: the first connection's upgrade (every connection makes the same one) */
  upgrade?: UpgradeObservation
  /** set when the endpoint could not be reached at all (dead port, silent peer, not TLS) */
  error?: PartError
  protocols?: Part<ProtocolsObservation>
  suites?: Part<SuitesObservation>
  keyExchange?: Part<KeyExchangeObservation>
  certificate?: Part<CertificateObservation>
  hsts?: Part<HstsObservation>
  hellos: HelloRecord[]
  stats: {
    /** raw ClientHellos sent */
    rawHellos: number
    /** full handshakes made with node:tls / got */
    fullHandshakes: number
    /** TCP connections opened in total */
    connections: number
    durationMs: number
  }
}
