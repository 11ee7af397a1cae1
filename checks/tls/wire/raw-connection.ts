// One TCP connection per raw hello: connect (bounded), send the hello, read the server's first flight
// (bounded in time and bytes) until the answer is known, then destroy the socket. Never throws:
// every way a peer can misbehave comes back as an outcome.
import { connect, type Socket } from 'node:net'
import { ServerFlightReader, type ServerFlight } from './server-messages.ts'

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
}

export interface HelloExchangeOptions {
  host: string
  port: number
  hello: Buffer
  /** budget for connecting, and again for reading the answer, ms */
  timeoutMs: number
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
      resolve({ ...r, connected, bytesRead: reader.bytesRead, durationMs: Math.round(performance.now() - started) })
    }
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
      waitingFor = 'no answer to the ClientHello'
      timer.refresh()
      socket!.write(opts.hello)
    })
    socket.on('end', () => {
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
      const st = reader.end()
      if (st.state === 'done' || st.state === 'error') return void fromReader()
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') finish({ outcome: 'closed', detail: 'the server reset the connection without answering' })
      else finish({ outcome: 'error', errorKind: 'protocol', detail: `connection failed: ${err.code ?? err.message}` })
    })
    socket.on('close', () => {
      if (!settled) {
        const st = reader.end()
        if (st.state === 'need-more') finish({ outcome: 'closed', detail: 'the connection closed without an answer' })
        else fromReader()
      }
    })
  })
}
