// Vacuous truth: every TLS check declares the population it judges. A population that was observed
// and is empty (no protocol accepted under which suites or groups could be judged, no key-exchange
// group in use, no certificate served, nothing below a self-signed root) is `not-applicable`, never
// `passed`. A population the probe could not observe is `error` — `protocol` when the server
// broke the protocol instead of refusing. tls.protocols judges every version, a population never
// empty once observed; http.hsts judges one HTTPS response, absent only when no version is accepted.
import { describe, expect, it } from 'vitest'
import { tlsChecks } from '../../checks/tls/index.ts'
import type { CertificateInfo, CertificateObservation, ProtocolsObservation, TlsObservation } from '../../checks/tls/observation.ts'
import type { Verdict } from '../../checks/types.ts'
import { certInfo, tlsObservation } from './observations.ts'

const NOW = { now: new Date('2026-06-01T00:00:00Z') }
const check = (id: string) => tlsChecks.find((c) => c.id === id)!
const defaults = (id: string) => Object.fromEntries(check(id).params.map((p) => [p.name, p.default]))
/** judges, and holds every verdict to the offender rule: failed and error name offenders, the others none */
const judge = (id: string, obs: TlsObservation, params: Record<string, unknown> = {}): Verdict => {
  const v = check(id).judge(obs, { ...defaults(id), ...params }, NOW)
  if (v.status === 'failed' || v.status === 'error') expect(v.offenders?.length, `${id} ${v.status} names its offenders: ${v.summary}`).toBeGreaterThan(0)
  else expect(v.offenders, `${id} ${v.status} names no offender`).toBeUndefined()
  return v
}
const offenderIds = (v: Verdict) => (v.offenders ?? []).map((o) => o.id)

const SUITE_CHECKS = ['tls.forward-secrecy', 'tls.ciphers.weak', 'tls.dh-strength', 'tls.profile']
const CERT_CHECKS = ['tls.cert.expiry', 'tls.cert.trust', 'tls.cert.hostname', 'tls.cert.key-strength', 'tls.cert.signature']

const ALL_REFUSED: ProtocolsObservation = { accepted: [], refused: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'], undetermined: [] }
const VIOLATION = 'the ServerHello names version 0x7f7f, which is not a TLS version; the hello offered TLSv1.2'
const ALL_VIOLATIONS: ProtocolsObservation = {
  accepted: [],
  refused: ['SSLv2'],
  undetermined: (['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const).map((version) => ({ version, reason: VIOLATION, errorKind: 'protocol' as const })),
}
/** what the probe records when nothing was accepted: no suite lists, no group, no chain */
const nothingAccepted = (protocols: ProtocolsObservation, certError = 'TLS handshake failed with 127.0.0.1:443: handshake failure') =>
  tlsObservation({
    protocols,
    suites: { byProtocol: {}, preferred: {} },
    keyExchange: { dheBits: {}, acceptedGroups: [], refusedGroups: [], groupBits: {} },
    certificate: { error: { kind: 'protocol', message: certError } },
  })

const chain = (certs: CertificateInfo[], over: Partial<CertificateObservation> = {}): TlsObservation =>
  tlsObservation({ certificate: { source: 'raw-hello', protocol: 'TLSv1.2', chainPem: certs.map(() => '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'), certs, trust: { trusted: false, path: [], reason: 'no certificate' }, ...over } })

function expectNotApplicable(v: Verdict, because: RegExp): void {
  expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'not-applicable', summary: expect.stringMatching(because) })
  expect(v.errorKind).toBeUndefined()
  expect(Object.keys(v.observed).length, 'a not-applicable verdict still says what was observed').toBeGreaterThan(0)
}

describe('every TLS check names its population', () => {
  it.each(tlsChecks.map((c) => [c.id, c.population] as const))('%s judges "%s"', (_id, population) => {
    expect(population.trim().length).toBeGreaterThan(3)
  })
})

describe('suite- and group-based checks with no protocol accepted', () => {
  it.each(SUITE_CHECKS)('%s: every version cleanly refused → not-applicable "no protocol version accepted"', (id) => {
    expectNotApplicable(judge(id, nothingAccepted(ALL_REFUSED)), /no protocol version accepted/)
  })

  it.each(SUITE_CHECKS)('%s: every answer a protocol violation → error protocol, not a pass', (id) => {
    const v = judge(id, nothingAccepted(ALL_VIOLATIONS))
    expect(v).toMatchObject({ status: 'error', errorKind: 'protocol', summary: expect.stringMatching(/broke the TLS protocol/) })
    // what could not be decided: each version the server answered impossibly
    expect(offenderIds(v)).toEqual(['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'])
    expect(v.offenders![0]!.why).toContain(VIOLATION)
  })

  it.each(SUITE_CHECKS)('%s: a version undetermined for another reason (timeout) → error inconclusive', (id) => {
    const p: ProtocolsObservation = { accepted: [], refused: ['SSLv2', 'SSLv3'], undetermined: [{ version: 'TLSv1.2', reason: 'no answer after 5000 ms', errorKind: 'timeout' }] }
    expect(judge(id, nothingAccepted(p))).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
  })

  it.each(SUITE_CHECKS)('%s: TLS 1.2 clean but TLS 1.1 a violation → error protocol (the population is incomplete)', (id) => {
    const o = tlsObservation({
      protocols: { accepted: ['TLSv1.2'], refused: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.3'], undetermined: [{ version: 'TLSv1.1', reason: VIOLATION, errorKind: 'protocol' }] },
      suites: {
        byProtocol: { 'TLSv1.2': { weak: [], fs: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], 'non-fs': [], 'outside-intermediate': [] } },
        preferred: { 'TLSv1.2': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
      },
      keyExchange: { dheBits: {}, acceptedGroups: ['x25519'], refusedGroups: [], groupBits: { x25519: 256 } },
    })
    const v = judge(id, o)
    expect(v).toMatchObject({ status: 'error', errorKind: 'protocol' })
    expect(offenderIds(v)).toEqual(['TLSv1.1'])
  })
})

describe('tls.dh-strength', () => {
  it('no DHE suite and no ECDHE group under an accepted protocol (static RSA only) → not-applicable', () => {
    const o = tlsObservation({
      protocols: { accepted: ['TLSv1.2'], refused: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.3'], undetermined: [] },
      keyExchange: { dheBits: {}, acceptedGroups: [], refusedGroups: ['secp192r1'], groupBits: {} },
    })
    const v = judge('tls.dh-strength', o)
    expectNotApplicable(v, /no DHE suite and no ECDHE curve/)
    expect(v.expected).toEqual({ minDhBits: 2048, minEcBits: 256 })
  })
})

describe('certificate checks', () => {
  it.each(CERT_CHECKS)('%s: a chain of zero certificates → not-applicable', (id) => {
    expectNotApplicable(judge(id, chain([])), /sent no certificate/)
  })

  it.each(CERT_CHECKS)('%s: no chain because every protocol version was refused → not-applicable', (id) => {
    expectNotApplicable(judge(id, nothingAccepted(ALL_REFUSED)), /no protocol version accepted/)
  })

  it.each(CERT_CHECKS)('%s: no chain because the server broke the protocol → error protocol', (id) => {
    expect(judge(id, nothingAccepted(ALL_VIOLATIONS))).toMatchObject({ status: 'error', errorKind: 'protocol' })
  })

  it.each(CERT_CHECKS)('%s: no chain and no protocol probe in this run → the part\'s own error', (id) => {
    const o = tlsObservation({ certificate: { error: { kind: 'timeout', message: 'no TLS handshake within 5000 ms' } } })
    const v = judge(id, o)
    expect(v).toMatchObject({ status: 'error', errorKind: 'timeout' })
    expect(v.offenders).toEqual([{ id: 'part/certificate', why: 'no TLS handshake within 5000 ms' }])
  })

  it('tls.cert.signature: a self-signed leaf alone has no signature below a root → not-applicable', () => {
    const v = judge('tls.cert.signature', chain([certInfo({ subject: 'CN=h.test', issuer: 'CN=h.test', selfIssued: true, signatureAlgorithm: 'sha1WithRSAEncryption' })]))
    expectNotApplicable(v, /self-issued/)
    expect(v.expected).toEqual({ forbiddenHashes: ['sha1', 'md5', 'md2'] })
  })

  it('tls.cert.signature: a leaf under a self-signed root is still judged', () => {
    expect(judge('tls.cert.signature', chain([certInfo({}), certInfo({ subject: 'CN=CA', issuer: 'CN=CA', selfIssued: true, isCA: true })])).status).toBe('passed')
  })
})

describe('populations that are never empty once observed', () => {
  it('tls.protocols: every version refused is a finding (neither TLS 1.2 nor 1.3), not "not applicable"', () => {
    const v = judge('tls.protocols', nothingAccepted(ALL_REFUSED))
    expect(v).toMatchObject({ status: 'failed', summary: expect.stringMatching(/neither TLS 1.2 nor TLS 1.3/) })
    expect(offenderIds(v)).toEqual(['no TLSv1.2 or TLSv1.3'])
  })

  it('tls.protocols: every answer a violation is an error, not a refusal and not "accepts nothing"', () => {
    const v = judge('tls.protocols', nothingAccepted(ALL_VIOLATIONS))
    expect(v).toMatchObject({ status: 'error', errorKind: 'protocol' })
    expect(v.summary).not.toMatch(/nothing|neither/)
  })

  it('http.hsts: a response without the header fails; a GET that failed on a TLS endpoint is an error', () => {
    expect(judge('http.hsts', tlsObservation({ hsts: { url: 'https://h.test/', status: 200, header: null } })).status).toBe('failed')
    expect(judge('http.hsts', tlsObservation({ hsts: { error: { kind: 'timeout', message: 'no response within 5000 ms' } } }))).toMatchObject({ status: 'error', errorKind: 'timeout' })
    const tls12 = tlsObservation({ protocols: { accepted: ['TLSv1.2'], refused: [], undetermined: [] }, hsts: { error: { kind: 'timeout', message: 'no response within 5000 ms' } } })
    expect(judge('http.hsts', tls12)).toMatchObject({ status: 'error', errorKind: 'timeout' })
  })
})

describe('http.hsts with no protocol accepted', () => {
  const noResponse = (protocols: ProtocolsObservation) => tlsObservation({ protocols, hsts: { error: { kind: 'protocol', message: 'TLS error: handshake failure' } } })
  it('every version refused: the endpoint serves no HTTPS, so there is no response to judge → not-applicable', () => {
    expectNotApplicable(judge('http.hsts', noResponse(ALL_REFUSED)), /no protocol version accepted/)
  })
  it('every answer a violation → error protocol', () => {
    expect(judge('http.hsts', noResponse(ALL_VIOLATIONS))).toMatchObject({ status: 'error', errorKind: 'protocol' })
  })
})
