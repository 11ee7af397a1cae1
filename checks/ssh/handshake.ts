// One SSH handshake with ssh2, restricted to one host-key algorithm: it yields that host key (via
// hostVerifier) and, when asked, the method list the server answers to a `none` authentication
// request. No password or key is ever offered here.
import { createRequire } from 'node:module'
import { Client, type Algorithms } from 'ssh2'
import type { ErrorKind } from '../types.ts'
import type { KexinitObservation } from './observation.ts'
import { SshWireError } from './wire/kexinit.ts'

const require = createRequire(import.meta.url)
// ssh2 validates algorithm names against these lists and throws on any it does not implement
const SSH2: {
  SUPPORTED_KEX: string[]
  SUPPORTED_SERVER_HOST_KEY: string[]
  SUPPORTED_CIPHER: string[]
  SUPPORTED_MAC: string[]
} = require('ssh2/lib/protocol/constants.js')

export const SSH2_HOST_KEY_ALGORITHMS: readonly string[] = SSH2.SUPPORTED_SERVER_HOST_KEY

/**
 * Algorithms for ssh2 that a server with these offered lists will accept: the intersection with
 * what ssh2 implements, server order. A legacy-only server still gets a handshake this way.
 */
export function algorithmsFor(k: KexinitObservation | undefined, hostKeyAlgorithms?: string[]): Algorithms {
  const pick = (offered: string[] | undefined, supported: string[]) => {
    if (!offered) return undefined
    const common = offered.filter((a) => supported.includes(a))
    return common.length ? common : undefined
  }
  const a: Algorithms = {}
  const kex = pick(k?.kex, SSH2.SUPPORTED_KEX)
  if (kex) a.kex = kex as Algorithms['kex']
  const cipher = pick(k && [...new Set([...k.ciphersClientToServer, ...k.ciphersServerToClient])], SSH2.SUPPORTED_CIPHER)
  if (cipher) a.cipher = cipher as Algorithms['cipher']
  const hmac = pick(k && [...new Set([...k.macsClientToServer, ...k.macsServerToClient])], SSH2.SUPPORTED_MAC)
  if (hmac) a.hmac = hmac as Algorithms['hmac']
  if (hostKeyAlgorithms) a.serverHostKey = hostKeyAlgorithms as Algorithms['serverHostKey']
  return a
}

export interface HandshakeResult {
  hostKeyBlob: Buffer
  /** set when a `none` request was made */
  auth?: { methods: string[]; noneAccepted: boolean }
}

/** Maps an ssh2 / socket error to an ErrorKind. */
export function errorKindOf(e: Error & { code?: string; level?: string }): ErrorKind {
  if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EHOSTUNREACH' || e.code === 'ENOTFOUND' || e.code === 'EPIPE') return 'unreachable'
  if (e.code === 'ETIMEDOUT' || /timed out/i.test(e.message)) return 'timeout'
  if (e.level === 'client-authentication') return 'access-denied'
  return 'protocol'
}

export function sshHandshake(opts: {
  host: string
  port: number
  timeoutMs: number
  hostKeyAlgorithm?: string
  kexinit?: KexinitObservation
  /** make a `none` authentication request as this user and record the answer */
  authNoneUser?: string
}): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const client = new Client()
    let blob: Buffer | undefined
    let auth: HandshakeResult['auth']
    let settled = false
    const finish = (err: SshWireError | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      client.removeAllListeners('error')
      client.on('error', () => {})
      client.end()
      client.destroy()
      if (err) reject(err)
      else resolve({ hostKeyBlob: blob!, ...(auth ? { auth } : {}) })
    }
    const done = () => {
      if (!blob) finish(new SshWireError('protocol', 'the handshake ended before the server presented its host key'))
      else if (opts.authNoneUser && !auth) finish(new SshWireError('protocol', 'the server closed the connection before answering the none authentication request'))
      else finish(null)
    }
    const timer = setTimeout(() => finish(new SshWireError('timeout', `SSH handshake with ${opts.host}:${opts.port} took longer than ${opts.timeoutMs} ms`)), opts.timeoutMs)
    client.on('ready', () => {
      // only reachable when the server accepted `none`: it lets anyone in without credentials
      auth = { methods: [], noneAccepted: true }
      done()
    })
    client.on('error', (e: Error & { code?: string; level?: string }) => {
      if (e.level === 'client-authentication' || (blob && !opts.authNoneUser)) return done()
      finish(new SshWireError(errorKindOf(e), `${opts.host}:${opts.port}: ${e.message}`))
    })
    client.on('close', () => done())
    try {
      client.connect({
        host: opts.host,
        port: opts.port,
        username: opts.authNoneUser ?? 'vigil-probe',
        readyTimeout: opts.timeoutMs,
        algorithms: algorithmsFor(opts.kexinit, opts.hostKeyAlgorithm ? [opts.hostKeyAlgorithm] : undefined),
        hostVerifier: (key: Buffer) => {
          blob = Buffer.from(key)
          return true
        },
        authHandler: (methodsLeft: string[] | null, _partial: boolean | null, next: (a: unknown) => void) => {
          if (opts.authNoneUser && methodsLeft === null) return next({ type: 'none', username: opts.authNoneUser })
          if (opts.authNoneUser && methodsLeft) auth = { methods: [...methodsLeft], noneAccepted: false }
          return next(false)
        },
      } as Parameters<Client['connect']>[0])
    } catch (e) {
      finish(new SshWireError('protocol', (e as Error).message))
    }
  })
}
