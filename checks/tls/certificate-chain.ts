// Shared by the certificate judges: served chain as parsed facts, and the evidence item with the PEMs.
import type { EvidenceItem } from '../types.ts'
import type { CertificateObservation } from './observation.ts'

export function chainEvidence(cert: CertificateObservation): EvidenceItem {
  return {
    kind: 'pem-chain',
    description: `certificate chain as served (${cert.chainPem.length} certificate(s), via ${cert.source} ${cert.protocol}), leaf first`,
    mediaType: 'application/x-pem-file',
    data: cert.chainPem.join(''),
  }
}

export const DAY_MS = 86_400_000
