// Creates a key folder for the lab and the tests: real keys made by ssh-keygen, openssl and puttygen
// in every format Vigil recognises, plain and passphrase-protected, several under names that do not
// say what they are. Each file comes with what Vigil should conclude about it (the manifest).
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface LabKeyExpectation {
  /** path relative to the folder */
  file: string
  kind: 'private' | 'public'
  format: string
  type: string
  bits?: number
  /** private keys: protected by a passphrase */
  encrypted?: boolean
  /** made by */
  tool: 'ssh-keygen' | 'openssl' | 'puttygen' | 'hand'
  /** number of keys in the file (authorized_keys) */
  count?: number
}

export interface LabKeyFolder {
  dir: string
  /** the passphrase protecting the encrypted keys; tests scan outputs for it */
  passphrase: string
  expected: LabKeyExpectation[]
  /** files that must NOT be reported as keys */
  decoys: string[]
}

export interface LabKeyFolderOptions {
  /** `full`: every format and size (slow RSA generation); `quick`: one key per format */
  corpus?: 'full' | 'quick'
  passphrase?: string
}

async function tool(cmd: string, args: string[], env?: Record<string, string>): Promise<void> {
  await run(cmd, args, { timeout: 60_000, env: { ...process.env, ...env } })
}

/** Writes the corpus into `dir` (created; existing content under the same names is replaced). */
export async function createLabKeyFolder(dir: string, opts: LabKeyFolderOptions = {}): Promise<LabKeyFolder> {
  const passphrase = opts.passphrase ?? `vigil-lab-${randomBytes(12).toString('hex')}`
  const full = (opts.corpus ?? 'full') === 'full'
  await mkdir(join(dir, 'nested', 'deeper'), { recursive: true })
  const secret = join(dir, '.passphrase-for-tools')
  const empty = join(dir, '.empty-passphrase')
  await writeFile(secret, passphrase, { mode: 0o600 })
  await writeFile(empty, '', { mode: 0o600 })
  const penv = { VIGIL_LAB_PASS: passphrase }
  const expected: LabKeyExpectation[] = []
  const p = (f: string) => join(dir, f)
  const keygen = async (file: string, type: string, bits: number | undefined, pass: string, extra: string[] = []) => {
    await rm(p(file), { force: true })
    await rm(p(`${file}.pub`), { force: true })
    await tool('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', pass, '-C', `lab-${file}`, '-f', p(file), ...extra])
  }

  // OpenSSH v1 format (the ssh-keygen default)
  await keygen('id_ed25519', 'ed25519', undefined, '')
  expected.push({ file: 'id_ed25519', kind: 'private', format: 'openssh-v1', type: 'ed25519', bits: 256, encrypted: false, tool: 'ssh-keygen' })
  expected.push({ file: 'id_ed25519.pub', kind: 'public', format: 'openssh-public', type: 'ed25519', bits: 256, tool: 'ssh-keygen' })
  await keygen('deploy_ed25519', 'ed25519', undefined, passphrase)
  expected.push({ file: 'deploy_ed25519', kind: 'private', format: 'openssh-v1', type: 'ed25519', bits: 256, encrypted: true, tool: 'ssh-keygen' })
  // bcrypt with 4 rounds: protected, but weakly
  await keygen('nested/weak_rounds', 'ecdsa', 256, passphrase, ['-a', '4'])
  expected.push({ file: 'nested/weak_rounds', kind: 'private', format: 'openssh-v1', type: 'ecdsa', bits: 256, encrypted: true, tool: 'ssh-keygen' })
  await keygen('old_rsa', 'rsa', 2048, '')
  expected.push({ file: 'old_rsa', kind: 'private', format: 'openssh-v1', type: 'rsa', bits: 2048, encrypted: false, tool: 'ssh-keygen' })
  expected.push({ file: 'old_rsa.pub', kind: 'public', format: 'openssh-public', type: 'rsa', bits: 2048, tool: 'ssh-keygen' })
  await keygen('legacy_dsa', 'dsa', undefined, passphrase)
  expected.push({ file: 'legacy_dsa', kind: 'private', format: 'openssh-v1', type: 'dsa', bits: 1024, encrypted: true, tool: 'ssh-keygen' })
  expected.push({ file: 'legacy_dsa.pub', kind: 'public', format: 'openssh-public', type: 'dsa', bits: 1024, tool: 'ssh-keygen' })

  // PEM PKCS#1 / PKCS#8 written by ssh-keygen
  await keygen('pem_rsa_plain', 'rsa', full ? 3072 : 2048, '', ['-m', 'PEM'])
  expected.push({ file: 'pem_rsa_plain', kind: 'private', format: 'pem-pkcs1', type: 'rsa', bits: full ? 3072 : 2048, encrypted: false, tool: 'ssh-keygen' })
  await keygen('pem_rsa_enc', 'rsa', full ? 3072 : 2048, passphrase, ['-m', 'PEM'])
  expected.push({ file: 'pem_rsa_enc', kind: 'private', format: 'pem-pkcs1', type: 'rsa', bits: full ? 3072 : 2048, encrypted: true, tool: 'ssh-keygen' })
  await keygen('pkcs8_ecdsa_enc', 'ecdsa', 384, passphrase, ['-m', 'PKCS8'])
  expected.push({ file: 'pkcs8_ecdsa_enc', kind: 'private', format: 'pkcs8-encrypted', type: 'ecdsa', bits: 384, encrypted: true, tool: 'ssh-keygen' })

  // openssl: PKCS#8 plain and encrypted, traditional PKCS#1 encrypted, SEC1 plain and encrypted
  await tool('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${full ? 4096 : 2048}`, '-out', p('server.key')])
  expected.push({ file: 'server.key', kind: 'private', format: 'pkcs8', type: 'rsa', bits: full ? 4096 : 2048, encrypted: false, tool: 'openssl' })
  await tool('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072', '-aes-256-cbc', '-pass', 'env:VIGIL_LAB_PASS', '-out', p('nested/deeper/backup.bin')], penv)
  expected.push({ file: 'nested/deeper/backup.bin', kind: 'private', format: 'pkcs8-encrypted', type: 'rsa-or-dsa', bits: 3072, encrypted: true, tool: 'openssl' })
  await tool('openssl', ['genpkey', '-algorithm', 'ED25519', '-aes-128-cbc', '-pass', 'env:VIGIL_LAB_PASS', '-out', p('ed25519.p8')], penv)
  expected.push({ file: 'ed25519.p8', kind: 'private', format: 'pkcs8-encrypted', type: 'eddsa', bits: 256, encrypted: true, tool: 'openssl' })
  await tool('openssl', ['genrsa', '-traditional', '-aes128', '-passout', 'env:VIGIL_LAB_PASS', '-out', p('notes.txt'), '1024'], penv)
  expected.push({ file: 'notes.txt', kind: 'private', format: 'pem-pkcs1', type: 'rsa', bits: 1024, encrypted: true, tool: 'openssl' })
  await tool('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p('ec_plain.pem')])
  expected.push({ file: 'ec_plain.pem', kind: 'private', format: 'pem-sec1', type: 'ecdsa', bits: 256, encrypted: false, tool: 'openssl' })
  await tool('openssl', ['ec', '-in', p('ec_plain.pem'), '-aes256', '-passout', 'env:VIGIL_LAB_PASS', '-out', p('ec_enc.pem')], penv)
  expected.push({ file: 'ec_enc.pem', kind: 'private', format: 'pem-sec1', type: 'ecdsa', bits: 256, encrypted: true, tool: 'openssl' })
  await tool('openssl', ['pkey', '-in', p('server.key'), '-pubout', '-out', p('server.pub.pem')])
  expected.push({ file: 'server.pub.pem', kind: 'public', format: 'pem-spki-public', type: 'rsa', bits: full ? 4096 : 2048, tool: 'openssl' })

  // PuTTY v3 (Argon2) and v2 (SHA-1 KDF), plain and encrypted, and the ssh.com export
  await tool('puttygen', ['-q', '-t', 'ed25519', '-o', p('putty_v3_enc.ppk'), '--new-passphrase', secret])
  expected.push({ file: 'putty_v3_enc.ppk', kind: 'private', format: 'putty-v3', type: 'ed25519', bits: 256, encrypted: true, tool: 'puttygen' })
  await tool('puttygen', ['-q', '-t', 'ecdsa', '-b', '384', '-o', p('putty_v3_plain.ppk'), '--new-passphrase', empty])
  expected.push({ file: 'putty_v3_plain.ppk', kind: 'private', format: 'putty-v3', type: 'ecdsa', bits: 384, encrypted: false, tool: 'puttygen' })
  await tool('puttygen', ['-q', '-t', 'rsa', '-b', '2048', '-o', p('putty_v2_enc.ppk'), '--new-passphrase', secret, '--ppk-param', 'version=2'])
  expected.push({ file: 'putty_v2_enc.ppk', kind: 'private', format: 'putty-v2', type: 'rsa', bits: 2048, encrypted: true, tool: 'puttygen' })
  await tool('puttygen', ['-q', '-t', 'rsa', '-b', '3072', '-o', p('nested/putty_v2_plain.ppk'), '--new-passphrase', empty, '--ppk-param', 'version=2'])
  expected.push({ file: 'nested/putty_v2_plain.ppk', kind: 'private', format: 'putty-v2', type: 'rsa', bits: 3072, encrypted: false, tool: 'puttygen' })
  await tool('puttygen', [p('putty_v2_enc.ppk'), '--old-passphrase', secret, '-O', 'private-sshcom', '-o', p('sshcom_enc'), '--new-passphrase', secret])
  expected.push({ file: 'sshcom_enc', kind: 'private', format: 'sshcom', type: 'rsa', bits: 2048, encrypted: true, tool: 'puttygen' })
  await tool('puttygen', [p('putty_v2_enc.ppk'), '--old-passphrase', secret, '-O', 'private-sshcom', '-o', p('sshcom_plain'), '--new-passphrase', empty])
  expected.push({ file: 'sshcom_plain', kind: 'private', format: 'sshcom', type: 'rsa', bits: 2048, encrypted: false, tool: 'puttygen' })
  await tool('puttygen', [p('putty_v3_enc.ppk'), '--old-passphrase', secret, '-O', 'public', '-o', p('putty.rfc4716.pub')])
  expected.push({ file: 'putty.rfc4716.pub', kind: 'public', format: 'rfc4716-public', type: 'ed25519', bits: 256, tool: 'puttygen' })

  // authorized_keys with options, several entries and a comment line
  const pubs = await Promise.all(['id_ed25519.pub', 'old_rsa.pub', 'legacy_dsa.pub'].map((f) => readFile(p(f), 'utf8')))
  await writeFile(
    p('authorized_keys'),
    `# team keys\n${pubs[0]!.trim()}\nfrom="10.0.0.0/8",no-pty,command="/usr/bin/backup" ${pubs[1]!.trim()}\nrestrict ${pubs[2]!.trim()}\n`,
  )
  expected.push({ file: 'authorized_keys', kind: 'public', format: 'authorized-keys', type: 'mixed', tool: 'hand', count: 3 })

  // decoys: names that look like keys, content that is not; and a known_hosts file (other hosts' keys)
  await writeFile(p('id_rsa'), 'this file is named like a key but holds a shopping list\n')
  await writeFile(p('known_hosts'), `github.example,10.1.2.3 ${pubs[0]!.trim().split(' ').slice(0, 2).join(' ')}\n`)
  await writeFile(p('nested/readme.md'), '# keys\nSee -----BEGIN nothing-----\n')
  await rm(secret, { force: true })
  await rm(empty, { force: true })
  return { dir, passphrase, expected, decoys: ['id_rsa', 'known_hosts', 'nested/readme.md'] }
}
