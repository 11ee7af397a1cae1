// tls.protocols — no SSLv2/SSLv3/TLS 1.0/TLS 1.1, and TLS 1.2 or 1.3 available.
import type { CheckDefinition, Offender } from '../types.ts'
import { TLS_PARTS, type TlsObservation, type TlsVersion } from './observation.ts'
import { byVersion, describeUndetermined, helloEvidence, part, undecidedKind } from './observation-parts.ts'
import { NO_MODERN_PROTOCOL, offenderList, undeterminedOffenders } from './offenders.ts'

export interface ProtocolsParams {
  forbidden: TlsVersion[]
}

const MODERN: TlsVersion[] = ['TLSv1.2', 'TLSv1.3']
/** broken beyond repair (DROWN, POODLE): an offender of its own severity */
const CRITICAL: TlsVersion[] = ['SSLv2', 'SSLv3']

function versionOffender(v: TlsVersion): Offender {
  return {
    id: v,
    why: CRITICAL.includes(v)
      ? `${v} is accepted, a protocol broken beyond repair (${v === 'SSLv2' ? 'DROWN' : 'POODLE'})`
      : v === 'TLSv1.0' || v === 'TLSv1.1'
        ? `${v} is accepted, a deprecated protocol version (RFC 8996)`
        : `${v} is accepted; the policy forbids it`,
    ...(CRITICAL.includes(v) ? { severity: 'critical' as const } : {}),
  }
}

export const protocols: CheckDefinition<TlsObservation, ProtocolsParams> = {
  id: 'tls.protocols',
  kinds: ['tls'],
  title: 'Only current TLS protocol versions are accepted',
  description: 'SSLv2, SSLv3, TLS 1.0 or TLS 1.1 is accepted, or neither TLS 1.2 nor TLS 1.3 is',
  params: [{ name: 'forbidden', description: 'protocol versions that must be refused', default: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1'] }],
  // SSLv2 / SSLv3 offenders are `critical` (versionOffender)
  severity: {
    level: 'high',
    reason: 'TLS 1.0 and 1.1 have no AEAD suites and hash the handshake with MD5/SHA-1, are deprecated by RFC 8996 and disallowed by PCI DSS, and keep a downgrade path open to every client (SSLv2 and SSLv3 offenders are critical: DROWN and POODLE break them outright)',
  },
  // Every version is probed, so the population is never empty once observed: accepting none of
  // them is a finding (neither TLS 1.2 nor 1.3), not an absence of anything to judge.
  population: 'protocol versions SSLv2 to TLS 1.3, each probed',
  needs: [TLS_PARTS.protocols],
  judge(obs, { forbidden = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1'] }) {
    const p = part(obs, 'protocols')
    if ('verdict' in p) return p.verdict
    const accepted = [...p.data.accepted].sort(byVersion)
    const bad = accepted.filter((v) => forbidden.includes(v))
    const modern = accepted.filter((v) => MODERN.includes(v))
    const base = {
      expected: { refused: forbidden, atLeastOneOf: MODERN },
      actual: { accepted, forbiddenAccepted: bad },
      observed: { accepted, refused: [...p.data.refused].sort(byVersion), undetermined: p.data.undetermined },
      evidence: [helloEvidence(obs, 'protocol')],
    }
    // no modern version is an offence only when both were decided (refused), not when one is unknown
    const noModern = !modern.length && !p.data.undetermined.some((u) => MODERN.includes(u.version))
    const noModernOffender = { id: NO_MODERN_PROTOCOL, why: `neither TLS 1.2 nor TLS 1.3 is accepted (accepted: ${accepted.join(', ') || 'nothing'})` }
    if (bad.length)
      return { ...base, status: 'failed', summary: `accepts ${bad.join(', ')} (accepted: ${accepted.join(', ')})`, offenders: offenderList([...bad.map(versionOffender), ...(noModern ? [noModernOffender] : [])]) }
    const unsure = p.data.undetermined.filter((u) => forbidden.includes(u.version) || MODERN.includes(u.version))
    if (unsure.length) {
      // a ServerHello the server had no right to send is a violation, not a refusal: never "accepts nothing"
      const kind = undecidedKind(unsure)
      const what = describeUndetermined(unsure)
      return { ...base, status: 'error', errorKind: kind, summary: kind === 'protocol' ? `the server broke the TLS protocol answering ${what}` : `could not determine ${what}`, offenders: offenderList(undeterminedOffenders(unsure)) }
    }
    if (!modern.length) return { ...base, status: 'failed', summary: `accepts neither TLS 1.2 nor TLS 1.3 (accepted: ${accepted.join(', ') || 'nothing'})`, offenders: [noModernOffender] }
    return { ...base, status: 'passed', summary: `accepts only ${accepted.join(', ')}` }
  },
}
