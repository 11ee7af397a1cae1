// Offender ids of the TLS checks are stable: the pull-request gate compares a base run with a change
// run offender by offender, so an id must not move when only timings, counts or the order of the
// probe's hellos move, and a renewed certificate with the same key and the same defect must be the
// same offender (a new key a new one). Certificates are real: the lab PKI, parsed by describeChain.
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tlsChecks } from '../../checks/tls/index.ts'
import { describeChain, splitPems } from '../../checks/tls/certificate.ts'
import type { CertificateObservation, HelloRecord, TlsObservation, TlsVersion } from '../../checks/tls/observation.ts'
import type { Offender, Verdict } from '../../checks/types.ts'
import { generateLabPki, type LabCertName, type LabPki } from '../../lab/tls/certificates.ts'
import { pemToDers } from '../../lab/tls/handshake-records.ts'

const DAY = 86_400_000
const check = (id: string) => tlsChecks.find((c) => c.id === id)!
const defaults = (id: string) => Object.fromEntries(check(id).params.map((p) => [p.name, p.default]))
const judge = (id: string, o: TlsObservation, now: Date, params: Record<string, unknown> = {}): Verdict => check(id).judge(o, { ...defaults(id), ...params }, { now })
const ids = (v: Verdict) => (v.offenders ?? []).map((o) => o.id)

let pki: LabPki
let dir: string
let T0: Date

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-offenders-'))
  pki = await generateLabPki(join(dir, 'pki'))
  T0 = pki.generatedAt
}, 60_000)
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The certificate part a probe would record for a lab chain, validated at `now`. */
function chainOf(name: LabCertName, now: Date = T0): CertificateObservation {
  return describeChain(pemToDers(pki.certs[name].chainPem), { source: 'raw-hello', protocol: 'TLSv1.2', host: pki.host, extraCaPems: [pki.caPem], now })
}

function hello(protocol: TlsVersion, purpose: string, durationMs: number, over: Partial<HelloRecord> = {}): HelloRecord {
  return { protocol, purpose, offeredSuites: 40, outcome: 'accepted', durationMs, ...over }
}

const RSA_GCM = 'TLS_RSA_WITH_AES_128_GCM_SHA256'
const ECDHE_GCM = 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'
const TDES = 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'
const RC4 = 'TLS_RSA_WITH_RC4_128_SHA'
const RSA_CBC = 'TLS_RSA_WITH_AES_128_CBC_SHA'

/** An endpoint that fails every TLS check at once (legacy protocols, weak suites and groups, a bad chain, short HSTS). */
function legacyEndpoint(cert: CertificateObservation): TlsObservation {
  return {
    target: { name: 'legacy', host: pki.host, address: '127.0.0.1', port: 8443 },
    protocols: { accepted: ['SSLv3', 'TLSv1.0', 'TLSv1.2'], refused: ['SSLv2', 'TLSv1.1', 'TLSv1.3'], undetermined: [] },
    suites: {
      byProtocol: {
        SSLv3: { fs: [], 'non-fs': [TDES, RC4], weak: [TDES, RC4], 'outside-intermediate': [TDES, RC4] },
        'TLSv1.0': { fs: [], 'non-fs': [RSA_CBC, TDES], weak: [TDES], 'outside-intermediate': [RSA_CBC, TDES] },
        'TLSv1.2': { fs: [ECDHE_GCM], 'non-fs': [RSA_GCM, TDES], weak: [TDES], 'outside-intermediate': [RSA_GCM, TDES] },
      },
      preferred: { SSLv3: TDES, 'TLSv1.0': RSA_CBC, 'TLSv1.2': ECDHE_GCM },
    },
    keyExchange: { dheBits: { 'TLSv1.2': 1024 }, acceptedGroups: ['x25519', 'secp192r1', 'secp521r1'], refusedGroups: ['secp224r1'], groupBits: { x25519: 256, secp192r1: 192, secp521r1: 521 } },
    certificate: cert,
    hsts: { url: `https://${pki.host}:8443/`, status: 200, header: 'max-age=86400' },
    hellos: [
      hello('TLSv1.2', 'protocol support', 3),
      hello('TLSv1.3', 'protocol support', 2, { outcome: 'refused', alert: 'protocol_version(70)' }),
      hello('TLSv1.0', 'protocol support', 4),
      hello('SSLv3', 'protocol support', 5),
      hello('TLSv1.2', 'suites:weak', 2, { chosenSuite: TDES }),
      hello('TLSv1.2', 'kex:dhe', 6, { dhBits: 1024 }),
    ],
    stats: { rawHellos: 6, fullHandshakes: 1, connections: 7, durationMs: 40 },
  }
}

/**
 * The same endpoint seen by another run: every timing and count differs, the hellos come in another
 * order, and the server enumerated its suites and groups in another order. Nothing it offends with changed.
 */
function anotherRun(o: TlsObservation): TlsObservation {
  const c: TlsObservation = structuredClone(o)
  c.hellos = c.hellos.map((h, i) => ({ ...h, durationMs: h.durationMs * 7 + i, offeredSuites: h.offeredSuites + 3 })).reverse()
  c.stats = { rawHellos: c.stats.rawHellos + 4, fullHandshakes: c.stats.fullHandshakes + 1, connections: c.stats.connections + 9, durationMs: c.stats.durationMs * 5 }
  if (c.protocols && !c.protocols.error) {
    c.protocols.accepted.reverse()
    c.protocols.refused.reverse()
    c.protocols.undetermined.reverse()
  }
  if (c.suites && !c.suites.error) for (const cats of Object.values(c.suites.byProtocol)) for (const list of Object.values(cats ?? {})) list?.reverse()
  if (c.keyExchange && !c.keyExchange.error) {
    c.keyExchange.acceptedGroups.reverse()
    c.keyExchange.refusedGroups.reverse()
  }
  return c
}

function everyVerdict(o: TlsObservation, now: Date): Record<string, Verdict> {
  return Object.fromEntries(tlsChecks.map((c) => [c.id, judge(c.id, o, now)]))
}

describe('offender ids are stable', () => {
  it('the legacy endpoint fails every check but the certificate ones its chain passes (and tls.required: it does speak TLS), each naming its offenders', () => {
    const v = everyVerdict(legacyEndpoint(chainOf('expiring')), T0)
    const failing = tlsChecks.map((c) => c.id).filter((id) => !['tls.cert.trust', 'tls.cert.hostname', 'tls.cert.key-strength', 'tls.cert.signature', 'tls.required'].includes(id))
    expect(v['tls.required']).toMatchObject({ status: 'passed', summary: expect.stringMatching(/speaks TLS from the first byte: accepts SSLv3, TLSv1\.0, TLSv1\.2$/) })
    for (const id of failing) expect({ id, status: v[id]!.status }).toEqual({ id, status: 'failed' })
    const leaf = ids(v['tls.cert.expiry']!)[0]!
    expect(leaf).toMatch(/^cert\[0\] CN=vigil\.lab\.test spki:sha256:[0-9a-f]{16}$/)
    expect(ids(v['tls.protocols']!)).toEqual(['SSLv3', 'TLSv1.0'])
    // sorted by id, whatever order the server enumerated them in
    expect(ids(v['tls.ciphers.weak']!)).toEqual([`SSLv3/${TDES}`, `SSLv3/${RC4}`, `TLSv1.0/${TDES}`, `TLSv1.2/${TDES}`])
    expect(ids(v['tls.forward-secrecy']!)).toEqual([`SSLv3/${TDES}`, `SSLv3/${RC4}`, `TLSv1.0/${TDES}`, `TLSv1.0/${RSA_CBC}`, `TLSv1.2/${TDES}`, `TLSv1.2/${RSA_GCM}`])
    expect(ids(v['tls.dh-strength']!)).toEqual(['TLSv1.2/DHE/1024-bit', 'group/secp192r1'])
    expect(ids(v['tls.profile']!)).toEqual([
      'SSLv3',
      `SSLv3/${TDES}`,
      `SSLv3/${RC4}`,
      'TLSv1.0',
      `TLSv1.0/${TDES}`,
      `TLSv1.0/${RSA_CBC}`,
      `TLSv1.2/${TDES}`,
      `TLSv1.2/${RSA_GCM}`,
      'group/secp192r1',
      'group/secp521r1',
    ])
    expect(ids(v['http.hsts']!)).toEqual(['hsts/max-age'])
    // the expiring chain is trusted, names the host, has a strong key and a SHA-256 signature
    for (const id of ['tls.cert.trust', 'tls.cert.hostname', 'tls.cert.key-strength', 'tls.cert.signature']) expect({ id, status: v[id]!.status, offenders: v[id]!.offenders }).toEqual({ id, status: 'passed', offenders: undefined })
  })

  it('judging the same observation twice gives the same offenders, word for word', () => {
    const o = legacyEndpoint(chainOf('expiring'))
    const a = everyVerdict(o, T0)
    const b = everyVerdict(o, T0)
    for (const c of tlsChecks) expect(b[c.id]!.offenders, c.id).toEqual(a[c.id]!.offenders)
  })

  it.each([
    ['legacy protocols, suites and groups, an expiring chain', () => legacyEndpoint(chainOf('expiring'))],
    ['an untrusted, expired chain', () => legacyEndpoint(chainOf('expired'))],
    ['a certificate for another host', () => legacyEndpoint(chainOf('wrong-host'))],
    ['an RSA-1024 key', () => legacyEndpoint(chainOf('rsa-1024'))],
    ['a SHA-1 signature', () => legacyEndpoint(chainOf('sha1'))],
    ['a self-signed leaf', () => legacyEndpoint(chainOf('self-signed'))],
  ])('%s: another run with other timings, counts and hello order names the same offenders', (_what, make) => {
    const o = make()
    const a = everyVerdict(o, T0)
    // an hour later, too: the days left in `why` may change, the ids may not
    const b = everyVerdict(anotherRun(o), new Date(T0.getTime() + 3_600_000))
    let failed = 0
    for (const c of tlsChecks) {
      expect({ id: c.id, status: b[c.id]!.status }).toEqual({ id: c.id, status: a[c.id]!.status })
      expect(ids(b[c.id]!), c.id).toEqual(ids(a[c.id]!))
      if (a[c.id]!.status === 'failed') failed++
    }
    expect(failed).toBeGreaterThanOrEqual(7)
  })

  it('errors name what could not be decided, as stably', () => {
    const undecided: TlsObservation = {
      ...legacyEndpoint(chainOf('good')),
      protocols: { accepted: ['TLSv1.2'], refused: ['SSLv2', 'SSLv3', 'TLSv1.0'], undetermined: [{ version: 'TLSv1.1', reason: 'no answer after 5000 ms', errorKind: 'timeout' }, { version: 'TLSv1.3', reason: 'connection reset' }] },
      suites: { byProtocol: { 'TLSv1.2': { fs: [ECDHE_GCM], 'non-fs': [], weak: [], 'outside-intermediate': [] } }, preferred: {} },
      keyExchange: { dheBits: {}, acceptedGroups: ['x25519'], refusedGroups: [], groupBits: { x25519: 256 } },
    }
    const a = everyVerdict(undecided, T0)
    const b = everyVerdict(anotherRun({ ...undecided, protocols: { ...undecided.protocols!, undetermined: [{ version: 'TLSv1.1', reason: 'no answer after 4999 ms', errorKind: 'timeout' }, { version: 'TLSv1.3', reason: 'connection reset by peer' }] } as never }), T0)
    for (const id of ['tls.protocols', 'tls.ciphers.weak', 'tls.forward-secrecy', 'tls.dh-strength', 'tls.profile']) {
      expect({ id, status: a[id]!.status }).toEqual({ id, status: 'error' })
      expect(ids(a[id]!), id).toEqual(['TLSv1.1', 'TLSv1.3'])
      expect(ids(b[id]!), id).toEqual(ids(a[id]!))
    }
    expect(a['tls.protocols']!.offenders![0]!.why).toContain('no answer after 5000 ms')
  })
})

describe('a certificate offender is its position, subject and key', () => {
  it('a renewal with the same key and the same defect (still expiring) is the same offender', () => {
    const before = chainOf('expiring')
    // `good` is the same key under the same name, issued later; 85 days on, it expires within 30 days too
    const later = new Date(T0.getTime() + 85 * DAY)
    const renewed = chainOf('good', later)
    expect(renewed.certs[0]!.serialNumber).not.toBe(before.certs[0]!.serialNumber)
    expect(renewed.certs[0]!.notAfter).not.toBe(before.certs[0]!.notAfter)
    expect(renewed.certs[0]!.fingerprintSha256).not.toBe(before.certs[0]!.fingerprintSha256)
    const a = judge('tls.cert.expiry', legacyEndpoint(before), T0)
    const b = judge('tls.cert.expiry', legacyEndpoint(renewed), later)
    expect([a.status, b.status]).toEqual(['failed', 'failed'])
    expect(ids(b)).toEqual(ids(a))
    expect(a.offenders![0]!.why).not.toBe(b.offenders![0]!.why)
  })

  it('a different key is a different offender', () => {
    const later = new Date(T0.getTime() + 85 * DAY)
    const rsa2048 = ids(judge('tls.cert.expiry', legacyEndpoint(chainOf('good', later)), later))
    const rsa1024 = ids(judge('tls.cert.expiry', legacyEndpoint(chainOf('rsa-1024', later)), later))
    const ecdsa = ids(judge('tls.cert.expiry', legacyEndpoint(chainOf('good-ecdsa', later)), later))
    expect(new Set([rsa2048[0], rsa1024[0], ecdsa[0]]).size).toBe(3)
    // same subject and position: only the key tells them apart
    for (const id of [rsa2048[0], rsa1024[0], ecdsa[0]]) expect(id).toMatch(/^cert\[0\] CN=vigil\.lab\.test spki:sha256:[0-9a-f]{16}$/)
  })

  it('the key hash is the SHA-256 of the SubjectPublicKeyInfo, as openssl computes it', async () => {
    const leafFile = join(dir, 'leaf.pem')
    await writeFile(leafFile, pki.certs.good.certPem)
    const spkiDer = execFileSync('openssl', ['x509', '-in', leafFile, '-noout', '-pubkey'])
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: spkiDer })
    const hex = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: der }).toString().split(' ')[0]!
    expect(chainOf('good').certs[0]!.spkiSha256).toBe(hex)
    expect(ids(judge('tls.cert.key-strength', legacyEndpoint(chainOf('rsa-1024')), T0))).toEqual([`cert[0] CN=vigil.lab.test spki:sha256:${chainOf('rsa-1024').certs[0]!.spkiSha256!.slice(0, 16)}`])
  })

  it('an observation recorded before the key hash existed gives the same id (recomputed from the served PEM)', () => {
    const current = chainOf('expiring')
    const old: CertificateObservation = { ...current, certs: current.certs.map(({ spkiSha256: _drop, ...c }) => c) }
    expect(old.certs[0]!.spkiSha256).toBeUndefined()
    expect(ids(judge('tls.cert.expiry', legacyEndpoint(old), T0))).toEqual(ids(judge('tls.cert.expiry', legacyEndpoint(current), T0)))
  })

  it('an intermediate is named by its own position, subject and key', () => {
    const v = judge('tls.cert.expiry', legacyEndpoint(chainOf('expiring-intermediate')), T0)
    const [, intPem] = splitPems([pki.certs['expiring-intermediate'].chainPem])
    expect(intPem).toBeDefined()
    expect(ids(v)).toEqual([`cert[1] O=Vigil Lab, CN=Vigil Lab Intermediate CA (expiring) spki:sha256:${chainOf('expiring-intermediate').certs[1]!.spkiSha256!.slice(0, 16)}`])
  })

  it('trust and host-name offenders are the leaf (plus the host asked for)', () => {
    const selfSigned = judge('tls.cert.trust', legacyEndpoint(chainOf('self-signed')), T0)
    const leafId = (name: LabCertName) => `cert[0] ${chainOf(name).certs[0]!.subject} spki:sha256:${chainOf(name).certs[0]!.spkiSha256!.slice(0, 16)}`
    expect(selfSigned.offenders).toEqual([{ id: leafId('self-signed'), why: 'not trusted: self-signed' }])
    const wrong = judge('tls.cert.hostname', legacyEndpoint(chainOf('wrong-host')), T0)
    expect(ids(wrong)).toEqual([`${leafId('wrong-host')} host:${pki.host}`])
    expect(ids(wrong)[0]).toContain('CN=other.lab.test')
  })
})

describe('offender severity', () => {
  const severities = (v: Verdict) => (v.offenders ?? []).map((o: Offender) => o.severity)
  it('an expired certificate is critical, an expiring one keeps the check default', () => {
    expect(check('tls.cert.expiry').severity.level).toBe('high')
    const expired = judge('tls.cert.expiry', legacyEndpoint(chainOf('expired')), T0)
    expect(expired.offenders).toEqual([{ id: expect.stringMatching(/^cert\[0\] /), why: expect.stringMatching(/expired on/), severity: 'critical' }])
    const notYet = judge('tls.cert.expiry', legacyEndpoint(chainOf('not-yet-valid')), T0)
    expect(severities(notYet)).toEqual(['critical'])
    expect(severities(judge('tls.cert.expiry', legacyEndpoint(chainOf('expiring')), T0))).toEqual([undefined])
    // the same certificate, expiring then expired: the same offender, now critical
    expect(ids(expired)).toEqual(ids(judge('tls.cert.expiry', legacyEndpoint(chainOf('expiring')), T0)))
  })

  it('an expired intermediate is the critical offender; the valid leaf under it is none', () => {
    const chain = chainOf('expired-intermediate')
    const v = judge('tls.cert.expiry', legacyEndpoint(chain), T0)
    expect(v.offenders).toEqual([{ id: expect.stringMatching(/^cert\[1\] O=Vigil Lab, CN=Vigil Lab Intermediate CA \(expired\) spki:/), why: expect.stringMatching(/expired on/), severity: 'critical' }])
  })

  it('SSLv2 and SSLv3 are critical, TLS 1.0 and 1.1 keep the check default', () => {
    const o = legacyEndpoint(chainOf('good'))
    const v = judge('tls.protocols', { ...o, protocols: { accepted: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1'], refused: ['TLSv1.2', 'TLSv1.3'], undetermined: [] } }, T0)
    expect(v.offenders!.map((x) => [x.id, x.severity])).toEqual([
      ['SSLv2', 'critical'],
      ['SSLv3', 'critical'],
      ['TLSv1.0', undefined],
      ['TLSv1.1', undefined],
      ['no TLSv1.2 or TLSv1.3', undefined],
    ])
  })
})

describe('every TLS check declares a severity', () => {
  it.each(tlsChecks.map((c) => [c.id, c.severity.level, c.severity.reason] as const))('%s: %s', (_id, level, reason) => {
    expect(['critical', 'high', 'medium', 'low', 'info']).toContain(level)
    expect(reason.length).toBeGreaterThan(40)
  })
})

describe('which verdicts carry offenders', () => {
  it('passed and not-applicable verdicts name none; failed and error verdicts name each one once', () => {
    const observations: TlsObservation[] = [
      legacyEndpoint(chainOf('good')),
      legacyEndpoint(chainOf('expired')),
      legacyEndpoint(chainOf('wrong-host')),
      {
        ...legacyEndpoint(chainOf('good')),
        protocols: { accepted: ['TLSv1.2', 'TLSv1.3'], refused: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1'], undetermined: [] },
        suites: { byProtocol: { 'TLSv1.2': { fs: [ECDHE_GCM], 'non-fs': [], weak: [], 'outside-intermediate': [] }, 'TLSv1.3': { fs: ['TLS_AES_128_GCM_SHA256'], weak: [], 'outside-intermediate': [] } }, preferred: {} },
        keyExchange: { dheBits: {}, acceptedGroups: ['x25519'], refusedGroups: [], groupBits: { x25519: 256 } },
        hsts: { url: 'https://x/', status: 200, header: 'max-age=63072000' },
      },
      { ...legacyEndpoint(chainOf('good')), error: { kind: 'unreachable', message: 'cannot connect: ECONNREFUSED' } },
      { ...legacyEndpoint(chainOf('good')), suites: undefined, keyExchange: { error: { kind: 'timeout', message: 'no answer' } } },
    ]
    const seen = new Set<string>()
    for (const o of observations)
      for (const c of tlsChecks) {
        const v = judge(c.id, o, T0)
        seen.add(v.status)
        if (v.status === 'passed' || v.status === 'not-applicable') expect(v.offenders, `${c.id} ${v.status}`).toBeUndefined()
        else {
          expect(v.offenders?.length, `${c.id} ${v.status}: ${v.summary}`).toBeGreaterThan(0)
          expect(new Set(ids(v)).size, c.id).toBe(ids(v).length)
          for (const x of v.offenders!) expect(x.why.length, `${c.id} ${x.id}`).toBeGreaterThan(0)
        }
      }
    expect([...seen].sort()).toEqual(['error', 'failed', 'passed'])
  })

  it('a whole endpoint that could not be observed is one `endpoint` offender; a part not collected is `part/<name>`', () => {
    const o = legacyEndpoint(chainOf('good'))
    expect(judge('tls.protocols', { ...o, error: { kind: 'timeout', message: 'no answer after 5000 ms' } }, T0).offenders).toEqual([{ id: 'endpoint', why: 'no answer after 5000 ms' }])
    expect(ids(judge('tls.ciphers.weak', { ...o, suites: undefined }, T0))).toEqual(['part/suites'])
    expect(ids(judge('tls.dh-strength', { ...o, keyExchange: { error: { kind: 'timeout', message: 'no answer' } } }, T0))).toEqual(['part/keyExchange'])
    expect(ids(judge('tls.cert.trust', { ...o, certificate: { error: { kind: 'timeout', message: 'no answer' } } }, T0))).toEqual(['part/certificate'])
  })

  it('suite lists missing under an accepted version name that version\'s suites', () => {
    const o = legacyEndpoint(chainOf('good'))
    const v = judge('tls.ciphers.weak', { ...o, protocols: { accepted: ['TLSv1.2'], refused: [], undetermined: [] }, suites: { byProtocol: {}, preferred: {}, undetermined: [{ protocol: 'TLSv1.2', category: 'weak', reason: 'reset while enumerating' }] } }, T0)
    expect(v.offenders).toEqual([{ id: 'TLSv1.2/suites', why: expect.stringContaining('reset while enumerating') }])
  })
})

describe('the id of each kind of offender', () => {
  const tls12 = (o: TlsObservation): TlsObservation => ({ ...o, protocols: { accepted: ['TLSv1.2'], refused: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.3'], undetermined: [] } })
  it('http.hsts: a missing header is `hsts`, a short or malformed max-age `hsts/max-age`', () => {
    const o = legacyEndpoint(chainOf('good'))
    const hsts = (header: string | null) => judge('http.hsts', { ...o, hsts: { url: 'https://h/', status: 200, header } }, T0)
    expect(hsts(null).offenders).toEqual([{ id: 'hsts', why: expect.stringContaining('no Strict-Transport-Security header') }])
    expect(ids(hsts('max-age=86400'))).toEqual(['hsts/max-age'])
    expect(ids(hsts('max-age=3600'))).toEqual(['hsts/max-age'])
    expect(ids(hsts('includeSubDomains'))).toEqual(['hsts/max-age'])
    expect(hsts('max-age=63072000').offenders).toBeUndefined()
  })

  it('tls.forward-secrecy mode offered: the absence itself, not any one suite', () => {
    const o = tls12({ ...legacyEndpoint(chainOf('good')), suites: { byProtocol: { 'TLSv1.2': { fs: [], 'non-fs': [RSA_GCM, RSA_CBC] } }, preferred: {} } })
    expect(ids(judge('tls.forward-secrecy', o, T0, { mode: 'offered' }))).toEqual(['no forward-secret suite'])
    expect(ids(judge('tls.forward-secrecy', o, T0, { mode: 'all' }))).toEqual([`TLSv1.2/${RSA_CBC}`, `TLSv1.2/${RSA_GCM}`])
  })

  it('tls.dh-strength and tls.profile name a curve by its IANA name, whatever the observation called it', () => {
    const o = tls12({
      ...legacyEndpoint(chainOf('good')),
      suites: { byProtocol: { 'TLSv1.2': { 'outside-intermediate': [] } }, preferred: {} },
      keyExchange: { dheBits: {}, acceptedGroups: ['prime192v1', 'secp384r1', 'brainpoolP256r1'], refusedGroups: [], groupBits: { prime192v1: 192, secp384r1: 384, brainpoolP256r1: 256 } },
    })
    expect(ids(judge('tls.dh-strength', o, T0))).toEqual(['group/secp192r1'])
    expect(ids(judge('tls.profile', o, T0))).toEqual(['group/brainpoolP256r1', 'group/secp192r1'])
  })

  it('tls.profile modern: TLS 1.2 itself is the offender', () => {
    const o = {
      ...legacyEndpoint(chainOf('good')),
      protocols: { accepted: ['TLSv1.2', 'TLSv1.3'], refused: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1'], undetermined: [] },
      suites: { byProtocol: { 'TLSv1.2': { 'outside-intermediate': [] }, 'TLSv1.3': { 'outside-intermediate': [] } }, preferred: { 'TLSv1.2': ECDHE_GCM } },
      keyExchange: { dheBits: {}, acceptedGroups: ['x25519'], refusedGroups: [], groupBits: { x25519: 256 } },
    } as TlsObservation
    // the probe lists suites outside intermediate; under a version modern forbids those are the known offenders (none here)
    expect(ids(judge('tls.profile', o, T0, { profile: 'modern' }))).toEqual(['TLSv1.2'])
    expect(judge('tls.profile', o, T0, { profile: 'intermediate' }).offenders).toBeUndefined()
    expect(judge('tls.profile', o, T0, { profile: 'paranoid' })).toMatchObject({ status: 'error', offenders: [{ id: 'param/profile' }] })
  })

  it('tls.dh-strength: a DHE prime is named by protocol and size', () => {
    const o = tls12({ ...legacyEndpoint(chainOf('good')), keyExchange: { dheBits: { 'TLSv1.2': 1536 }, acceptedGroups: [], refusedGroups: [], groupBits: {} } })
    expect(judge('tls.dh-strength', o, T0).offenders).toEqual([{ id: 'TLSv1.2/DHE/1536-bit', why: 'a DHE suite under TLSv1.2 uses a 1536-bit group (minimum 2048)' }])
    expect(judge('tls.dh-strength', o, T0, { minDhBits: 1024 }).offenders).toBeUndefined()
  })
})
