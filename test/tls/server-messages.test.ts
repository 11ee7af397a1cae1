import { readFileSync } from 'node:fs'
import { X509Certificate, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MAX_FLIGHT_BYTES, ServerFlightReader, TlsDecodeError, parseCertificateMessage, parseServerHello, parseServerKeyExchange } from '../../checks/tls/wire/server-messages.ts'

const fixture = (name: string) => Buffer.from(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8').trim(), 'hex')
const servedCertDer = new X509Certificate(readFileSync(new URL('fixtures/localhost-cert.pem', import.meta.url))).raw

function readAll(bytes: Buffer, chunk = bytes.length) {
  const r = new ServerFlightReader()
  for (let i = 0; i < bytes.length && r.state.state === 'need-more'; i += chunk) r.push(bytes.subarray(i, i + chunk))
  return r
}

function record(type: number, body: Buffer, version = 0x0303): Buffer {
  const h = Buffer.alloc(5)
  h[0] = type
  h.writeUInt16BE(version, 1)
  h.writeUInt16BE(body.length, 3)
  return Buffer.concat([h, body])
}
function handshake(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4)
  h[0] = type
  h.writeUIntBE(body.length, 1, 3)
  return Buffer.concat([h, body])
}
function serverHelloBody(version: number, suite: number): Buffer {
  return Buffer.concat([Buffer.from([version >> 8, version & 0xff]), Buffer.alloc(32, 7), Buffer.from([0, suite >> 8, suite & 0xff, 0])])
}

describe('ServerFlightReader on flights recorded from openssl s_server 3.0', () => {
  it('reads ServerHello, Certificate, ECDHE ServerKeyExchange and ServerHelloDone of a TLS 1.2 flight', () => {
    const r = readAll(fixture('tls12-ecdhe-rsa.hex'))
    expect(r.state).toEqual({ state: 'done' })
    const f = r.flight
    expect(f.serverHello?.version).toBe('TLSv1.2')
    expect(f.serverHello?.cipherSuite).toBe(0xc02f)
    expect(f.serverHello?.helloRetryRequest).toBe(false)
    expect(f.serverHello?.secureRenegotiation).toBe(true)
    expect(f.certificates).toHaveLength(1)
    expect(f.certificates![0]!.equals(servedCertDer)).toBe(true)
    expect(parseServerKeyExchange(f.serverKeyExchange!, 'ECDH')).toEqual({ kind: 'ecdhe', curveType: 3, namedGroup: 23 })
    expect(f.serverHelloDone).toBe(true)
  })

  it('reads the DH prime size of a DHE ServerKeyExchange', () => {
    const f = readAll(fixture('tls12-dhe-1024.hex')).flight
    expect(f.serverHello?.cipherSuite).toBe(0x009e)
    expect(parseServerKeyExchange(f.serverKeyExchange!, 'DH')).toEqual({ kind: 'dhe', primeBits: 1024, generator: 2 })
  })

  it('gives the same answer when the flight arrives one byte at a time', () => {
    const whole = readAll(fixture('tls12-dhe-1024.hex')).flight
    const bytewise = readAll(fixture('tls12-dhe-1024.hex'), 1).flight
    expect(bytewise.serverHello?.cipherSuite).toBe(whole.serverHello?.cipherSuite)
    expect(bytewise.certificates?.[0]?.equals(whole.certificates![0]!)).toBe(true)
    expect(bytewise.serverKeyExchange?.equals(whole.serverKeyExchange!)).toBe(true)
    expect(bytewise.serverHelloDone).toBe(true)
  })

  it('keeps nothing of a pushed chunk: a flight read through one reused buffer reads the same', () => {
    const flight = fixture('tls12-ecdhe-rsa.hex')
    const whole = readAll(flight).flight
    // the raw connection reads every socket into one shared buffer, overwritten by the next read
    const shared = Buffer.alloc(100)
    const r = new ServerFlightReader()
    for (let i = 0; i < flight.length && r.state.state === 'need-more'; i += shared.length) {
      const n = flight.copy(shared, 0, i, i + shared.length)
      r.push(shared.subarray(0, n))
      shared.fill(0xee)
    }
    expect(r.state).toEqual({ state: 'done' })
    expect(r.flight.serverHello).toEqual(whole.serverHello)
    expect(r.flight.certificates).toEqual(whole.certificates)
    expect(r.flight.serverKeyExchange).toEqual(whole.serverKeyExchange)
  })

  it('stops at a TLS 1.3 ServerHello (the rest is encrypted) and reports its key share group', () => {
    const r = readAll(fixture('tls13-server-hello.hex'))
    expect(r.state).toEqual({ state: 'done' })
    expect(r.flight.serverHello?.version).toBe('TLSv1.3')
    expect(r.flight.serverHello?.legacyVersion).toBe(0x0303)
    expect(r.flight.serverHello?.cipherSuite).toBe(0x1301)
    expect(r.flight.serverHello?.keyShareGroup).toBe(29)
    expect(r.flight.certificates).toBeUndefined()
  })

  it('recognises a HelloRetryRequest and the group it asks for', () => {
    const sh = readAll(fixture('tls13-hello-retry-request.hex')).flight.serverHello!
    expect(sh.helloRetryRequest).toBe(true)
    expect(sh.version).toBe('TLSv1.3')
    expect(sh.cipherSuite).toBe(0x1302)
    expect(sh.keyShareGroup).toBe(24)
  })

  it('reads the protocol_version alert a TLS 1.2-only server sends to a TLS 1.0 hello', () => {
    const r = readAll(fixture('tls10-to-tls12-only-alert.hex'))
    expect(r.state).toEqual({ state: 'done' })
    expect(r.flight.alert).toEqual({ level: 2, description: 70, name: 'protocol_version(70)' })
    expect(r.flight.serverHello).toBeUndefined()
  })

  it('reads the TLS alert a modern server sends to an SSLv2 hello', () => {
    const f = readAll(fixture('sslv2-to-tls-server.hex')).flight
    expect(f.format).toBe('tls')
    expect(f.alert?.level).toBe(2)
    expect(f.sslv2ServerHello).toBeUndefined()
  })
})

describe('ServerFlightReader on hostile or unusual input', () => {
  it('rejects an HTTP answer as not TLS, quoting it', () => {
    const r = readAll(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))
    expect(r.state.state).toBe('error')
    expect((r.state as { message: string }).message).toMatch(/not TLS.*HTTP\/1\.1 400/)
  })

  it('rejects an SSH banner as not TLS', () => {
    expect(readAll(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')).state.state).toBe('error')
  })

  it('stops reading after MAX_FLIGHT_BYTES of a flight that never ends', () => {
    const r = new ServerFlightReader()
    // a ServerHello, then a Certificate message announced as 1 MiB, fed forever
    r.push(record(22, handshake(2, serverHelloBody(0x0303, 0x002f))))
    const huge = Buffer.alloc(4)
    huge[0] = 11
    huge.writeUIntBE(200_000, 1, 3)
    r.push(record(22, huge))
    let fed = 0
    while (r.state.state === 'need-more' && fed < 2 * MAX_FLIGHT_BYTES) {
      r.push(record(22, Buffer.alloc(16_000)))
      fed += 16_005
    }
    expect(r.state.state).toBe('error')
    // it gives up within one record of the cap
    expect(fed).toBeLessThan(MAX_FLIGHT_BYTES + 16_005)
    expect((r.state as { message: string }).message).toMatch(/more than/)
  })

  it('rejects a record longer than TLS allows without waiting for it', () => {
    const r = new ServerFlightReader()
    expect(r.push(Buffer.from([22, 3, 3, 0xff, 0xff])).state).toBe('error')
  })

  it('reports a connection cut in the middle of a record as an error', () => {
    const r = new ServerFlightReader()
    r.push(fixture('tls12-ecdhe-rsa.hex').subarray(0, 20))
    expect(r.end().state).toBe('error')
  })

  it('keeps reading after a warning alert (unrecognized_name) that precedes the ServerHello', () => {
    const r = new ServerFlightReader()
    r.push(record(21, Buffer.from([1, 112])))
    expect(r.state.state).toBe('need-more')
    r.push(record(22, Buffer.concat([handshake(2, serverHelloBody(0x0303, 0x009c)), handshake(14, Buffer.alloc(0))])))
    expect(r.state).toEqual({ state: 'done' })
    expect(r.flight.warnings[0]?.name).toBe('unrecognized_name(112)')
    expect(r.flight.serverHello?.cipherSuite).toBe(0x009c)
  })

  it('rejects a handshake message other than ServerHello first', () => {
    const r = new ServerFlightReader()
    expect(r.push(record(22, handshake(11, Buffer.from([0, 0, 0])))).state).toBe('error')
  })

  it('reports a truncated ServerHello as malformed instead of throwing', () => {
    const r = new ServerFlightReader()
    const st = r.push(record(22, handshake(2, Buffer.from([3, 3, 1, 2]))))
    expect(st.state).toBe('error')
    expect((st as { message: string }).message).toMatch(/malformed/)
  })

  it('the message parsers throw TlsDecodeError, which callers can tell from a bug', () => {
    expect(() => parseServerHello(Buffer.from([3, 3, 1, 2]))).toThrow(TlsDecodeError)
    expect(() => parseCertificateMessage(Buffer.from([0, 0, 9, 0, 0, 5, 1]))).toThrow(TlsDecodeError)
    expect(() => parseServerHello(Buffer.from([3, 3, 1, 2]))).toThrow(/ServerHello random: needs 32 bytes, 2 left/)
  })

  it('parses an SSLv2 SERVER-HELLO listing the shared cipher specs', () => {
    const cert = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])
    const specs = Buffer.from([0x01, 0x00, 0x80, 0x07, 0x00, 0xc0])
    const connId = Buffer.alloc(16, 9)
    const body = Buffer.concat([Buffer.from([4, 0, 1, 0, 2]), u16(cert.length), u16(specs.length), u16(connId.length), cert, specs, connId])
    const r = readAll(Buffer.concat([u16(0x8000 | body.length), body]))
    expect(r.state).toEqual({ state: 'done' })
    expect(r.flight.format).toBe('sslv2')
    expect(r.flight.sslv2ServerHello?.version).toBe(2)
    expect(r.flight.sslv2ServerHello?.cipherSpecs).toEqual([0x010080, 0x0700c0])
    expect(r.flight.sslv2ServerHello?.certificate.equals(cert)).toBe(true)
  })

  it('never throws on random bytes', () => {
    for (let i = 0; i < 300; i++) {
      const r = new ServerFlightReader()
      const bytes = randomBytes(1 + (i % 64) * 8)
      // half the runs look like a TLS handshake record to get past the first check
      if (i % 2) bytes.set([22, 3, 3], 0)
      expect(() => {
        r.push(bytes)
        r.end()
      }).not.toThrow()
      expect(['need-more', 'done', 'error']).toContain(r.state.state)
    }
  })

  it('parses ServerHello extensions: supported_versions, key_share, renegotiation_info', () => {
    const ext = Buffer.from([0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x02, 0x00, 0x17, 0xff, 0x01, 0x00, 0x01, 0x00])
    const sh = parseServerHello(Buffer.concat([serverHelloBody(0x0303, 0x1301), u16(ext.length), ext]))
    expect(sh.version).toBe('TLSv1.3')
    expect(sh.keyShareGroup).toBe(23)
    expect(sh.secureRenegotiation).toBe(true)
    expect(sh.extensionTypes).toEqual([43, 51, 0xff01])
  })

  it('reports an unreadable ServerKeyExchange as unparsed rather than failing', () => {
    expect(parseServerKeyExchange(Buffer.from([0, 200, 1]), 'DH')).toEqual({ kind: 'unparsed', length: 3 })
  })
})

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}
