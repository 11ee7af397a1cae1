// probeHsts against real HTTPS peers on 127.0.0.1: header present / absent / short, trust
// recorded (not enforced), redirects not followed, and hostile peers turned into typed errors.
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import tls from 'node:tls'
import net from 'node:net'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProbeError, knownGroups } from '../../checks/tls/certificate.ts'
import { leafMatchesName, probeHsts, sessionLeaf } from '../../checks/tls/hsts-probe.ts'
import type { ObserveContext } from '../../checks/types.ts'
import { generateLabPki, type LabPki } from '../../lab/tls/certificates.ts'
import { derTlv, nodeSession, opensslSession } from './session-bytes.ts'
import { deadPort, startGarbageServer, startNodeTlsServer, startSilentServer, type NodeTlsServerOptions, type RunningServer } from '../../lab/tls/servers.ts'

let pki: LabPki
let dir: string
const servers: RunningServer[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-hsts-test-'))
  pki = await generateLabPki(dir)
})
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
  await rm(dir, { recursive: true, force: true })
})

function ctx(extraCaPems: string[], timeoutMs = 3000): ObserveContext & { limited: string[] } {
  const limited: string[] = []
  return { needs: new Set(['http.hsts']), timeoutMs, extraCaPems, limited, limit: (host, fn) => (limited.push(host), fn()) }
}

async function serve(opts: Partial<NodeTlsServerOptions> = {}) {
  const s = await startNodeTlsServer({ certificate: pki.certs.good, ...opts })
  servers.push(s)
  return s
}

const target = (port: number, address = '127.0.0.1') => ({ name: 'lab', host: pki.host, address, port, tags: [] })

describe('probeHsts', () => {
  it('returns the raw header from a trusted server, connecting to the address with SNI and Host = host', async () => {
    const hsts = 'max-age=63072000; includeSubDomains; preload'
    const s = await serve({ http: { hsts } })
    const c = ctx([pki.caPem])
    const o = await probeHsts(target(s.port), c)
    expect(o).toEqual({ url: `https://${pki.host}:${s.port}/`, status: 200, header: hsts, certificateTrusted: true })
    expect(s.requests).toEqual([{ method: 'GET', path: '/', host: `${pki.host}:${s.port}`, servername: pki.host }])
    // bounded per connect address, the same key the raw probe uses
    expect(c.limited).toEqual(['127.0.0.1'])
  })

  it('returns null when the header is absent, and records an untrusted certificate without failing', async () => {
    const s = await serve()
    const o = await probeHsts(target(s.port), ctx([]))
    expect(o).toMatchObject({ status: 200, header: null, certificateTrusted: false })
  })

  it('passes a short max-age through unjudged', async () => {
    const s = await serve({ http: { hsts: 'max-age=300' } })
    expect((await probeHsts(target(s.port), ctx([pki.caPem]))).header).toBe('max-age=300')
  })

  it('reads the header from servers whose only group is not X25519: a post-quantum hybrid, P-521, a brainpool curve, finite-field DH', async () => {
    // the hello carries an X25519 key share only; each of these answers with a HelloRetryRequest
    // (TLS 1.3) or picks from the offered list (TLS 1.2), and the header is read all the same
    const servers = [
      await serve({ ecdhCurve: 'X25519MLKEM768', http: { hsts: 'max-age=1' } }),
      await serve({ ecdhCurve: 'P-521', http: { hsts: 'max-age=2' } }),
      await serve({ ecdhCurve: 'brainpoolP256r1tls13', http: { hsts: 'max-age=3' } }),
      await serve({ ecdhCurve: 'brainpoolP384r1', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', http: { hsts: 'max-age=4' } }),
      await serve({ ecdhCurve: 'ffdhe3072', minVersion: 'TLSv1.3', http: { hsts: 'max-age=5' } }),
    ]
    const found = await Promise.all(servers.map(async (s) => (await probeHsts(target(s.port), ctx([pki.caPem]))).header))
    expect(found).toEqual(['max-age=1', 'max-age=2', 'max-age=3', 'max-age=4', 'max-age=5'])
  })

  it('offers only the groups this OpenSSL knows: a list naming one it lacks would fail every handshake', () => {
    expect(knownGroups(['X25519', 'P-256'])).toBe('X25519:P-256')
    // as a Node on an older OpenSSL would see an ML-KEM name: dropped, the rest kept in order
    expect(knownGroups(['X25519', 'NoSuchGroup768', 'P-256'])).toBe('X25519:P-256')
    expect(knownGroups(['NoSuchGroup768'])).toBeUndefined()
  })

  it('a certificate for another host is not trusted (browsers ignore HSTS then)', async () => {
    const s = await serve({ certificate: pki.certs['wrong-host'], http: { hsts: 'max-age=63072000' } })
    expect(await probeHsts(target(s.port), ctx([pki.caPem]))).toMatchObject({ header: 'max-age=63072000', certificateTrusted: false })
  })

  it('checks the name as node would: a leftmost-label wildcard, IP addresses against IP SANs', async () => {
    // one self-signed certificate for *.wild.test and 127.0.0.1, trusted as its own anchor
    const cert = join(dir, 'wild.pem')
    const key = join(dir, 'wild.key')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=wild', '-addext', 'subjectAltName=DNS:*.wild.test,IP:127.0.0.1,DNS:a*b.mid.test'], { stdio: 'ignore' })
    const s = await serve({ certificate: { cert, key }, http: { hsts: 'max-age=63072000' } })
    const trusted = async (host: string) => (await probeHsts({ name: 'w', host, address: '127.0.0.1', port: s.port, tags: [] }, ctx([readFileSync(cert, 'utf8')]))).certificateTrusted
    expect(await trusted('www.wild.test')).toBe(true)
    expect(await trusted('WWW.Wild.Test')).toBe(true)
    expect(await trusted('127.0.0.1')).toBe(true)
    expect(await trusted('a.b.wild.test')).toBe(false)
    expect(await trusted('wild.test')).toBe(false)
    // a wildcard inside a label: OpenSSL's check says no, node's says yes, and node's is the answer
    expect(await trusted('acb.mid.test')).toBe(true)
    expect(await trusted('ac.mid.test')).toBe(false)
    // a certificate without IP SANs is not valid for an IP address, whatever its CN
    const named = await serve({ http: { hsts: 'max-age=63072000' } })
    expect(await probeHsts({ name: 'ip', host: '127.0.0.1', port: named.port, tags: [] }, ctx([pki.caPem]))).toMatchObject({ certificateTrusted: false })
  })

  it('does not follow redirects: the header of the redirect answer is what counts', async () => {
    const s = await serve({ http: { status: 301, hsts: 'max-age=31536000', headers: { location: 'https://elsewhere.test/' } } })
    expect(await probeHsts(target(s.port), ctx([pki.caPem]))).toMatchObject({ status: 301, header: 'max-age=31536000' })
    expect(s.requests).toHaveLength(1)
  })

  it('retries once on 503, then reports the status it got', async () => {
    const s = await serve({ http: { status: 503 } })
    expect(await probeHsts(target(s.port), ctx([pki.caPem]))).toMatchObject({ status: 503, header: null })
    expect(s.requests).toHaveLength(2)
  })

  it('dead port → unreachable', async () => {
    const port = await deadPort()
    const err = await probeHsts(target(port), ctx([])).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProbeError)
    expect(err).toMatchObject({ kind: 'unreachable' })
  })

  it('silent peer → timeout within the budget', async () => {
    const s = await startSilentServer()
    servers.push(s)
    const started = Date.now()
    const err = await probeHsts(target(s.port), ctx([], 500)).catch((e: unknown) => e)
    expect(err).toMatchObject({ kind: 'timeout' })
    expect(Date.now() - started).toBeLessThan(2500)
  })

  it('a peer that hangs up during the handshake → unreachable, as node\'s own client said it', async () => {
    // one closes after reading the ClientHello, the other resets
    const closing = net.createServer((socket) => {
      socket.on('error', () => {})
      socket.once('data', () => socket.end())
    })
    await new Promise<void>((r) => closing.listen(0, '127.0.0.1', r))
    const resetting = await startGarbageServer({ mode: 'reset' })
    servers.push(resetting, { host: '127.0.0.1', port: 0, stop: () => new Promise<void>((r) => closing.close(() => r())) } as RunningServer)
    for (const port of [(closing.address() as net.AddressInfo).port, resetting.port]) {
      const err = await probeHsts(target(port), ctx([], 2000)).catch((e: unknown) => e)
      expect(err, String(port)).toBeInstanceOf(ProbeError)
      expect(err, String(port)).toMatchObject({ kind: 'unreachable' })
    }
  })

  it('plain HTTP or junk on the port → protocol error', async () => {
    for (const mode of ['plain-http', 'junk', 'huge-banner'] as const) {
      const s = await startGarbageServer({ mode })
      servers.push(s)
      const err = await probeHsts(target(s.port), ctx([], 2000)).catch((e: unknown) => e)
      expect(err, mode).toMatchObject({ kind: 'protocol' })
    }
  })
})

describe('the HSTS name check (leafMatchesName on the leaf read from the session, node\'s check when it says no)', () => {
  /** One self-signed P-256 certificate with this subject and these subjectAltNames, as DER. */
  function certificate(name: string, subject: string, san?: string): Buffer {
    const cert = join(dir, `${name}.pem`)
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', cert, '-days', '2', '-subj', subject]
    execFileSync('openssl', san ? [...args, '-addext', `subjectAltName=${san}`] : args, { stdio: 'ignore' })
    return new X509Certificate(readFileSync(cert)).raw
  }

  it('never accepts a name node\'s checkServerIdentity refuses, and refuses only wildcards inside a label that node accepts (wildcards, CN fallback, IP SANs, case, IDNA)', () => {
    const certs = {
      wildcard: certificate('n-wild', '/CN=wild', 'DNS:*.wild.test,IP:127.0.0.1'),
      cnOnly: certificate('n-cn', '/CN=cn.example.test'),
      twoCns: certificate('n-cns', '/CN=a.example.test/CN=b.example.test'),
      ipSanWithDnsCn: certificate('n-ipcn', '/CN=host.example.test', 'IP:10.0.0.1'),
      dnsSanOverCn: certificate('n-dnscn', '/CN=cn.example.test', 'DNS:san.example.test'),
      partial: certificate('n-part', '/CN=part', 'DNS:w*.part.test,DNS:*x.part.test,DNS:a*b.part.test'),
      tooWide: certificate('n-wide', '/CN=wide', 'DNS:*.test,DNS:*.*.multi.test,DNS:foo.*.mid.test'),
      idna: certificate('n-idna', '/CN=idna', 'DNS:xn--*.idn.test,DNS:*.xn--bcher-kva.test'),
      upper: certificate('n-upper', '/CN=upper', 'DNS:UPPER.Example.Test'),
      ipv6: certificate('n-v6', '/CN=v6', 'IP:::1,IP:2001:db8::1'),
    }
    const names = [
      'www.wild.test', 'WWW.Wild.Test', 'wild.test', 'a.b.wild.test', '127.0.0.1', '127.0.0.2',
      'cn.example.test', 'a.example.test', 'b.example.test', 'c.example.test', 'host.example.test', '10.0.0.1',
      'san.example.test', 'w.part.test', 'www.part.test', 'x.part.test', 'box.part.test', 'ab.part.test', 'acb.part.test', 'c.part.test',
      'any.test', 'a.b.multi.test', 'foo.x.mid.test', 'xn--abc.idn.test', 'www.xn--bcher-kva.test', 'upper.example.test',
      '::1', '2001:db8:0:0:0:0:0:1', '2001:db8::2', 'www.wild.test.', '',
    ]
    const disagreements: string[] = []
    let accepted = 0
    for (const [what, der] of Object.entries(certs)) {
      const legacy = new X509Certificate(der).toLegacyObject()
      for (const name of names) {
        const ours = leafMatchesName(der, name)
        const nodes = tls.checkServerIdentity(name.replace(/\.$/, ''), legacy) === undefined
        if (ours !== nodes) disagreements.push(`${what} × ${JSON.stringify(name)}: ours ${ours}, node ${nodes}`)
        if (ours) accepted++
      }
    }
    // where they differ, node decides (the probe asks it whenever OpenSSL says no): only a*b.part.test
    expect(disagreements).toEqual(['partial × "ab.part.test": ours false, node true', 'partial × "acb.part.test": ours false, node true'])
    // the table has both answers in it, many times
    expect(accepted).toBeGreaterThan(15)
  })

  it('reads the leaf from node\'s session bytes in a real handshake, TLS 1.3 and 1.2 (so the fast path is the one taken)', async () => {
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const s = await serve({ maxVersion })
      const [leaf, raw] = await new Promise<[Buffer | undefined, Buffer]>((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.1', port: s.port, servername: pki.host, rejectUnauthorized: false }, () => {
          resolve([sessionLeaf(c.getSession()), c.getPeerCertificate(false).raw])
          c.destroy()
        })
        c.on('error', reject)
      })
      expect(leaf?.equals(raw)).toBe(true)
    }
  })

  it('sessionLeaf: OpenSSL session bytes with or without node\'s prefix; anything else is undefined, never a throw', () => {
    const leaf = certificate('n-sess', '/CN=sess.example.test')
    const session = opensslSession(leaf)
    const prefixed = nodeSession(session, 'host')
    expect(sessionLeaf(session)?.equals(leaf)).toBe(true)
    expect(sessionLeaf(prefixed)?.equals(leaf)).toBe(true)
    expect(sessionLeaf(undefined)).toBeUndefined()
    expect(sessionLeaf(Buffer.alloc(0))).toBeUndefined()
    // no peer, a truncated session, a prefix cut short, garbage
    expect(sessionLeaf(derTlv(0x30, derTlv(0x02, Buffer.from([1]))))).toBeUndefined()
    expect(sessionLeaf(session.subarray(0, session.length - 10))).toBeUndefined()
    expect(sessionLeaf(prefixed.subarray(0, 23))).toBeUndefined()
    expect(sessionLeaf(Buffer.from('not a session at all'))).toBeUndefined()
    // a [3] that is not a certificate-shaped element
    expect(sessionLeaf(derTlv(0x30, derTlv(0xa3, Buffer.from([0x02, 0x01, 0x00]))))).toBeUndefined()
  })
})
