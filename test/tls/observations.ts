// Hand-made TLS observations shared by the unit suites that judge checks without a server: an
// observation of h.test:443 with no part observed yet, and the certificate of h.test a test varies.
import type { CertificateInfo, TlsObservation } from '../../checks/tls/observation.ts'

/** An observation of h.test (127.0.0.1:443) with no hello sent; `parts` adds what the test observed. */
export function tlsObservation(parts: Partial<TlsObservation>): TlsObservation {
  return {
    target: { name: 't', host: 'h.test', address: '127.0.0.1', port: 443 },
    hellos: [],
    stats: { rawHellos: 0, fullHandshakes: 0, connections: 0, durationMs: 0 },
    ...parts,
  }
}

/** A valid RSA-2048 leaf for h.test issued by CN=CA (2026-01-01 to 2027-01-01); `over` replaces fields. */
export function certInfo(over: Partial<CertificateInfo> = {}): CertificateInfo {
  return {
    subject: 'CN=h.test',
    issuer: 'CN=CA',
    serialNumber: '01',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    keyType: 'rsa',
    keyBits: 2048,
    signatureAlgorithm: 'sha256WithRSAEncryption',
    fingerprintSha256: 'AA',
    subjectAltNames: ['DNS:h.test'],
    isCA: false,
    selfIssued: false,
    ...over,
  }
}
