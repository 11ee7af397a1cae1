// tls.profile — nothing is accepted outside Mozilla's server-side TLS 6.0 profile (intermediate or modern):
// protocol versions, cipher suites and key-exchange groups.
import type { CheckDefinition } from '../types.ts'
import { TLS_PARTS, type TlsObservation, type TlsVersion } from './observation.ts'
import { acceptedProtocols, byVersion, helloEvidence, incompleteVerdict, missingSuitesKind, part } from './observation-parts.ts'
import { groupOffenderId, missingSuitesOffenders, offenderList, suiteOffenderId } from './offenders.ts'
import mozilla from './data/mozilla-6.0.json' with { type: 'json' }

export interface ProfileParams {
  profile: 'intermediate' | 'modern'
}

/** Mozilla names curves the OpenSSL way; the probe uses IANA names. */
export function canonicalGroup(name: string): string {
  const n = name.toLowerCase()
  return n === 'prime256v1' ? 'secp256r1' : n
}

export const profile: CheckDefinition<TlsObservation, ProfileParams> = {
  id: 'tls.profile',
  kinds: ['tls'],
  title: "The endpoint stays inside Mozilla's server-side TLS 6.0 profile",
  description: 'a protocol version, cipher suite or key-exchange group outside the chosen Mozilla 6.0 profile (`intermediate` default, or `modern`) is accepted',
  params: [{ name: 'profile', description: '`intermediate` (TLS 1.2 + 1.3, ECDHE AEAD suites) or `modern` (TLS 1.3 only)', default: 'intermediate' }],
  severity: { level: 'low', reason: 'a conformance baseline: what it flags beyond the other TLS checks (a CBC or non-AEAD suite, an extra strong curve) is hygiene, and whatever it flags that is exploitable is also failed, at its own severity, by tls.protocols, tls.ciphers.weak, tls.forward-secrecy or tls.dh-strength' },
  population: 'accepted protocol versions, cipher suites and groups',
  needs: [TLS_PARTS.protocols, TLS_PARTS.suites('outside-intermediate'), TLS_PARTS.keyExchange],
  judge(obs, { profile: name = 'intermediate' }) {
    const conf = mozilla.configurations[name]
    if (!conf) {
      const summary = `unknown Mozilla profile "${name}"`
      return { status: 'error', errorKind: 'inconclusive', summary, expected: {}, actual: {}, observed: {}, evidence: [], offenders: [{ id: 'param/profile', why: summary }] }
    }
    const pr = acceptedProtocols(obs, 'accepted protocol versions, cipher suites and groups')
    if ('verdict' in pr) return pr.verdict
    const su = part(obs, 'suites')
    if ('verdict' in su) return su.verdict
    const kx = part(obs, 'keyExchange')
    if ('verdict' in kx) return kx.verdict
    const allowedVersions = conf.tls_versions as TlsVersion[]
    const allowedSuites = new Set([...conf.ciphersuites, ...conf.ciphers.iana])
    const allowedGroups = new Set(conf.tls_curves.map(canonicalGroup))
    const accepted = [...pr.data.accepted].sort(byVersion)
    const badVersions = accepted.filter((v) => !allowedVersions.includes(v))
    const badSuites: Partial<Record<TlsVersion, string[]>> = {}
    const missing: TlsVersion[] = []
    for (const v of accepted) {
      const cats = su.data.byProtocol[v]
      // a version outside the profile is already a violation; list what is known about its suites
      const known = cats?.['outside-intermediate'] ?? cats?.all ?? (su.data.preferred[v] ? [su.data.preferred[v]!] : undefined)
      if (!known) {
        if (allowedVersions.includes(v)) missing.push(v)
        continue
      }
      const outside = allowedVersions.includes(v) ? known.filter((s) => !allowedSuites.has(s)) : known
      if (outside.length) badSuites[v] = outside
    }
    const badGroups = kx.data.acceptedGroups.filter((g) => !allowedGroups.has(canonicalGroup(g)))
    const problems = [
      ...badVersions.map((v) => `protocol ${v}`),
      ...Object.entries(badSuites).flatMap(([v, l]) => l.map((s) => `${s} under ${v}`)),
      ...badGroups.map((g) => `group ${g}`),
    ]
    const base = {
      expected: { profile: `mozilla-6.0-${name}`, versions: allowedVersions, suites: [...allowedSuites], groups: conf.tls_curves },
      actual: { versionsOutside: badVersions, suitesOutside: badSuites, groupsOutside: badGroups },
      observed: { acceptedProtocols: accepted, suitesOutsideProfile: badSuites, acceptedGroups: kx.data.acceptedGroups },
      evidence: [helloEvidence(obs)],
    }
    if (problems.length) {
      const offenders = [
        ...badVersions.map((v) => ({ id: v, why: `${v} is accepted; Mozilla ${name} allows only ${allowedVersions.join(', ')}` })),
        ...Object.entries(badSuites).flatMap(([v, l]) => l.map((s) => ({ id: suiteOffenderId(v as TlsVersion, s), why: `${s} is accepted under ${v}, outside Mozilla ${name}` }))),
        ...badGroups.map((g) => ({ id: groupOffenderId(g), why: `group ${g} is accepted, outside Mozilla ${name} (${conf.tls_curves.join(', ')})` })),
      ]
      return { ...base, status: 'failed', summary: `outside Mozilla ${name}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; … (${problems.length} in all)` : ''}`, offenders: offenderList(offenders) }
    }
    if (missing.length)
      return { ...base, status: 'error', errorKind: missingSuitesKind(su.data, missing), summary: `suites not observed for ${missing.join(', ')}`, offenders: offenderList(missingSuitesOffenders(missing, su.data.undetermined)) }
    const incomplete = incompleteVerdict(pr.data, base)
    if (incomplete) return incomplete
    return { ...base, status: 'passed', summary: `inside Mozilla ${name}: ${accepted.join(', ')}; groups ${kx.data.acceptedGroups.join(', ') || 'none'}` }
  },
}
