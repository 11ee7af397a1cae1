// Reading one part of a TLS observation, or the reason it is missing, as a verdict.
import { errorVerdict, notApplicableVerdict, type ErrorKind, type Verdict } from '../types.ts'
import type { ProtocolsObservation, SuitesObservation, TlsObservation, TlsVersion } from './observation.ts'
import { ENDPOINT, offenderList, partOffenderId, undeterminedOffenders } from './offenders.ts'

type PartName = 'protocols' | 'suites' | 'keyExchange' | 'certificate' | 'hsts'
type PartData<K extends PartName> = Exclude<NonNullable<TlsObservation[K]>, { error: unknown }>

/**
 * The part's data, or an `error` verdict saying why the check cannot decide, naming what could not
 * be decided: the whole `endpoint` when it could not be observed at all, else the part
 * (`part/suites`, `part/certificate`, …) that was not collected or could not be.
 */
export function part<K extends PartName>(obs: TlsObservation, name: K): { data: PartData<K> } | { verdict: Verdict } {
  const where = { endpoint: `${obs.target.host}:${obs.target.port}` }
  if (obs.error) return { verdict: { ...errorVerdict(obs.error.kind, `${obs.error.message}`, where), offenders: [{ id: ENDPOINT, why: obs.error.message }] } }
  const p = obs[name]
  if (!p) {
    const summary = `the ${name} of this endpoint were not observed in this run`
    return { verdict: { ...errorVerdict('not-observed', summary, where), offenders: [{ id: partOffenderId(name), why: summary }] } }
  }
  if (p.error) return { verdict: { ...errorVerdict(p.error.kind, p.error.message, where), offenders: [{ id: partOffenderId(name), why: p.error.message }] } }
  return { data: p as PartData<K> }
}

/**
 * The error kind of versions (or suite categories) the probe could not decide: `protocol` when the
 * server broke the protocol answering one of them (its answer was impossible, not merely missing),
 * else `inconclusive`.
 */
export function undecidedKind(list: readonly { errorKind?: ErrorKind }[]): ErrorKind {
  return list.some((u) => u.errorKind === 'protocol') ? 'protocol' : 'inconclusive'
}

/** `TLSv1.0, TLSv1.2 (TLSv1.0: <reason>; …)`: the versions, and the first reason (all of them are in `observed`). */
export function describeUndetermined(list: ProtocolsObservation['undetermined']): string {
  const sorted = [...list].sort((a, b) => byVersion(a.version, b.version))
  const first = sorted[0]
  if (!first) return 'nothing'
  return `${sorted.map((u) => u.version).join(', ')} (${first.version}: ${first.reason}${sorted.length > 1 ? '; each reason in observed.undetermined' : ''})`
}

/**
 * When no protocol version was accepted, the verdict of a check whose population lives under the
 * accepted versions (suites, groups, the certificate a handshake would show):
 * - some version undetermined: `error` (`protocol` when the server broke the protocol), since an
 *   answer we could not read is not a refusal;
 * - every version refused: `not-applicable` — the endpoint accepts no protocol (tls.protocols fails
 *   it), so there is nothing under it to judge.
 * Undefined when some version was accepted.
 */
export function noAcceptedProtocolVerdict(obs: TlsObservation, p: ProtocolsObservation, population: string): Verdict | undefined {
  if (p.accepted.length) return undefined
  const where = { endpoint: `${obs.target.host}:${obs.target.port}`, acceptedProtocols: [], refusedProtocols: [...p.refused].sort(byVersion), undetermined: p.undetermined }
  if (p.undetermined.length) {
    const kind = undecidedKind(p.undetermined)
    const lead = kind === 'protocol' ? 'the server broke the TLS protocol instead of accepting or refusing' : 'no protocol version accepted, and the probe could not decide'
    return { ...errorVerdict(kind, `${lead}: ${describeUndetermined(p.undetermined)}; ${population} cannot be judged`, where), evidence: [helloEvidence(obs)], offenders: offenderList(undeterminedOffenders(p.undetermined)) }
  }
  return notApplicableVerdict(`no protocol version accepted (refused: ${where.refusedProtocols.join(', ')}), so there is nothing to judge (${population})`, where, [helloEvidence(obs, 'protocol')])
}

/**
 * The protocols part for a check judging what is accepted under the accepted versions: its data
 * when some version was accepted, else the verdict (error, or not-applicable; see above).
 */
export function acceptedProtocols(obs: TlsObservation, population: string): { data: ProtocolsObservation } | { verdict: Verdict } {
  const p = part(obs, 'protocols')
  if ('verdict' in p) return p
  const none = noAcceptedProtocolVerdict(obs, p.data, population)
  return none ? { verdict: none } : p
}

/**
 * A part that only a completed handshake can fill (the served chain, the HTTPS response): its data,
 * or — when it could not be collected and the protocol probe ran and accepted no version — the
 * verdict that explains why (see noAcceptedProtocolVerdict), else the part's own error.
 */
export function handshakePart<K extends 'certificate' | 'hsts'>(obs: TlsObservation, name: K, population: string): { data: PartData<K> } | { verdict: Verdict } {
  const p = part(obs, name)
  if (!('verdict' in p)) return p
  const pr = obs.protocols
  if (obs.error || !obs[name] || !pr || pr.error) return p
  return { verdict: noAcceptedProtocolVerdict(obs, pr, population) ?? p.verdict }
}

/**
 * Versions that could be neither accepted nor refused leave the population incomplete: a check that
 * found nothing wrong cannot pass. `base` carries the check's expected/actual/observed/evidence; the
 * offenders are the undecided versions.
 */
export function incompleteVerdict(p: ProtocolsObservation, base: Omit<Verdict, 'status' | 'summary'>): Verdict | undefined {
  if (!p.undetermined.length) return undefined
  const kind = undecidedKind(p.undetermined)
  return {
    ...base,
    status: 'error',
    errorKind: kind,
    summary: `nothing wrong under ${[...p.accepted].sort(byVersion).join(', ')}, but ${kind === 'protocol' ? 'the server broke the protocol answering' : 'could not determine'} ${describeUndetermined(p.undetermined)}`,
    offenders: offenderList(undeterminedOffenders(p.undetermined)),
  }
}

/** The error kind of suite lists missing for `versions` (a hello failed while enumerating). */
export function missingSuitesKind(su: SuitesObservation, versions: readonly TlsVersion[]): ErrorKind {
  return undecidedKind((su.undetermined ?? []).filter((u) => versions.includes(u.protocol)))
}

/** A target's hellos by purpose prefix: several checks cite the same ones, as the same array (the evidence store knows it again without reading it). */
const hellosByPrefix = new WeakMap<TlsObservation['hellos'], Map<string, TlsObservation['hellos']>>()

export function helloEvidence(obs: TlsObservation, purposePrefix?: string) {
  let hellos = obs.hellos
  if (purposePrefix) {
    let byPrefix = hellosByPrefix.get(obs.hellos)
    if (!byPrefix) hellosByPrefix.set(obs.hellos, (byPrefix = new Map()))
    let some = byPrefix.get(purposePrefix)
    if (!some) byPrefix.set(purposePrefix, (some = obs.hellos.filter((h) => h.purpose.startsWith(purposePrefix))))
    hellos = some
  }
  return {
    kind: 'tls-hellos',
    description: `${hellos.length} ClientHello(s) sent to ${obs.target.address}:${obs.target.port} (SNI ${obs.target.host}) and the server's answers`,
    data: hellos,
  }
}

/** Protocol order, oldest first, for stable output. */
export const VERSION_ORDER: TlsVersion[] = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']
export const byVersion = (a: TlsVersion, b: TlsVersion) => VERSION_ORDER.indexOf(a) - VERSION_ORDER.indexOf(b)
