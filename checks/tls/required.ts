// tls.required — the service offers TLS and accepts it: a `starttls:` target offers its upgrade
// (STARTTLS, STLS, AUTH TLS, StartTLS, SSLRequest, CLIENT_SSL) and takes it; any other speaks TLS
// from the first byte; and then some TLS version is accepted.
import { errorVerdict, type CheckDefinition, type Verdict } from '../types.ts'
import { TLS_PARTS, type TlsObservation } from './observation.ts'
import { byVersion, describeUndetermined, helloEvidence, part, undecidedKind } from './observation-parts.ts'
import { ENDPOINT, offenderList, undeterminedOffenders } from './offenders.ts'
import { UPGRADE_NAMES } from './wire/starttls.ts'

const POPULATION = "the service's upgrade to TLS (or TLS from the first byte) and the protocol versions offered after it"

export const tlsRequired: CheckDefinition<TlsObservation, Record<string, never>> = {
  id: 'tls.required',
  kinds: ['tls'],
  title: 'The service offers TLS and accepts it',
  description: 'a mail, directory or database service does not offer its upgrade to TLS (STARTTLS and its relatives) or refuses it, or no TLS version is accepted',
  params: [],
  severity: {
    level: 'high',
    reason: 'without TLS the service carries mail, queries, directory entries and the passwords that log into it in clear text, readable and changeable by anyone on the path',
  },
  // Connections are always made, so the population is never empty: the service either offers TLS
  // or does not; what could not be observed (dead port, broken dialogue, unreadable answers) is an error.
  population: POPULATION,
  needs: [TLS_PARTS.upgrade, TLS_PARTS.protocols],
  judge(obs) {
    const endpoint = `${obs.target.host}:${obs.target.port}`
    const kind = obs.target.starttls
    const name = kind ? UPGRADE_NAMES[kind] : undefined
    const u = obs.upgrade
    const upgradeEvidence = u
      ? [{ kind: 'upgrade-dialogue', description: `the ${name} dialogue of the first connection to ${obs.target.address}:${obs.target.port} (no credentials are sent)`, data: u.dialogue }]
      : []
    const observed = { endpoint, upgrade: kind ?? 'none (TLS from the first byte)', ...(u ? { upgradeStatus: u.status, ...(u.detail ? { detail: u.detail } : {}) } : {}) }
    const expected = { upgrade: name ?? 'none (TLS from the first byte)', offered: true, acceptedProtocols: 'at least one' }
    if (kind && u?.status === 'not-offered') {
      const why = u.detail ?? `${name} is not offered`
      return { status: 'failed', summary: why, expected, actual: { offered: false }, observed, evidence: upgradeEvidence, offenders: [{ id: 'upgrade', why }] }
    }
    if (kind && u?.status === 'failed') {
      const why = u.detail ?? `the ${name} dialogue did not complete`
      return { status: 'error', errorKind: obs.error?.kind ?? 'protocol', summary: why, expected, actual: {}, observed, evidence: upgradeEvidence, offenders: [{ id: ENDPOINT, why }] }
    }
    if (kind && !u && !obs.error) {
      const summary = `the ${name} upgrade of this endpoint was not observed in this run`
      return { ...errorVerdict('not-observed', summary, observed), offenders: [{ id: ENDPOINT, why: summary }] }
    }
    const p = part(obs, 'protocols')
    if ('verdict' in p) return { ...p.verdict, evidence: [...upgradeEvidence, ...p.verdict.evidence] }
    const accepted = [...p.data.accepted].sort(byVersion)
    const base = { expected, observed: { ...observed, accepted, refused: [...p.data.refused].sort(byVersion), undetermined: p.data.undetermined }, evidence: [...upgradeEvidence, helloEvidence(obs, 'protocol')] }
    const how = name ? `offers and accepts ${name}, then` : 'speaks TLS from the first byte:'
    if (accepted.length) return { ...base, status: 'passed', summary: `${endpoint} ${how} accepts ${accepted.join(', ')}`, actual: { offered: true, accepted } }
    if (p.data.undetermined.length) {
      const k = undecidedKind(p.data.undetermined)
      const verdict: Verdict = {
        ...base,
        status: 'error',
        errorKind: k,
        summary: `no TLS version accepted, and ${k === 'protocol' ? 'the server broke the protocol answering' : 'the probe could not decide'} ${describeUndetermined(p.data.undetermined)}`,
        actual: { accepted: [] },
        offenders: offenderList(undeterminedOffenders(p.data.undetermined)),
      }
      return verdict
    }
    const why = `${name ? `${name} is accepted, but ` : ''}every TLS version is refused (${[...p.data.refused].sort(byVersion).join(', ')})`
    return { ...base, status: 'failed', summary: why, actual: { accepted: [] }, offenders: [{ id: 'no-tls-version', why }] }
  },
}
