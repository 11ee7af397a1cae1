// tls.cert.hostname — the leaf certificate is valid for the inventory `host` (RFC 6125 rules via node:crypto).
import { X509Certificate } from 'node:crypto'
import { isIP } from 'node:net'
import type { CheckDefinition } from '../types.ts'
import { TLS_PARTS, type TlsObservation } from './observation.ts'
import { chainEvidence, servedChain } from './certificate-chain.ts'
import { certOffenderId, partOffenderId } from './offenders.ts'

const POPULATION = 'the leaf certificate'

export const certHostname: CheckDefinition<TlsObservation, Record<string, never>> = {
  id: 'tls.cert.hostname',
  kinds: ['tls'],
  title: 'The leaf certificate matches the host name',
  description: 'the leaf certificate does not match the target `host` (subject alternative names, wildcards per RFC 6125)',
  params: [],
  severity: { level: 'high', reason: 'a certificate that does not name the host either breaks every validating client or, where clients are told to ignore the mismatch, lets any holder of a trusted certificate impersonate the endpoint' },
  population: POPULATION,
  needs: [TLS_PARTS.certificate],
  judge(obs) {
    const p = servedChain(obs, POPULATION)
    if ('verdict' in p) return p.verdict
    const host = obs.target.host
    const leafPem = p.data.chainPem[0]
    const leaf = p.data.certs[0]
    // servedChain answered an empty chain; a leaf parsed without its PEM means a broken observation
    if (!leafPem || !leaf) {
      const summary = 'the leaf certificate was parsed but its PEM is missing from the observation'
      return { status: 'error', errorKind: 'inconclusive', summary, expected: { host }, actual: {}, observed: {}, evidence: [], offenders: [{ id: partOffenderId('certificate'), why: summary }] }
    }
    const x = new X509Certificate(leafPem)
    const matched = isIP(host) ? x.checkIP(host) : x.checkHost(host, { subject: 'default' })
    return {
      status: matched ? 'passed' : 'failed',
      summary: matched ? `leaf certificate is valid for ${host} (matched ${matched})` : `leaf certificate is not valid for ${host}; it names ${leaf.subjectAltNames.join(', ') || leaf.subject}`,
      expected: { host },
      actual: { matched: matched ?? null, names: leaf.subjectAltNames, subject: leaf.subject },
      observed: { host, subjectAltNames: leaf.subjectAltNames, subject: leaf.subject },
      evidence: [chainEvidence(p.data)],
      ...(matched ? {} : { offenders: [{ id: `${certOffenderId(p.data, 0)} host:${host}`, why: `the leaf is not valid for ${host}; it names ${leaf.subjectAltNames.join(', ') || leaf.subject}` }] }),
    }
  },
}
