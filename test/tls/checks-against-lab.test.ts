// Every TLS check, both verdicts, against real servers: the lab fleet (node:tls, openssl s_server,
// a raw-TLS server for 3DES, dead / silent / garbage ports) with freshly generated certificates.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tlsChecks } from '../../checks/tls/index.ts'
import { observeTls } from '../../checks/tls/probe.ts'
import type { TlsObservation } from '../../checks/tls/observation.ts'
import { makeLimiter } from '../../runner/observe.ts'
import { generateLabPki, type LabPki } from '../../lab/tls/certificates.ts'
import { startTlsLabFleet, type TlsLabFleet } from '../../lab/tls/lab-fleet.ts'

const NEEDS = new Set(tlsChecks.flatMap((c) => c.needs))
let pki: LabPki
let fleet: TlsLabFleet
const observations = new Map<string, { obs: TlsObservation; at: Date; ms: number }>()

beforeAll(async () => {
  pki = await generateLabPki(join(mkdtempSync(join(tmpdir(), 'vigil-tls-lab-')), 'pki'))
  fleet = await startTlsLabFleet(pki)
  const limit = makeLimiter(100, 8)
  await Promise.all(
    fleet.endpoints.map(async (e) => {
      const at = new Date()
      const obs = await observeTls({ name: e.name, host: e.host, address: '127.0.0.1', port: e.port, tags: e.tags }, { needs: NEEDS, timeoutMs: 2000, extraCaPems: [pki.caPem], limit })
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
