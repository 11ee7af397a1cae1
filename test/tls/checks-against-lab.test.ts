// Every TLS check, both verdicts, against real servers: the lab fleet (node:tls, openssl s_server,
// a raw-TLS server for 3DES, dead / silent / garbage ports) with freshly generated certificates.
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tlsChecks } from '../../checks/tls/index.ts'
import { observeTls } from '../../checks/tls/probe.ts'
import type { TlsObservation } from '../../checks/tls/observation.ts'
import { makeLimiter } from '../../runner/observe.ts'
import { splitPems } from '../../checks/tls/certificate.ts'
import { generateLabPki, type LabCertName, type LabPki } from '../../lab/tls/certificates.ts'
import { startTlsLabFleet, type TlsLabFleet } from '../../lab/tls/lab-fleet.ts'

const NEEDS = new Set(tlsChecks.flatMap((c) => c.needs))
let pki: LabPki
let fleet: TlsLabFleet
const observations = new Map<string, { obs: TlsObservation; at: Date; ms: number }>()

beforeAll(async () => {
  pki = await generateLabPki(join(mkdtempSync(join(tmpdir(), 'vigil-tls-lab-')), 'pki'))
  fleet = await startTlsLabFleet(pki, { starttls: true })
  const limit = makeLimiter(100, 8)
  await Promise.all(
    fleet.endpoints.map(async (e) => {
      const at = new Date()
      const obs = await observeTls({ name: e.name, host: e.host, address: '127.0.0.1', port: e.port, tags: e.tags, ...(e.starttls ? { starttls: e.starttls } : {}) }, { needs: NEEDS, timeoutMs: 2000, extraCaPems: [pki.caPem], limit })
      observations.set(e.name, { obs, at, ms: Date.now() - at.getTime() })
    }),
  )
}, 120_000)

afterAll(async () => {
  await fleet?.stop()
})

describe('every TLS check decides as designed against the lab fleet', () => {
  const cases: [string, string][] = []
  it('covers both verdicts of every TLS check', () => {
    for (const check of tlsChecks) {
      const wanted = fleet.endpoints.map((e) => e.expect[check.id]).filter(Boolean)
      expect(wanted, check.id).toContain('passed')
      expect(wanted, check.id).toContain('failed')
      expect(wanted, check.id).toContain('error')
    }
    // an observed, empty population is shown too (never as a pass)
    expect(fleet.endpoints.flatMap((e) => Object.values(e.expect))).toContain('not-applicable')
  })

  for (const check of tlsChecks) {
    it(`${check.id}`, () => {
      let decided = 0
      for (const e of fleet.endpoints) {
        const want = e.expect[check.id]
        if (!want) continue
        const o = observations.get(e.name)!
        const defaults = Object.fromEntries(check.params.map((p) => [p.name, p.default]))
        const v = check.judge(o.obs, defaults, { now: o.at })
        expect({ target: e.name, status: v.status, summary: v.summary }).toMatchObject({ target: e.name, status: want })
        // a verdict carries structured facts, not just a sentence
        if (v.status !== 'error') expect(Object.keys(v.observed).length, `${check.id} ${e.name}`).toBeGreaterThan(0)
        decided++
        cases.push([check.id, e.name])
      }
      expect(decided).toBeGreaterThanOrEqual(2)
    })
  }
})

/** `spki:sha256:<16 hex>` of a PEM certificate, computed here independently of the probe */
function spki(pem: string): string {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })
  return `spki:sha256:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`
}
/** the offender id of a lab chain's certificate at `position` (leaf 0, its intermediate 1) */
function certId(name: LabCertName, position = 0): string {
  const pem = splitPems([pki.certs[name].chainPem])[position]!
  return `cert[${position}] ${new X509Certificate(pem).subject.split('\n').join(', ')} ${spki(pem)}`
}

describe('every failed or undecided verdict names its offenders, with stable ids', () => {
  const judgeOn = (checkId: string, endpoint: string) => {
    const check = tlsChecks.find((c) => c.id === checkId)!
    const o = observations.get(endpoint)!
    return check.judge(o.obs, Object.fromEntries(check.params.map((p) => [p.name, p.default])), { now: o.at })
  }

  it('the offender ids of every failure the lab is built to show', () => {
    const leaf = certId('good')
    /** endpoint → check → offender ids (sorted, as verdicts list them) */
    const want: Record<string, Record<string, string[]>> = {
      'web-static-rsa': { 'tls.forward-secrecy': ['TLSv1.2/TLS_RSA_WITH_AES_128_CBC_SHA'], 'tls.profile': ['TLSv1.2/TLS_RSA_WITH_AES_128_CBC_SHA'] },
      'web-mixed-fs': { 'tls.forward-secrecy': ['TLSv1.2/TLS_RSA_WITH_AES_128_GCM_SHA256'] },
      'web-legacy-tls10': {
        'tls.protocols': ['TLSv1.0', 'no TLSv1.2 or TLSv1.3'],
        'tls.profile': ['TLSv1.0', 'TLSv1.0/TLS_RSA_WITH_AES_128_CBC_SHA'],
        'http.hsts': ['hsts'],
      },
      'web-3des': { 'tls.ciphers.weak': ['TLSv1.0/TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLSv1.2/TLS_RSA_WITH_3DES_EDE_CBC_SHA'], 'tls.protocols': ['TLSv1.0'] },
      'web-dhe-1024': { 'tls.dh-strength': ['TLSv1.2/DHE/1024-bit'], 'http.hsts': ['hsts'] },
      'web-expired': { 'tls.cert.expiry': [certId('expired')] },
      'web-expiring': { 'tls.cert.expiry': [certId('expiring')] },
      'web-not-yet-valid': { 'tls.cert.expiry': [certId('not-yet-valid')] },
      'web-expiring-intermediate': { 'tls.cert.expiry': [certId('expiring-intermediate', 1)] },
      'web-self-signed': { 'tls.cert.trust': [certId('self-signed')] },
      'web-wrong-host': { 'tls.cert.hostname': [`${certId('wrong-host')} host:${pki.host}`] },
      'web-rsa-1024': { 'tls.cert.key-strength': [certId('rsa-1024')] },
      'web-sha1': { 'tls.cert.signature': [certId('sha1')] },
      'web-no-hsts': { 'http.hsts': ['hsts'] },
      'web-short-hsts': { 'http.hsts': ['hsts/max-age'] },
      'web-dead': Object.fromEntries(tlsChecks.map((c) => [c.id, ['endpoint']])),
      'web-silent': { 'tls.protocols': ['endpoint'], 'tls.cert.expiry': ['endpoint'] },
      'web-garbage': { 'tls.protocols': ['endpoint'] },
      'smtp-no-starttls': { 'tls.required': ['upgrade'], 'tls.protocols': ['endpoint'] },
      // Dovecot with OpenSSL 3.0's DEFAULT list at SECLEVEL 0: its static-RSA suites under each version
      'imap-weak': {
        'tls.protocols': ['TLSv1.0', 'TLSv1.1'],
        'tls.forward-secrecy': [
          ...['TLSv1.0', 'TLSv1.1'].flatMap((v) => [`${v}/TLS_RSA_WITH_AES_128_CBC_SHA`, `${v}/TLS_RSA_WITH_AES_256_CBC_SHA`]),
          ...['AES_128_CBC_SHA', 'AES_128_CBC_SHA256', 'AES_128_GCM_SHA256', 'AES_256_CBC_SHA', 'AES_256_CBC_SHA256', 'AES_256_GCM_SHA384'].map((x) => `TLSv1.2/TLS_RSA_WITH_${x}`),
        ],
      },
    }
    // every labelled failure and error is listed above
    for (const e of fleet.endpoints)
      for (const [checkId, status] of Object.entries(e.expect)) if (status === 'failed' || status === 'error') expect(want[e.name]?.[checkId], `${e.name} ${checkId}`).toBeDefined()
    for (const [endpoint, byCheck] of Object.entries(want))
      for (const [checkId, ids] of Object.entries(byCheck)) {
        const v = judgeOn(checkId, endpoint)
        expect({ endpoint, checkId, ids: (v.offenders ?? []).map((o) => o.id) }).toEqual({ endpoint, checkId, ids })
      }
    // the expired, expiring and not-yet-valid leaves share the lab's leaf key and name: one offender, three states
    expect(new Set([certId('expired'), certId('expiring'), certId('not-yet-valid'), leaf]).size).toBe(1)
    expect(certId('rsa-1024')).not.toBe(leaf)
  })

  it('an expired or not-yet-valid leaf is critical; an expiring one keeps the check default (high)', () => {
    const severityOf = (endpoint: string) => judgeOn('tls.cert.expiry', endpoint).offenders!.map((o) => o.severity)
    expect(severityOf('web-expired')).toEqual(['critical'])
    expect(severityOf('web-not-yet-valid')).toEqual(['critical'])
    expect(severityOf('web-expiring')).toEqual([undefined])
    expect(severityOf('web-expiring-intermediate')).toEqual([undefined])
  })

  it('every verdict on every lab endpoint: offenders when failed or error, none when passed or not applicable; no id holds the port', () => {
    for (const e of fleet.endpoints)
      for (const check of tlsChecks) {
        const v = judgeOn(check.id, e.name)
        const ids = (v.offenders ?? []).map((o) => o.id)
        if (v.status === 'passed' || v.status === 'not-applicable') expect(v.offenders, `${e.name} ${check.id}`).toBeUndefined()
        else expect(ids.length, `${e.name} ${check.id} ${v.status}: ${v.summary}`).toBeGreaterThan(0)
        expect(new Set(ids).size).toBe(ids.length)
        // the lab's ports are random per run: an id that held one would never match the next run
        for (const id of ids) expect(id.replace(/spki:sha256:[0-9a-f]{16}/, ''), `${e.name} ${check.id}`).not.toContain(String(e.port))
      }
  })

  it('a second probe of the same endpoints (other timings, other hello order) names the same offenders', async () => {
    const limit = makeLimiter(100, 8)
    const again = ['web-3des', 'web-legacy-tls10', 'web-static-rsa', 'web-dhe-1024', 'web-expiring', 'web-wrong-host', 'web-short-hsts', 'web-dead']
    for (const name of again) {
      const e = fleet.endpoints.find((x) => x.name === name)!
      const at = new Date()
      const obs = await observeTls({ name: e.name, host: e.host, address: '127.0.0.1', port: e.port, tags: e.tags }, { needs: NEEDS, timeoutMs: 2000, extraCaPems: [pki.caPem], limit })
      for (const check of tlsChecks) {
        const first = judgeOn(check.id, name)
        const second = check.judge(obs, Object.fromEntries(check.params.map((p) => [p.name, p.default])), { now: at })
        expect({ name, check: check.id, status: second.status, ids: (second.offenders ?? []).map((o) => o.id) }).toEqual({ name, check: check.id, status: first.status, ids: (first.offenders ?? []).map((o) => o.id) })
      }
    }
  }, 60_000)
})

describe('what the observations record', () => {
  it('forward secrecy evidence says all / some / none', () => {
    const fs = tlsChecks.find((c) => c.id === 'tls.forward-secrecy')!
    const fsOf = (n: string) => fs.judge(observations.get(n)!.obs, { mode: 'all' }, { now: new Date() }).observed.forwardSecrecy
    expect(fsOf('web-good')).toBe('all')
    expect(fsOf('web-mixed-fs')).toBe('some')
    expect(fsOf('web-static-rsa')).toBe('none')
  })

  it('keeps the chain exactly as served (leaf + intermediate, no root) from the raw TLS 1.2 hello', () => {
    const c = observations.get('web-good')!.obs.certificate
    expect(c && !c.error && c.source).toBe('raw-hello')
    if (!c || c.error) throw new Error('no certificate')
    expect(c.chainPem).toHaveLength(2)
    expect(c.certs[1]!.subject).toContain('Intermediate')
    expect(c.trust.anchorSource).toBe('extra')
  })

  it('reads the TLS 1.3-only chain through a real handshake', () => {
    const c = observations.get('web-ecdsa-tls13')!.obs.certificate
    if (!c || c.error) throw new Error('no certificate')
    expect(c.source).toBe('node-tls')
    expect(c.certs[0]).toMatchObject({ keyType: 'ec', keyBits: 256 })
  })

  it('knows the DH size and the key-exchange groups', () => {
    const dhe = observations.get('web-dhe-1024')!.obs.keyExchange
    if (!dhe || dhe.error) throw new Error('no kex')
    expect(dhe.dheBits['TLSv1.2']).toBe(1024)
    const good = observations.get('web-good')!.obs.keyExchange
    if (!good || good.error) throw new Error('no kex')
    // the group the server picks from a normal hello, and the weak curves it was offered and refused
    expect(good.acceptedGroups).toContain('x25519')
    expect(good.refusedGroups).toEqual(expect.arrayContaining(['secp192r1', 'secp224r1']))
    expect(good.groupBits.x25519).toBeGreaterThanOrEqual(253)
    expect(good.dheBits).toEqual({})
  })

  it('a dead port costs one refused connection, a silent one one timeout, garbage one read', () => {
    for (const name of ['web-dead', 'web-silent', 'web-garbage']) {
      const o = observations.get(name)!
      expect(o.obs.error, name).toBeDefined()
      expect(o.obs.stats.rawHellos + o.obs.stats.fullHandshakes, name).toBe(1)
    }
    expect(observations.get('web-dead')!.obs.error!.kind).toBe('unreachable')
    expect(observations.get('web-silent')!.obs.error!.kind).toBe('timeout')
    expect(observations.get('web-silent')!.ms).toBeLessThan(2000 + 1500)
    expect(observations.get('web-garbage')!.obs.error!.kind).toBe('protocol')
  })
})
