// Offender ids of the TLS checks: what a failed (or undecided) verdict names, in a form that
// survives routine change, so two runs can be compared offender by offender (the pull-request gate).
// An id never holds a count, a time, a line number or anything else that varies run to run; the
// `why` next to it is for people and may.
//
//   protocol version        `TLSv1.0`, `SSLv3`; no modern version: `no TLSv1.2 or TLSv1.3`
//   versions not decided    the version (`TLSv1.1`), the reason in `why`
//   cipher suite            `<protocol>/<IANA name>`, e.g. `TLSv1.2/TLS_RSA_WITH_3DES_EDE_CBC_SHA`;
//                           no forward-secret suite at all (mode `offered`): `no forward-secret suite`
//   suites not observed     `<protocol>/suites`
//   key-exchange group      `group/<IANA name>` (`prime256v1` is `group/secp256r1`)
//   DHE prime               `<protocol>/DHE/<bits>-bit`
//   certificate             `cert[<position>] <subject> spki:sha256:<16 hex>` — position in the served
//                           chain (leaf = 0), subject DN, first 16 hex digits of the SHA-256 of the
//                           SubjectPublicKeyInfo DER: a renewal with the same key and the same
//                           defect is the same offender, a new key is a new one
//   host name               `<leaf certificate id> host:<name>`
//   a part not observed     `part/<name>` (`part/suites`, `part/certificate`, …); the whole endpoint `endpoint`
import { createHash, X509Certificate } from 'node:crypto'
import type { Offender } from '../types.ts'
import type { CertificateInfo, CertificateObservation, TlsVersion } from './observation.ts'
import { groupByName } from './named-groups.ts'

/** The offender when a verdict is about the modern versions missing, not about one version. */
export const NO_MODERN_PROTOCOL = 'no TLSv1.2 or TLSv1.3'
/** tls.forward-secrecy in mode `offered`: no accepted suite is forward secret. */
export const NO_FORWARD_SECRET_SUITE = 'no forward-secret suite'
/** The whole endpoint could not be observed (dead, silent, not TLS). */
export const ENDPOINT = 'endpoint'

/** Hex SHA-256 of a certificate's SubjectPublicKeyInfo (DER); undefined when node cannot export the key. */
export function spkiSha256(cert: X509Certificate): string | undefined {
  try {
    return createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('hex')
  } catch {
    return undefined
  }
}

/**
 * The public-key hash of `certs[index]`: recorded by the probe, or — for observations made before it
 * was recorded — recomputed from the served PEM with the same fingerprint. Undefined when neither
 * is possible (the id then holds position and subject only).
 */
function keyHashOf(cert: CertificateObservation, index: number): string | undefined {
  const info = cert.certs[index]
  if (!info) return undefined
  if (info.spkiSha256) return info.spkiSha256
  for (const pem of cert.chainPem) {
    try {
      const x = new X509Certificate(pem)
      if (x.fingerprint256 === info.fingerprintSha256) return spkiSha256(x)
    } catch {
      // an unparsable (or placeholder) PEM: not this one
    }
  }
  return undefined
}

/** `cert[0] CN=web.example.test spki:sha256:0123456789abcdef` */
export function certOffenderId(cert: CertificateObservation, index: number): string {
  const info: CertificateInfo | undefined = cert.certs[index]
  const hash = keyHashOf(cert, index)
  return `cert[${index}] ${info?.subject ?? '(unknown subject)'}${hash ? ` spki:sha256:${hash.slice(0, 16).toLowerCase()}` : ''}`
}

export const suiteOffenderId = (protocol: TlsVersion, suite: string) => `${protocol}/${suite}`

/** `group/<IANA name>`: OpenSSL's names for the same curve give the same id. */
export function groupOffenderId(name: string): string {
  return `group/${groupByName(name)?.name ?? name}`
}

export const dheOffenderId = (protocol: TlsVersion, bits: number) => `${protocol}/DHE/${bits}-bit`

export const partOffenderId = (name: string) => `part/${name}`

/** Versions the probe could not decide, one offender each (`TLSv1.1`), the reason in `why`. */
export function undeterminedOffenders(list: readonly { version: TlsVersion; reason: string; errorKind?: string }[]): Offender[] {
  return list.map((u) => ({
    id: u.version,
    why: u.errorKind === 'protocol' ? `the server broke the TLS protocol answering ${u.version}: ${u.reason}` : `could not determine whether ${u.version} is accepted: ${u.reason}`,
  }))
}

/**
 * The suite lists missing under `versions` (a hello failed while enumerating), one offender per
 * version (`TLSv1.2/suites`), with the probe's reason when it recorded one.
 */
export function missingSuitesOffenders(
  versions: readonly TlsVersion[],
  undetermined: readonly { protocol: TlsVersion; category: string; reason: string }[] = [],
): Offender[] {
  return versions.map((v) => {
    const u = undetermined.find((x) => x.protocol === v)
    return { id: `${v}/suites`, why: u ? `the ${u.category} suites accepted under ${v} could not be enumerated: ${u.reason}` : `the suites accepted under ${v} were not observed` }
  })
}

/** One entry per id (the first wins), sorted by id (code points: `SSLv3` < `TLSv1.0` < … < `group/…`). */
export function offenderList(list: readonly Offender[]): Offender[] {
  const byId = new Map<string, Offender>()
  for (const o of list) if (!byId.has(o.id)) byId.set(o.id, o)
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
