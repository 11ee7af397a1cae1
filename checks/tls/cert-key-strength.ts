// tls.cert.key-strength — every served certificate's public key is at least RSA/DSA 2048 or EC 256 bits.
import type { CheckDefinition } from '../types.ts'
import { TLS_PARTS, type TlsObservation } from './observation.ts'
import { chainEvidence, servedChain } from './certificate-chain.ts'
import { certOffenderId, offenderList } from './offenders.ts'

const POPULATION = 'public keys of the served certificates'

export interface KeyStrengthParams {
  minRsaBits: number
  minEcBits: number
}

const EC_BITS: Record<string, number> = { prime256v1: 256, secp256r1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384, secp521r1: 521, 'P-521': 521, secp224r1: 224, secp192r1: 192, prime192v1: 192, secp256k1: 256 }

export function keyBits(c: { keyType: string; keyBits?: number; curve?: string }): number | undefined {
  if (c.keyType === 'ed25519') return 256
  if (c.keyType === 'ed448') return 448
  if (c.keyType === 'ec') return c.keyBits ?? (c.curve ? EC_BITS[c.curve] : undefined)
  return c.keyBits
}

export const certKeyStrength: CheckDefinition<TlsObservation, KeyStrengthParams> = {
  id: 'tls.cert.key-strength',
  kinds: ['tls'],
  title: 'Certificate keys are strong enough',
  description: 'a served certificate has an RSA/DSA key below 2048 bits or an EC key below 256 bits',
  params: [
    { name: 'minRsaBits', description: 'minimum RSA and DSA modulus size', default: 2048 },
    { name: 'minEcBits', description: 'minimum elliptic-curve key size', default: 256 },
  ],
  severity: { level: 'high', reason: 'a certificate key below current minimums can be factored or broken by a capable attacker, who can then impersonate the endpoint (and, with static RSA, decrypt recorded sessions)' },
  population: POPULATION,
  needs: [TLS_PARTS.certificate],
  judge(obs, { minRsaBits = 2048, minEcBits = 256 }) {
    const p = servedChain(obs, POPULATION)
    if ('verdict' in p) return p.verdict
    const keys = p.data.certs.map((c) => ({ subject: c.subject, keyType: c.keyType, bits: keyBits(c) ?? null, curve: c.curve ?? null }))
    const idOf = (k: (typeof keys)[number]) => certOffenderId(p.data, keys.indexOf(k))
    const unknown = keys.filter((k) => k.bits === null)
    const weak = keys.filter((k) => k.bits !== null && ((['rsa', 'rsa-pss', 'dsa'].includes(k.keyType) && k.bits < minRsaBits) || (['ec', 'ed25519', 'ed448'].includes(k.keyType) && k.bits < minEcBits)))
    const base = { expected: { minRsaBits, minEcBits }, observed: { keys }, evidence: [chainEvidence(p.data)] }
    const weakWhy = (k: (typeof keys)[number]) => `${k.subject} has a ${k.bits}-bit ${k.keyType.toUpperCase()} key`
    if (weak.length)
      return { ...base, status: 'failed', summary: weak.map(weakWhy).join('; '), actual: { weak }, offenders: offenderList(weak.map((k) => ({ id: idOf(k), why: weakWhy(k) }))) }
    if (unknown.length)
      return {
        ...base,
        status: 'error',
        errorKind: 'inconclusive',
        summary: `key size unknown for ${unknown.map((k) => `${k.subject} (${k.keyType})`).join(', ')}`,
        actual: { unknown },
        offenders: offenderList(unknown.map((k) => ({ id: idOf(k), why: `${k.subject}: the size of its ${k.keyType}${k.curve ? ` (${k.curve})` : ''} key is unknown` }))),
      }
    const leaf = keys[0]
    return { ...base, status: 'passed', summary: `all ${keys.length} key(s) strong enough (leaf: ${leaf?.keyType.toUpperCase()} ${leaf?.bits} bits)`, actual: { keys } }
  },
}
