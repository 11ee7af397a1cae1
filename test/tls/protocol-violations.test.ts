// Regression: a peer that answers every ClientHello with a ServerHello it had no right to send (a
// version that does not exist or was not offered, a cipher suite that was not offered) is a
// protocol violation, never a refusal and never a pass. Real peers on 127.0.0.1 (node:net), the
// real probe with every TLS part, every TLS check.
import type { Socket } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { observeTls, violationOf } from '../../checks/tls/probe.ts'
import { parseServerHello } from '../../checks/tls/wire/server-messages.ts'
import { suitesForVersion } from '../../checks/tls/cipher-suites.ts'
import { tlsChecks } from '../../checks/tls/index.ts'
import { TLS_PARTS, type TlsObservation } from '../../checks/tls/observation.ts'
import { makeLimiter } from '../../runner/observe.ts'
import { startScriptedServer } from './start-openssl-server.ts'

const NEEDS = new Set(tlsChecks.flatMap((c) => c.needs))
/** checks judging suites, groups or certificates: with nothing but violations they cannot decide */
const POPULATION_CHECKS = tlsChecks.map((c) => c.id).filter((id) => id !== 'tls.protocols' && id !== 'http.hsts')

const stops: (() => Promise<void>)[] = []
afterAll(async () => {
  await Promise.all(stops.map((s) => s()))
})

interface ClientHelloFacts {
  sslv2: boolean
  /** highest version the hello offers (supported_versions when present, else legacy_version) */
  maxVersion: number
  suites: number[]
}

/** Enough of a ClientHello (TLS record, or SSLv2 CLIENT-HELLO) to answer it wrongly. */
function readClientHello(b: Buffer): ClientHelloFacts | undefined {
  if (b[0]! & 0x80) {
    // SSLv2: 2-byte header, type 1, version, cipher-specs length, session-id length, challenge length
    const specsLen = b.readUInt16BE(5)
    const suites: number[] = []
    for (let i = 0; i < specsLen; i += 3) suites.push(b.readUIntBE(11 + i, 3))
    return { sslv2: true, maxVersion: b.readUInt16BE(3), suites }
  }
  if (b[0] !== 22 || b.length < 50) return undefined
  let off = 9
  let maxVersion = b.readUInt16BE(off)
  off += 2 + 32
  off += 1 + b[off]!
  const suitesLen = b.readUInt16BE(off)
  const suites: number[] = []
  for (let i = 0; i < suitesLen; i += 2) suites.push(b.readUInt16BE(off + 2 + i))
  off += 2 + suitesLen
  off += 1 + b[off]!
  if (off + 2 <= b.length) {
    const end = off + 2 + b.readUInt16BE(off)
    off += 2
    while (off + 4 <= end) {
      const type = b.readUInt16BE(off)
      const len = b.readUInt16BE(off + 2)
      if (type === 43) maxVersion = Math.max(...Array.from({ length: b[off + 4]! / 2 }, (_, i) => b.readUInt16BE(off + 5 + 2 * i)))
      off += 4 + len
    }
  }
  return { sslv2: false, maxVersion, suites }
}

function u24(n: number): Buffer {
  const b = Buffer.alloc(3)
  b.writeUIntBE(n, 0, 3)
  return b
}

/** A ServerHello record: legacy version, fixed random, empty session id, suite, null compression, extensions. */
function serverHello(legacyVersion: number, suite: number, supportedVersion?: number): Buffer {
  const exts = supportedVersion === undefined ? Buffer.alloc(0) : Buffer.from([0, 43, 0, 2, supportedVersion >> 8, supportedVersion & 0xff])
  const body = Buffer.concat([
    Buffer.from([legacyVersion >> 8, legacyVersion & 0xff]),
    Buffer.alloc(32, 0x5a),
    Buffer.from([0, suite >> 8, suite & 0xff, 0]),
    ...(exts.length ? [Buffer.from([exts.length >> 8, exts.length & 0xff]), exts] : []),
  ])
  const hs = Buffer.concat([Buffer.from([2]), u24(body.length), body])
  return Buffer.concat([Buffer.from([22, 3, 3, hs.length >> 8, hs.length & 0xff]), hs])
}

type Answer = (hello: ClientHelloFacts) => Buffer

/** A TCP peer that reads one ClientHello per connection and sends `answer(hello)`, then closes. */
async function misbehavingPeer(answer: Answer): Promise<number> {
  const peer = await startScriptedServer((socket: Socket) => {
    let buf = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      const expected = buf[0]! & 0x80 ? 2 + (((buf[0]! & 0x7f) << 8) | buf[1]!) : buf.length >= 5 ? 5 + buf.readUInt16BE(3) : Infinity
      if (buf.length < expected) return
      const hello = readClientHello(buf)
      socket.removeAllListeners('data')
      if (!hello) return void socket.destroy()
      socket.end(answer(hello))
    })
  })
  stops.push(peer.stop)
  return peer.port
}

async function observeAndJudge(port: number) {
  const at = new Date()
  const obs: TlsObservation = await observeTls(
    { name: 'violator', host: 'localhost', address: '127.0.0.1', port, tags: [] },
    { needs: NEEDS, timeoutMs: 2000, extraCaPems: [], limit: makeLimiter(20, 5) },
  )
  const verdicts = Object.fromEntries(
    tlsChecks.map((c) => [c.id, c.judge(obs, Object.fromEntries(c.params.map((p) => [p.name, p.default])), { now: at })] as const),
  )
  return { obs, verdicts }
}

function expectNoPassAndProtocolErrors({ obs, verdicts }: Awaited<ReturnType<typeof observeAndJudge>>) {
  expect(obs.error, 'the peer speaks (broken) TLS: not an endpoint-level failure').toBeUndefined()
  for (const [id, v] of Object.entries(verdicts)) expect({ id, status: v.status, summary: v.summary }).not.toMatchObject({ status: 'passed' })
  for (const id of POPULATION_CHECKS) expect({ id, status: verdicts[id]!.status, errorKind: verdicts[id]!.errorKind }).toEqual({ id, status: 'error', errorKind: 'protocol' })
  // a violation is not a refusal: tls.protocols cannot say "accepts nothing"
  expect(verdicts['tls.protocols']).toMatchObject({ status: 'error', errorKind: 'protocol' })
  expect(verdicts['http.hsts']).toMatchObject({ status: 'error', errorKind: 'protocol' })
  const p = obs.protocols
  if (!p || p.error) throw new Error('protocols part missing')
  // every verdict names what it could not decide: each version the server answered impossibly
  const undecided = p.undetermined.map((u) => u.version).sort()
  for (const [id, v] of Object.entries(verdicts)) expect({ id, offenders: (v.offenders ?? []).map((o) => o.id) }).toEqual({ id, offenders: undecided })
  expect(p.accepted).toEqual([])
  // every TLS version is undetermined; only SSLv2 (answered in TLS: not an SSLv2 server) is refused
  expect(p.refused).toEqual(['SSLv2'])
  expect(p.undetermined.map((u) => u.version).sort()).toEqual(['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'])
  expect(p.undetermined.every((u) => u.errorKind === 'protocol')).toBe(true)
  // every TLS hello is recorded as a violation with the server's bytes
  const tlsHellos = obs.hellos.filter((h) => h.protocol !== 'SSLv2')
  expect(tlsHellos.length).toBeGreaterThanOrEqual(5)
  for (const h of tlsHellos) {
    expect(h).toMatchObject({ outcome: 'error', errorKind: 'protocol' })
    expect(h.violation?.reason).toBeTruthy()
    expect(h.violation?.bytesHex).toMatch(/^([0-9a-f]{2})+$/)
    expect(h.violation!.bytesHex.length).toBeLessThanOrEqual(1024)
  }
  return tlsHellos
}

describe('a peer answering every hello with a malformed ServerHello', () => {
  it('an unknown version (0x7f7f) in every ServerHello: protocol errors everywhere, bytes recorded', async () => {
    const port = await misbehavingPeer((h) => serverHello(0x7f7f, h.sslv2 ? 0x002f : h.suites[0]!))
    const r = await observeAndJudge(port)
    const hellos = expectNoPassAndProtocolErrors(r)
    for (const h of hellos) {
      expect(h.violation!.reason).toMatch(/0x7f7f/i)
      // the ServerHello body as sent starts with its version field
      expect(h.violation!.bytesHex.startsWith('7f7f')).toBe(true)
      expect(h.error).toMatch(/0x7f7f/i)
    }
  })

  it('a cipher suite that was never offered: protocol errors everywhere, bytes recorded', async () => {
    // a real suite, just not one this hello offered; the version is a legitimate one
    const answer: Answer = (h) => {
      const notOffered = [0x002f, 0xc02f, 0x009c, 0x0035, 0x1301].find((s) => !h.suites.includes(s))!
      return serverHello(h.sslv2 ? 0x0303 : Math.min(h.maxVersion, 0x0303), notOffered)
    }
    const port = await misbehavingPeer(answer)
    const r = await observeAndJudge(port)
    const hellos = expectNoPassAndProtocolErrors(r)
    for (const h of hellos) expect(h.violation!.reason).toMatch(/not offered|did not offer/)
    // the TLS 1.3 hello was answered with TLS 1.2 and a suite it did not offer: a violation, not a downgrade
    expect(hellos.find((h) => h.protocol === 'TLSv1.3')).toMatchObject({ outcome: 'error', errorKind: 'protocol' })
  })

  it('a version above the one offered: protocol errors everywhere', async () => {
    // TLS ≤ 1.2 hellos get the next version up (TLS 1.2 gets TLS 1.3 through supported_versions); TLS 1.3 gets 0x0305
    const port = await misbehavingPeer((h) => {
      const suite = h.sslv2 ? 0x002f : h.suites[0]!
      if (h.sslv2) return serverHello(0x0303, suite)
      if (h.maxVersion >= 0x0304) return serverHello(0x0303, suite, 0x0305)
      if (h.maxVersion === 0x0303) return serverHello(0x0303, suite, 0x0304)
      return serverHello(h.maxVersion + 1, suite)
    })
    const r = await observeAndJudge(port)
    const hellos = expectNoPassAndProtocolErrors(r)
    expect(hellos.find((h) => h.protocol === 'TLSv1.2')!.violation!.reason).toMatch(/TLSv1\.3/)
  })

  it('TLS 1.2 answered properly, every other version with an impossible ServerHello: nothing passes on the partial population', async () => {
    // a static-RSA TLS 1.2 server (TLS_RSA_WITH_AES_128_CBC_SHA only) that breaks the protocol for any other version
    const port = await misbehavingPeer((h) => {
      if (h.sslv2 || h.maxVersion !== 0x0303) return serverHello(0x7f7f, h.sslv2 ? 0x002f : h.suites[0]!)
      return h.suites.includes(0x002f) ? serverHello(0x0303, 0x002f) : Buffer.from([21, 3, 3, 0, 2, 2, 40])
    })
    const { obs, verdicts } = await observeAndJudge(port)
    const p = obs.protocols
    if (!p || p.error) throw new Error('protocols part missing')
    expect(p.accepted).toEqual(['TLSv1.2'])
    expect(p.undetermined.map((u) => u.version).sort()).toEqual(['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.3'])
    // tls.required is decided by TLS 1.2 alone: the service does offer TLS and accept it
    for (const [id, v] of Object.entries(verdicts)) if (id !== 'tls.required') expect({ id, status: v.status, summary: v.summary }).not.toMatchObject({ status: 'passed' })
    expect(verdicts['tls.required']).toMatchObject({ status: 'passed', summary: expect.stringMatching(/speaks TLS from the first byte: accepts TLSv1\.2$/) })
    expect(verdicts['tls.protocols']).toMatchObject({ status: 'error', errorKind: 'protocol' })
    // what TLS 1.2 shows is judged (static RSA fails forward secrecy and the profile); a clean bill needs every version
    expect(verdicts['tls.forward-secrecy']!.status).toBe('failed')
    expect(verdicts['tls.profile']!.status).toBe('failed')
    for (const id of ['tls.ciphers.weak', 'tls.dh-strength']) expect({ id, ...verdicts[id] }).toMatchObject({ id, status: 'error', errorKind: 'protocol' })
    // the failures name what TLS 1.2 shows; the errors name the versions that broke the protocol
    const ids = (id: string) => (verdicts[id]!.offenders ?? []).map((o) => o.id)
    expect(ids('tls.forward-secrecy')).toEqual(['TLSv1.2/TLS_RSA_WITH_AES_128_CBC_SHA'])
    expect(ids('tls.profile')).toEqual(['TLSv1.2/TLS_RSA_WITH_AES_128_CBC_SHA'])
    for (const id of ['tls.protocols', 'tls.ciphers.weak', 'tls.dh-strength']) expect({ id, offenders: ids(id) }).toEqual({ id, offenders: ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.3'] })
  })

  it('the certificate part is needed alone: still a protocol error, never a pass', async () => {
    const port = await misbehavingPeer((h) => serverHello(0x7f7f, h.sslv2 ? 0x002f : h.suites[0]!))
    const obs = await observeTls(
      { name: 'violator', host: 'localhost', address: '127.0.0.1', port, tags: [] },
      { needs: new Set([TLS_PARTS.certificate]), timeoutMs: 2000, extraCaPems: [], limit: makeLimiter(20, 5) },
    )
    for (const c of tlsChecks.filter((c) => c.id.startsWith('tls.cert.')))
      expect(c.judge(obs, Object.fromEntries(c.params.map((p) => [p.name, p.default])), { now: new Date() })).toMatchObject({ status: 'error', errorKind: 'protocol' })
    expect(obs.hellos[0]?.violation?.bytesHex.startsWith('7f7f')).toBe(true)
  })
})

describe('violationOf: what a ServerHello may name', () => {
  /** the ServerHello body inside serverHello()'s record */
  const body = (legacyVersion: number, suite: number, supportedVersion?: number) => parseServerHello(serverHello(legacyVersion, suite, supportedVersion).subarray(9))
  const tls12 = suitesForVersion('TLSv1.2').slice(0, 128)
  const offeredCode = tls12[0]!.code

  it('a known version below the offered one is a refusal by downgrade, not a violation', () => {
    expect(violationOf('TLSv1.2', tls12, body(0x0301, offeredCode))).toBeUndefined()
    expect(violationOf('TLSv1.3', suitesForVersion('TLSv1.3'), body(0x0303, suitesForVersion('TLSv1.3')[0]!.code))).toBeUndefined()
    expect(violationOf('TLSv1.2', tls12, body(0x0303, offeredCode))).toBeUndefined()
  })

  it('an unknown version, a version above the offered one, SSLv2 in a TLS record, or an unoffered suite is a violation', () => {
    expect(violationOf('TLSv1.2', tls12, body(0x7f7f, offeredCode))?.reason).toMatch(/0x7f7f.*not a TLS version/)
    expect(violationOf('TLSv1.2', tls12, body(0x0303, offeredCode, 0x0305))?.reason).toMatch(/0x0305 \(in supported_versions\)/)
    expect(violationOf('TLSv1.2', tls12, body(0x0303, offeredCode, 0x0304))?.reason).toMatch(/TLSv1\.3.*above the TLSv1\.2/)
    expect(violationOf('TLSv1.0', tls12, body(0x0302, offeredCode))?.reason).toMatch(/TLSv1\.1.*above/)
    expect(violationOf('TLSv1.2', tls12, body(0x0002, offeredCode))?.reason).toMatch(/0x0002.*not a TLS version/)
    expect(violationOf('TLSv1.2', tls12.filter((s) => s.code !== 0x002f), body(0x0303, 0x002f))?.reason).toMatch(/TLS_RSA_WITH_AES_128_CBC_SHA \(0x002f\).*did not offer/)
    // a lower version does not excuse a suite that was not offered
    expect(violationOf('TLSv1.3', suitesForVersion('TLSv1.3'), body(0x0303, 0xc02f))?.reason).toMatch(/did not offer/)
  })

  it('keeps the ServerHello bytes as sent up to its extensions, bounded', () => {
    const v = violationOf('TLSv1.2', tls12, body(0x0303, 0x1301, 0x0305))!
    expect(v.bytesHex).toBe(`0303${'5a'.repeat(32)}00130100`)
    expect(v.bytesOf).toMatch(/supported_versions\(43\)/)
    expect(v.bytesHex.length / 2).toBeLessThanOrEqual(512)
  })
})
