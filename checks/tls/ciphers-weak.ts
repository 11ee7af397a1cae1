// tls.ciphers.weak — no NULL, EXPORT, anonymous, RC4, DES/3DES, IDEA or MD5 suite is accepted.
import type { CheckDefinition } from '../types.ts'
import { TLS_PARTS, type TlsObservation, type TlsVersion } from './observation.ts'
import { acceptedProtocols, byVersion, helloEvidence, incompleteVerdict, missingSuitesKind, part } from './observation-parts.ts'
import { weakReasons } from './cipher-suites.ts'
import { missingSuitesOffenders, offenderList, suiteOffenderId } from './offenders.ts'

export const ciphersWeak: CheckDefinition<TlsObservation, Record<string, never>> = {
  id: 'tls.ciphers.weak',
  kinds: ['tls'],
  title: 'No weak cipher suite is accepted',
  description: 'a NULL, EXPORT, anonymous, RC4, DES/3DES, IDEA or MD5 cipher suite is accepted under any protocol version (including the TLS 1.3 integrity-only suites TLS_SHA256_SHA256 / TLS_SHA384_SHA384)',
  params: [],
  severity: { level: 'high', reason: 'an accepted NULL, EXPORT, anonymous, RC4, DES/3DES or MD5 suite lets an attacker read or alter traffic with published, practical attacks (FREAK, Logjam, Sweet32, RC4 biases) or with none at all (NULL encryption, no authentication)' },
  population: 'accepted cipher suites',
  needs: [TLS_PARTS.protocols, TLS_PARTS.suites('weak')],
  judge(obs) {
    const pr = acceptedProtocols(obs, 'accepted cipher suites')
    if ('verdict' in pr) return pr.verdict
    const su = part(obs, 'suites')
    if ('verdict' in su) return su.verdict
    const weakByProtocol: Partial<Record<TlsVersion, { suite: string; reasons: string[] }[]>> = {}
    const missing: TlsVersion[] = []
    for (const v of [...pr.data.accepted].sort(byVersion)) {
      const list = su.data.byProtocol[v]?.weak ?? su.data.byProtocol[v]?.all?.filter((s) => weakReasons(s).length > 0)
      if (!list) {
        missing.push(v)
        continue
      }
      if (list.length) weakByProtocol[v] = list.map((suite) => ({ suite, reasons: weakReasons(suite) }))
    }
    const found = Object.entries(weakByProtocol).flatMap(([v, l]) => l.map((x) => `${x.suite} (${x.reasons.join(', ')}) under ${v}`))
    const base = {
      expected: { weakSuitesAccepted: [] },
      actual: { weakSuitesAccepted: weakByProtocol },
      observed: { acceptedProtocols: pr.data.accepted, weakByProtocol },
      evidence: [helloEvidence(obs, 'suites')],
    }
    if (found.length) {
      const offenders = Object.entries(weakByProtocol).flatMap(([v, l]) => l.map((x) => ({ id: suiteOffenderId(v as TlsVersion, x.suite), why: `${x.suite} is accepted under ${v}: ${x.reasons.join(', ')}` })))
      return { ...base, status: 'failed', summary: `accepts ${found.length} weak suite(s): ${found.slice(0, 3).join('; ')}${found.length > 3 ? '; …' : ''}`, offenders: offenderList(offenders) }
    }
    if (missing.length)
      return { ...base, status: 'error', errorKind: missingSuitesKind(su.data, missing), summary: `weak suites not observed for ${missing.join(', ')}`, offenders: offenderList(missingSuitesOffenders(missing, su.data.undetermined)) }
    const incomplete = incompleteVerdict(pr.data, base)
    if (incomplete) return incomplete
    return { ...base, status: 'passed', summary: `no weak suite accepted under ${[...pr.data.accepted].sort(byVersion).join(', ')}` }
  },
}
