// The `http.hsts` part of a TLS observation: one HTTPS GET of `/`, recording the raw
// Strict-Transport-Security header and whether a browser would have trusted the certificate
// (browsers ignore HSTS on a connection with certificate errors, RFC 6797 §8.1).
import https from 'node:https'
import dns from 'node:dns'
import { isIP, type LookupFunction, type Socket } from 'node:net'
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls'
import got, { RequestError, TimeoutError } from 'got'
import type { TlsTarget } from './target.ts'
import type { ErrorKind, ObserveContext } from '../types.ts'
import type { HstsObservation } from './observation.ts'
import { ProbeError, networkErrorKind, systemRootPems, tidyNetworkMessage } from './certificate.ts'

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
    c = createSecureContext({ ca: [...systemRootPems(), ...extraCaPems], minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' })
    contexts.set(key, c)
  }
  return c
}

/** Statuses worth one more try: the server said "not now", not "no". */
const RETRY_STATUSES = new Set([429, 502, 503, 504])
const MAX_ATTEMPTS = 2

/**
 * Resolves every name to the inventory's `address`, so the URL (and with it SNI and the Host
 * header) keeps the real hostname while the connection goes where the inventory says.
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

function errorKind(err: unknown): ErrorKind {
  if (err instanceof TimeoutError) return 'timeout'
  if (err instanceof RequestError) {
    const cause = err.cause as NodeJS.ErrnoException | undefined
    return networkErrorKind({ ...(cause ?? {}), code: err.code ?? cause?.code } as NodeJS.ErrnoException)
  }
  return 'protocol'
}

interface Attempt {
  status: number
  header: string | null
  trusted: boolean | undefined
}

function attempt(url: string, target: TlsTarget, ctx: ObserveContext, agent: https.Agent): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    let trusted: boolean | undefined
    let settled = false
    const t = ctx.timeoutMs
    // A stream, not a buffered request: only the headers matter, and a hostile server could send
    // an endless body that a buffered request would read until the overall timeout.
    const stream = got.stream(url, {
      method: 'GET',
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      timeout: { lookup: t, connect: t, secureConnect: t, socket: t, send: t, response: t, request: t * 2 },
      dnsLookup: target.address ? pinnedLookup(target.address) : undefined,
      agent: { https: agent },
      // Trust is recorded, not enforced: HSTS is read either way and the verdict says which.
      // the trust store, protocol floor and ciphers live in the agent's shared secure context
      https: { rejectUnauthorized: false },
      headers: { 'user-agent': 'vigil-compliance-probe', accept: '*/*' },
    })
    stream.on('request', (req) => {
      req.once('socket', (socket: Socket) => {
        // The agent never reuses sockets, so every socket is fresh and its handshake is still to come.
        // `authorized` covers chain and hostname: node runs checkServerIdentity before setting it.
        const s = socket as TLSSocket
        s.once('secureConnect', () => { trusted = s.authorized })
      })
    })
    stream.once('response', (res: { statusCode: number; headers: Record<string, string | string[] | undefined> }) => {
      settled = true
      const raw = res.headers['strict-transport-security']
      stream.destroy()
      resolve({ status: res.statusCode, header: raw === undefined ? null : Array.isArray(raw) ? raw.join(', ') : raw, trusted })
    })
    stream.once('error', (err: unknown) => {
      if (settled) return
      settled = true
      const kind = errorKind(err)
      const message = tidyNetworkMessage(err instanceof Error ? err.message : String(err))
      reject(new ProbeError(kind, `GET ${url} (via ${target.address ?? target.host}) failed: ${message}`, { cause: err }))
    })
    // got.stream wants the body consumed; the response handler destroys the stream first.
    stream.resume()
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
    const agent = new https.Agent({ keepAlive: false, maxSockets: 1, secureContext: secureContextFor(ctx.extraCaPems) })
    try {
      let last: Attempt | undefined
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        last = await attempt(url, target, ctx, agent)
        if (!RETRY_STATUSES.has(last.status) || i === MAX_ATTEMPTS - 1) break
        await new Promise((r) => setTimeout(r, Math.min(500, ctx.timeoutMs / 4)))
      }
      const { status, header, trusted } = last!
      return { url, status, header, ...(trusted === undefined ? {} : { certificateTrusted: trusted }) }
    } finally {
      agent.destroy()
    }
  })
}
