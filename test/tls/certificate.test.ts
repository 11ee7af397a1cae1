// describeChain on every certificate the lab PKI generates (trusted via extraCaPems and not), and
// fetchChainWithNodeTls against real node:tls peers on 127.0.0.1.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeChain, fetchChainWithNodeTls, parseSubjectAltNames, ProbeError } from '../../checks/tls/certificate.ts'
import type { ObserveContext } from '../../checks/types.ts'
import { generateLabPki, LAB_CERT_NAMES, type LabCertName, type LabPki } from '../../lab/tls/certificates.ts'
import { pemToDers } from '../../lab/tls/handshake-records.ts'
import { deadPort, startGarbageServer, startNodeTlsServer, startSilentServer, type RunningServer } from '../../lab/tls/servers.ts'

let pki: LabPki
let dir: string
const DAY = 86_400_000

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-cert-test-'))
  pki = await generateLabPki(dir)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function describeLab(name: LabCertName, extra: string[] = [pki.caPem], now?: Date) {
  return describeChain(pemToDers(pki.certs[name].chainPem), { source: 'raw-hello', protocol: 'TLSv1.2', host: pki.host, extraCaPems: extra, ...(now ? { now } : {}) })
}

describe('describeChain on the lab certificates', () => {
  it('a good RSA chain is trusted through the extra root, with every fact parsed', () => {
    const o = describeLab('good')
    expect(o.trust).toMatchObject({
      trusted: true,
      anchorSource: 'extra',
      path: ['CN=vigil.lab.test', 'O=Vigil Lab, CN=Vigil Lab Intermediate CA', 'O=Vigil Lab, CN=Vigil Lab Root CA'],
    })
    expect(o.trust.reason).toBeUndefined()
    expect(o.trust.anchorPem).toContain('BEGIN CERTIFICATE')
    expect(o.chainPem).toHaveLength(2)
    expect(o.chainPem[0]).toBe(pki.certs.good.certPem)
    const [leaf, int] = o.certs
    expect(leaf).toMatchObject({
      subject: 'CN=vigil.lab.test',
      issuer: 'O=Vigil Lab, CN=Vigil Lab Intermediate CA',
      keyType: 'rsa',
      keyBits: 2048,
      signatureAlgorithm: 'sha256WithRSAEncryption',
      subjectAltNames: ['DNS:vigil.lab.test'],
      isCA: false,
      selfIssued: false,
    })
    expect(leaf!.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    expect(leaf!.serialNumber).toMatch(/^[0-9A-F]+$/)
    expect(Date.parse(leaf!.notAfter) - Date.parse(leaf!.notBefore)).toBe(91 * DAY)
    expect(int).toMatchObject({ isCA: true, selfIssued: false, subjectAltNames: [] })
  })

  it('the same chain without the lab root is untrusted: unknown issuer', () => {
    const o = describeLab('good', [])
    expect(o.trust.trusted).toBe(false)
    expect(o.trust.reason).toBe('unknown issuer: O=Vigil Lab, CN=Vigil Lab Root CA')
    expect(o.trust.path).toHaveLength(2)
    expect(o.trust.anchorPem).toBeUndefined()
  })

  it('a served root is fine when it is the trusted one, and not enough when it is not', () => {
    const ders = [...pemToDers(pki.certs.good.chainPem), ...pemToDers(pki.caPem)]
    const trusted = describeChain(ders, { source: 'raw-hello', protocol: 'TLSv1.2', host: pki.host, extraCaPems: [pki.caPem] })
    expect(trusted.trust).toMatchObject({ trusted: true, anchorSource: 'extra' })
    expect(trusted.trust.path).toHaveLength(3)
    expect(trusted.certs[2]!.selfIssued).toBe(true)
    const untrusted = describeChain(ders, { source: 'raw-hello', protocol: 'TLSv1.2', host: pki.host, extraCaPems: [] })
    expect(untrusted.trust).toMatchObject({ trusted: false, reason: 'self-signed root not trusted: O=Vigil Lab, CN=Vigil Lab Root CA' })
  })

  it('ECDSA P-256 leaf', () => {
    const o = describeLab('good-ecdsa')
    expect(o.certs[0]).toMatchObject({ keyType: 'ec', curve: 'prime256v1', keyBits: 256, signatureAlgorithm: 'sha256WithRSAEncryption' })
    expect(o.trust.trusted).toBe(true)
  })

  it('expired and not-yet-valid leaves make the chain untrusted, saying which element', () => {
    const expired = describeLab('expired')
    expect(expired.trust.trusted).toBe(false)
    expect(expired.trust.reason).toMatch(/^expired leaf: CN=vigil\.lab\.test \(notAfter \d{4}-/)
    expect(Date.parse(expired.certs[0]!.notAfter)).toBeLessThan(Date.now())
    const future = describeLab('not-yet-valid')
    expect(future.trust.trusted).toBe(false)
    expect(future.trust.reason).toMatch(/^not yet valid leaf: CN=vigil\.lab\.test/)
  })

  it('an expired intermediate is named as such', () => {
    const o = describeLab('expired-intermediate')
    expect(o.trust.trusted).toBe(false)
    expect(o.trust.reason).toMatch(/^expired intermediate: O=Vigil Lab, CN=Vigil Lab Intermediate CA \(expired\)/)
    expect(o.trust.path).toHaveLength(3)
  })

  it('expiring leaf and expiring intermediate are still trusted today, and carry their dates', () => {
    const leaf = describeLab('expiring')
    expect(leaf.trust.trusted).toBe(true)
    const leafDays = (Date.parse(leaf.certs[0]!.notAfter) - pki.generatedAt.getTime()) / DAY
    expect(leafDays).toBeCloseTo(10, 0)
    const int = describeLab('expiring-intermediate')
    expect(int.trust.trusted).toBe(true)
    const intDays = (Date.parse(int.certs[1]!.notAfter) - pki.generatedAt.getTime()) / DAY
    expect(intDays).toBeCloseTo(10, 0)
    // 20 days on, the same chain no longer validates
    const later = describeLab('expiring-intermediate', [pki.caPem], new Date(Date.now() + 20 * DAY))
    expect(later.trust.trusted).toBe(false)
    expect(later.trust.reason).toContain('expired intermediate')
  })

  it('describing a chain again gives an equal observation that shares nothing with the first', () => {
    const first = describeLab('good')
    // parsed facts are kept per certificate for the whole process: one observation must not reach them
    first.certs[0]!.subject = 'CN=changed.test'
    first.certs[0]!.subjectAltNames.push('DNS:changed.test')
    first.trust.path.push('CN=changed.test')
    const again = describeLab('good')
    expect(again.certs[0]).toMatchObject({ subject: 'CN=vigil.lab.test', subjectAltNames: ['DNS:vigil.lab.test'] })
    expect(again.trust.path).toHaveLength(3)
    expect(again).toEqual(describeLab('good'))
  })

  it('a self-signed leaf is untrusted unless pinned as an extra CA', () => {
    const o = describeLab('self-signed')
    expect(o.certs[0]!.selfIssued).toBe(true)
    expect(o.trust).toMatchObject({ trusted: false, reason: 'self-signed', path: ['CN=vigil.lab.test'] })
    const pinned = describeLab('self-signed', [pki.certs['self-signed'].certPem])
    expect(pinned.trust).toMatchObject({ trusted: true, anchorSource: 'extra', path: ['CN=vigil.lab.test'] })
  })

  it('wrong host, RSA-1024 and SHA-1 leaves still build a path: other checks judge them', () => {
    const wrong = describeLab('wrong-host')
    expect(wrong.certs[0]!.subjectAltNames).toEqual(['DNS:other.lab.test'])
    expect(wrong.trust.trusted).toBe(true)
    const small = describeLab('rsa-1024')
    expect(small.certs[0]).toMatchObject({ keyType: 'rsa', keyBits: 1024 })
    const sha1 = describeLab('sha1')
    expect(sha1.certs[0]!.signatureAlgorithm).toBe('sha1WithRSAEncryption')
    expect(sha1.certs[1]!.signatureAlgorithm).toBe('sha256WithRSAEncryption')
    expect(sha1.trust.trusted).toBe(true)
  })

  it('every generated variant matches its expectation with and without the lab root', () => {
    for (const name of LAB_CERT_NAMES) {
      expect(describeLab(name).trust.trusted, name).toBe(pki.certs[name].expect.trustedWithLabRoot)
      expect(describeLab(name, []).trust.trusted, `${name} without root`).toBe(false)
    }
  })

  it('a missing intermediate is an unknown issuer', () => {
    const o = describeChain(pemToDers(pki.certs.good.certPem), { source: 'raw-hello', protocol: 'TLSv1.2', host: pki.host, extraCaPems: [pki.caPem] })
    expect(o.trust).toMatchObject({ trusted: false, reason: 'unknown issuer: O=Vigil Lab, CN=Vigil Lab Intermediate CA' })
  })

  it('a tampered leaf signature is a bad signature, not an unknown issuer', () => {
    const [leaf, int] = pemToDers(pki.certs.good.chainPem)
    const tampered = Buffer.from(leaf!)
    tampered[tampered.length - 10]! ^= 0xff // inside the signature BIT STRING
    const o = describeChain([tampered, int!], { source: 'raw-hello', protocol: 'TLSv1.2', host: pki.host, extraCaPems: [pki.caPem] })
    expect(o.trust.trusted).toBe(false)
    expect(o.trust.reason).toBe('bad signature: CN=vigil.lab.test is not signed by O=Vigil Lab, CN=Vigil Lab Intermediate CA')
  })

  it('an intermediate served in the wrong order still builds the path', () => {
    const [leaf, int] = pemToDers(pki.certs.good.chainPem)
    const root = pemToDers(pki.caPem)[0]!
    const o = describeChain([leaf!, root, int!], { source: 'raw-hello', protocol: 'TLSv1.2', host: pki.host, extraCaPems: [pki.caPem] })
    expect(o.trust.trusted).toBe(true)
    expect(o.certs.map((c) => c.subject)).toEqual(['CN=vigil.lab.test', 'O=Vigil Lab, CN=Vigil Lab Root CA', 'O=Vigil Lab, CN=Vigil Lab Intermediate CA'])
  })

  it('no certificate, or an unparsable leaf, is a protocol error', () => {
    const opts = { source: 'raw-hello' as const, protocol: 'TLSv1.2' as const, host: 'x', extraCaPems: [] }
    expect(() => describeChain([], opts)).toThrow(expect.objectContaining({ kind: 'protocol' }))
    expect(() => describeChain([Buffer.from('not a certificate')], opts)).toThrow(expect.objectContaining({ kind: 'protocol' }))
  })

  it('an unparsable intermediate is reported and does not stop the leaf from being described', () => {
    const [leaf] = pemToDers(pki.certs.good.chainPem)
    const o = describeChain([leaf!, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])], { source: 'raw-hello', protocol: 'TLSv1.2', host: pki.host, extraCaPems: [pki.caPem] })
    expect(o.certs).toHaveLength(1)
    expect(o.chainPem).toHaveLength(2)
    expect(o.trust.trusted).toBe(false)
    expect(o.trust.reason).toContain('unparsable certificate(s) at position 1')
  })
})

describe('parseSubjectAltNames', () => {
  it('splits node’s string, keeping quoted values with commas whole', () => {
    expect(parseSubjectAltNames('DNS:a.test, DNS:"b,c.test", IP Address:127.0.0.1, email:x@y')).toEqual(['DNS:a.test', 'DNS:b,c.test', 'IP:127.0.0.1', 'email:x@y'])
    expect(parseSubjectAltNames(undefined)).toEqual([])
  })
})

describe('fetchChainWithNodeTls', () => {
  const servers: RunningServer[] = []
  const limited: string[] = []
  const ctx = (timeoutMs = 3000): ObserveContext => ({
    needs: new Set(),
    timeoutMs,
    extraCaPems: [],
    limit: (host, fn) => {
      limited.push(host)
      return fn()
    },
  })
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
  })

  it('reads the chain exactly as served from a TLS 1.3-only server, under the host limit', async () => {
    const s = await startNodeTlsServer({ certificate: pki.certs.good, minVersion: 'TLSv1.3' })
    servers.push(s)
    const target = { name: 'lab', host: pki.host, address: s.host, port: s.port, tags: [] }
    const { ders, protocol } = await fetchChainWithNodeTls(target, ctx())
    expect(protocol).toBe('TLSv1.3')
    // leaf + intermediate: the root was not sent and must not be filled in from any store
    expect(ders).toHaveLength(2)
    const o = describeChain(ders, { source: 'node-tls', protocol, host: pki.host, extraCaPems: [pki.caPem] })
    expect(o.trust.trusted).toBe(true)
    expect(o.chainPem.join('')).toBe(pki.certs.good.chainPem)
    expect(limited).toContain('127.0.0.1') // per connect address, like the raw probe
  })

  it('reads an ECDSA chain from a TLS 1.0 server', async () => {
    const s = await startNodeTlsServer({ certificate: pki.certs['good-ecdsa'], minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' })
    servers.push(s)
    const { ders, protocol } = await fetchChainWithNodeTls({ name: 'lab', host: pki.host, address: s.host, port: s.port, tags: [] }, ctx())
    expect(protocol).toBe('TLSv1.0')
    expect(describeChain(ders, { source: 'node-tls', protocol, host: pki.host, extraCaPems: [] }).certs[0]!.keyType).toBe('ec')
  })

  it('dead port → unreachable', async () => {
    const port = await deadPort()
    const err = await fetchChainWithNodeTls({ name: 'x', host: pki.host, address: '127.0.0.1', port, tags: [] }, ctx()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProbeError)
    expect(err).toMatchObject({ kind: 'unreachable' })
    expect((err as Error).message).toContain(`127.0.0.1:${port}`)
  })

  it('silent peer → timeout within the budget', async () => {
    const s = await startSilentServer()
    servers.push(s)
    const started = Date.now()
    const err = await fetchChainWithNodeTls({ name: 'x', host: pki.host, address: s.host, port: s.port, tags: [] }, ctx(400)).catch((e: unknown) => e)
    expect(err).toMatchObject({ kind: 'timeout' })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('garbage and plain HTTP peers → protocol error; a reset → unreachable', async () => {
    for (const [mode, kind] of [['junk', 'protocol'], ['huge-banner', 'protocol'], ['plain-http', 'protocol'], ['reset', 'unreachable']] as const) {
      const s = await startGarbageServer({ mode })
      servers.push(s)
      const err = await fetchChainWithNodeTls({ name: 'x', host: pki.host, address: s.host, port: s.port, tags: [] }, ctx()).catch((e: unknown) => e)
      expect(err, mode).toMatchObject({ kind })
    }
  })
})
