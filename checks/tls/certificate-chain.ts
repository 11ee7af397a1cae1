// Shared by the certificate judges: served chain as parsed facts, and the evidence item with the PEMs.
import { notApplicableVerdict, type EvidenceItem, type Verdict } from '../types.ts'
import type { CertificateObservation, TlsObservation } from './observation.ts'
import { handshakePart } from './observation-parts.ts'

/** Each served chain's PEM text, made once: five checks cite it (the evidence store then knows the same text again at once). */
const chainText = new WeakMap<CertificateObservation, string>()

export function chainEvidence(cert: CertificateObservation): EvidenceItem {
  let data = chainText.get(cert)
  if (data === undefined) chainText.set(cert, (data = cert.chainPem.join('')))
  return {
    kind: 'pem-chain',
    description: `certificate chain as served (${cert.chainPem.length} certificate(s), via ${cert.source} ${cert.protocol}), leaf first`,
    mediaType: 'application/x-pem-file',
    data,
  }
}

/**
 * The served chain for a certificate check, or the verdict when there is none to judge:
 * - the chain could not be fetched and the protocol probe (when it ran) says why: no version was
 *   accepted because every one was refused → `not-applicable` (nothing is served), or because the
 *   server broke the protocol / could not be probed → `error` (`protocol` / `inconclusive`);
 * - otherwise a chain that could not be fetched is the part's own `error`;
 * - a chain of zero certificates is observed and empty → `not-applicable` (`population` names
 *   what the check judges).
 */
export function servedChain(obs: TlsObservation, population: string): { data: CertificateObservation } | { verdict: Verdict } {
  const p = handshakePart(obs, 'certificate', population)
  if ('verdict' in p) return p
  if (!p.data.certs.length)
    return { verdict: notApplicableVerdict(`the server sent no certificate: nothing to judge (${population})`, { endpoint: `${obs.target.host}:${obs.target.port}`, source: p.data.source, protocol: p.data.protocol, certificates: 0 }, [chainEvidence(p.data)]) }
  return p
}

export const DAY_MS = 86_400_000
