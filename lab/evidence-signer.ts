// An evidence-signing PKI for the lab and the tests: a CA the auditor would trust, and a signer
// certificate for Vigil (RSA, extended key usage emailProtection, as `openssl cms -verify` wants by
// default) whose key is encrypted with a passphrase. Made with the openssl command line, like the
// lab's TLS PKI.
import { execFile } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface EvidenceSigner {
  /** the CA certificate an auditor is given (`vigil verify --ca`, `openssl cms -verify -CAfile`) */
  caCert: string
  /** signer certificate followed by nothing else (the CA signs it directly) */
  signerCert: string
  /** the signer's private key, PKCS#8 encrypted with `passphrase` */
  signerKey: string
  passphrase: string
  /** a second CA that did not issue the signer, to prove a wrong anchor is refused */
  otherCaCert: string
}

async function selfSignedCa(dir: string, name: string, cn: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`)
  const cert = join(dir, `${name}.pem`)
  await writeFile(key, generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 })
  await run('openssl', ['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '3650', '-subj', `/O=Vigil Lab/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { timeout: 20_000 })
  return { cert, key }
}

/** Writes the signing PKI into `dir`; about a second (three RSA-3072 keys, four openssl runs). */
export async function createEvidenceSigner(dir: string, opts: { eku?: string } = {}): Promise<EvidenceSigner> {
  await mkdir(dir, { recursive: true })
  const ca = await selfSignedCa(dir, 'evidence-ca', 'Vigil Lab Evidence CA')
  const other = await selfSignedCa(dir, 'other-ca', 'Some Other CA')
  const passphrase = `lab-${randomBytes(12).toString('hex')}`
  const signerKey = join(dir, 'evidence-signer.key')
  const key = generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey
  await writeFile(signerKey, key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string, { mode: 0o600 })
  const csr = join(dir, 'evidence-signer.csr')
  const env = { ...process.env, VIGIL_LAB_SIGNER_PASS: passphrase }
  await run('openssl', ['req', '-new', '-key', signerKey, '-passin', 'env:VIGIL_LAB_SIGNER_PASS', '-out', csr, '-subj', '/O=Vigil Lab/CN=Vigil evidence signer'], { timeout: 20_000, env })
  const ext = join(dir, 'evidence-signer.ext')
  await writeFile(ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=${opts.eku ?? 'emailProtection'}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`)
  const signerCert = join(dir, 'evidence-signer.pem')
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '825', '-sha256', '-extfile', ext, '-out', signerCert], { timeout: 20_000 })
  return { caCert: ca.cert, signerCert, signerKey, passphrase, otherCaCert: other.cert }
}
