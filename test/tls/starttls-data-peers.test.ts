// The STARTTLS peers of the data services (lab/starttls/data-servers.ts) — PostgreSQL, MariaDB and
// slapd from Debian's packages — checked with a client that is not Vigil: `openssl s_client
// -starttls`. Each configuration must do what the probes will be judged against: `good` speaks TLS
// 1.2+ with forward-secret AEAD suites only, `weak` accepts TLS 1.0 with static-RSA CBC, `plain`
// refuses the upgrade.
import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDataPeer, type DataPeerKind } from '../../lab/starttls/data-servers.ts'
import type { PeerConfig, StarttlsPeer } from '../../lab/starttls/peer.ts'
import { makeThrowawayCert, type CertFiles } from './start-openssl-server.ts'

const KINDS: DataPeerKind[] = ['postgres', 'mysql', 'ldap']
const CONFIGS: PeerConfig[] = ['good', 'weak', 'plain']

let certs: CertFiles | undefined
/** the client's own OpenSSL config: no system MinProtocol or security level in the way */
let clientDir: string | undefined
const peers = new Map<string, StarttlsPeer>()

function peerOf(kind: DataPeerKind, config: PeerConfig): StarttlsPeer {
  const p = peers.get(`${kind}/${config}`)
  if (!p) throw new Error(`no ${kind} ${config} peer`)
  return p
}

beforeAll(async () => {
  certs = makeThrowawayCert()
  clientDir = mkdtempSync(join(tmpdir(), 'vigil-starttls-client-'))
  writeFileSync(join(clientDir, 'openssl.cnf'), '# s_client for the STARTTLS peer tests: OpenSSL defaults only\n')
  const cert = { certFile: certs.cert, keyFile: certs.key }
  const started = await Promise.allSettled(
    KINDS.flatMap((kind) =>
      CONFIGS.map(async (config) => {
        const p = await startDataPeer(kind, { config, cert })
        peers.set(`${kind}/${config}`, p)
      }),
    ),
  )
  const failures = started.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message ?? r.reason)] : []))
  if (failures.length) throw new Error(`${failures.length} peer(s) did not start:\n\n${failures.join('\n\n')}`)
}, 120_000)

afterAll(async () => {
  await Promise.all([...peers.values()].map((p) => p.stop()))
  certs?.cleanup()
  if (clientDir) rmSync(clientDir, { recursive: true, force: true })
})

interface ClientResult {
  /** exit code of s_client (null when it was killed by the timeout) */
  code: number | null
  output: string
  /** "TLSv1.2", from the session block; undefined when no session was set up */
  protocol: string | undefined
  /** the negotiated suite, OpenSSL's name; undefined when none */
  cipher: string | undefined
}

/** `openssl s_client -starttls <kind>` with stdin closed (it quits after the handshake) and a timeout */
function sClient(kind: DataPeerKind, port: number, args: string[]): Promise<ClientResult> {
  return new Promise((res, rej) => {
    const child = spawn('openssl', ['s_client', '-starttls', kind, '-connect', `127.0.0.1:${port}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OPENSSL_CONF: join(clientDir!, 'openssl.cnf') },
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.once('error', rej)
    child.once('close', (code) => {
      clearTimeout(timer)
      const cipher = /Cipher is (\S+)/.exec(output)?.[1]
      // the session block's "Protocol :" line; with TLS 1.3 s_client may quit (stdin closed) before the
      // session ticket that prints it, and then "New, TLSv1.3, Cipher is …" names the protocol (for
      // older versions that line names the suite's version, e.g. SSLv3 for AES128-SHA on TLS 1.0)
      const newLine = /^New, (TLSv1\.3), Cipher is/m.exec(output)?.[1]
      const protocol = /^\s*Protocol\s*:\s*(\S+)/m.exec(output)?.[1] ?? newLine
      res({ code, output, protocol, cipher: cipher === '(NONE)' ? undefined : cipher })
    })
  })
}

/** how s_client reports that the server declined the upgrade itself */
const UPGRADE_DECLINED: Record<DataPeerKind, RegExp> = {
  // the one-byte answer 'N' to the 8-byte SSLRequest, and no ClientHello after it
  postgres: /SSL handshake has read 1 bytes and written 8 bytes/,
  // the handshake packet lacks CLIENT_SSL
  mysql: /MySQL server does not support SSL/,
  // the StartTLS extended operation answered protocolError (2) or unavailable (52)
  ldap: /STARTTLS failed, LDAP Result Code: (2|52)\b/,
}

const SOFTWARE: Record<DataPeerKind, RegExp> = {
  postgres: /^PostgreSQL \d+\.\d+/,
  mysql: /^MariaDB \d+\.\d+\.\d+$/,
  ldap: /^OpenLDAP slapd \d+\.\d+\.\d+/,
}

describe.each(KINDS)('%s STARTTLS peer', (kind) => {
  it('records the server software and listens on 127.0.0.1', () => {
    for (const config of CONFIGS) {
      const p = peerOf(kind, config)
      expect(p).toMatchObject({ kind, config, host: '127.0.0.1' })
      expect(p.port).toBeGreaterThan(0)
      expect(p.software).toMatch(SOFTWARE[kind])
    }
  })

  it('good: a TLS 1.2 handshake after the upgrade settles on an ECDHE AEAD suite', async () => {
    const r = await sClient(kind, peerOf(kind, 'good').port, ['-tls1_2'])
    expect(r.code, r.output).toBe(0)
    expect(r.protocol).toBe('TLSv1.2')
    expect(r.cipher).toMatch(/^ECDHE-(RSA|ECDSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/)
  })

  it('good: negotiates TLS 1.3 when the client offers it', async () => {
    const r = await sClient(kind, peerOf(kind, 'good').port, [])
    expect(r.code, r.output).toBe(0)
    expect(r.protocol).toBe('TLSv1.3')
    expect(r.cipher).toMatch(/^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/)
  })

  it.each(['-tls1', '-tls1_1'])('good: refuses %s even when the client allows every suite', async (version) => {
    const r = await sClient(kind, peerOf(kind, 'good').port, [version, '-cipher', 'ALL@SECLEVEL=0'])
    expect(r.code, r.output).not.toBe(0)
    expect(r.cipher).toBeUndefined()
    // the upgrade itself went through: it is the TLS handshake that failed
    expect(r.output).not.toMatch(UPGRADE_DECLINED[kind])
  })

  it('good: refuses static-RSA CBC (AES128-SHA) on TLS 1.2', async () => {
    const r = await sClient(kind, peerOf(kind, 'good').port, ['-tls1_2', '-cipher', 'AES128-SHA@SECLEVEL=0'])
    expect(r.code, r.output).not.toBe(0)
    expect(r.cipher).toBeUndefined()
    expect(r.output).not.toMatch(UPGRADE_DECLINED[kind])
  })

  it.each([
    ['-tls1', 'TLSv1'],
    ['-tls1_1', 'TLSv1.1'],
    ['-tls1_2', 'TLSv1.2'],
  ])('weak: completes %s with AES128-SHA (RSA key exchange, CBC)', async (version, protocol) => {
    const r = await sClient(kind, peerOf(kind, 'weak').port, [version, '-cipher', 'AES128-SHA@SECLEVEL=0'])
    expect(r.code, r.output).toBe(0)
    expect(r.protocol).toBe(protocol)
    expect(r.cipher).toBe('AES128-SHA')
  })

  it('weak: still completes TLS 1.2 with a forward-secret suite', async () => {
    const r = await sClient(kind, peerOf(kind, 'weak').port, ['-tls1_2'])
    expect(r.code, r.output).toBe(0)
    expect(r.protocol).toBe('TLSv1.2')
    expect(r.cipher).toMatch(/^ECDHE-/)
  })

  it('plain: the STARTTLS step fails, no TLS session', async () => {
    const r = await sClient(kind, peerOf(kind, 'plain').port, [])
    expect(r.code, r.output).not.toBe(0)
    expect(r.output).toMatch(/CONNECTED\(/)
    expect(r.output).toMatch(UPGRADE_DECLINED[kind])
    expect(r.cipher).toBeUndefined()
  })
})

describe('stop()', () => {
  it('frees the port, removes the folder and can be called twice', async () => {
    const cert = { certFile: certs!.cert, keyFile: certs!.key }
    const parentDir = mkdtempSync(join(tmpdir(), 'vigil-starttls-stop-'))
    // postgres runs as the postgres user (when we are root) and must reach its folder
    chmodSync(parentDir, 0o755)
    const settled = await Promise.allSettled(KINDS.map((kind) => startDataPeer(kind, { config: 'good', cert, parentDir })))
    const started = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    try {
      for (const r of settled) if (r.status === 'rejected') throw r.reason
      expect(readdirSync(parentDir)).toHaveLength(KINDS.length)
      for (const p of started) {
        await Promise.all([p.stop(), p.stop()])
        await p.stop()
        const r = await sClient(p.kind as DataPeerKind, p.port, ['-tls1_2'])
        expect(r.output).toMatch(/Connection refused|connect:errno=111/)
      }
      expect(readdirSync(parentDir)).toEqual([])
    } finally {
      await Promise.all(started.map((p) => p.stop()))
      rmSync(parentDir, { recursive: true, force: true })
    }
  })
})
