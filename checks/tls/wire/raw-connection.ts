// One TCP connection per raw hello: connect (bounded), send the hello, read the server's first flight
// (bounded in time and bytes) until the answer is known, then destroy the socket. Never throws:
// every way a peer can misbehave comes back as an outcome.
import { connect, type Socket } from 'node:net'
import { ServerFlightReader, type ServerFlight } from './server-messages.ts'
import { UPGRADE_NAMES, type Upgrader, type UpgradeStep } from './starttls.ts'

/** How a connection's upgrade to TLS (STARTTLS and its relatives) went, with its dialogue. */
export interface UpgradeRecord {
  /** `done`: the server took the upgrade; `not-offered`: it does not offer it or refused it; `failed`: anything else */
  status: 'done' | 'not-offered' | 'failed'
  detail?: string
  dialogue: string[]
}

export interface HelloExchange {
  /**
   * - `answer`: the server sent a readable first flight (ServerHello, alert, SSLv2 message)
   * - `closed`: the server closed or reset the connection without sending anything
   * - `error`: connect failed, timed out, or the answer was not TLS
   */
  outcome: 'answer' | 'closed' | 'error'
  flight?: ServerFlight
  /** for `error`: which kind of failure */
  errorKind?: 'unreachable' | 'timeout' | 'protocol'
  /** for `closed` and `error`: what happened, for a person */
  detail?: string
  /** the TCP connection was established */
  connected: boolean
  bytesRead: number
  durationMs: number
  /** with `upgrade`: how the upgrade went (absent when the connection never opened) */
  upgrade?: UpgradeRecord
}

export interface HelloExchangeOptions {
  host: string
  port: number
  hello: Buffer
  /** budget for connecting, again for each step of an upgrade, and again for reading the answer, ms */
  timeoutMs: number
  /** the plain-text upgrade to perform before the hello (a new machine per connection) */
  upgrade?: () => Upgrader
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'ENONET'])

/**
 * One read buffer for every raw connection: a read is handed to its reader synchronously and the
 * reader copies what it keeps, so no connection allocates buffers of its own for reading.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)

export function exchangeHello(opts: HelloExchangeOptions): Promise<HelloExchange> {
  const started = performance.now()
  return new Promise((resolve) => {
    const reader = new ServerFlightReader()
    const upgrader = opts.upgrade?.()
    /** while true, bytes read belong to the upgrade's dialogue */
    let upgrading = false
    let upgrade: UpgradeRecord | undefined
    let connected = false
    let settled = false
    let socket: Socket | undefined
    // one timer: the budget for connecting, restarted once as the budget for the answer
    let waitingFor = `no TCP connection to ${opts.host}:${opts.port}`
    const timer = setTimeout(() => {
      // a partial answer that already decided the question is still an answer
      if (reader.end().state === 'done') return fromReader()
      finish({ outcome: 'error', errorKind: 'timeout', detail: `${waitingFor} after ${opts.timeoutMs} ms`, flight: reader.flight })
    }, opts.timeoutMs)

    const finish = (r: Omit<HelloExchange, 'connected' | 'bytesRead' | 'durationMs'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket?.destroy()
      if (upgrading && upgrader) upgrade = { status: 'failed', detail: r.detail, dialogue: upgrader.dialogue }
      resolve({ ...r, connected, bytesRead: reader.bytesRead + (upgrader?.bytesRead ?? 0), durationMs: Math.round(performance.now() - started), ...(upgrade ? { upgrade } : {}) })
    }
    const sendHello = () => {
      waitingFor = 'no answer to the ClientHello'
      timer.refresh()
      socket!.write(opts.hello)
    }
    /** one step of the upgrade: write what it says, then the hello once the server is ready */
    const advance = (step: UpgradeStep) =>
      !settled &&
      takeStep(step, UPGRADE_NAMES[upgrader!.kind], {
        write: (bytes) => socket!.write(bytes),
        waiting: (what) => {
          waitingFor = what
          timer.refresh()
        },
        ready: () => {
          upgrading = false
          upgrade = { status: 'done', dialogue: upgrader!.dialogue }
          sendHello()
        },
        refused: (detail, status) => {
          // `failed` is recorded by finish, the dialogue still under way
          if (status === 'not-offered') {
            upgrading = false
            upgrade = { status, detail, dialogue: upgrader!.dialogue }
          }
          finish({ outcome: 'error', errorKind: 'protocol', detail })
        },
      })
    const fromReader = (): boolean => {
      const st = reader.state
      if (st.state === 'done') finish({ outcome: 'answer', flight: reader.flight })
      else if (st.state === 'error') finish({ outcome: 'error', errorKind: 'protocol', detail: st.message, flight: reader.flight })
      return st.state !== 'need-more'
    }

    try {
      socket = connect({
        host: opts.host,
        port: opts.port,
        onread: {
          buffer: READ_BUFFER,
          callback: (n: number, buf: Uint8Array) => {
            // the upgrade copies what it keeps, like the flight reader
            if (upgrading) {
              advance(pushSafely(upgrader!, Buffer.from(buf.buffer, buf.byteOffset, n)))
              return true
            }
            reader.push(Buffer.from(buf.buffer, buf.byteOffset, n))
            fromReader()
            return true // keep reading: once the answer is known, finish has destroyed the socket
          },
        },
      })
    } catch (e) {
      finish({ outcome: 'error', errorKind: 'unreachable', detail: (e as Error).message })
      return
    }
    // No setNoDelay: the hello is the only write, and Nagle never holds back a connection's first segment.
    socket.on('connect', () => {
      connected = true
      if (!upgrader) return sendHello()
      upgrading = true
      waitingFor = `no answer during the ${UPGRADE_NAMES[upgrader.kind]} upgrade`
      timer.refresh()
      advance(upgrader.start())
    })
    socket.on('end', () => {
      if (upgrading) return finish({ outcome: 'error', errorKind: 'protocol', detail: `the server closed the connection during the ${UPGRADE_NAMES[upgrader!.kind]} upgrade` })
      const st = reader.end()
      if (st.state === 'need-more') finish({ outcome: 'closed', detail: 'the server closed the connection without answering' })
      else fromReader()
    })
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) {
        const kind = UNREACHABLE.has(err.code ?? '') ? 'unreachable' : 'protocol'
        finish({ outcome: 'error', errorKind: kind, detail: `cannot connect to ${opts.host}:${opts.port}: ${err.code ?? err.message}` })
        return
      }
      if (upgrading) return finish({ outcome: 'error', errorKind: 'protocol', detail: `connection failed during the ${UPGRADE_NAMES[upgrader!.kind]} upgrade: ${err.code ?? err.message}` })
      const st = reader.end()
      if (st.state === 'done' || st.state === 'error') return void fromReader()
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') finish({ outcome: 'closed', detail: 'the server reset the connection without answering' })
      else finish({ outcome: 'error', errorKind: 'protocol', detail: `connection failed: ${err.code ?? err.message}` })
    })
    socket.on('close', () => {
      if (!settled && upgrading) finish({ outcome: 'error', errorKind: 'protocol', detail: `the connection closed during the ${UPGRADE_NAMES[upgrader!.kind]} upgrade` })
      else if (!settled) {
        const st = reader.end()
        if (st.state === 'need-more') finish({ outcome: 'closed', detail: 'the connection closed without an answer' })
        else fromReader()
      }
    })
  })
}

/**
 * What a connection does with one step of its upgrade: write what the machine says (each write
 * restarts the wait for the answer), then `ready` once the server expects the ClientHello, or
 * `refused` with the reason (`not-offered`, or `failed` for a dialogue that broke).
 */
function takeStep(
  step: UpgradeStep,
  name: string,
  c: { write(bytes: Buffer): void; waiting(what: string): void; ready(): void; refused(detail: string, status: 'not-offered' | 'failed'): void },
): void {
  switch (step.kind) {
    case 'more':
      return
    case 'send':
      c.waiting(`no answer during the ${name} upgrade`)
      c.write(step.bytes)
      return
    case 'ready':
      if (step.bytes) c.write(step.bytes)
      return c.ready()
    case 'not-offered':
      return c.refused(step.detail, 'not-offered')
    case 'error':
      return c.refused(`${name}: ${step.detail}`, 'failed')
  }
}

/** A machine that throws on some input is a bug of Vigil's, never a crash of the run: the endpoint's error. */
function pushSafely(upgrader: Upgrader, data: Buffer): UpgradeStep {
  try {
    return upgrader.push(data)
  } catch (e) {
    return { kind: 'error', detail: `Vigil could not read the answer (${(e as Error)?.message ?? String(e)})` }
  }
}

export interface UpgradedSocket {
  /** the connection, ready for a ClientHello; absent when the upgrade did not complete */
  socket?: Socket
  /** absent when the connection never opened */
  upgrade?: UpgradeRecord
  /** why there is no socket */
  error?: { kind: 'unreachable' | 'timeout' | 'protocol'; detail: string }
}

/**
 * A TCP connection taken through its plain-text upgrade, for a TLS library to continue on
 * (`tls.connect({ socket })`). Bounded like exchangeHello: the budget for connecting, then again for
 * each step. Never throws.
 */
export function openUpgraded(opts: { host: string; port: number; timeoutMs: number; upgrade: () => Upgrader }): Promise<UpgradedSocket> {
  return new Promise((resolve) => {
    const upgrader = opts.upgrade()
    const name = UPGRADE_NAMES[upgrader.kind]
    let settled = false
    let connected = false
    let waitingFor = `no TCP connection to ${opts.host}:${opts.port}`
    const socket = connect({ host: opts.host, port: opts.port })
    const timer = setTimeout(() => fail('timeout', `${waitingFor} after ${opts.timeoutMs} ms`), opts.timeoutMs)
    const done = (r: UpgradedSocket) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.off('data', onData).off('error', onError).off('close', onClose)
      // until the TLS library owns the socket, an error (a reset after the last write of the
      // upgrade) must not go unheard: the handshake then fails on its own and says why
      if (r.socket) socket.on('error', () => {})
      else socket.destroy()
      resolve(r)
    }
    const fail = (kind: 'unreachable' | 'timeout' | 'protocol', detail: string, status: UpgradeRecord['status'] = 'failed') =>
      done({ error: { kind, detail }, ...(connected ? { upgrade: { status, detail, dialogue: upgrader.dialogue } } : {}) })
    const advance = (step: UpgradeStep) =>
      !settled &&
      takeStep(step, name, {
        write: (bytes) => socket.write(bytes),
        waiting: (what) => {
          waitingFor = what
          timer.refresh()
        },
        // nothing is read until the TLS library takes the socket over
        ready: () => done({ socket: socket.pause(), upgrade: { status: 'done', dialogue: upgrader.dialogue } }),
        refused: (detail, status) => fail('protocol', detail, status),
      })
    const onData = (chunk: Buffer) => advance(pushSafely(upgrader, chunk))
    socket.on('data', onData)
    socket.once('connect', () => {
      connected = true
      waitingFor = `no answer during the ${name} upgrade`
      timer.refresh()
      advance(upgrader.start())
    })
    const onError = (err: NodeJS.ErrnoException) => {
      if (!connected) fail(UNREACHABLE.has(err.code ?? '') ? 'unreachable' : 'protocol', `cannot connect to ${opts.host}:${opts.port}: ${err.code ?? err.message}`)
      else fail('protocol', `connection failed during the ${name} upgrade: ${err.code ?? err.message}`)
    }
    const onClose = () => fail('protocol', `the connection closed during the ${name} upgrade`)
    socket.on('error', onError).on('close', onClose)
  })
}
