// Reading one part of a TLS observation, or the reason it is missing, as a verdict.
import { errorVerdict, type Verdict } from '../types.ts'
import type { TlsObservation, TlsVersion } from './observation.ts'

type PartName = 'protocols' | 'suites' | 'keyExchange' | 'certificate' | 'hsts'
type PartData<K extends PartName> = Exclude<NonNullable<TlsObservation[K]>, { error: unknown }>

/** The part's data, or an `error` verdict saying why the check cannot decide. */
export function part<K extends PartName>(obs: TlsObservation, name: K): { data: PartData<K> } | { verdict: Verdict } {
  const where = { endpoint: `${obs.target.host}:${obs.target.port}` }
  if (obs.error) return { verdict: errorVerdict(obs.error.kind, `${obs.error.message}`, where) }
  const p = obs[name]
  if (!p) return { verdict: errorVerdict('not-observed', `the ${name} of this endpoint were not observed in this run`, where) }
  if (p.error) return { verdict: errorVerdict(p.error.kind, p.error.message, where) }
  return { data: p as PartData<K> }
}

export function helloEvidence(obs: TlsObservation, purposePrefix?: string) {
  const hellos = purposePrefix ? obs.hellos.filter((h) => h.purpose.startsWith(purposePrefix)) : obs.hellos
  return {
    kind: 'tls-hellos',
    description: `${hellos.length} ClientHello(s) sent to ${obs.target.address}:${obs.target.port} (SNI ${obs.target.host}) and the server's answers`,
    data: hellos,
  }
}

/** Protocol order, oldest first, for stable output. */
export const VERSION_ORDER: TlsVersion[] = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']
export const byVersion = (a: TlsVersion, b: TlsVersion) => VERSION_ORDER.indexOf(a) - VERSION_ORDER.indexOf(b)
