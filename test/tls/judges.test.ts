// Verdict logic of the TLS checks on hand-built observations: the edges real servers in the
// integration suite do not all reach (modes, undetermined versions, boundaries).
import { describe, expect, it } from 'vitest'
import type { CertificateInfo, TlsObservation } from '../../checks/tls/observation.ts'
import { certExpiry } from '../../checks/tls/cert-expiry.ts'
import { protocols } from '../../checks/tls/protocols.ts'
import { forwardSecrecy } from '../../checks/tls/forward-secrecy.ts'
import { ciphersWeak } from '../../checks/tls/ciphers-weak.ts'
import { dhStrength } from '../../checks/tls/dh-strength.ts'
import { profile } from '../../checks/tls/profile.ts'
import { httpHsts, parseHsts } from '../../checks/tls/http-hsts.ts'
import { certSignature, signatureHash } from '../../checks/tls/cert-signature.ts'
import { certKeyStrength } from '../../checks/tls/cert-key-strength.ts'
import { certInfo, tlsObservation } from './observations.ts'

const now = new Date('2026-06-01T00:00:00Z')
const ctx = { now }

function withCerts(certs: CertificateInfo[]): TlsObservation {
  return tlsObservation({
    certificate: { source: 'raw-hello', protocol: 'TLSv1.2', chainPem: [], certs, trust: { trusted: true, path: [] } },
  })
}

const ECDHE = 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'
const RSA = 'TLS_RSA_WITH_AES_128_GCM_SHA256'
const TDES = 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'

describe('tls.cert.expiry', () => {
  it('passes with enough days left, reporting the soonest', () => {
    const v = certExpiry.judge(withCerts([certInfo({}), certInfo({ subject: 'CN=Int', notAfter: '2026-09-01T00:00:00.000Z' })]), { days: 30 }, ctx)
    expect(v.status).toBe('passed')
    expect(v.actual.soonestExpiry).toMatchObject({ subject: 'CN=Int', daysLeft: 92 })
  })
  it('fails an intermediate expiring within N days, an expired leaf, and a not-yet-valid one', () => {
    const v = certExpiry.judge(
      withCerts([
        certInfo({ notAfter: '2026-05-31T00:00:00.000Z' }),
        certInfo({ subject: 'CN=Int', notAfter: '2026-06-11T00:00:00.000Z' }),
        certInfo({ subject: 'CN=Future', notBefore: '2026-07-01T00:00:00.000Z' }),
      ]),
      { days: 30 },
      ctx,
    )
    expect(v.status).toBe('failed')
    expect(v.summary).toContain('CN=h.test expired on 2026-05-31')
    expect(v.summary).toContain('CN=Int expires in 10 day(s)')
    expect(v.summary).toContain('CN=Future is not valid before 2026-07-01')
  })
  it('honours the days parameter at the boundary', () => {
    const o = withCerts([certInfo({ notAfter: '2026-07-01T00:00:00.000Z' })]) // 30 days left
    expect(certExpiry.judge(o, { days: 30 }, ctx).status).toBe('passed')
    expect(certExpiry.judge(o, { days: 31 }, ctx).status).toBe('failed')
  })
  it('is an error, not a pass, when the endpoint was unreachable', () => {
    const v = certExpiry.judge(tlsObservation({ error: { kind: 'timeout', message: 'no answer within 5000 ms' } }), { days: 30 }, ctx)
    expect(v).toMatchObject({ status: 'error', errorKind: 'timeout' })
  })
})

describe('tls.protocols', () => {
  const p = (accepted: string[], undetermined: { version: string; reason: string }[] = []) =>
    tlsObservation({ protocols: { accepted, refused: [], undetermined } as never })
  it('fails legacy versions and passes TLS 1.2 + 1.3 only', () => {
    expect(protocols.judge(p(['TLSv1.0', 'TLSv1.2']), {} as never, ctx)).toMatchObject({ status: 'failed', actual: { forbiddenAccepted: ['TLSv1.0'] } })
    expect(protocols.judge(p(['TLSv1.3']), {} as never, ctx).status).toBe('passed')
  })
  it('fails when neither TLS 1.2 nor 1.3 is accepted, and is inconclusive when a version could not be probed', () => {
    expect(protocols.judge(p([]), {} as never, ctx).summary).toMatch(/neither TLS 1.2 nor TLS 1.3/)
    expect(protocols.judge(p(['TLSv1.2'], [{ version: 'TLSv1.1', reason: 'reset' }]), {} as never, ctx)).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
  })
})

describe('tls.forward-secrecy', () => {
  const o = (tls12: { fs: string[]; 'non-fs': string[] }, extra: string[] = []) =>
    tlsObservation({ protocols: { accepted: ['TLSv1.2', ...extra], refused: [], undetermined: [] } as never, suites: { byProtocol: { 'TLSv1.2': tls12 }, preferred: {} } })
  it('all / some / none', () => {
    expect(forwardSecrecy.judge(o({ fs: [ECDHE], 'non-fs': [] }), { mode: 'all' }, ctx)).toMatchObject({ status: 'passed', observed: { forwardSecrecy: 'all' } })
    expect(forwardSecrecy.judge(o({ fs: [ECDHE], 'non-fs': [RSA] }), { mode: 'all' }, ctx)).toMatchObject({ status: 'failed', observed: { forwardSecrecy: 'some' } })
    expect(forwardSecrecy.judge(o({ fs: [], 'non-fs': [RSA] }), { mode: 'all' }, ctx)).toMatchObject({ status: 'failed', observed: { forwardSecrecy: 'none' } })
  })
  it('mode offered passes mixed servers and fails static-RSA-only ones', () => {
    expect(forwardSecrecy.judge(o({ fs: [ECDHE], 'non-fs': [RSA] }), { mode: 'offered' }, ctx).status).toBe('passed')
    expect(forwardSecrecy.judge(o({ fs: [], 'non-fs': [RSA] }), { mode: 'offered' }, ctx).status).toBe('failed')
  })
  it('is inconclusive when a protocol was not enumerated', () => {
    const v = forwardSecrecy.judge(tlsObservation({ protocols: { accepted: ['TLSv1.2'], refused: [], undetermined: [] }, suites: { byProtocol: {}, preferred: {} } }), { mode: 'all' }, ctx)
    expect(v).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
  })
})

describe('tls.ciphers.weak', () => {
  it('lists weak suites with reasons per protocol', () => {
    const v = ciphersWeak.judge(
      tlsObservation({ protocols: { accepted: ['TLSv1.0', 'TLSv1.2'], refused: [], undetermined: [] }, suites: { byProtocol: { 'TLSv1.0': { weak: [TDES] }, 'TLSv1.2': { weak: [] } }, preferred: {} } }),
      {},
      ctx,
    )
    expect(v.status).toBe('failed')
    expect(v.summary).toContain(TDES)
    expect(JSON.stringify(v.observed)).toMatch(/3DES/i)
  })
  it('passes when the weak hello was refused everywhere', () => {
    const v = ciphersWeak.judge(tlsObservation({ protocols: { accepted: ['TLSv1.2', 'TLSv1.3'], refused: [], undetermined: [] }, suites: { byProtocol: { 'TLSv1.2': { weak: [] }, 'TLSv1.3': { weak: [] } }, preferred: {} } }), {}, ctx)
    expect(v.status).toBe('passed')
  })
  it('fails the TLS 1.3 integrity-only suites and is inconclusive without a list for an accepted protocol', () => {
    const p = { accepted: ['TLSv1.3'], refused: [], undetermined: [] } as never
    expect(ciphersWeak.judge(tlsObservation({ protocols: p, suites: { byProtocol: { 'TLSv1.3': { weak: ['TLS_SHA256_SHA256'] } }, preferred: {} } }), {}, ctx).status).toBe('failed')
    expect(ciphersWeak.judge(tlsObservation({ protocols: p, suites: { byProtocol: {}, preferred: {} } }), {}, ctx)).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
  })
})

describe('tls.dh-strength', () => {
  const kx = (dheBits: Record<string, number>, acceptedGroups: string[], groupBits: Record<string, number>) =>
    tlsObservation({ protocols: { accepted: ['TLSv1.2'], refused: [], undetermined: [] }, keyExchange: { dheBits, acceptedGroups, refusedGroups: [], groupBits } })
  it('fails DHE-1024 and small curves, passes 2048/x25519', () => {
    expect(dhStrength.judge(kx({ 'TLSv1.2': 1024 }, ['x25519'], { x25519: 253 }), { minDhBits: 2048, minEcBits: 250 }, ctx).status).toBe('failed')
    expect(dhStrength.judge(kx({}, ['secp224r1'], { secp224r1: 224 }), { minDhBits: 2048, minEcBits: 256 }, ctx).summary).toContain('secp224r1')
    expect(dhStrength.judge(kx({ 'TLSv1.2': 2048 }, ['secp256r1'], { secp256r1: 256 }), { minDhBits: 2048, minEcBits: 256 }, ctx).status).toBe('passed')
  })
})

describe('tls.profile', () => {
  const o = (accepted: string[], outside: Record<string, string[]>, groups: string[] = ['x25519']) =>
    tlsObservation({
      protocols: { accepted, refused: [], undetermined: [] } as never,
      suites: { byProtocol: Object.fromEntries(Object.entries(outside).map(([v, l]) => [v, { 'outside-intermediate': l }])), preferred: { 'TLSv1.2': ECDHE } },
      keyExchange: { dheBits: {}, acceptedGroups: groups, refusedGroups: [], groupBits: {} },
    })
  it('intermediate: passes a clean 1.2/1.3 server, fails CBC suites and extra groups', () => {
    expect(profile.judge(o(['TLSv1.2', 'TLSv1.3'], { 'TLSv1.2': [], 'TLSv1.3': [] }), { profile: 'intermediate' }, ctx).status).toBe('passed')
    const v = profile.judge(o(['TLSv1.2'], { 'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'] }, ['x25519', 'secp521r1']), { profile: 'intermediate' }, ctx)
    expect(v.status).toBe('failed')
    expect(v.summary).toContain('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA')
    expect(v.summary).toContain('group secp521r1')
  })
  it('modern: TLS 1.2 itself is outside the profile', () => {
    const v = profile.judge(o(['TLSv1.2', 'TLSv1.3'], { 'TLSv1.2': [], 'TLSv1.3': [] }), { profile: 'modern' }, ctx)
    expect(v.status).toBe('failed')
    expect(v.actual.versionsOutside).toEqual(['TLSv1.2'])
  })
})

describe('http.hsts', () => {
  const h = (header: string | null) => tlsObservation({ hsts: { url: 'https://h.test/', status: 200, header } })
  it('parses directives case-insensitively', () => {
    expect(parseHsts('Max-Age="63072000"; includeSubDomains; PRELOAD')).toEqual({ maxAge: 63072000, includeSubDomains: true, preload: true })
    expect(parseHsts('includeSubDomains').maxAge).toBeUndefined()
  })
  it('fails absent, short or malformed headers and passes a year or more', () => {
    expect(httpHsts.judge(h(null), { minMaxAge: 31536000 }, ctx).status).toBe('failed')
    expect(httpHsts.judge(h('max-age=86400'), { minMaxAge: 31536000 }, ctx).summary).toContain('86400')
    expect(httpHsts.judge(h('max-age=abc'), { minMaxAge: 31536000 }, ctx).status).toBe('failed')
    expect(httpHsts.judge(h('max-age=31536000'), { minMaxAge: 31536000 }, ctx).status).toBe('passed')
  })
  it('fails a good header sent over an untrusted certificate (browsers ignore it, RFC 6797 §8.1); unknown trust is judged on the header', () => {
    const over = (certificateTrusted: boolean) => tlsObservation({ hsts: { url: 'https://h.test/', status: 200, header: 'max-age=63072000', certificateTrusted } })
    const v = httpHsts.judge(over(false), { minMaxAge: 31536000 }, ctx)
    expect(v).toMatchObject({ status: 'failed', offenders: [{ id: 'hsts/untrusted-certificate' }], actual: { certificateTrusted: false } })
    expect(v.summary).toMatch(/browsers ignore it/)
    expect(httpHsts.judge(over(true), { minMaxAge: 31536000 }, ctx).status).toBe('passed')
  })
  it('is not applicable on a starttls service, whatever was observed', () => {
    const o = tlsObservation({})
    const v = httpHsts.judge({ ...o, target: { ...o.target, starttls: 'smtp' } }, { minMaxAge: 31536000 }, ctx)
    expect(v).toMatchObject({ status: 'not-applicable', summary: expect.stringMatching(/smtp service reached through SMTP STARTTLS, not HTTPS/) })
  })
})

describe('certificate signature and key helpers', () => {
  it('maps signature algorithm names and OIDs to hashes', () => {
    expect(signatureHash('sha1WithRSAEncryption')).toBe('sha1')
    expect(signatureHash('ecdsa-with-SHA1')).toBe('sha1')
    expect(signatureHash('1.2.840.113549.1.1.5')).toBe('sha1')
    expect(signatureHash('md5WithRSAEncryption')).toBe('md5')
    expect(signatureHash('ecdsa-with-SHA384')).toBe('sha384')
    expect(signatureHash('sha256WithRSAEncryption')).toBe('sha256')
  })
  it('exempts self-issued roots from the signature rule', () => {
    const v = certSignature.judge(withCerts([certInfo({}), certInfo({ subject: 'CN=Root', selfIssued: true, signatureAlgorithm: 'sha1WithRSAEncryption' })]), { forbidden: ['sha1', 'md5'] }, ctx)
    expect(v.status).toBe('passed')
  })
  it('fails a 1024-bit RSA leaf and reports an unknown key size as an error', () => {
    expect(certKeyStrength.judge(withCerts([certInfo({ keyBits: 1024 })]), { minRsaBits: 2048, minEcBits: 256 }, ctx).status).toBe('failed')
    expect(certKeyStrength.judge(withCerts([certInfo({ keyType: 'ec', keyBits: undefined, curve: 'brainpoolP320r1' })]), { minRsaBits: 2048, minEcBits: 256 }, ctx).status).toBe('error')
  })
})
