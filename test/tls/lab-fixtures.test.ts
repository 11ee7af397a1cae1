// The TLS lab kit itself: every server kind starts on 127.0.0.1, serves what it claims (checked
// with an independent client: `openssl s_client` or node:tls), and stops without leaving anything.
import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateLabPki, LAB_CERT_NAMES, type LabPki } from '../../lab/tls/certificates.ts'
import {
  ALERT, CONTENT_TYPE, HANDSHAKE_TYPE, legacySuiteServer, pemToDers, readHandshakeMessage,
} from '../../lab/tls/handshake-records.ts'
import {
  deadPort, OPENSSL_SERVER_ARGS, startGarbageServer, startNodeTlsServer, startOpensslServer, startScriptedServer, startSilentServer,
  type RunningServer,
} from '../../lab/tls/servers.ts'

let pki: LabPki
let dir: string
const running: RunningServer[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-lab-test-'))
  pki = await generateLabPki(dir)
})
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()))
  await rm(dir, { recursive: true, force: true })
})

async function started<T extends RunningServer>(p: Promise<T>): Promise<T> {
  const s = await p
  running.push(s)
  return s
}

/** `openssl s_client -brief` summary lines (Protocol version, Ciphersuite, Server Temp Key), or the failure. */
function sClient(port: number, args: string[]): Promise<{ ok: boolean; text: string; fields: Record<string, string> }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-brief', '-connect', `127.0.0.1:${port}`, '-servername', pki.host, ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`
      const fields = Object.fromEntries([...text.matchAll(/^([A-Za-z ]+): (.+)$/gm)].map((m) => [m[1]!.trim(), m[2]!.trim()]))
      resolve({ ok: !err && /CONNECTION ESTABLISHED/.test(text), text, fields })
    })
    child.stdin!.end()
  })
}

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, timeout: 2000 })
    s.once('connect', () => (s.destroy(), resolve('connected')))
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
    s.once('timeout', () => (s.destroy(), resolve('timeout')))
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function nodeHandshake(port: number, opts: tls.ConnectionOptions = {}): Promise<{ protocol: string | null; cipher: string; eph: tls.EphemeralKeyInfo | object; chain: number }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: pki.host, rejectUnauthorized: false, ca: [], timeout: 5000, ...opts }, () => {
      let chain = 0
      const seen = new Set<string>()
      for (let c = s.getPeerCertificate(true); c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) (seen.add(c.fingerprint256), chain++)
      resolve({ protocol: s.getProtocol(), cipher: s.getCipher().standardName, eph: s.getEphemeralKeyInfo() ?? {}, chain })
      s.destroy()
    })
    s.once('error', reject)
    s.once('timeout', () => (s.destroy(), reject(new Error('timeout'))))
  })
}

describe('lab PKI', () => {
  it('writes every variant with a chain file that validates (or not) as its expectation says', async () => {
    for (const name of LAB_CERT_NAMES) {
      const c = pki.certs[name]
      const leaf = new X509Certificate(c.certPem)
      expect(c.chainPem.startsWith(c.certPem), name).toBe(true)
      expect(leaf.subjectAltName, name).toBe(`DNS:${c.expect.names[0]}`)
    }
    // cross-check with OpenSSL's own verifier, independent of describeChain
    const verify = (cert: string, untrusted: string) =>
      new Promise<boolean>((resolve) => execFile('openssl', ['verify', '-CAfile', pki.caCert, '-untrusted', untrusted, cert], (err) => resolve(!err)))
    expect(await verify(pki.certs.good.cert, pki.certs.good.intermediates)).toBe(true)
    expect(await verify(pki.certs.expired.cert, pki.certs.expired.intermediates)).toBe(false)
    expect(await verify(pki.certs['expired-intermediate'].cert, pki.certs['expired-intermediate'].intermediates)).toBe(false)
    expect(new X509Certificate(pki.certs['rsa-1024'].certPem).publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024)
    expect(new X509Certificate(pki.certs.sha1.certPem).signatureAlgorithm).toBe('sha1WithRSAEncryption')
  })
})

describe('startNodeTlsServer', () => {
  it('serves TLS 1.3 with the full chain, and refuses connections once stopped', async () => {
    const s = await started(startNodeTlsServer({ certificate: pki.certs.good }))
    const r = await nodeHandshake(s.port)
    expect(r.protocol).toBe('TLSv1.3')
    expect(r.chain).toBe(2)
    await s.stop()
    expect(await refused(s.port)).toBe('ECONNREFUSED')
  })

  it('serves DHE with the given DH group, and a chosen ECDHE curve, when capped at TLS 1.2', async () => {
    const dhe = await started(startNodeTlsServer({ certificate: pki.certs.good, maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256', dhparam: pki.dhParams.dh2048 }))
    const r = await nodeHandshake(dhe.port, { maxVersion: 'TLSv1.2' })
    expect(r.cipher).toBe('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256')
    expect(r.eph).toMatchObject({ type: 'DH', size: 2048 })
    const ec = await started(startNodeTlsServer({ certificate: pki.certs['good-ecdsa'], maxVersion: 'TLSv1.2', ecdhCurve: 'secp384r1' }))
    const r2 = await nodeHandshake(ec.port, { maxVersion: 'TLSv1.2' })
    expect(r2.cipher).toMatch(/^TLS_ECDHE_ECDSA_/)
    expect(r2.eph).toMatchObject({ type: 'ECDH', name: 'secp384r1' })
  })

  it('serves TLS 1.0 when allowed at SECLEVEL=0, which OpenSSL’s client confirms', async () => {
    const s = await started(startNodeTlsServer({ certificate: pki.certs.good, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'AES128-SHA:@SECLEVEL=0' }))
    const r = await sClient(s.port, ['-tls1', '-cipher', 'AES128-SHA:@SECLEVEL=0'])
    expect(r.fields['Protocol version']).toBe('TLSv1')
    expect(r.fields['Ciphersuite']).toBe('AES128-SHA')
  })
})

describe('startOpensslServer', () => {
  it('presets serve what they claim, verified with s_client', async () => {
    const tls10 = await started(startOpensslServer({ certificate: pki.certs.good, args: [...OPENSSL_SERVER_ARGS.tls10] }))
    expect(tls10.pid).toBeGreaterThan(0)
    expect((await sClient(tls10.port, ['-tls1', '-cipher', 'AES128-SHA:@SECLEVEL=0'])).fields['Protocol version']).toBe('TLSv1')
    // Node 24's default client (TLS ≥1.2) cannot talk to it
    await expect(nodeHandshake(tls10.port)).rejects.toMatchObject({ code: expect.stringMatching(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/) })

    const tls11 = await started(startOpensslServer({ certificate: pki.certs.good, args: [...OPENSSL_SERVER_ARGS.tls11] }))
    expect((await sClient(tls11.port, ['-tls1_1', '-cipher', 'AES128-SHA:@SECLEVEL=0'])).fields['Protocol version']).toBe('TLSv1.1')

    const rsa = await started(startOpensslServer({ certificate: pki.certs.good, args: [...OPENSSL_SERVER_ARGS.staticRsaOnly] }))
    const r = await sClient(rsa.port, [])
    expect(r.fields).toMatchObject({ 'Protocol version': 'TLSv1.2', Ciphersuite: 'AES128-SHA' })
    expect(r.fields['Server Temp Key']).toBeUndefined()

    const dhe = await started(startOpensslServer({ certificate: pki.certs.good, args: OPENSSL_SERVER_ARGS.dhe(pki.dhParams.dh1024) }))
    expect((await sClient(dhe.port, ['-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0'])).fields['Server Temp Key']).toBe('DH, 1024 bits')

    const tls13 = await started(startOpensslServer({ certificate: pki.certs['good-ecdsa'], args: [...OPENSSL_SERVER_ARGS.tls13Only] }))
    expect((await sClient(tls13.port, [])).fields['Protocol version']).toBe('TLSv1.3')
    expect((await sClient(tls13.port, ['-tls1_2'])).ok).toBe(false)
    // node reads the chain (leaf + intermediate via -cert_chain) from it as well
    expect(await nodeHandshake(tls13.port)).toMatchObject({ protocol: 'TLSv1.3', chain: 2 })
  })

  it('answers HTTP with -www, and its process is gone after stop', async () => {
    const s = await startOpensslServer({ certificate: pki.certs.good })
    const page = await new Promise<string>((resolve, reject) => {
      const sock = tls.connect({ host: '127.0.0.1', port: s.port, rejectUnauthorized: false, servername: pki.host, timeout: 5000 }, () => sock.write(`GET / HTTP/1.0\r\nHost: ${pki.host}\r\n\r\n`))
      let body = ''
      sock.on('data', (d: Buffer) => (body += d.toString()))
      sock.once('end', () => resolve(body))
      sock.once('error', reject)
    })
    expect(page).toMatch(/^HTTP\/1\.0 200 ok/)
    expect(alive(s.pid!)).toBe(true)
    await s.stop()
    expect(alive(s.pid!)).toBe(false)
    expect(await refused(s.port)).toBe('ECONNREFUSED')
  })

  it('this OpenSSL cannot serve 3DES or RC4: start fails with the reason instead of hanging', async () => {
    for (const cipher of ['DES-CBC3-SHA:@SECLEVEL=0', 'RC4-SHA:@SECLEVEL=0']) {
      await expect(startOpensslServer({ certificate: pki.certs.good, args: ['-tls1_2', '-cipher', cipher] })).rejects.toThrow(/no cipher match|exited/)
    }
  })
})

/** A bare TLS 1.2-style ClientHello offering `suites` at `version` (enough for the scripted server). */
function clientHello(version: number, suites: number[]): Buffer {
  const body = Buffer.concat([
    Buffer.from([version >> 8, version & 0xff]), Buffer.alloc(32, 7), Buffer.from([0]),
    Buffer.from([(suites.length * 2) >> 8, (suites.length * 2) & 0xff]), Buffer.from(suites.flatMap((s) => [s >> 8, s & 0xff])),
    Buffer.from([1, 0]),
  ])
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body])
  return Buffer.concat([Buffer.from([22, 3, 1, hs.length >> 8, hs.length & 0xff]), hs])
}

function exchange(port: number, hello: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const s = net.connect({ host: '127.0.0.1', port, timeout: 5000 }, () => s.write(hello))
    s.on('data', (d: Buffer) => chunks.push(d))
    s.once('end', () => resolve(Buffer.concat(chunks)))
    s.once('error', reject)
    s.once('timeout', () => (s.destroy(), reject(new Error('timeout'))))
  })
}

describe('startScriptedServer', () => {
  const TDES = 0x000a // TLS_RSA_WITH_3DES_EDE_CBC_SHA
  const AES128_SHA = 0x002f

  it('plays a 3DES-only TLS 1.2 server: ServerHello choosing 3DES, the chain, ServerHelloDone', async () => {
    const chain = pemToDers(pki.certs.good.chainPem)
    const s = await started(startScriptedServer(legacySuiteServer({ suites: [TDES], versions: [0x0303], chain })))
    const reply = await exchange(s.port, clientHello(0x0303, [AES128_SHA, TDES]))
    const hello = readHandshakeMessage(reply)!
    expect(hello.type).toBe(HANDSHAKE_TYPE.serverHello)
    expect(hello.body.readUInt16BE(0)).toBe(0x0303)
    const sidLen = hello.body[34]!
    expect(hello.body.readUInt16BE(35 + sidLen)).toBe(TDES)
    // the Certificate message follows: the served chain, byte for byte
    const rest = reply.subarray(5 + reply.readUInt16BE(3))
    const cert = readHandshakeMessage(rest)!
    expect(cert.type).toBe(HANDSHAKE_TYPE.certificate)
    expect(cert.body.subarray(6, 6 + chain[0]!.length).equals(chain[0]!)).toBe(true)
    const done = readHandshakeMessage(rest.subarray(5 + rest.readUInt16BE(3)))!
    expect(done).toMatchObject({ type: HANDSHAKE_TYPE.serverHelloDone })
    expect(s.hellos[0]).toMatchObject({ clientVersion: 0x0303, cipherSuites: [AES128_SHA, TDES] })
  })

  it('answers handshake_failure when no suite overlaps and protocol_version for a refused version', async () => {
    const s = await started(startScriptedServer(legacySuiteServer({ suites: [TDES], versions: [0x0303] })))
    const noSuite = await exchange(s.port, clientHello(0x0303, [AES128_SHA]))
    expect([...noSuite]).toEqual([CONTENT_TYPE.alert, 3, 3, 0, 2, 2, ALERT.handshakeFailure])
    const oldVersion = await exchange(s.port, clientHello(0x0301, [TDES]))
    expect([...oldVersion]).toEqual([CONTENT_TYPE.alert, 3, 1, 0, 2, 2, ALERT.protocolVersion])
  })

  it('a real node:tls client gets an error from it, not a hang', async () => {
    const s = await started(startScriptedServer(legacySuiteServer({ suites: [TDES], versions: [0x0303], chain: pemToDers(pki.certs.good.chainPem) })))
    await expect(nodeHandshake(s.port)).rejects.toThrow()
    expect(s.hellos).toHaveLength(1)
    expect(s.hellos[0]!.serverName).toBe(pki.host)
  })

  it('closes on a non-TLS first message', async () => {
    const s = await started(startScriptedServer(() => Buffer.from('unreachable')))
    const reply = await exchange(s.port, Buffer.from('GET / HTTP/1.0\r\n\r\n'))
    expect(reply.length).toBe(0)
    expect(s.hellos).toHaveLength(0)
  })
})

describe('hostile peers', () => {
  it('silent server accepts and never answers', async () => {
    const s = await started(startSilentServer())
    const got = await new Promise<string>((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port: s.port }, () => sock.write('hello'))
      sock.once('data', () => (sock.destroy(), resolve('data')))
      sock.once('error', (e) => resolve(e.message))
      setTimeout(() => (sock.destroy(), resolve('silence')), 300)
    })
    expect(got).toBe('silence')
    expect(s.connections()).toBe(1)
    await s.stop()
    expect(await refused(s.port)).toBe('ECONNREFUSED')
  })

  it('garbage server: junk, a bounded flood, plain HTTP and resets', async () => {
    const junk = await started(startGarbageServer({ mode: 'junk' }))
    expect((await exchange(junk.port, Buffer.from('x'))).length).toBe(4096)
    const flood = await started(startGarbageServer({ mode: 'huge-banner', bytes: 2 * 1024 * 1024 }))
    const banner = await exchange(flood.port, Buffer.from('x'))
    expect(banner.length).toBeGreaterThanOrEqual(2 * 1024 * 1024)
    expect(banner.length).toBeLessThan(2 * 1024 * 1024 + 4096)
    expect(banner.subarray(0, 4).toString()).toBe('220-')
    const http = await started(startGarbageServer({ mode: 'plain-http' }))
    expect((await exchange(http.port, clientHello(0x0303, [0x002f]))).toString()).toMatch(/^HTTP\/1\.1 400/)
    const reset = await started(startGarbageServer({ mode: 'reset' }))
    await expect(exchange(reset.port, Buffer.from('x'))).rejects.toMatchObject({ code: 'ECONNRESET' })
  })

  it('deadPort has nothing listening', async () => {
    expect(await refused(await deadPort())).toBe('ECONNREFUSED')
  })
})
