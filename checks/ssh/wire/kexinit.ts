// Reads an SSH server's KEXINIT on a plain TCP socket: identification exchange, then the first
// binary packet, which RFC 4253 §7.1 requires to be the server's SSH_MSG_KEXINIT. ssh2 exposes only
// the negotiated algorithms, so the offered lists need this grabber. One connection, no login, no
// key exchange: the socket closes as soon as the packet is in.
import { connect } from 'node:net'
import type { ErrorKind } from '../../types.ts'
import type { KexinitObservation } from '../observation.ts'

/** Our identification line; says what we are so server logs make sense. */
export const PROBE_IDENT = 'SSH-2.0-Vigil_Probe_1.0'

// RFC 4253 §4.2: lines before the identification are allowed, each at most 255 bytes; servers
// that send megabytes of them are hostile or broken, and we stop reading well before.
const MAX_LINE = 1024
const MAX_PRE_BANNER_BYTES = 16 * 1024
const MAX_PRE_BANNER_LINES = 32
// RFC 4253 §6.1: implementations must accept packets of 35000 bytes; a KEXINIT is ~1–3 KB.
const MAX_PACKET = 35_000

export class SshWireError extends Error {
  kind: ErrorKind
  constructor(kind: ErrorKind, message: string) {
    super(message)
    this.kind = kind
  }
}

export interface KexinitLists {
  kex: string[]
  hostKeyAlgorithms: string[]
  ciphersClientToServer: string[]
  ciphersServerToClient: string[]
  macsClientToServer: string[]
  macsServerToClient: string[]
  compressionClientToServer: string[]
  compressionServerToClient: string[]
  languagesClientToServer: string[]
  languagesServerToClient: string[]
  firstKexPacketFollows: boolean
}

/** Parses an SSH_MSG_KEXINIT payload (message id, cookie, ten name-lists, flag, reserved). Pure. */
export function parseKexinitPayload(payload: Buffer): KexinitLists {
  if (payload[0] !== 20) throw new SshWireError('protocol', `first packet is message ${payload[0]}, not KEXINIT (20)`)
  if (payload.length < 17 + 10 * 4 + 5) throw new SshWireError('protocol', `KEXINIT payload too short (${payload.length} bytes)`)
  let off = 17 // message id + 16-byte cookie
  const list = (): string[] => {
    if (off + 4 > payload.length) throw new SshWireError('protocol', 'KEXINIT name-list runs past the packet')
    const n = payload.readUInt32BE(off)
    if (off + 4 + n > payload.length) throw new SshWireError('protocol', 'KEXINIT name-list length runs past the packet')
    const s = payload.toString('latin1', off + 4, off + 4 + n)
    off += 4 + n
    if (/[^\x21-\x7e]/.test(s)) throw new SshWireError('protocol', 'KEXINIT name-list holds non-printable characters')
    return s ? s.split(',') : []
  }
  const lists = Array.from({ length: 10 }, list)
  const firstKexPacketFollows = off < payload.length ? payload[off] !== 0 : false
  return {
    kex: lists[0]!,
    hostKeyAlgorithms: lists[1]!,
    ciphersClientToServer: lists[2]!,
    ciphersServerToClient: lists[3]!,
    macsClientToServer: lists[4]!,
    macsServerToClient: lists[5]!,
    compressionClientToServer: lists[6]!,
    compressionServerToClient: lists[7]!,
    languagesClientToServer: lists[8]!,
    languagesServerToClient: lists[9]!,
    firstKexPacketFollows,
  }
}

/** Builds the observation from a recorded identification line and KEXINIT payload. Pure. */
export function kexinitObservation(banner: string, preBannerLines: string[], payload: Buffer, durationMs: number): KexinitObservation {
  const l = parseKexinitPayload(payload)
  return {
    banner,
    preBannerLines,
    kex: l.kex,
    hostKeyAlgorithms: l.hostKeyAlgorithms,
    ciphersClientToServer: l.ciphersClientToServer,
    ciphersServerToClient: l.ciphersServerToClient,
    macsClientToServer: l.macsClientToServer,
    macsServerToClient: l.macsServerToClient,
    compressionClientToServer: l.compressionClientToServer,
    compressionServerToClient: l.compressionServerToClient,
    strictKex: l.kex.includes('kex-strict-s-v00@openssh.com'),
    payloadHex: payload.toString('hex'),
    durationMs,
  }
}

/**
 * Connects, exchanges identification lines and returns the server's KEXINIT. Every failure is an
 * SshWireError with an ErrorKind: refused/reset/closed early → `unreachable`, silence → `timeout`,
 * anything that is not SSH 2.0 or is oversized → `protocol`. `timeoutMs` bounds the whole exchange.
 */
export function grabKexinit(host: string, port: number, timeoutMs: number): Promise<KexinitObservation> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port })
    let buf: Buffer = Buffer.alloc(0)
    let banner: string | undefined
    const pre: string[] = []
    let preBytes = 0
    let settled = false
    const finish = (err: SshWireError | null, value?: KexinitObservation) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      sock.destroy()
      if (err) reject(err)
      else resolve(value!)
    }
    const timer = setTimeout(
      () => finish(new SshWireError('timeout', banner === undefined ? `no SSH banner from ${host}:${port} within ${timeoutMs} ms` : `no KEXINIT from ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    )
    sock.on('connect', () => sock.write(`${PROBE_IDENT}\r\n`))
    sock.on('error', (e: NodeJS.ErrnoException) => {
      const kind: ErrorKind = e.code === 'ETIMEDOUT' ? 'timeout' : 'unreachable'
      finish(new SshWireError(kind, `${host}:${port}: ${e.code ?? ''} ${e.message}`.trim()))
    })
    sock.on('close', () =>
      finish(new SshWireError('unreachable', banner === undefined ? `${host}:${port} closed the connection before sending an SSH banner` : `${host}:${port} closed the connection before sending KEXINIT`)),
    )
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
      try {
        while (banner === undefined) {
          const nl = buf.indexOf(0x0a)
          if (nl < 0) {
            if (buf.length > MAX_LINE) throw new SshWireError('protocol', `banner line longer than ${MAX_LINE} bytes`)
            return
          }
          if (nl > MAX_LINE) throw new SshWireError('protocol', `banner line longer than ${MAX_LINE} bytes`)
          const line = buf.toString('latin1', 0, nl).replace(/\r$/, '')
          buf = buf.subarray(nl + 1)
          if (line.startsWith('SSH-')) {
            if (!/^SSH-(2\.0|1\.99)-/.test(line)) throw new SshWireError('protocol', `server speaks ${line.slice(0, 64)}, not SSH 2.0`)
            banner = line
            break
          }
          preBytes += nl + 1
          if (pre.length < MAX_PRE_BANNER_LINES) pre.push(line.slice(0, 255))
          if (preBytes > MAX_PRE_BANNER_BYTES || pre.length >= MAX_PRE_BANNER_LINES)
            throw new SshWireError('protocol', `more than ${MAX_PRE_BANNER_BYTES} bytes / ${MAX_PRE_BANNER_LINES} lines before the SSH identification line`)
        }
        if (buf.length < 5) return
        const len = buf.readUInt32BE(0)
        if (len > MAX_PACKET || len < 12) throw new SshWireError('protocol', `first packet length ${len} is not a plausible KEXINIT`)
        if (buf.length < 4 + len) return
        const pad = buf[4]!
        if (pad + 1 >= len) throw new SshWireError('protocol', `first packet padding ${pad} exceeds its length ${len}`)
        const payload = Buffer.from(buf.subarray(5, 4 + len - pad))
        finish(null, kexinitObservation(banner, pre, payload, Math.round(performance.now() - started)))
      } catch (e) {
        finish(e instanceof SshWireError ? e : new SshWireError('protocol', (e as Error).message))
      }
    })
  })
}
