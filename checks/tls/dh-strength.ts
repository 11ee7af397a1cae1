// tls.dh-strength — DHE groups are at least 2048 bits and ECDHE curves at least 256 bits.
import { notApplicableVerdict, type CheckDefinition } from '../types.ts'
import { TLS_PARTS, type TlsObservation, type TlsVersion } from './observation.ts'
import { acceptedProtocols, byVersion, helloEvidence, incompleteVerdict, part } from './observation-parts.ts'
import { dheOffenderId, groupOffenderId, offenderList } from './offenders.ts'

const POPULATION = 'accepted key-exchange groups (DHE primes, ECDHE curves, TLS 1.3 groups)'

export interface DhStrengthParams {
  minDhBits: number
  minEcBits: number
}

export const dhStrength: CheckDefinition<TlsObservation, DhStrengthParams> = {
  id: 'tls.dh-strength',
  kinds: ['tls'],
  title: 'Key exchange groups are strong enough',
  description: 'a DHE suite uses a group below 2048 bits, or an ECDHE curve below 256 bits is accepted',
  params: [
    { name: 'minDhBits', description: 'minimum finite-field DH prime size', default: 2048 },
    { name: 'minEcBits', description: 'minimum ECDHE curve size', default: 256 },
  ],
  severity: { level: 'medium', reason: 'a DH group under 2048 bits or a curve under 256 bits can be broken by a well-resourced attacker (Logjam precomputation) to read or downgrade sessions, which is a real but costly attack and only reaches the clients that end up negotiating that group' },
  population: POPULATION,
  needs: [TLS_PARTS.protocols, TLS_PARTS.keyExchange],
  judge(obs, { minDhBits = 2048, minEcBits = 256 }) {
    const pr = acceptedProtocols(obs, POPULATION)
    if ('verdict' in pr) return pr.verdict
    const kx = part(obs, 'keyExchange')
    if ('verdict' in kx) return kx.verdict
    const { dheBits, acceptedGroups, groupBits } = kx.data
    const weakDh = Object.entries(dheBits).filter(([, bits]) => bits !== undefined && bits < minDhBits)
    const weakGroups = acceptedGroups.filter((g) => {
      const bits = groupBits[g]
      if (bits === undefined) return false
      return g.startsWith('ffdhe') ? bits < minDhBits : bits < minEcBits
    })
    const unknown = acceptedGroups.filter((g) => groupBits[g] === undefined)
    const problems = [...weakDh.map(([v, b]) => `DHE group of ${b} bits under ${v}`), ...weakGroups.map((g) => `curve ${g} (${groupBits[g]} bits)`)]
    const base = {
      expected: { minDhBits, minEcBits },
      actual: { weakDhe: Object.fromEntries(weakDh), weakGroups },
      observed: { acceptedProtocols: [...pr.data.accepted].sort(byVersion), dheBits, acceptedGroups, groupBits },
      evidence: [helloEvidence(obs, 'kex')],
    }
    if (problems.length) {
      const offenders = [
        ...weakDh.map(([v, b]) => ({ id: dheOffenderId(v as TlsVersion, b), why: `a DHE suite under ${v} uses a ${b}-bit group (minimum ${minDhBits})` })),
        ...weakGroups.map((g) => ({ id: groupOffenderId(g), why: `group ${g} (${groupBits[g]} bits) is accepted (minimum ${g.startsWith('ffdhe') ? minDhBits : minEcBits})` })),
      ]
      return { ...base, status: 'failed', summary: `weak key exchange: ${problems.join('; ')}`, offenders: offenderList(offenders) }
    }
    if (unknown.length)
      return { ...base, status: 'error', errorKind: 'inconclusive', summary: `size unknown for group(s) ${unknown.join(', ')}`, offenders: offenderList(unknown.map((g) => ({ id: groupOffenderId(g), why: `group ${g} is accepted but its size is unknown` }))) }
    const incomplete = incompleteVerdict(pr.data, base)
    if (incomplete) return incomplete
    const dh = Object.values(dheBits)
    // e.g. static RSA only: no group is used at all (tls.forward-secrecy is the check that cares)
    if (!dh.length && !acceptedGroups.length)
      return { ...notApplicableVerdict(`no DHE suite and no ECDHE curve or TLS 1.3 group accepted under ${base.observed.acceptedProtocols.join(', ')}`, base.observed, base.evidence), expected: base.expected, actual: { dheBits, acceptedGroups } }
    return {
      ...base,
      status: 'passed',
      summary: `${dh.length ? `DHE ${Math.min(...dh)} bits` : 'no DHE'}; ${acceptedGroups.length ? `groups ${acceptedGroups.join(', ')} all strong enough (EC ≥ ${minEcBits}, FFDHE ≥ ${minDhBits} bits)` : 'no ECDHE curve or TLS 1.3 group accepted'}`,
    }
  },
}
