// TLS peers for the tests and `vigil lab`, all on 127.0.0.1 with an ephemeral port. Each returns
// { port, stop() }; stop() closes every connection and kills every child process it started.
//
// What this machine's OpenSSL 3.0.19 `s_server` can serve (verified with `openssl s_client`):
//   - TLS 1.0 and 1.1: yes, with `-tls1` / `-tls1_1` and a cipher string ending `@SECLEVEL=0`
//     (at the default level 1 the server cannot sign the pre-1.2 handshake and sends
//     internal_error(80)); OpenSSL 3.0's own default client then connects, Node 24's refuses.
//   - DHE with a 1024-bit group: yes, `-dhparam dh1024.pem` plus `@SECLEVEL=0`.
//   - static RSA key exchange only: yes, `-tls1_2 -cipher AES128-SHA` (no SECLEVEL change needed).
//   - TLS 1.3 only: yes, `-tls1_3`.
//   - 3DES (DES-CBC3-SHA) and RC4: NO — "no cipher match" even at SECLEVEL=0: Debian builds 3.0
//     without weak SSL ciphers. SSLv3: NO — `-ssl3` is not even an option (compiled out).
//   Use startScriptedServer + legacySuiteServer (handshake-records.ts) to play those servers.
// node:tls (Node 24, OpenSSL 3.5) serves TLS 1.0/1.1 with `minVersion: 'TLSv1'` and a
// `@SECLEVEL=0` cipher string, and DHE-1024 with `dhparam` + `@SECLEVEL=0` (without it,
// createServer throws "Error setting temp DH parameter"); no 3DES/RC4/SSLv3 either.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import https from 'node:https'
import net, { type AddressInfo, type Socket } from 'node:net'
import type { SecureVersion, TLSSocket } from 'node:tls'
import { freePort } from '../free-port.ts'
import { parseClientHello, readHandshakeMessage, HANDSHAKE_TYPE, type ClientHelloInfo } from './handshake-records.ts'

export const LAB_HOST = '127.0.0.1'

export interface RunningServer {
  /** 127.0.0.1, or another loopback address a test asked for */
  host: string
  port: number
  /** pid of the child process, for servers that are one */
  pid?: number
  stop(): Promise<void>
}

/** Files a server presents: the leaf, its key, and the intermediates sent after it. */
export interface ServedCertificate {
  cert: string
  key: string
  /** PEM file of intermediates to send after the leaf (LabCertificate.intermediates) */
  intermediates?: string
}

// A test that crashes before afterAll must not leave s_server processes behind.
const children = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})

/** Tracks sockets so stop() does not wait for clients that never hang up. */
function trackSockets(server: net.Server): () => void {
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  return () => {
    for (const s of sockets) s.destroy()
  }
}

function listen(server: net.Server, host: string = LAB_HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function closer(server: net.Server, destroySockets: () => void): () => Promise<void> {
  let stopped: Promise<void> | undefined
  return () => {
    stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      destroySockets()
    })
    return stopped
  }
}

export interface NodeTlsServerOptions {
  /** a loopback address other than 127.0.0.1 (tests that need several hosts) */
  bindHost?: string
  certificate: ServedCertificate
  /** a second certificate (e.g. ECDSA beside RSA); node picks per client */
  extraCertificates?: ServedCertificate[]
  minVersion?: SecureVersion
  maxVersion?: SecureVersion
  /** OpenSSL cipher string for TLS ≤1.2 (add `:@SECLEVEL=0` for TLS 1.0/1.1 or weak groups) */
  ciphers?: string
  /** TLS 1.3 suites (colon-separated IANA names) */
  ciphersuites?: string
  ecdhCurve?: string
  /** DH parameter PEM file enabling DHE suites */
  dhparam?: string
  honorCipherOrder?: boolean
  /** HTTP answer to any request (the server always speaks HTTPS) */
  http?: {
    status?: number
    /** Strict-Transport-Security value; omitted or null = header absent */
    hsts?: string | null
    headers?: Record<string, string>
    body?: string
  }
}

export interface NodeTlsServer extends RunningServer {
  /** HTTP requests answered so far, with the Host header and the SNI name they came with */
  requests: { method: string; path: string; host?: string; servername?: string }[]
}

/**
 * An HTTPS server (node:https, so TLS-only probes work too). Protocol options go straight to
 * node:tls; see the header comment for what node's OpenSSL can still serve.
 */
export async function startNodeTlsServer(opts: NodeTlsServerOptions): Promise<NodeTlsServer> {
  const requests: NodeTlsServer['requests'] = []
  const served = [opts.certificate, ...(opts.extraCertificates ?? [])]
  const server = https.createServer(
    {
      cert: served.map((c) => readFileSync(c.cert, 'utf8') + (c.intermediates ? readFileSync(c.intermediates, 'utf8') : '')),
      key: served.map((c) => readFileSync(c.key, 'utf8')),
      ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      ...(opts.ciphers ? { ciphers: opts.ciphers } : {}),
      ...(opts.ciphersuites ? { ciphersuites: opts.ciphersuites } : {}),
      ...(opts.ecdhCurve ? { ecdhCurve: opts.ecdhCurve } : {}),
      ...(opts.dhparam ? { dhparam: readFileSync(opts.dhparam) } : {}),
      ...(opts.honorCipherOrder !== undefined ? { honorCipherOrder: opts.honorCipherOrder } : {}),
      // a probe that connects and says nothing must not hold a socket forever
      handshakeTimeout: 10_000,
    },
    (req, res) => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', host: req.headers.host, servername: (req.socket as TLSSocket).servername || undefined })
      const headers: Record<string, string> = { 'content-type': 'text/plain', connection: 'close', ...(opts.http?.headers ?? {}) }
      if (opts.http?.hsts != null) headers['strict-transport-security'] = opts.http.hsts
      res.writeHead(opts.http?.status ?? 200, headers)
      res.end(opts.http?.body ?? 'vigil lab\n')
    },
  )
  // Handshake failures (a probe offering only refused suites) are the point of the lab; ignore them.
  server.on('tlsClientError', () => {})
  const destroySockets = trackSockets(server)
  const port = await listen(server, opts.bindHost)
  return { host: opts.bindHost ?? LAB_HOST, port, requests, stop: closer(server, destroySockets) }
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export const deadPort = freePort

export interface OpensslServerOptions {
  certificate: ServedCertificate
  /** extra `s_server` arguments, e.g. OPENSSL_SERVER_ARGS.tls10 or ['-tls1_2', '-cipher', 'AES128-SHA'] */
  args?: string[]
  /** answer HTTP GETs with s_server's status page (`-www`); default true */
  www?: boolean
  /** how long to wait for s_server to accept (default 10 s) */
  readyTimeoutMs?: number
  /** `openssl` binary (default from PATH) */
  openssl?: string
}

/** `s_server` argument sets for the legacy servers this machine's OpenSSL can still be. */
export const OPENSSL_SERVER_ARGS = {
  tls10: ['-tls1', '-cipher', 'AES128-SHA:@SECLEVEL=0'],
  tls11: ['-tls1_1', '-cipher', 'AES128-SHA:@SECLEVEL=0'],
  /** TLS 1.2 with only static-RSA key exchange (no forward secrecy) */
  staticRsaOnly: ['-tls1_2', '-cipher', 'AES128-SHA'],
  tls13Only: ['-tls1_3'],
  /** TLS 1.2 DHE with the given DH parameter file (e.g. LabPki.dhParams.dh1024) */
  dhe: (dhparamFile: string) => ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-SHA:@SECLEVEL=0', '-dhparam', dhparamFile],
} as const

interface SpawnResult {
  child: ChildProcess
  output: () => string
}

function spawnOpenssl(bin: string, args: string[], readyTimeoutMs: number): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    children.add(child)
    let out = ''
    // keep a bounded tail: s_server logs every connection and must never block on a full pipe
    const keep = (chunk: Buffer) => {
      out = (out + chunk.toString('utf8')).slice(-8192)
      if (/^ACCEPT$/m.test(out)) done()
    }
    child.stdout!.on('data', keep)
    child.stderr!.on('data', keep)
    let settled = false
    const timer = setTimeout(() => fail(new Error(`openssl s_server did not start within ${readyTimeoutMs} ms: ${out.trim()}`)), readyTimeoutMs)
    const done = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({ child, output: () => out })
    }
    const fail = (err: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill('SIGKILL')
      children.delete(child)
      reject(err)
    }
    child.once('error', fail)
    child.once('exit', (code, signal) => fail(new Error(`openssl s_server exited (${code ?? signal}) before accepting: ${out.trim()}`)))
  })
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child)
    return Promise.resolve()
  }
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 2000)
    child.once('exit', () => {
      clearTimeout(force)
      children.delete(child)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/**
 * Spawns `openssl s_server -accept 127.0.0.1:PORT [-www] -cert … -key … [-cert_chain …] ARGS` and
 * resolves once it prints ACCEPT. The port is found by binding port 0 and releasing it, so another
 * process may take it in between; a bind failure is retried with a fresh port.
 */
export async function startOpensslServer(opts: OpensslServerOptions): Promise<RunningServer & { output(): string }> {
  const { cert, key, intermediates } = opts.certificate
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await deadPort()
    const args = ['s_server', '-accept', `${LAB_HOST}:${port}`, ...(opts.www === false ? [] : ['-www']), '-cert', cert, '-key', key]
    if (intermediates && readFileSync(intermediates, 'utf8').includes('BEGIN CERTIFICATE')) args.push('-cert_chain', intermediates)
    args.push(...(opts.args ?? []))
    try {
      const { child, output } = await spawnOpenssl(opts.openssl ?? 'openssl', args, opts.readyTimeoutMs ?? 10_000)
      let stopped: Promise<void> | undefined
      return { host: LAB_HOST, port, pid: child.pid!, output, stop: () => (stopped ??= killChild(child)) }
    } catch (err) {
      lastError = err
      if (!/in use|bind/i.test(String(err))) throw err
    }
  }
  throw lastError
}

/** What a scripted server sends back for a ClientHello; null closes the connection without a word. */
export type ScriptedReply = (hello: ClientHelloInfo, raw: Buffer) => Buffer | Buffer[] | null | Promise<Buffer | Buffer[] | null>

export interface ScriptedServer extends RunningServer {
  /** the ClientHellos received so far, parsed */
  hellos: ClientHelloInfo[]
}

/**
 * Raw TCP server: reads one ClientHello per connection, writes what `reply` returns, then closes.
 * Plays servers nobody can run any more (3DES-only, RC4, SSLv3 …) for the raw-hello probe.
 */
export async function startScriptedServer(reply: ScriptedReply): Promise<ScriptedServer> {
  const hellos: ClientHelloInfo[] = []
  const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0)
    socket.setTimeout(10_000, () => socket.destroy())
    socket.on('error', () => {})
    const onData = async (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      let msg
      try {
        msg = readHandshakeMessage(buf)
        if (!msg) {
          if (buf.length > 64 * 1024) throw new Error('hello too large')
          return
        }
        if (msg.type !== HANDSHAKE_TYPE.clientHello) throw new Error(`expected ClientHello, got handshake type ${msg.type}`)
      } catch {
        socket.destroy()
        return
      }
      socket.off('data', onData)
      const hello = parseClientHello(msg.recordVersion, msg.body)
      hellos.push(hello)
      try {
        const out = await reply(hello, buf)
        if (out === null) socket.end()
        else socket.end(Array.isArray(out) ? Buffer.concat(out) : out)
      } catch {
        socket.destroy()
      }
    }
    socket.on('data', onData)
  })
  const destroySockets = trackSockets(server)
  const port = await listen(server)
  return { host: LAB_HOST, port, hellos, stop: closer(server, destroySockets) }
}

/** Accepts connections and never sends a byte (a firewall black hole behind an open port). */
export async function startSilentServer(): Promise<RunningServer & { connections(): number }> {
  let count = 0
  const server = net.createServer((socket) => {
    count++
    socket.on('error', () => {})
    socket.resume()
  })
  const destroySockets = trackSockets(server)
  const port = await listen(server)
  return { host: LAB_HOST, port, connections: () => count, stop: closer(server, destroySockets) }
}

export type GarbageMode =
  /** random bytes right away, then close */
  | 'junk'
  /** an endless text banner (SSH/SMTP-style) until the client hangs up or `bytes` is reached */
  | 'huge-banner'
  /** a plain-HTTP 400 answer to whatever arrives (HTTP on a port the inventory calls TLS) */
  | 'plain-http'
  /** TCP reset as soon as the first bytes arrive */
  | 'reset'

export interface GarbageServerOptions {
  mode?: GarbageMode
  /** upper bound of bytes sent per connection for `huge-banner` (default 8 MiB) */
  bytes?: number
}

/** A peer that is not a TLS server: junk, a flood, plain HTTP, or resets. */
export async function startGarbageServer(opts: GarbageServerOptions = {}): Promise<RunningServer> {
  const mode = opts.mode ?? 'junk'
  const limit = opts.bytes ?? 8 * 1024 * 1024
  const server = net.createServer((socket) => {
    socket.on('error', () => {})
    if (mode === 'junk') {
      socket.end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff)))
    } else if (mode === 'huge-banner') {
      const line = Buffer.from(`220-${'vigil lab banner flood '.repeat(40)}\r\n`)
      let sent = 0
      // write while the socket drains, so the flood is bounded by the client's reading speed
      const pump = () => {
        while (sent < limit && !socket.destroyed) {
          sent += line.length
          if (!socket.write(line)) return void socket.once('drain', pump)
        }
        socket.end()
      }
      pump()
    } else if (mode === 'plain-http') {
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'))
    } else {
      socket.once('data', () => socket.resetAndDestroy())
    }
  })
  const destroySockets = trackSockets(server)
  const port = await listen(server)
  return { host: LAB_HOST, port, stop: closer(server, destroySockets) }
}
