import { describe, expect, it } from 'vitest'
import { MAX_SUITES_PER_HELLO, buildClientHello, buildSslv2ClientHello, chunkSuites, versionFromCode } from '../../checks/tls/wire/client-hello.ts'

/** Independent decoding of a ClientHello record, so the tests do not trust the builder's own layout. */
function decode(record: Buffer) {
  let p = 0
  const u8 = () => record[p++]!
  const u16 = () => ((p += 2), record.readUInt16BE(p - 2))
  const u24 = () => ((p += 3), record.readUIntBE(p - 3, 3))
  const take = (n: number) => ((p += n), record.subarray(p - n, p))
  const type = u8()
  const recordVersion = u16()
  const recordLength = u16()
  const hsType = u8()
  const hsLength = u24()
  const version = u16()
  const random = take(32)
  const sessionId = take(u8())
  const suitesBytes = take(u16())
  const suites: number[] = []
  for (let i = 0; i < suitesBytes.length; i += 2) suites.push(suitesBytes.readUInt16BE(i))
  const compression = take(u8())
  const extensions = new Map<number, Buffer>()
  if (p < record.length) {
    const end = u16() + p
    while (p < end) {
      const t = u16()
      extensions.set(t, take(u16()))
    }
  }
  return { type, recordVersion, recordLength, hsType, hsLength, version, random, sessionId, suites, compression, extensions, consumed: p }
}

describe('buildClientHello', () => {
  it('builds a TLS 1.0 hello byte for byte (checked by hand)', () => {
    const hello = buildClientHello({ version: 'TLSv1.0', suites: [0x002f, 0x0035], random: Buffer.alloc(32, 0x11) })
    const expected =
      '160301003e' + // handshake record, version 3.1, 62 bytes
      '0100003a' +
      '0301' +
      '11'.repeat(32) +
      '00' + // session id
      '0004002f0035' + // suites
      '0100' + // compression: null
      '000d' + // extensions length 13
      '00230000' + // session_ticket
      '00170000' + // extended_master_secret
      'ff01000100' // renegotiation_info, empty
    expect(hello.toString('hex')).toBe(expected)
  })

  it('builds an SSLv3 hello without extensions and with the renegotiation SCSV (checked by hand)', () => {
    const hello = buildClientHello({ version: 'SSLv3', suites: [0x000a], random: Buffer.alloc(32, 0x11), serverName: 'example.com', groups: [23] })
    expect(hello.toString('hex')).toBe('160300002f' + '0100002b' + '0300' + '11'.repeat(32) + '00' + '0004000a00ff' + '0100')
  })

  it('builds an SSLv2 CLIENT-HELLO (checked by hand)', () => {
    const hello = buildSslv2ClientHello([0x010080], Buffer.alloc(16, 0x22))
    expect(hello.toString('hex')).toBe('801c' + '01' + '0002' + '0003' + '0000' + '0010' + '010080' + '22'.repeat(16))
  })

  it('puts SNI, groups, point formats and signature algorithms in a TLS 1.2 hello', () => {
    const d = decode(buildClientHello({ version: 'TLSv1.2', suites: [0xc02f], serverName: 'vigil.example', groups: [29, 23] }))
    expect(d.type).toBe(22)
    expect(d.recordVersion).toBe(0x0301)
    expect(d.version).toBe(0x0303)
    expect(d.suites).toEqual([0xc02f])
    expect([...d.compression]).toEqual([0])
    expect(d.consumed).toBe(5 + d.recordLength)
    expect(d.hsLength).toBe(d.recordLength - 4)
    const sni = d.extensions.get(0)!
    expect(sni.subarray(5).toString('ascii')).toBe('vigil.example')
    expect(sni.readUInt16BE(0)).toBe(sni.length - 2)
    expect(d.extensions.get(10)!.toString('hex')).toBe('0004001d0017')
    expect(d.extensions.get(11)!.toString('hex')).toBe('03000102')
    expect(d.extensions.has(13)).toBe(true)
    expect(d.extensions.get(0xff01)!.toString('hex')).toBe('00')
    expect(d.extensions.has(43)).toBe(false)
  })

  it('leaves SNI out for IP literals and signature_algorithms out before TLS 1.2', () => {
    const d = decode(buildClientHello({ version: 'TLSv1.1', suites: [0x002f], serverName: '127.0.0.1', groups: [23] }))
    expect(d.version).toBe(0x0302)
    expect(d.extensions.has(0)).toBe(false)
    expect(d.extensions.has(13)).toBe(false)
    // IPv6 too; names that only look numeric-ish keep their SNI
    for (const ip of ['::1', '2001:db8::1', '::ffff:192.0.2.1']) expect(decode(buildClientHello({ version: 'TLSv1.2', suites: [0x002f], serverName: ip, groups: [23] })).extensions.has(0)).toBe(false)
    for (const name of ['1.2.3.4.example', 'a.b', '123.example.test', 'cafe.example']) expect(decode(buildClientHello({ version: 'TLSv1.2', suites: [0x002f], serverName: name, groups: [23] })).extensions.has(0)).toBe(true)
  })

  it('builds a TLS 1.3 hello with supported_versions and an x25519 key share', () => {
    const d = decode(buildClientHello({ version: 'TLSv1.3', suites: [0x1301, 0x1302], serverName: 'localhost', groups: [29, 23] }))
    expect(d.version).toBe(0x0303) // legacy_version stays 1.2
    expect(d.sessionId.length).toBe(32) // middlebox compatibility
    expect(d.extensions.get(43)!.toString('hex')).toBe('020304')
    const ks = d.extensions.get(51)!
    expect(ks.readUInt16BE(0)).toBe(ks.length - 2)
    expect(ks.readUInt16BE(2)).toBe(29)
    expect(ks.readUInt16BE(4)).toBe(32)
    expect(ks.length).toBe(2 + 4 + 32)
    expect(d.extensions.has(0xff01)).toBe(false)
  })

  it('sends an empty key_share when x25519 is not offered, so the server must answer HelloRetryRequest', () => {
    const d = decode(buildClientHello({ version: 'TLSv1.3', suites: [0x1301], groups: [24] }))
    expect(d.extensions.get(51)!.toString('hex')).toBe('0000')
  })

  it('an explicit key share list wins over the default for the same version and groups', () => {
    const withDefault = decode(buildClientHello({ version: 'TLSv1.3', suites: [0x1301], groups: [29, 23] }))
    const empty = decode(buildClientHello({ version: 'TLSv1.3', suites: [0x1301], groups: [29, 23], keyShares: [] }))
    expect(withDefault.extensions.get(51)!.length).toBe(2 + 4 + 32)
    expect(empty.extensions.get(51)!.toString('hex')).toBe('0000')
  })

  it('hellos that differ only in SNI differ only there', () => {
    const random = Buffer.alloc(32, 0x33)
    const short = decode(buildClientHello({ version: 'TLSv1.2', suites: [0xc02f], serverName: 'a.test', groups: [29], random }))
    const long = decode(buildClientHello({ version: 'TLSv1.2', suites: [0xc02f], serverName: 'much-longer.example.test', groups: [29], random }))
    expect(long.extensions.get(0)!.subarray(5).toString('ascii')).toBe('much-longer.example.test')
    expect(long.recordLength - short.recordLength).toBe('much-longer.example.test'.length - 'a.test'.length)
    for (const m of [short, long]) m.extensions.delete(0)
    expect(long.extensions).toEqual(short.extensions)
  })

  it('gives every hello fresh random bytes (random, TLS 1.3 session id, SSLv2 challenge)', () => {
    const a = decode(buildClientHello({ version: 'TLSv1.3', suites: [0x1301], groups: [29] }))
    const b = decode(buildClientHello({ version: 'TLSv1.3', suites: [0x1301], groups: [29] }))
    expect(a.random.equals(b.random)).toBe(false)
    expect(a.sessionId.equals(b.sessionId)).toBe(false)
    expect(a.random.equals(a.sessionId.subarray(0, 32))).toBe(false)
    expect(buildSslv2ClientHello([0x010080]).subarray(-16).equals(buildSslv2ClientHello([0x010080]).subarray(-16))).toBe(false)
  })

  it('pads hellos of 256–511 bytes to 512 (RFC 7685)', () => {
    const suites = Array.from({ length: 100 }, (_, i) => 0x0100 + i)
    const d = decode(buildClientHello({ version: 'TLSv1.2', suites, groups: [23] }))
    expect(d.hsLength + 4).toBe(512)
    expect(d.extensions.has(21)).toBe(true)
    const small = decode(buildClientHello({ version: 'TLSv1.2', suites: [0x002f] }))
    expect(small.hsLength + 4).toBeLessThan(256)
    expect(small.extensions.has(21)).toBe(false)
  })

  it('refuses more than 128 suites or none', () => {
    expect(() => buildClientHello({ version: 'TLSv1.2', suites: Array.from({ length: MAX_SUITES_PER_HELLO + 1 }, (_, i) => i) })).toThrow(/at most 128/)
    expect(() => buildClientHello({ version: 'TLSv1.2', suites: [] })).toThrow()
  })

  it('chunks suite lists into hello-sized pieces in order', () => {
    const list = Array.from({ length: 300 }, (_, i) => i)
    const chunks = chunkSuites(list)
    expect(chunks.map((c) => c.length)).toEqual([128, 128, 44])
    expect(chunks.flat()).toEqual(list)
  })

  it('maps version codes both ways', () => {
    expect(versionFromCode(0x0304)).toBe('TLSv1.3')
    expect(versionFromCode(0x0300)).toBe('SSLv3')
    expect(versionFromCode(0x0002)).toBe('SSLv2')
    expect(versionFromCode(0x7f17)).toBeUndefined()
  })
})
