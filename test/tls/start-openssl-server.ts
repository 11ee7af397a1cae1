// Starts real TLS peers on 127.0.0.1 for the probe tests: `openssl s_server` processes with a
// throwaway certificate, and tiny scripted TCP servers for misbehaving peers.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { freePort } from '../../lab/free-port.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface CertFiles {
  dir: string
  cert: string
  key: string
  dh1024: string
  cleanup(): void
}

/** A self-signed RSA-2048 certificate for CN=localhost and a 1024-bit DH group, in a temp folder. */
export function makeThrowawayCert(): CertFiles {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-probe-'))
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  const dh1024 = join(dir, 'dh1024.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '30', '-keyout', key, '-out', cert], { stdio: 'ignore', timeout: 30_000 })
  execFileSync('openssl', ['dhparam', '-out', dh1024, '1024'], { stdio: 'ignore', timeout: 60_000 })
  return { dir, cert, key, dh1024, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}


export interface RunningServer {
  port: number
  pid: number
  stop(): Promise<void>
}

/** `openssl s_server` with the given extra arguments; resolves once it accepts connections. */
export async function startOpensslServer(certs: CertFiles, args: string[]): Promise<RunningServer> {
  const port = await freePort()
  const child: ChildProcess = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', certs.cert, '-key', certs.key, '-quiet', '-naccept', '10000', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`openssl s_server ${args.join(' ')} exited: ${output}`)
    if (await canConnect(port)) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`openssl s_server ${args.join(' ')} did not listen within 15 s: ${output}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    port,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res()
        child.once('exit', () => res())
        process.kill(child.pid!, 'SIGTERM')
      }),
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port })
    const done = (ok: boolean) => {
      s.destroy()
      res(ok)
    }
    s.setTimeout(1000, () => done(false))
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

/** A TCP server on 127.0.0.1 whose connections `onConnection` scripts (silent, garbage, reset, …). */
export async function startScriptedServer(onConnection: (socket: Socket) => void): Promise<{ port: number; server: Server; stop(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    onConnection(socket)
  })
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  return {
    port: (server.address() as { port: number }).port,
    server,
    stop: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy()
        server.close(() => res())
      }),
  }
}
