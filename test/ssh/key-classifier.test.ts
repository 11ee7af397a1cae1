// The key classifier against a corpus made by ssh-keygen, openssl and puttygen: every format,
// plain and encrypted, recognised by content (names mislead on purpose), sizes and fingerprints.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { classifyKeyContent } from '../../checks/ssh/key-classifier.ts'
import { createLabKeyFolder, type LabKeyFolder } from '../../lab/ssh/key-folder.ts'

const run = promisify(execFile)
let corpus: LabKeyFolder

beforeAll(async () => {
  corpus = await createLabKeyFolder(join(await mkdtemp(join(tmpdir(), 'vigil-keys-')), 'corpus'), { corpus: 'full' })
}, 120_000)
afterAll(async () => {
  if (corpus) await rm(join(corpus.dir, '..'), { recursive: true, force: true })
})

describe('classifyKeyContent on the generated corpus', () => {
  it('covers every format, plain and encrypted, from all three tools', () => {
    const formats = new Set(corpus.expected.map((e) => e.format))
    for (const f of ['openssh-v1', 'pem-pkcs1', 'pem-sec1', 'pkcs8', 'pkcs8-encrypted', 'putty-v2', 'putty-v3', 'sshcom', 'openssh-public', 'authorized-keys', 'pem-spki-public', 'rfc4716-public'])
      expect(formats, f).toContain(f)
    for (const f of ['openssh-v1', 'pem-pkcs1', 'pem-sec1', 'putty-v2', 'putty-v3', 'sshcom']) {
      const enc = corpus.expected.filter((e) => e.format === f).map((e) => e.encrypted)
      expect(enc, f).toContain(true)
      expect(enc, f).toContain(false)
    }
    expect(new Set(corpus.expected.map((e) => e.tool))).toEqual(new Set(['ssh-keygen', 'openssl', 'puttygen', 'hand']))
  })

  it('classifies each file as its manifest says', async () => {
    for (const e of corpus.expected.filter((x) => x.type !== 'mixed')) {
      const found = classifyKeyContent(await readFile(join(corpus.dir, e.file)))
      expect(found, e.file).toHaveLength(1)
      const k = found[0]!
      expect({ file: e.file, kind: k.kind, format: k.format, type: k.type, bits: k.bits }).toEqual({ file: e.file, kind: e.kind, format: e.format, type: e.type, bits: e.bits })
      if (e.kind === 'private') expect(k.protection?.encrypted, e.file).toBe(e.encrypted)
    }
  })

  it('reports fingerprints exactly as ssh-keygen -lf for public halves', async () => {
    for (const f of ['id_ed25519', 'old_rsa', 'legacy_dsa']) {
      const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(corpus.dir, `${f}.pub`)])
      const fp = stdout.split(' ')[1]
      const priv = classifyKeyContent(await readFile(join(corpus.dir, f)))[0]!
      const pub = classifyKeyContent(await readFile(join(corpus.dir, `${f}.pub`)))[0]!
      expect(priv.fingerprint).toBe(fp)
      expect(pub.fingerprint).toBe(fp)
    }
  })

  it('records protection details: cipher, KDF, rounds and intrinsic weaknesses', async () => {
    const one = async (f: string) => classifyKeyContent(await readFile(join(corpus.dir, f)))[0]!.protection!
    expect(await one('deploy_ed25519')).toMatchObject({ encrypted: true, cipher: 'aes256-ctr', kdf: 'bcrypt', rounds: 16, weaknesses: [] })
    expect(await one('nested/weak_rounds')).toMatchObject({ kdf: 'bcrypt', rounds: 4 })
    expect((await one('pem_rsa_enc')).weaknesses.join()).toMatch(/MD5/)
    expect(await one('nested/deeper/backup.bin')).toMatchObject({ kdf: 'PBKDF2-hmacWithSHA256', cipher: 'aes-256-cbc' })
    expect(await one('putty_v3_enc.ppk')).toMatchObject({ kdf: 'Argon2id', cipher: 'aes256-cbc', weaknesses: [] })
    expect((await one('putty_v2_enc.ppk')).weaknesses.join()).toMatch(/SHA-1/)
  })

  it('reads every authorized_keys entry, with and without options', async () => {
    const found = classifyKeyContent(await readFile(join(corpus.dir, 'authorized_keys')))
    expect(found.map((k) => [k.line, k.type, k.bits])).toEqual([
      [2, 'ed25519', 256],
      [3, 'rsa', 2048],
      [4, 'dsa', 1024],
    ])
  })

  it('ignores decoys: key-like names, known_hosts, binary files', async () => {
    for (const d of corpus.decoys) expect(classifyKeyContent(await readFile(join(corpus.dir, d))), d).toEqual([])
    expect(classifyKeyContent(Buffer.from([0, 1, 2, 0x2d, 0x2d]))).toEqual([])
  })
})
