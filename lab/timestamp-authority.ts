// A real RFC 3161 timestamp authority for the lab and the tests: OpenSSL's `openssl ts -reply` behind
// a small HTTP server on 127.0.0.1, with its own root and a time-stamping certificate (critical
// extended key usage timeStamping). `fakeTime` runs the authority under libfaketime, so it answers
// with the same moved clock as a run played on another night.
import { execFile } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TimestampAuthorityLab {
  url: string
  /** the authority's root, what `--tsa-ca` pins */
  caCert: string
  /** a second root that did not issue the authority's certificate */
  otherCaCert: string
  /** requests answered */
  answered(): number
  /** change the clock the authority answers with (libfaketime offset like `+3d`, or absolute `@2026-12-10 02:00:00`) */
  setFakeTime(spec: string | undefined): void
  stop(): Promise<void>
}

async function rootCa(dir: string, name: string, cn: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`)
  const cert = join(dir, `${name}.pem`)
  await writeFile(key, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 })
  // valid from a year ago: nights played forward or backward stay inside its validity
  await run('openssl', ['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '3650', '-subj', `/O=Vigil Lab/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { timeout: 20_000 })
  return { cert, key }
}

export async function startTimestampAuthority(dir: string, opts: { fakeTime?: string } = {}): Promise<TimestampAuthorityLab> {
  await mkdir(dir, { recursive: true })
  const ca = await rootCa(dir, 'tsa-root', 'Vigil Lab Timestamp Root')
  const other = await rootCa(dir, 'other-tsa-root', 'Some Other Timestamp Root')
  const tsaKey = join(dir, 'tsa.key')
  await writeFile(tsaKey, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 })
  const csr = join(dir, 'tsa.csr')
  await run('openssl', ['req', '-new', '-key', tsaKey, '-out', csr, '-subj', '/O=Vigil Lab/CN=Vigil Lab Timestamp Authority'], { timeout: 20_000 })
  const ext = join(dir, 'tsa.ext')
  await writeFile(ext, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n')
  const tsaCert = join(dir, 'tsa.pem')
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '825', '-sha256', '-extfile', ext, '-out', tsaCert], { timeout: 20_000 })
  await writeFile(join(dir, 'serial'), '01\n')
  const cnf = join(dir, 'tsa.cnf')
  await writeFile(
    cnf,
    `[ tsa ]\ndefault_tsa = lab\n[ lab ]\ndir = ${dir}\nserial = $dir/serial\ncrypto_device = builtin\nsigner_cert = ${tsaCert}\nsigner_key = ${tsaKey}\nsigner_digest = sha256\ndefault_policy = 1.3.6.1.4.1.57264.1.1\ndigests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n`,
  )
  let fakeTime = opts.fakeTime
  let answered = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const id = randomBytes(6).toString('hex')
        const q = join(dir, `${id}.tsq`)
        const r = join(dir, `${id}.tsr`)
        try {
          await writeFile(q, Buffer.concat(chunks))
          const cmd = ['openssl', 'ts', '-reply', '-config', cnf, '-queryfile', q, '-out', r]
          await (fakeTime ? run('faketime', ['-f', fakeTime, ...cmd], { timeout: 20_000 }) : run(cmd[0]!, cmd.slice(1), { timeout: 20_000 }))
          const body = await readFile(r)
          answered++
          res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': body.length })
          res.end(body)
        } catch (e) {
          res.writeHead(500)
          res.end((e as Error).message)
        } finally {
          await rm(q, { force: true })
          await rm(r, { force: true })
        }
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caCert: ca.cert,
    otherCaCert: other.cert,
    answered: () => answered,
    setFakeTime: (spec) => void (fakeTime = spec),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
