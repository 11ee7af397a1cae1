// The lab's PKI: a root CA, intermediates and one leaf per certificate defect the TLS checks look
// for, written as PEM files into a directory. Used by the tests and by `vigil lab`.
//
// Certificates are signed with `openssl ca` (OpenSSL 3.0 on this machine) because it is the only
// tool at hand that sets arbitrary start and end dates (`x509 -not_before` arrived in 3.4) and signs
// RSA and ECDSA keys alike; `openssl ca -md sha1` still signs with SHA-1 (the 3.0 security level
// restricts TLS handshakes, not signing). Keys come from node:crypto, which is faster than spawning
// `openssl genpkey` and lets leaves share a key where sharing does not change what is tested.
// DH parameters are the well-known RFC 2409 / RFC 3526 MODP groups encoded by hand: generating
// fresh 1024-bit safe primes with `openssl dhparam` takes seconds.
import { execFile } from 'node:child_process'
import { generateKeyPairSync, getDiffieHellman, type KeyObject } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Leaf variants, one per defect (plus two good ones). */
export const LAB_CERT_NAMES = [
  'good',
  'good-ecdsa',
  'expired',
  'expiring',
  'not-yet-valid',
  'expiring-intermediate',
  'expired-intermediate',
  'self-signed',
  'wrong-host',
  'rsa-1024',
  'sha1',
] as const
export type LabCertName = (typeof LAB_CERT_NAMES)[number]

export interface LabCertificate {
  name: LabCertName
  /** leaf certificate PEM file */
  cert: string
  /** leaf private key PEM file (PKCS#8, unencrypted: lab only) */
  key: string
  /** leaf followed by its intermediate(s) — what a server should send; the root is not included */
  chain: string
  /** the intermediate(s) alone (empty file for the self-signed leaf), for `s_server -cert_chain` */
  intermediates: string
  /** leaf PEM text */
  certPem: string
  /** chain PEM text (leaf first) */
  chainPem: string
  /** what a client should conclude about it */
  expect: {
    /** trusted when the lab root is added as an extra CA (and hostname ignored) */
    trustedWithLabRoot: boolean
    /** DNS names in the leaf's subjectAltName */
    names: string[]
  }
}

export interface LabPki {
  dir: string
  /** hostname the good leaves are issued for */
  host: string
  /** host the `wrong-host` leaf names instead */
  wrongHost: string
  /** the lab root CA: PEM file and text (give it to checks as an extra CA) */
  caCert: string
  caPem: string
  /** the regular intermediate CA (signs every leaf except the intermediate-specific ones) */
  intermediateCert: string
  intermediatePem: string
  certs: Record<LabCertName, LabCertificate>
  /** DH parameter files (PKCS#3 PEM) for DHE servers */
  dhParams: { dh1024: string; dh2048: string }
  /** time the validity windows were computed from */
  generatedAt: Date
}

export interface GenerateLabPkiOptions {
  /** hostname for the good leaves (default `vigil.lab.test`) */
  host?: string
  /** hostname the `wrong-host` leaf is issued for (default `other.lab.test`) */
  wrongHost?: string
  /** days left on the `expiring` leaf and the `expiring-intermediate` CA (default 10) */
  expiringDays?: number
  /** reference time for every validity window (default: now) */
  now?: Date
}

const DAY_MS = 86_400_000

interface Window {
  /** days from now, negative = past */
  start: number
  end: number
}

/** `openssl ca -startdate/-enddate` format: YYYYMMDDHHMMSSZ (generalized time). */
function opensslDate(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z')
}

function pem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string
}

/** DER of PKCS#3 DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER }. */
function dhParamsPem(prime: Buffer, generator: Buffer): string {
  const len = (n: number): Buffer =>
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff])
  const int = (b: Buffer): Buffer => {
    const v = b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b
    return Buffer.concat([Buffer.from([0x02]), len(v.length), v])
  }
  const body = Buffer.concat([int(prime), int(generator)])
  const der = Buffer.concat([Buffer.from([0x30]), len(body.length), body])
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')
  return `-----BEGIN DH PARAMETERS-----\n${b64}\n-----END DH PARAMETERS-----\n`
}

function caConfig(dir: string): string {
  // One extensions section per kind of certificate; leaves get their SAN from the environment so
  // a single config serves every leaf.
  return `[ ca ]
default_ca = lab

[ lab ]
dir = ${dir}/ca
database = $dir/index.txt
new_certs_dir = $dir/issued
rand_serial = yes
unique_subject = no
default_md = sha256
policy = policy_any
copy_extensions = none
email_in_dn = no
preserve = yes

[ policy_any ]
countryName = optional
organizationName = optional
commonName = supplied

[ ext_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ ext_intermediate ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ ext_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:$ENV::LAB_SAN

[ ext_self_signed ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:$ENV::LAB_SAN

`
}

/**
 * Writes the lab PKI into `dir` (created if needed) and returns the paths. Takes about a second:
 * five key pairs and about fifteen `openssl` runs. Validity windows are relative to `now`, so a set
 * generated today has its `expiring` leaf expire in `expiringDays` days from today.
 */
export async function generateLabPki(dir: string, opts: GenerateLabPkiOptions = {}): Promise<LabPki> {
  const host = opts.host ?? 'vigil.lab.test'
  const wrongHost = opts.wrongHost ?? 'other.lab.test'
  const expiringDays = opts.expiringDays ?? 10
  const now = opts.now ?? new Date()
  await mkdir(join(dir, 'ca', 'issued'), { recursive: true })
  await writeFile(join(dir, 'ca', 'index.txt'), '')
  const config = join(dir, 'ca', 'openssl.cnf')
  await writeFile(config, caConfig(dir))

  const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).privateKey
  const keys = {
    root: rsa(2048),
    intermediate: rsa(2048),
    leaf: rsa(2048),
    leafEc: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey,
    leaf1024: rsa(1024),
  }
  const keyFile: Record<keyof typeof keys, string> = {
    root: join(dir, 'root.key'),
    intermediate: join(dir, 'intermediate.key'),
    leaf: join(dir, 'leaf-rsa2048.key'),
    leafEc: join(dir, 'leaf-p256.key'),
    leaf1024: join(dir, 'leaf-rsa1024.key'),
  }
  for (const k of Object.keys(keys) as (keyof typeof keys)[]) await writeFile(keyFile[k], pem(keys[k]), { mode: 0o600 })

  const at = (days: number) => opensslDate(new Date(now.getTime() + days * DAY_MS))

  interface Issue {
    out: string
    subject: string
    key: keyof typeof keys
    /** issuer cert + key; absent = self-signed */
    issuer?: { cert: string; key: keyof typeof keys }
    ext: 'ext_root' | 'ext_intermediate' | 'ext_leaf' | 'ext_self_signed'
    window: Window
    md?: 'sha256' | 'sha1'
    san?: string
  }
  const issue = async (i: Issue): Promise<string> => {
    const csr = `${i.out}.csr`
    await run('openssl', ['req', '-new', '-key', keyFile[i.key], '-subj', i.subject, '-out', csr], { timeout: 20_000 })
    const args = ['ca', '-batch', '-notext', '-config', config, '-in', csr, '-out', i.out,
      '-extensions', i.ext, '-startdate', at(i.window.start), '-enddate', at(i.window.end), '-md', i.md ?? 'sha256']
    if (i.issuer) args.push('-cert', i.issuer.cert, '-keyfile', keyFile[i.issuer.key])
    else args.push('-selfsign', '-keyfile', keyFile[i.key])
    await run('openssl', args, { timeout: 20_000, env: { ...process.env, LAB_SAN: i.san ?? host } })
    return readFile(i.out, 'utf8')
  }

  const caCert = join(dir, 'root.pem')
  const caPem = await issue({ out: caCert, subject: '/O=Vigil Lab/CN=Vigil Lab Root CA', key: 'root', ext: 'ext_root', window: { start: -30, end: 3650 } })
  const intermediateCert = join(dir, 'intermediate.pem')
  const intermediatePem = await issue({
    out: intermediateCert, subject: '/O=Vigil Lab/CN=Vigil Lab Intermediate CA', key: 'intermediate',
    issuer: { cert: caCert, key: 'root' }, ext: 'ext_intermediate', window: { start: -30, end: 1825 },
  })
  // The intermediate-defect CAs reuse the intermediate key under their own names, so path building
  // can never confuse them with the regular intermediate.
  const expiringIntCert = join(dir, 'intermediate-expiring.pem')
  const expiringIntPem = await issue({
    out: expiringIntCert, subject: '/O=Vigil Lab/CN=Vigil Lab Intermediate CA (expiring)', key: 'intermediate',
    issuer: { cert: caCert, key: 'root' }, ext: 'ext_intermediate', window: { start: -355, end: expiringDays },
  })
  const expiredIntCert = join(dir, 'intermediate-expired.pem')
  const expiredIntPem = await issue({
    out: expiredIntCert, subject: '/O=Vigil Lab/CN=Vigil Lab Intermediate CA (expired)', key: 'intermediate',
    issuer: { cert: caCert, key: 'root' }, ext: 'ext_intermediate', window: { start: -400, end: -5 },
  })

  const byInt = { cert: intermediateCert, key: 'intermediate' as const }
  const leaves: Record<LabCertName, Omit<Issue, 'out'> & { intermediates: string[]; trusted: boolean }> = {
    good: { subject: `/CN=${host}`, key: 'leaf', issuer: byInt, ext: 'ext_leaf', window: { start: -1, end: 90 }, intermediates: [intermediatePem], trusted: true },
    'good-ecdsa': { subject: `/CN=${host}`, key: 'leafEc', issuer: byInt, ext: 'ext_leaf', window: { start: -1, end: 90 }, intermediates: [intermediatePem], trusted: true },
    expired: { subject: `/CN=${host}`, key: 'leaf', issuer: byInt, ext: 'ext_leaf', window: { start: -120, end: -30 }, intermediates: [intermediatePem], trusted: false },
    expiring: { subject: `/CN=${host}`, key: 'leaf', issuer: byInt, ext: 'ext_leaf', window: { start: -80, end: expiringDays }, intermediates: [intermediatePem], trusted: true },
    'not-yet-valid': { subject: `/CN=${host}`, key: 'leaf', issuer: byInt, ext: 'ext_leaf', window: { start: 30, end: 120 }, intermediates: [intermediatePem], trusted: false },
    'expiring-intermediate': {
      subject: `/CN=${host}`, key: 'leaf', issuer: { cert: expiringIntCert, key: 'intermediate' }, ext: 'ext_leaf',
      window: { start: -1, end: 90 }, intermediates: [expiringIntPem], trusted: true,
    },
    'expired-intermediate': {
      subject: `/CN=${host}`, key: 'leaf', issuer: { cert: expiredIntCert, key: 'intermediate' }, ext: 'ext_leaf',
      window: { start: -60, end: 90 }, intermediates: [expiredIntPem], trusted: false,
    },
    'self-signed': { subject: `/CN=${host}`, key: 'leaf', ext: 'ext_self_signed', window: { start: -1, end: 365 }, intermediates: [], trusted: false },
    'wrong-host': { subject: `/CN=${wrongHost}`, key: 'leaf', issuer: byInt, ext: 'ext_leaf', window: { start: -1, end: 90 }, san: wrongHost, intermediates: [intermediatePem], trusted: true },
    'rsa-1024': { subject: `/CN=${host}`, key: 'leaf1024', issuer: byInt, ext: 'ext_leaf', window: { start: -1, end: 90 }, intermediates: [intermediatePem], trusted: true },
    sha1: { subject: `/CN=${host}`, key: 'leaf', issuer: byInt, ext: 'ext_leaf', window: { start: -1, end: 90 }, md: 'sha1', intermediates: [intermediatePem], trusted: true },
  }

  const certs = {} as Record<LabCertName, LabCertificate>
  for (const name of LAB_CERT_NAMES) {
    const { intermediates, trusted, ...spec } = leaves[name]
    const cert = join(dir, `${name}.pem`)
    const certPem = await issue({ ...spec, out: cert })
    const chain = join(dir, `${name}.chain.pem`)
    const chainPem = certPem + intermediates.join('')
    await writeFile(chain, chainPem)
    const intermediatesFile = join(dir, `${name}.intermediates.pem`)
    await writeFile(intermediatesFile, intermediates.join(''))
    certs[name] = { name, cert, key: keyFile[spec.key], chain, intermediates: intermediatesFile, certPem, chainPem, expect: { trustedWithLabRoot: trusted, names: [spec.san ?? host] } }
  }

  // RFC 2409 group 2 (1024-bit, the Logjam-era default) and RFC 3526 group 14 (2048-bit).
  const modp2 = getDiffieHellman('modp2')
  const modp14 = getDiffieHellman('modp14')
  const dhParams = { dh1024: join(dir, 'dh1024.pem'), dh2048: join(dir, 'dh2048.pem') }
  await writeFile(dhParams.dh1024, dhParamsPem(modp2.getPrime(), modp2.getGenerator()))
  await writeFile(dhParams.dh2048, dhParamsPem(modp14.getPrime(), modp14.getGenerator()))

  return { dir, host, wrongHost, caCert, caPem, intermediateCert, intermediatePem, certs, dhParams, generatedAt: now }
}
