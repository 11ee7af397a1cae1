// tls.cert.signature — no certificate below the root is signed with SHA-1 or MD5.
import { notApplicableVerdict, type CheckDefinition } from '../types.ts'
import { TLS_PARTS, type TlsObservation } from './observation.ts'
import { chainEvidence, servedChain } from './certificate-chain.ts'
import { certOffenderId, offenderList } from './offenders.ts'

const POPULATION = 'certificates below the root in the served chain'

export interface SignatureParams {
  forbidden: string[]
}

/** Lower-case hash family of a signature algorithm name or OID (e.g. `sha1WithRSAEncryption` → `sha1`). */
export function signatureHash(alg: string): string {
  const a = alg.toLowerCase()
  if (a.includes('md5')) return 'md5'
  if (a.includes('md2')) return 'md2'
  if (/sha-?1(?!\d)|sha1with|withsha1|dsa-with-sha1|1\.2\.840\.113549\.1\.1\.5|1\.2\.840\.10045\.4\.1/.test(a)) return 'sha1'
  const m = /sha-?(224|256|384|512)/.exec(a)
  if (m) return `sha${m[1]}`
  if (a.includes('ed25519')) return 'ed25519'
  if (a.includes('ed448')) return 'ed448'
  return a
}

export const certSignature: CheckDefinition<TlsObservation, SignatureParams> = {
  id: 'tls.cert.signature',
  kinds: ['tls'],
  title: 'Certificates are not signed with SHA-1 or MD5',
  description: 'a certificate below the root (leaf or intermediate) is signed with SHA-1 or MD5; self-signed roots are exempt, their signature is not checked by clients',
  params: [{ name: 'forbidden', description: 'signature hash algorithms that fail', default: ['sha1', 'md5', 'md2'] }],
  severity: {
    level: 'medium',
    reason: 'a SHA-1 or MD5 signature can be matched by a chosen-prefix collision to forge a certificate the issuer never signed, an attack that is costly and targeted (and that current clients already block by rejecting such signatures), so the risk is real but narrower than a weak key or an untrusted chain',
  },
  population: POPULATION,
  needs: [TLS_PARTS.certificate],
  judge(obs, { forbidden = ['sha1', 'md5', 'md2'] }) {
    const p = servedChain(obs, POPULATION)
    if ('verdict' in p) return p.verdict
    const sigs = p.data.certs.map((c) => ({ subject: c.subject, algorithm: c.signatureAlgorithm, hash: signatureHash(c.signatureAlgorithm), root: c.selfIssued }))
    const idOf = (s: (typeof sigs)[number]) => certOffenderId(p.data, sigs.indexOf(s))
    // a chain of self-issued certificates only (a self-signed leaf) has no signature a client checks
    if (sigs.every((s) => s.root))
      return {
        ...notApplicableVerdict(`every served certificate is self-issued (${sigs.map((s) => s.subject).join('; ')}): no ${POPULATION} to judge`, { signatures: sigs }, [chainEvidence(p.data)]),
        expected: { forbiddenHashes: forbidden },
      }
    const bad = sigs.filter((s) => !s.root && forbidden.includes(s.hash))
    return {
      status: bad.length ? 'failed' : 'passed',
      summary: bad.length ? bad.map((s) => `${s.subject} is signed with ${s.algorithm}`).join('; ') : `no certificate below the root uses ${forbidden.join('/')} (leaf: ${sigs[0]!.algorithm})`,
      expected: { forbiddenHashes: forbidden },
      actual: { weak: bad },
      observed: { signatures: sigs },
      evidence: [chainEvidence(p.data)],
      ...(bad.length ? { offenders: offenderList(bad.map((s) => ({ id: idOf(s), why: `${s.subject} is signed with ${s.algorithm}` }))) } : {}),
    }
  },
}
