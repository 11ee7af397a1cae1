// tls.forward-secrecy — every accepted suite uses ephemeral key exchange (mode `all`), or at least
// one forward-secret suite is offered (mode `offered`). Evidence says all / some / none.
import type { CheckDefinition } from '../types.ts'
import { TLS_PARTS, type TlsObservation, type TlsVersion } from './observation.ts'
import { acceptedProtocols, byVersion, helloEvidence, incompleteVerdict, missingSuitesKind, part } from './observation-parts.ts'
import { NO_FORWARD_SECRET_SUITE, missingSuitesOffenders, offenderList, suiteOffenderId } from './offenders.ts'

export interface ForwardSecrecyParams {
  mode: 'all' | 'offered'
}

export const forwardSecrecy: CheckDefinition<TlsObservation, ForwardSecrecyParams> = {
  id: 'tls.forward-secrecy',
  kinds: ['tls'],
  title: 'Accepted cipher suites use ephemeral key exchange',
  description: 'mode `all` (default): any accepted suite lacks ephemeral (EC)DHE key exchange; mode `offered`: no forward-secret suite is accepted at all',
  params: [{ name: 'mode', description: '`all`: every accepted suite must be forward secret; `offered`: at least one must be', default: 'all' }],
  severity: { level: 'medium', reason: 'without ephemeral key exchange, whoever later obtains the server key can decrypt every recorded session, but it takes that key compromise first and exposes past traffic, not the live channel' },
  population: 'accepted cipher suites',
  needs: [TLS_PARTS.protocols, TLS_PARTS.suites('fs'), TLS_PARTS.suites('non-fs')],
  judge(obs, { mode = 'all' }) {
    const pr = acceptedProtocols(obs, 'accepted cipher suites')
    if ('verdict' in pr) return pr.verdict
    const su = part(obs, 'suites')
    if ('verdict' in su) return su.verdict
    const perProtocol: Partial<Record<TlsVersion, { fs: string[]; nonFs: string[] }>> = {}
    const missing: TlsVersion[] = []
    for (const v of [...pr.data.accepted].sort(byVersion)) {
      if (v === 'TLSv1.3') {
        // every TLS 1.3 suite is (EC)DHE-based; the probe still lists which it accepted
        perProtocol[v] = { fs: su.data.byProtocol[v]?.fs ?? su.data.byProtocol[v]?.all ?? [], nonFs: [] }
        continue
      }
      const cats = su.data.byProtocol[v]
      if (!cats || !cats.fs || !cats['non-fs']) {
        missing.push(v)
        continue
      }
      perProtocol[v] = { fs: cats.fs, nonFs: cats['non-fs'] }
    }
    const rows = Object.values(perProtocol)
    const nonFs = [...new Set(rows.flatMap((r) => r.nonFs))]
    const fs = [...new Set(rows.flatMap((r) => r.fs))]
    const tls13 = pr.data.accepted.includes('TLSv1.3')
    const anyFs = fs.length > 0 || tls13
    const coverage = nonFs.length === 0 ? 'all' : anyFs ? 'some' : 'none'
    const base = {
      expected: { mode, forwardSecrecy: mode === 'all' ? 'all accepted suites' : 'at least one accepted suite' },
      actual: { forwardSecrecy: coverage, nonForwardSecretSuites: nonFs },
      observed: { forwardSecrecy: coverage, suitesByProtocol: perProtocol, acceptedProtocols: pr.data.accepted },
      evidence: [helloEvidence(obs, 'suites')],
    }
    // what a verdict rests on: `all` passes and `offered` fails only on the complete population
    const decisive = mode === 'all' ? nonFs.length === 0 : !anyFs
    if (missing.length && decisive)
      return { ...base, status: 'error', errorKind: missingSuitesKind(su.data, missing), summary: `suites not observed for ${missing.join(', ')}`, offenders: offenderList(missingSuitesOffenders(missing, su.data.undetermined)) }
    if (decisive) {
      const incomplete = incompleteVerdict(pr.data, base)
      if (incomplete) return incomplete
    }
    if (!fs.length && !nonFs.length && !tls13 && !missing.length)
      // a version was accepted, so a suite was: lists that name none lost it somewhere
      return {
        ...base,
        status: 'error',
        errorKind: 'inconclusive',
        summary: `${pr.data.accepted.join(', ')} accepted, but no accepted suite was recorded`,
        offenders: offenderList(missingSuitesOffenders([...pr.data.accepted].sort(byVersion))),
      }
    if (mode === 'all' && nonFs.length) {
      const offenders = Object.entries(perProtocol).flatMap(([v, r]) => r.nonFs.map((s) => ({ id: suiteOffenderId(v as TlsVersion, s), why: `${s} is accepted under ${v} without ephemeral key exchange` })))
      return { ...base, status: 'failed', summary: `forward secrecy: ${coverage}; accepts ${nonFs.length} suite(s) without ephemeral key exchange: ${nonFs.slice(0, 4).join(', ')}${nonFs.length > 4 ? ', …' : ''}`, offenders: offenderList(offenders) }
    }
    if (mode === 'offered' && !anyFs)
      // the offence is the absence of any forward-secret suite, not any one suite that is accepted
      return { ...base, status: 'failed', summary: 'forward secrecy: none; no accepted suite uses ephemeral key exchange', offenders: [{ id: NO_FORWARD_SECRET_SUITE, why: `none of the ${nonFs.length} accepted suite(s) uses ephemeral key exchange` }] }
    return { ...base, status: 'passed', summary: `forward secrecy: ${coverage}${coverage === 'all' ? ' accepted suites are forward secret' : ' (mode offered)'}` }
  },
}
