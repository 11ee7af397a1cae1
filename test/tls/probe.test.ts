// observeTls against real peers on 127.0.0.1: openssl s_server in several configurations, node:tls
// and https servers, and scripted TCP peers that are dead, silent, rude or speak only legacy TLS.
import { readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { observeTls } from '../../checks/tls/probe.ts'
import { TLS_PARTS, type TlsObservation } from '../../checks/tls/observation.ts'
import { groupByName } from '../../checks/tls/named-groups.ts'
import type { ObserveContext } from '../../checks/types.ts'
import { makeLimiter } from '../../runner/observe.ts'
import { makeThrowawayCert, startOpensslServer, startScriptedServer, type CertFiles, type RunningServer } from './start-openssl-server.ts'
import { freePort } from '../../lab/free-port.ts'

const SUITE_PARTS: string[] = [TLS_PARTS.suites('weak'), TLS_PARTS.suites('fs'), TLS_PARTS.suites('non-fs'), TLS_PARTS.suites('outside-intermediate')]
const ALL_RAW_PARTS: string[] = [TLS_PARTS.protocols, ...SUITE_PARTS, TLS_PARTS.keyExchange, TLS_PARTS.certificate]

function ctx(needs: string[], timeoutMs = 3000): ObserveContext {
  return { needs: new Set(needs), timeoutMs, extraCaPems: [], limit: makeLimiter(50, 5) }
}
function observe(port: number, needs: string[], timeoutMs?: number): Promise<TlsObservation> {
  return observeTls({ name: 'probe-test', host: 'localhost', address: '127.0.0.1', port, tags: [] }, ctx(needs, timeoutMs))
}
function data<T>(p: T | { error: unknown } | undefined): Exclude<T, { error: unknown }> {
  expect(p).toBeDefined()
  expect((p as { error?: unknown }).error).toBeUndefined()
  return p as Exclude<T, { error: unknown }>
}

let certs: CertFiles
const servers: { stop(): Promise<void> }[] = []
async function openssl(args: string[]): Promise<RunningServer> {
  const s = await startOpensslServer(certs, args)
  servers.push(s)
  return s
}

beforeAll(() => {
  certs = makeThrowawayCert()
})
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
  certs?.cleanup()
})

describe('observeTls against openssl s_server', () => {
  it('static RSA only (-tls1_2 -cipher AES128-SHA): TLS 1.2 alone, one non-FS suite, chain from the raw hello', async () => {
    const srv = await openssl(['-tls1_2', '-cipher', 'AES128-SHA'])
    const obs = await observe(srv.port, ALL_RAW_PARTS)
    expect(obs.error).toBeUndefined()
    const p = data(obs.protocols)
    expect(p.accepted).toEqual(['TLSv1.2'])
    expect(new Set(p.refused)).toEqual(new Set(['TLSv1.3', 'TLSv1.1', 'TLSv1.0', 'SSLv3', 'SSLv2']))
    expect(p.undetermined).toEqual([])
    const su = data(obs.suites)
    expect(su.byProtocol['TLSv1.2']).toEqual({
      weak: [],
      'non-fs': ['TLS_RSA_WITH_AES_128_CBC_SHA'],
      fs: [],
      'outside-intermediate': ['TLS_RSA_WITH_AES_128_CBC_SHA'],
    })
    expect(su.preferred).toEqual({ 'TLSv1.2': 'TLS_RSA_WITH_AES_128_CBC_SHA' })
    const kx = data(obs.keyExchange)
    expect(kx.dheBits).toEqual({})
    expect(kx.acceptedGroups).toEqual([])
    const cert = data(obs.certificate)
    expect(cert.source).toBe('raw-hello')
    expect(cert.protocol).toBe('TLSv1.2')
    expect(new X509Certificate(cert.chainPem[0]!).raw.equals(new X509Certificate(readFileSync(certs.cert)).raw)).toBe(true)
    // 6 versions (TLS 1.0/1.1 settle on protocol_version; SSLv3 needs both of its chunks) + one hello
    // per category (non-fs first refused: its only member is already known from the protocol hello)
    expect(obs.stats.rawHellos).toBe(obs.hellos.length)
    expect(obs.stats.rawHellos).toBe(10)
    expect(obs.stats.fullHandshakes).toBe(0)
    expect(obs.hellos.filter((h) => h.purpose === 'protocol support')).toHaveLength(7)
  })

  it('TLS 1.0 only with NULL and anonymous suites: both found as weak, anonymous DH size recorded', async () => {
    const srv = await openssl(['-tls1', '-cipher', 'NULL-SHA:ADH-AES128-SHA:@SECLEVEL=0'])
    const obs = await observe(srv.port, [TLS_PARTS.protocols, TLS_PARTS.suites('weak'), TLS_PARTS.suites('fs'), TLS_PARTS.keyExchange])
    const p = data(obs.protocols)
    expect(p.accepted).toEqual(['TLSv1.0'])
    const su = data(obs.suites)
    expect(new Set(su.byProtocol['TLSv1.0']?.weak)).toEqual(new Set(['TLS_RSA_WITH_NULL_SHA', 'TLS_DH_anon_WITH_AES_128_CBC_SHA']))
    // anonymous DH is ephemeral but not forward secret (cipher-suites.ts)
    expect(su.byProtocol['TLSv1.0']?.fs).toEqual([])
    // a TLS 1.2 hello is answered with a TLS 1.0 ServerHello: refused, and recorded as such
    const answeredLower = obs.hellos.find((h) => h.protocol === 'TLSv1.2' && h.serverVersion === 'TLSv1.0')
    expect(answeredLower?.outcome).toBe('refused')
    expect(data(obs.keyExchange).dheBits).toEqual({ 'TLSv1.0': 1024 })
  })

  it('1024-bit DHE (-dhparam): dheBits from the ServerKeyExchange of the protocol hello, no extra hello', async () => {
    const srv = await openssl(['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0', '-dhparam', certs.dh1024])
    const obs = await observe(srv.port, [TLS_PARTS.protocols, TLS_PARTS.keyExchange])
    const kx = data(obs.keyExchange)
    expect(kx.dheBits).toEqual({ 'TLSv1.2': 1024 })
    expect(obs.hellos.find((h) => h.protocol === 'TLSv1.2' && h.outcome === 'accepted')?.dhBits).toBe(1024)
    expect(obs.hellos.filter((h) => h.purpose.startsWith('kex: DHE'))).toHaveLength(0)
    // no ECDHE suite is accepted, and the weak-curve hello proves it
    expect(kx.acceptedGroups).toEqual([])
  })

  it('TLS 1.3 only (-tls1_3): suites enumerated, groups via HelloRetryRequest, chain through one node:tls handshake', async () => {
    const srv = await openssl(['-tls1_3', '-groups', 'X25519:P-256:P-384'])
    const obs = await observe(srv.port, [TLS_PARTS.protocols, TLS_PARTS.suites('fs'), TLS_PARTS.keyExchange, TLS_PARTS.certificate])
    const p = data(obs.protocols)
    expect(p.accepted).toEqual(['TLSv1.3'])
    const su = data(obs.suites)
    expect(new Set(su.byProtocol['TLSv1.3']?.fs)).toEqual(new Set(['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256']))
    const kx = data(obs.keyExchange)
    expect(kx.acceptedGroups).toEqual(['x25519'])
    expect(kx.refusedGroups).toContain('secp521r1')
    expect(kx.refusedGroups).toContain('ffdhe2048')
    // in group-code order, whatever order the concurrent hellos finished in
    const codes = kx.refusedGroups.map((n) => groupByName(n)!.code)
    expect(codes).toEqual([...codes].sort((a, b) => a - b))
    expect(kx.groupBits).toEqual({ x25519: 256 })
    const cert = data(obs.certificate)
    expect(cert.source).toBe('node-tls')
    expect(obs.stats.fullHandshakes).toBe(1)
  })

  it('an OpenSSL default server: TLS 1.3 groups outside the Mozilla list are enumerated one by one', async () => {
    const srv = await openssl(['-tls1_3'])
    const obs = await observe(srv.port, [TLS_PARTS.protocols, TLS_PARTS.keyExchange])
    const kx = data(obs.keyExchange)
    expect(new Set(kx.acceptedGroups)).toEqual(new Set(['x25519', 'x448', 'secp521r1', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192']))
    expect(kx.groupBits.ffdhe2048).toBe(2048)
    const hrrProbes = obs.hellos.filter((h) => h.purpose.startsWith('kex: TLS 1.3 groups'))
    // one hello per accepted outside-list group, plus the refused one that ends the enumeration
    expect(hrrProbes).toHaveLength(8)
  })

  it('a TLS 1.2 server with a weak curve and one outside the Mozilla list: one enumeration finds both', async () => {
    const srv = await openssl(['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256', '-groups', 'secp224r1:P-521'])
    const obs = await observe(srv.port, [TLS_PARTS.protocols, TLS_PARTS.keyExchange])
    const kx = data(obs.keyExchange)
    expect(new Set(kx.acceptedGroups)).toEqual(new Set(['secp224r1', 'secp521r1']))
    expect(kx.refusedGroups).toEqual(expect.arrayContaining(['secp192r1', 'brainpoolP256r1']))
    expect(kx.groupBits).toMatchObject({ secp224r1: 224, secp521r1: 521 })
    // P-521 is the pick of the protocol hello (its default groups include it), so the curve hellos
    // ask about the rest: the weak curve is picked and removed, then the refusal ends it
    expect(obs.hellos[0]).toMatchObject({ purpose: 'protocol support', group: 'secp521r1' })
    const curveHellos = obs.hellos.filter((h) => h.purpose.startsWith('kex: curves'))
    expect(curveHellos.map((h) => [h.outcome, h.group])).toEqual([
      ['accepted', 'secp224r1'],
      ['refused', undefined],
    ])
    expect(curveHellos[0]!.offeredGroups).toEqual(expect.arrayContaining(['secp192r1', 'secp224r1', 'brainpoolP256r1']))
    expect(curveHellos[0]!.offeredGroups).not.toContain('secp521r1')
    expect(curveHellos[1]!.offeredGroups).toHaveLength(curveHellos[0]!.offeredGroups!.length - 1)
  })

  it('a Mozilla-intermediate server: handshakes for every TLS part', async () => {
    const srv = await openssl([
      '-no_ssl3',
      '-no_tls1',
      '-no_tls1_1',
      '-cipher',
      'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305',
      '-groups',
      'X25519:P-256:P-384',
    ])
    const obs = await observe(srv.port, ALL_RAW_PARTS)
    expect(data(obs.protocols).accepted.sort()).toEqual(['TLSv1.2', 'TLSv1.3'])
    const su = data(obs.suites)
    expect(su.byProtocol['TLSv1.2']?.['outside-intermediate']).toEqual([])
    expect(new Set(su.byProtocol['TLSv1.2']?.fs)).toEqual(
      new Set(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256']),
    )
    expect(su.byProtocol['TLSv1.2']?.['non-fs']).toEqual([])
    const kx = data(obs.keyExchange)
    expect(kx.dheBits).toEqual({})
    expect(new Set(kx.acceptedGroups)).toEqual(new Set(['x25519']))
    expect(data(obs.certificate).source).toBe('raw-hello')
    // what a typical modern endpoint costs: 7 protocol hellos (SSLv3 needs two chunks), suites 8
    // (TLS 1.2: 5 = weak's hello topped up to 128 suites with non-fs ones, refused; non-fs's topped
    // up with fs ones, which finds the two fs suites the protocol hello did not, then is refused;
    // fs's own hello for what is left. Without the top-ups it took 6: non-fs's 129 suites needed a
    // second hello for one suite. TLS 1.3: fs 3, whose refusal also settles weak),
    // key exchange 2 (weak and outside-list curves in one hello, TLS 1.3 outside-list groups), chain reused
    const byPart = (prefix: string) => obs.hellos.filter((h) => h.purpose.startsWith(prefix)).length
    expect([byPart('protocol'), byPart('suites'), byPart('kex')]).toEqual([7, 8, 2])
    expect(obs.stats.rawHellos).toBe(17)
    // every TLS 1.2 suites hello but the last offered a full 128
    expect(obs.hellos.filter((h) => h.protocol === 'TLSv1.2' && h.purpose.startsWith('suites')).map((h) => h.offeredSuites)).toEqual([128, 128, 128, 128, 93])
    expect(obs.hellos.filter((h) => h.protocol === 'TLSv1.3' && h.purpose.startsWith('suites:weak'))).toEqual([])
    expect(data(obs.suites).byProtocol['TLSv1.3']?.weak).toEqual([])
    expect(obs.stats.fullHandshakes).toBe(0)
    console.log(`Mozilla-intermediate endpoint: ${obs.stats.rawHellos} raw hellos, ${obs.stats.fullHandshakes} full handshakes, ${obs.stats.durationMs} ms`)
  })
})

describe('observeTls against node:tls and https servers', () => {
  let tlsServer: TlsServer
  let httpsServer: HttpsServer
  let tlsPort: number
  let httpsPort: number
  beforeAll(async () => {
    const key = readFileSync(certs.key)
    const cert = readFileSync(certs.cert)
    tlsServer = createTlsServer({ key, cert }, (s) => s.end())
    tlsServer.on('tlsClientError', () => {})
    httpsServer = createHttpsServer({ key, cert }, (_req, res) => {
      res.setHeader('Strict-Transport-Security', 'max-age=63072000; includeSubDomains')
      res.end('ok')
    })
    httpsServer.on('tlsClientError', () => {})
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r))
    await new Promise<void>((r) => httpsServer.listen(0, '127.0.0.1', r))
    tlsPort = (tlsServer.address() as { port: number }).port
    httpsPort = (httpsServer.address() as { port: number }).port
    servers.push({ stop: () => new Promise((r) => tlsServer.close(() => r())) }, { stop: () => new Promise((r) => httpsServer.close(() => r())) })
  })

  it('a default node:tls server: TLS 1.2 + 1.3, forward-secret preference, static RSA also found', async () => {
    const obs = await observe(tlsPort, ALL_RAW_PARTS)
    expect(obs.error).toBeUndefined()
    expect(data(obs.protocols).accepted.sort()).toEqual(['TLSv1.2', 'TLSv1.3'])
    const su = data(obs.suites)
    expect(su.preferred['TLSv1.2']).toMatch(/^TLS_ECDHE_RSA_WITH_/)
    // Node's default list still carries RSA key transport (shared notes, §4)
    expect(su.byProtocol['TLSv1.2']?.['non-fs']?.length).toBeGreaterThan(0)
    expect(su.byProtocol['TLSv1.2']?.['non-fs']?.every((s) => s.startsWith('TLS_RSA_WITH_'))).toBe(true)
    expect(su.byProtocol['TLSv1.2']?.weak).toEqual([])
    expect(data(obs.certificate).source).toBe('raw-hello')
    console.log(`node:tls default endpoint: ${obs.stats.rawHellos} raw hellos, ${obs.stats.durationMs} ms`)
  })

  it('the certificate part alone costs one raw hello', async () => {
    const obs = await observe(tlsPort, [TLS_PARTS.certificate])
    expect(data(obs.certificate).source).toBe('raw-hello')
    expect(obs.stats.rawHellos).toBe(1)
    expect(obs.protocols).toBeUndefined()
  })

  it('fills http.hsts through the HSTS module and counts its handshake', async () => {
    const obs = await observe(httpsPort, [TLS_PARTS.hsts])
    const h = data(obs.hsts)
    expect(h.header).toBe('max-age=63072000; includeSubDomains')
    expect(obs.stats.rawHellos).toBe(0)
    expect(obs.stats.fullHandshakes).toBe(1)
  })
})

/** Answers raw hellos like a legacy server OpenSSL 3 can no longer be: SSLv3/TLS 1.0, RC4 and 3DES. */
function legacyServer(socket: Socket, opts: { versions: number[]; suites: number[]; cert: Buffer }) {
  socket.once('data', (hello: Buffer) => {
    if (hello[0] !== 22 || hello.length < 50) return socket.destroy()
    const clientVersion = hello.readUInt16BE(9)
    const sidLen = hello[43]!
    const suitesLen = hello.readUInt16BE(44 + sidLen)
    const offered = new Set<number>()
    for (let i = 0; i < suitesLen; i += 2) offered.add(hello.readUInt16BE(46 + sidLen + i))
    const version = opts.versions.filter((v) => v <= clientVersion).sort((a, b) => b - a)[0]
    const alert = (d: number) => socket.end(Buffer.from([21, 3, 1, 0, 2, 2, d]))
    if (version === undefined) return alert(70)
    const suite = opts.suites.find((s) => offered.has(s))
    if (suite === undefined) return alert(40)
    const sh = Buffer.concat([Buffer.from([version >> 8, version & 0xff]), Buffer.alloc(32, 1), Buffer.from([0, suite >> 8, suite & 0xff, 0])])
    const certList = Buffer.concat([u24(opts.cert.length + 3), u24(opts.cert.length), opts.cert])
    const flight = Buffer.concat([hs(2, sh), hs(11, certList), hs(14, Buffer.alloc(0))])
    socket.end(Buffer.concat([Buffer.from([22, version >> 8, version & 0xff, flight.length >> 8, flight.length & 0xff]), flight]))
  })
}
function u24(n: number): Buffer {
  const b = Buffer.alloc(3)
  b.writeUIntBE(n, 0, 3)
  return b
}
function hs(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), body])
}

describe('observeTls against scripted peers', () => {
  it('a legacy SSLv3 + TLS 1.0 server with RC4 and 3DES: both versions accepted, every suite enumerated', async () => {
    const cert = new X509Certificate(readFileSync(certs.cert)).raw
    // server preference: RC4-SHA, DES-CBC3-SHA, AES128-SHA
    const peer = await startScriptedServer((s) => legacyServer(s, { versions: [0x0300, 0x0301], suites: [0x0005, 0x000a, 0x002f], cert }))
    servers.push(peer)
    const obs = await observe(peer.port, [TLS_PARTS.protocols, TLS_PARTS.suites('all'), TLS_PARTS.suites('weak'), TLS_PARTS.certificate])
    const p = data(obs.protocols)
    expect(new Set(p.accepted)).toEqual(new Set(['SSLv3', 'TLSv1.0']))
    const su = data(obs.suites)
    for (const v of ['SSLv3', 'TLSv1.0'] as const) {
      expect(new Set(su.byProtocol[v]?.all)).toEqual(new Set(['TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA']))
      expect(new Set(su.byProtocol[v]?.weak)).toEqual(new Set(['TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA']))
    }
    expect(su.preferred['TLSv1.0']).toBe('TLS_RSA_WITH_RC4_128_SHA')
    expect(data(obs.certificate).source).toBe('raw-hello')
    // `weak` came from the `all` enumeration: no hello was spent on it
    expect(obs.hellos.filter((h) => h.purpose.startsWith('suites:weak'))).toHaveLength(0)
  })

  it('an SSLv2 server: one SSLv2 hello lists its cipher specs', async () => {
    const peer = await startScriptedServer((socket) =>
      socket.once('data', (hello: Buffer) => {
        if (!(hello[0]! & 0x80)) return socket.end(Buffer.from([21, 3, 1, 0, 2, 2, 70]))
        const specs = Buffer.from([0x01, 0x00, 0x80, 0x07, 0x00, 0xc0])
        const cert = Buffer.from([0x30, 0x00])
        const body = Buffer.concat([Buffer.from([4, 0, 1, 0, 2, 0, cert.length, 0, specs.length, 0, 16]), cert, specs, Buffer.alloc(16, 5)])
        socket.end(Buffer.concat([Buffer.from([0x80 | (body.length >> 8), body.length & 0xff]), body]))
      }),
    )
    servers.push(peer)
    const obs = await observe(peer.port, [TLS_PARTS.protocols, TLS_PARTS.suites('weak')])
    expect(data(obs.protocols).accepted).toEqual(['SSLv2'])
    expect(data(obs.suites).byProtocol.SSLv2?.weak).toEqual(['SSL_CK_RC4_128_WITH_MD5', 'SSL_CK_DES_192_EDE3_CBC_WITH_MD5'])
    expect(obs.hellos.filter((h) => h.protocol === 'SSLv2')).toHaveLength(1)
  })

  it('a dead port costs one refused connection and sets the endpoint error', async () => {
    const port = await freePort()
    const obs = await observe(port, ALL_RAW_PARTS.concat(TLS_PARTS.hsts))
    expect(obs.error?.kind).toBe('unreachable')
    expect(obs.hellos).toHaveLength(1)
    expect(obs.stats.rawHellos).toBe(1)
    expect(obs.stats.fullHandshakes).toBe(0)
    expect(obs.protocols).toBeUndefined()
    expect(obs.hsts).toBeUndefined()
  })

  it('a port that accepts and never answers costs one timeout', async () => {
    const peer = await startScriptedServer(() => {})
    servers.push(peer)
    const started = Date.now()
    const obs = await observe(peer.port, ALL_RAW_PARTS, 800)
    const took = Date.now() - started
    expect(obs.error?.kind).toBe('timeout')
    expect(obs.hellos).toHaveLength(1)
    expect(took).toBeGreaterThanOrEqual(750)
    expect(took).toBeLessThan(2500)
  })

  it('a port that answers garbage is a protocol error quoting the bytes', async () => {
    const peer = await startScriptedServer((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')))
    servers.push(peer)
    const obs = await observe(peer.port, ALL_RAW_PARTS)
    expect(obs.error?.kind).toBe('protocol')
    expect(obs.error?.message).toMatch(/not TLS.*HTTP/)
    expect(obs.hellos).toHaveLength(1)
  })

  it('a port that resets every connection is a protocol error after one hello', async () => {
    const peer = await startScriptedServer((s) => s.once('data', () => s.resetAndDestroy()))
    servers.push(peer)
    const obs = await observe(peer.port, ALL_RAW_PARTS)
    expect(obs.error?.kind).toBe('protocol')
    expect(obs.error?.message).toMatch(/reset/)
    expect(obs.hellos).toHaveLength(1)
  })

  it('a peer streaming a never-ending flight is cut off at the byte cap', async () => {
    const peer = await startScriptedServer((s) =>
      s.once('data', () => {
        const sh = hs(2, Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 1), Buffer.from([0, 0x00, 0x2f, 0])]))
        s.write(Buffer.concat([Buffer.from([22, 3, 3, 0, sh.length]), sh, Buffer.from([22, 3, 3, 0x40, 0x00]), Buffer.from([11]), u24(0xfffff0)]))
        const chunk = Buffer.concat([Buffer.from([22, 3, 3, 0x40, 0x00]), Buffer.alloc(0x4000)])
        const pump = () => {
          while (!s.destroyed && s.write(chunk));
          if (!s.destroyed) s.once('drain', pump)
        }
        pump()
      }),
    )
    servers.push(peer)
    const obs = await observe(peer.port, [TLS_PARTS.protocols])
    expect(obs.error?.kind).toBe('protocol')
    expect(obs.hellos).toHaveLength(1)
  })
})
