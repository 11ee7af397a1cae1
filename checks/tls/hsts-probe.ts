// The `http.hsts` part of a TLS observation: one HTTPS GET of `/` (a node:tls connection, its response
// head read by wire/http-head.ts), recording the raw Strict-Transport-Security header and whether a
// browser would have trusted the certificate (browsers ignore HSTS on a connection with certificate
// errors, RFC 6797 §8.1).
import { X509Certificate } from 'node:crypto'
import dns from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import tls, { type SecureContext, type TLSSocket } from 'node:tls'
import type { TlsTarget } from './target.ts'
import type { ErrorKind, ObserveContext } from '../types.ts'
import type { HstsObservation } from './observation.ts'
import { HttpHeadReader, fieldValue, type HeadState } from './wire/http-head.ts'
import { DerError, derElements, readDerElement } from '../../core/der.ts'
import { ProbeError, ecdhCurveOption, networkErrorKind, systemRootPems, tidyNetworkMessage } from './certificate.ts'

/**
 * One TLS context per set of extra CAs, shared by every HSTS request of a run: building it parses
 * the ~145 system roots, which per request was half of a 200-endpoint run's CPU (bench/tls.ts).
 * Weak or legacy TLS is other checks' business: this one must still read the header from a TLS 1.0
 * or DHE-1024 server, so the context accepts anything OpenSSL can still negotiate.
 */
const contexts = new Map<string, SecureContext>()
function secureContextFor(extraCaPems: string[]): SecureContext {
  const key = extraCaPems.join('\n')
  let c = contexts.get(key)
  if (!c) {
    c = tls.createSecureContext({ ca: [...systemRootPems(), ...extraCaPems], minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0', ...ecdhCurveOption() })
    contexts.set(key, c)
  }
  return c
}

/** Where node puts decrypted bytes for the head reader, shared: each chunk is consumed before the next. */
const READ_BUFFER = Buffer.allocUnsafe(16 * 1024)

/** Statuses worth one more try: the server said "not now", not "no". */
const RETRY_STATUSES = new Set([429, 502, 503, 504])
const MAX_ATTEMPTS = 2

/**
 * Resolves every name to the inventory's `address`, so the URL (and with it SNI, the Host header
 * and the name the certificate is checked against) keeps the real hostname while the connection
 * goes where the inventory says.
 */
export function pinnedLookup(address: string): LookupFunction {
  return (hostname, options, callback) => {
    const family = isIP(address)
    if (!family) {
      dns.lookup(address, options, callback)
      return
    }
    if (options.all) callback(null, [{ address, family }])
    else callback(null, address, family)
  }
}

/** What node's `getSession()` puts before OpenSSL's session bytes (node 24: the name it was made for). */
const NODE_SESSION_PREFIX = Buffer.from('\0nodejs:tls:session:1\0', 'latin1')

/**
 * The leaf certificate (DER) of a client's TLS session: `getSession()` is OpenSSL's SSL_SESSION
 * (a SEQUENCE whose `[3]` element is the peer certificate, the leaf; OpenSSL's ssl_asn1.c), which
 * node 24 prefixes with its own tag, a 16-bit length and the server name. Undefined when the bytes
 * are not that shape: the caller then asks node for the certificate.
 */
export function sessionLeaf(session: Buffer | undefined): Buffer | undefined {
  if (!session) return undefined
  let der = session
  if (session.subarray(0, NODE_SESSION_PREFIX.length).equals(NODE_SESSION_PREFIX)) {
    const at = NODE_SESSION_PREFIX.length
    if (session.length < at + 2) return undefined
    der = session.subarray(at + 2 + session.readUInt16BE(at))
  }
  try {
    const seq = readDerElement(der)
    if (seq.tag !== 0x30) return undefined
    const peer = derElements(seq.value).find((e) => e.tag === 0xa3)
    if (!peer) return undefined
    const cert = readDerElement(peer.value)
    return cert.tag === 0x30 && cert.size === peer.value.length ? peer.value : undefined
  } catch (e) {
    if (e instanceof DerError) return undefined
    throw e
  }
}

/**
 * Whether OpenSSL (X509_check_host, X509_check_ip, through node's X509Certificate) finds `leaf`
 * (DER) valid for `hostname`: DNS subjectAltNames with a wildcard in the leftmost label only, the CN
 * only when there is no DNS name, an IP address against IP SANs only. Never more lenient than node's
 * checkServerIdentity, stricter on a wildcard inside a label (`a*b.example.test`, which node
 * accepts): test/tls/hsts-probe.test.ts holds both to that over a table of certificates and names.
 */
export function leafMatchesName(leaf: Buffer, hostname: string): boolean {
  const name = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '')
  const cert = new X509Certificate(leaf)
  return (isIP(name) ? cert.checkIP(name) : cert.checkHost(name)) !== undefined
}

/**
 * The name check of the HSTS handshake, node's checkServerIdentity on the leaf alone. When the
 * leaf read from the session's bytes (~8 µs) matches by OpenSSL's stricter rule, that is the answer
 * (~30 µs in all); otherwise node decides on `getPeerCertificate(false)`, which copies every field
 * into JS, three fingerprints and the public key included (~60 µs in a loop, ~130 µs per fleet
 * handshake: a fifth of the probe's CPU when it ran on every handshake). Not
 * `getPeerX509Certificate()`: in Node 24.21 it keeps ~7.5 KB of native memory per call that no
 * collection frees (32 MB after 4,000 handshakes, bench/tls.ts). Calls TLSSocket's own
 * getPeerCertificate past the stand-in `attempt` puts on the socket (deleting that would turn the
 * socket into a slow dictionary-mode object for the rest of its life).
 */
function nameMismatch(socket: TLSSocket, hostname: string): Error | undefined {
  const leaf = sessionLeaf(socket.getSession())
  try {
    if (leaf && leafMatchesName(leaf, hostname)) return undefined
  } catch {
    // not a certificate OpenSSL reads: node's own check below says why its way
  }
  const cert = tls.TLSSocket.prototype.getPeerCertificate.call(socket, false)
  if (!cert?.raw) return new Error('the server sent no certificate')
  return tls.checkServerIdentity(hostname.replace(/^\[|\]$/g, ''), cert)
}

interface Attempt {
  status: number
  header: string | null
  trusted: boolean | undefined
}

/**
 * The request: one GET of `/` with a plain client's headers, so the server answers as it would to
 * one, and `Connection: close`. The body is never read, whatever encoding it comes in.
 */
function requestBytes(target: TlsTarget): Buffer {
  const host = isIP(target.host) === 6 ? `[${target.host}]` : target.host
  return Buffer.from(
    'GET / HTTP/1.1\r\n' +
      `Host: ${target.port === 443 ? host : `${host}:${target.port}`}\r\n` +
      'User-Agent: vigil-compliance-probe\r\n' +
      'Accept: */*\r\n' +
      'Accept-Encoding: gzip, deflate, br, zstd\r\n' +
      'Connection: close\r\n\r\n',
    'latin1',
  )
}

/**
 * One GET over a fresh TLS connection of our own: the request written once the handshake is done,
 * nothing read past the response head (HttpHeadReader, at most 16 KiB). Each phase (connect,
 * handshake, response head) gets `timeoutMs`, the whole request twice that; one timer, re-armed at
 * each phase, enforces both.
 */
function attempt(url: string, target: TlsTarget, ctx: ObserveContext): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const t = ctx.timeoutMs
    const overallAt = performance.now() + 2 * t
    const reader = new HttpHeadReader()
    let trusted: boolean | undefined
    /** the handshake is done and the request written */
    let requested = false
    let settled = false
    let timer: NodeJS.Timeout | undefined
    let socket: TLSSocket | undefined
    const settle = (err: Error | undefined, value?: Attempt) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket?.destroy()
      if (err) reject(err)
      else resolve(value!)
    }
    const fail = (kind: ErrorKind, message: string, cause?: unknown) =>
      settle(new ProbeError(kind, `GET ${url} (via ${target.address ?? target.host}) failed: ${message}`, { cause }))
    const awaiting = (phase: string) => {
      clearTimeout(timer)
      const phaseMs = Math.min(t, overallAt - performance.now())
      const [what, ms] = phaseMs < t ? ['request', 2 * t] : [phase, t]
      timer = setTimeout(() => fail('timeout', `Timeout awaiting '${what}' for ${ms}ms`), Math.max(0, phaseMs))
    }
    const answered = (st: HeadState) => {
      if (st.state === 'done') settle(undefined, { status: st.head.status, header: fieldValue(st.head, 'strict-transport-security'), trusted })
      else if (st.state === 'error') fail('protocol', st.message)
    }
    // a close before the request was written is the handshake's failure, as node's own client says it
    const ended = () =>
      requested ? answered(reader.end()) : fail('unreachable', 'Client network socket disconnected before secure TLS connection was established')
    try {
      socket = tls.connect({
        host: target.host,
        port: target.port,
        ...(target.address ? { lookup: pinnedLookup(target.address) } : {}),
        // SNI must be a DNS name (RFC 6066); an IP host is still what the certificate is checked against
        ...(isIP(target.host) ? {} : { servername: target.host }),
        // the trust store, protocol floor and ciphers live in the shared secure context
        secureContext: secureContextFor(ctx.extraCaPems),
        // Trust is recorded, not enforced: HSTS is read either way and the verdict says which.
        rejectUnauthorized: false,
        checkServerIdentity: (hostname) => nameMismatch(socket!, hostname),
        // decrypted bytes straight to the reader (which copies what it keeps), not through a
        // stream: tls.connect's documented `onread`, missing from @types/node's ConnectionOptions
        ...({ onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => (answered(reader.push(Buffer.from(buf.buffer, buf.byteOffset, n))), true) } } as object),
      })
    } catch (e) {
      fail(networkErrorKind(e as NodeJS.ErrnoException), tidyNetworkMessage((e as Error).message), e)
      return
    }
    const s = socket
    awaiting('connect')
    // Once OpenSSL has verified the chain, node copies the whole verified chain into JS objects
    // (getPeerCertificate(true): every field, three fingerprints per certificate; ~0.3 ms of CPU,
    // a fifth of the handshake) only to hand it to checkServerIdentity. The name is checked on the
    // leaf alone instead (nameMismatch), so that one call gets an empty stand-in.
    s.getPeerCertificate = (() => ({})) as TLSSocket['getPeerCertificate']
    s.once('connect', () => awaiting('secureConnect'))
    // `authorized` covers chain and hostname: node runs checkServerIdentity before setting it
    s.once('secureConnect', () => {
      trusted = s.authorized
      awaiting('response')
      requested = true
      s.write(requestBytes(target))
    })
    s.once('end', ended)
    s.once('close', ended)
    s.on('error', (err: NodeJS.ErrnoException) => fail(networkErrorKind(err), tidyNetworkMessage(err.message), err))
  })
}

/**
 * Fetches `https://<host>:<port>/` once (plus one retry on 429/502/503/504) without following
 * redirects, and returns the raw Strict-Transport-Security header (null when absent). Network and
 * TLS failures throw a ProbeError with kind `timeout` | `unreachable` | `protocol`.
 */
export function probeHsts(target: TlsTarget, ctx: ObserveContext): Promise<HstsObservation> {
  const url = `https://${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${target.port}/`
  return ctx.limit(target.address ?? target.host, async () => {
    let last: Attempt | undefined
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      last = await attempt(url, target, ctx)
      if (!RETRY_STATUSES.has(last.status) || i === MAX_ATTEMPTS - 1) break
      await new Promise((r) => setTimeout(r, Math.min(500, ctx.timeoutMs / 4)))
    }
    const { status, header, trusted } = last!
    return { url, status, header, ...(trusted === undefined ? {} : { certificateTrusted: trusted }) }
  })
}
