// tls.cert.trust — the served chain builds to a trusted root (system roots + inventory extraCaFiles).
import type { CheckDefinition } from '../types.ts'
import { TLS_PARTS, type TlsObservation } from './observation.ts'
import { chainEvidence, servedChain } from './certificate-chain.ts'
import { certOffenderId } from './offenders.ts'

const POPULATION = 'the served certificate chain'

export const certTrust: CheckDefinition<TlsObservation, Record<string, never>> = {
  id: 'tls.cert.trust',
  kinds: ['tls'],
  title: 'The certificate chain builds to a trusted root',
  description: 'the served chain does not build to a trusted root (system roots plus the inventory trust.extraCaFiles)',
  params: [],
  severity: { level: 'high', reason: "a chain that does not build to a trusted root authenticates no one: validating clients refuse it, and clients taught to click through accept an interceptor's certificate just as readily" },
  population: POPULATION,
  needs: [TLS_PARTS.certificate],
  judge(obs) {
    const p = servedChain(obs, POPULATION)
    if ('verdict' in p) return p.verdict
    const { trust } = p.data
    const leaf = p.data.certs[0]!.subject
    const evidence = [chainEvidence(p.data)]
    if (trust.anchorPem) evidence.push({ kind: 'trust-anchor', description: `trust anchor (${trust.anchorSource ?? 'unknown'} store)`, mediaType: 'application/x-pem-file', data: trust.anchorPem })
    return {
      status: trust.trusted ? 'passed' : 'failed',
      summary: trust.trusted
        ? `chain for ${leaf} builds to ${trust.path.at(-1) ?? 'a trusted root'} (${trust.anchorSource ?? 'unknown'} roots)`
        : `chain for ${leaf} is not trusted: ${trust.reason ?? 'no path to a trusted root'}`,
      expected: { trusted: true, roots: 'system roots + trust.extraCaFiles' },
      actual: { trusted: trust.trusted, ...(trust.reason ? { reason: trust.reason } : {}), path: trust.path },
      observed: { path: trust.path, anchorSource: trust.anchorSource ?? null, served: p.data.certs.map((c) => c.subject) },
      evidence,
      // the leaf names the chain: a renewal with the same key and the same broken path is the same offender
      ...(trust.trusted ? {} : { offenders: [{ id: certOffenderId(p.data, 0), why: `not trusted: ${trust.reason ?? 'no path to a trusted root'}` }] }),
    }
  },
}
