// Property tests of the SSH wire parsers: KEXINIT (checks/ssh/wire/kexinit.ts, payload parser and
// the framing in grabKexinit against a scripted peer), public key blobs and SshReader
// (checks/ssh/wire/key-blob.ts) and DER (core/der.ts). Inputs: random bytes, generated
// structures, and mutations of real ones — KEXINIT payloads recorded from OpenSSH 9.2p1 (the lab
// sshd profiles, test/fuzz/fixtures/), key and certificate blobs made by ssh-keygen and encrypted
// PKCS#8 keys made by openssl in beforeAll. Each parser may throw only its own typed error
// (SshWireError, SshDataError, DerError), and no input takes a second.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SshWireError, grabKexinit, kexinitObservation, parseKexinitPayload } from '../../checks/ssh/wire/kexinit.ts'
import { SshDataError, SshReader, mpintBits, parsePublicKeyBlob } from '../../checks/ssh/wire/key-blob.ts'
import { DerError, derInteger, oidString, parseDer, type DerNode } from '../../core/der.ts'
import { applyMutation, bytes, derLengthFields, mutation, nothing, only, onlyAsync, runs, sshStringFields, usePeer, type LengthField } from './fuzz-kit.ts'

const run = promisify(execFile)
const isWireError = (e: unknown) => e instanceof SshWireError
const isDataError = (e: unknown) => e instanceof SshDataError
const isDerError = (e: unknown) => e instanceof DerError

const kexinits = ['hardened', 'default', 'legacy'].map((p) => Buffer.from(readFileSync(new URL(`fixtures/openssh-9.2p1-${p}-kexinit.hex`, import.meta.url), 'utf8').trim(), 'hex'))
/** the ten name-list lengths of a KEXINIT payload */
const kexinitFields = (p: Buffer): LengthField[] => sshStringFields(p, 17, 10)

function str(v: Buffer | string): Buffer {
  const b = typeof v === 'string' ? Buffer.from(v, 'latin1') : v
  const n = Buffer.alloc(4)
  n.writeUInt32BE(b.length)
  return Buffer.concat([n, b])
}
function packet(payload: Buffer, padding = 4 + ((8 - ((payload.length + 5 + 4) % 8)) % 8)): Buffer {
  const head = Buffer.alloc(5)
  head.writeUInt32BE(payload.length + padding + 1)
  head[4] = padding
  return Buffer.concat([head, payload, Buffer.alloc(padding)])
}

let dir: string
/** public key and certificate blobs made by ssh-keygen, plus hand-made security-key blobs */
const blobs: Buffer[] = []
/** DER: encrypted PKCS#8 (PBES2/PBKDF2, PBES2/scrypt, PBES1), SPKI, a certificate */
const ders: Buffer[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-fuzz-ssh-'))
  const p = (f: string) => join(dir, f)
  const keygen = (f: string, ...args: string[]) => run('ssh-keygen', ['-q', '-N', '', '-C', f, '-f', p(f), ...args])
  await Promise.all([
    keygen('ed25519', '-t', 'ed25519'),
    keygen('rsa', '-t', 'rsa', '-b', '2048'),
    keygen('ecdsa256', '-t', 'ecdsa', '-b', '256'),
    keygen('ecdsa384', '-t', 'ecdsa', '-b', '384'),
    keygen('ecdsa521', '-t', 'ecdsa', '-b', '521'),
    keygen('dsa', '-t', 'dsa'),
    keygen('ca', '-t', 'ed25519'),
  ])
  await run('ssh-keygen', ['-q', '-s', p('ca'), '-I', 'fuzz', '-n', 'root', '-V', '+1d', p('ecdsa256.pub')])
  await run('ssh-keygen', ['-q', '-s', p('ca'), '-I', 'fuzz', '-n', 'root', '-V', '+1d', p('rsa.pub')])
  for (const f of ['ed25519.pub', 'rsa.pub', 'ecdsa256.pub', 'ecdsa384.pub', 'ecdsa521.pub', 'dsa.pub', 'ecdsa256-cert.pub', 'rsa-cert.pub'])
    blobs.push(Buffer.from((await readFile(p(f), 'utf8')).split(' ')[1]!, 'base64'))
  blobs.push(Buffer.concat([str('sk-ssh-ed25519@openssh.com'), str(Buffer.alloc(32, 5)), str('ssh:')]))
  blobs.push(Buffer.concat([str('sk-ecdsa-sha2-nistp256@openssh.com'), str('nistp256'), str(Buffer.alloc(65, 4)), str('ssh:')]))

  const pass = ['-passout', 'pass:fuzz-passphrase']
  await run('openssl', ['genpkey', '-algorithm', 'ED25519', '-out', p('k.pem')])
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p('ec.pem')])
  await Promise.all([
    run('openssl', ['pkcs8', '-topk8', '-in', p('k.pem'), '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA512', '-outform', 'DER', '-out', p('pbkdf2.der'), ...pass]),
    run('openssl', ['pkcs8', '-topk8', '-in', p('ec.pem'), '-scrypt', '-outform', 'DER', '-out', p('scrypt.der'), ...pass]),
    run('openssl', ['pkcs8', '-topk8', '-in', p('ec.pem'), '-v1', 'PBE-SHA1-3DES', '-outform', 'DER', '-out', p('pbes1.der'), ...pass]),
    run('openssl', ['pkey', '-in', p('ec.pem'), '-pubout', '-outform', 'DER', '-out', p('spki.der')]),
  ])
  for (const f of ['pbkdf2.der', 'scrypt.der', 'pbes1.der', 'spki.der']) ders.push(await readFile(p(f)))
  ders.push(new X509Certificate(readFileSync(new URL('../tls/fixtures/localhost-cert.pem', import.meta.url))).raw)
}, 120_000)

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('KEXINIT payload', () => {
  it('the recorded payloads parse', () => {
    for (const k of kexinits) {
      const l = parseKexinitPayload(k)
      expect(l.kex.length).toBeGreaterThan(0)
      expect(kexinitFields(k)).toHaveLength(10)
    }
  })

  const check = (payload: Buffer) => {
    const r = only(() => parseKexinitPayload(payload), isWireError, 'parseKexinitPayload')
    if (!r.ok) return
    for (const list of Object.values(r.value)) if (Array.isArray(list)) for (const name of list) expect(name).toMatch(/^[\x21-\x2b\x2d-\x7e]*$/)
    const o = only(() => kexinitObservation('SSH-2.0-x', [], payload, 1), isWireError, 'kexinitObservation')
    expect(o.ok).toBe(true)
  }

  it('throws only SshWireError on random bytes, with and without a KEXINIT message id', () => {
    fc.assert(
      fc.property(fc.boolean(), bytes(400), (asKexinit, b) => {
        check(asKexinit && b.length ? Buffer.concat([Buffer.from([20]), b]) : b)
      }),
      { numRuns: runs(1000) },
    )
  })

  it('throws only SshWireError on generated payloads (name-lists of any content and length)', () => {
    const name = fc.oneof(fc.constantFrom('curve25519-sha256', 'ssh-ed25519', 'aes128-ctr', 'none', 'kex-strict-s-v00@openssh.com', ''), fc.string({ unit: 'binary', maxLength: 12 }))
    const list = fc.array(name, { maxLength: 6 }).map((n) => n.join(','))
    fc.assert(
      fc.property(fc.array(list, { minLength: 0, maxLength: 12 }), bytes(6), fc.nat(40), (lists, tail, lie) => {
        const body = lists.map((l) => str(l))
        // now and then, one list claims more bytes than it has
        if (body.length && lie < body.length) body[lie]!.writeUInt32BE(body[lie]!.readUInt32BE(0) + 1 + lie, 0)
        check(Buffer.concat([Buffer.from([20]), Buffer.alloc(16, 1), ...body, tail]))
      }),
      { numRuns: runs(1000) },
    )
  })

  it('throws only SshWireError on mutated real payloads (bit flips, truncation, insertion, name-list lengths)', () => {
    const fields = kexinits.map(kexinitFields)
    fc.assert(
      fc.property(mutation(kexinits.length), ({ seed, ops }) => check(applyMutation(kexinits[seed]!, ops, fields[seed]))),
      { numRuns: runs(1000) },
    )
  })
})

describe('grabKexinit framing against a peer sending mutated bytes', () => {
  let next: Buffer = Buffer.alloc(0)
  const port = usePeer((s) => s.end(next))

  it('settles within its budget with an observation or an SshWireError', async () => {
    const seeds = kexinits.map((k) => Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n'), packet(k)]))
    seeds.push(Buffer.concat([Buffer.from('please wait\r\nSSH-2.0-OpenSSH_9.2p1\r\n'), packet(kexinits[0]!)]))
    // the length fields: packet length and padding length, then the name-list lengths in the payload
    const fields = seeds.map((s) => {
      const at = s.indexOf('\r\nSSH-') >= 0 ? s.indexOf('\n', s.indexOf('\r\nSSH-') + 2) + 1 : s.indexOf('\n') + 1
      return [{ offset: at, width: 4 as const }, { offset: at + 4, width: 1 as const }, ...kexinitFields(s.subarray(at + 5)).map((f) => ({ ...f, offset: f.offset + at + 5 }))]
    })
    await fc.assert(
      fc.asyncProperty(mutation(seeds.length), async ({ seed, ops }) => {
        next = applyMutation(seeds[seed]!, ops, fields[seed])
        const r = await onlyAsync(() => grabKexinit('127.0.0.1', port(), 800), isWireError, 'grabKexinit')
        if (r.ok) expect(r.value.banner).toMatch(/^SSH-(2\.0|1\.99)-/)
      }),
      { numRuns: runs(300) },
    )
  }, 60_000)
})

describe('public key blobs', () => {
  it('the generated blobs parse', () => {
    expect(blobs.length).toBe(10)
    for (const b of blobs) expect(parsePublicKeyBlob(b).fingerprint).toMatch(/^SHA256:/)
  })

  const check = (b: Buffer) => {
    const r = only(() => parsePublicKeyBlob(b), isDataError, 'parsePublicKeyBlob')
    if (!r.ok) return
    expect(r.value.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    if (r.value.bits !== undefined) expect(r.value.bits).toBeLessThanOrEqual(Math.max(8 * b.length, 521))
  }

  it('a blob whose key type or curve is not an SSH name is refused (it would end up in the report)', () => {
    expect(() => parsePublicKeyBlob(Buffer.concat([str('ssh-\x00rsa'), str('x')]))).toThrow(SshDataError)
    expect(() => parsePublicKeyBlob(Buffer.concat([str('a'.repeat(65))]))).toThrow(SshDataError)
    expect(() => parsePublicKeyBlob(Buffer.concat([str('ecdsa-sha2-nistp256'), str('nist p256'), str('x')]))).toThrow(SshDataError)
    expect(() => parsePublicKeyBlob(Buffer.alloc(3))).toThrow(SshDataError)
    expect(() => parseDer(Buffer.from([0x30, 0x05, 0x02]))).toThrow(DerError)
  })

  it('throws only SshDataError on random bytes and on generated blobs', () => {
    const type = fc.oneof(
      fc.constantFrom('ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ssh-ed448', 'ecdsa-sha2-nistp256', 'sk-ecdsa-sha2-nistp256@openssh.com', 'ssh-rsa-cert-v01@openssh.com', 'ecdsa-sha2-nistp384-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com'),
      fc.string({ maxLength: 40 }),
    )
    const generated = fc.tuple(type, fc.array(bytes(70), { maxLength: 4 }), bytes(3)).map(([t, fields, tail]) => Buffer.concat([str(t), ...fields.map(str), tail]))
    fc.assert(fc.property(fc.oneof(bytes(300), generated), check), { numRuns: runs(1000) })
  })

  it('throws only SshDataError on mutated real key and certificate blobs (bit flips, truncation, string lengths)', () => {
    const fields = blobs.map((b) => sshStringFields(b))
    fc.assert(fc.property(mutation(blobs.length), ({ seed, ops }) => check(applyMutation(blobs[seed]!, ops, fields[seed]))), { numRuns: runs(1000) })
  })

  it('SshReader throws only SshDataError, whatever is asked of it', () => {
    const call = fc.oneof(fc.constant({ f: 'uint32' as const }), fc.constant({ f: 'bytes' as const }), fc.constant({ f: 'string' as const }), fc.record({ f: fc.constant('raw' as const), n: fc.oneof(fc.nat(64), fc.nat()) }))
    fc.assert(
      fc.property(fc.oneof(bytes(200), fc.constantFrom(...blobs)), fc.array(call, { maxLength: 12 }), (b, calls) => {
        const r = new SshReader(b)
        for (const c of calls) {
          const out = only(() => (c.f === 'raw' ? r.raw(c.n) : r[c.f]()), isDataError, `SshReader.${c.f}`)
          if (!out.ok) break
          expect(r.offset).toBeLessThanOrEqual(b.length)
          expect(r.remaining).toBeGreaterThanOrEqual(0)
        }
        only(() => mpintBits(b), nothing, 'mpintBits')
      }),
      { numRuns: runs(1000) },
    )
  })
})

describe('DER', () => {
  it('the generated DER parses', () => {
    expect(ders.length).toBe(5)
    for (const d of ders) expect(parseDer(d).size).toBe(d.length)
  })

  /** parseDer throws only DerError; a tree it returns is consistent, and oidString/derInteger accept any of its nodes. */
  const check = (b: Buffer) => {
    const r = only(() => parseDer(b), isDerError, 'parseDer')
    if (!r.ok) return
    expect(r.value.size).toBeLessThanOrEqual(b.length)
    const walk = (n: DerNode, depth: number) => {
      expect(depth).toBeLessThanOrEqual(17)
      only(() => oidString(n), nothing, 'oidString')
      only(() => derInteger(n), nothing, 'derInteger')
      if (n.children) {
        expect(n.children.reduce((s, c) => s + (c as DerNode & { size: number }).size, 0)).toBe(n.value.length)
        for (const c of n.children) walk(c, depth + 1)
      }
    }
    walk(r.value, 0)
  }

  it('throws only DerError on random bytes and generated TLVs', () => {
    const tlv: fc.Arbitrary<Buffer> = fc.letrec<{ node: Buffer }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.tuple(fc.constantFrom(0x02, 0x04, 0x05, 0x06, 0x0c), bytes(20)).map(([t, v]) => Buffer.concat([Buffer.from([t, v.length]), v])),
        fc.tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0xa1), fc.array(tie('node'), { maxLength: 4 })).map(([t, kids]) => {
          const v = Buffer.concat(kids)
          return Buffer.concat([Buffer.from(v.length < 128 ? [t, v.length] : [t, 0x82, v.length >> 8, v.length & 0xff]), v])
        }),
      ),
    })).node
    const deep = fc.integer({ min: 1, max: 40 }).map((n) => Buffer.concat([...Array.from({ length: n }, (_, i) => Buffer.from([0x30, 2 * (n - i - 1)])), Buffer.alloc(0)]))
    fc.assert(fc.property(fc.oneof(bytes(200), tlv, deep), check), { numRuns: runs(1000) })
  })

  it('throws only DerError on mutated real DER (encrypted PKCS#8, SPKI, a certificate): bit flips, truncation, length octets', () => {
    const fields = ders.map((d) => derLengthFields(d))
    fc.assert(fc.property(mutation(ders.length), ({ seed, ops }) => check(applyMutation(ders[seed]!, ops, fields[seed]))), { numRuns: runs(1000) })
  })
})
