// A TCP forwarder on 127.0.0.1 into the tests' network namespace, for a client that cannot run
// inside it (the lab's Vigil runs in this process): each connection accepted here starts one small
// Node relay inside the namespace (`nsenter --net=…`) that connects to the host and pipes both ways.
// The hosts keep addresses of that namespace only; nothing is routed.
import { spawn } from 'node:child_process'
import { createServer, type Server, type Socket } from 'node:net'
import { inTestNetns } from './test-netns.ts'

const RELAY = `const s = require('node:net').connect(Number(process.argv[2]), process.argv[1]);
s.on('error', () => process.exit(1)); s.on('close', () => process.exit(0));
process.stdin.pipe(s); s.pipe(process.stdout);`

export interface Forward {
  port: number
  stop(): Promise<void>
}

/** Listens on 127.0.0.1 (a free port) and relays every connection to `address:port` in the test netns. */
export async function forwardIntoTestNetns(address: string, port: number): Promise<Forward> {
  const relays = new Set<ReturnType<typeof spawn>>()
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    const [cmd, args] = inTestNetns(process.execPath, ['-e', RELAY, address, String(port)])
    const relay = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'] })
    relays.add(relay)
    socket.on('error', () => relay.kill())
    relay.stdin!.on('error', () => socket.destroy())
    relay.on('exit', () => {
      relays.delete(relay)
      socket.end()
    })
    socket.pipe(relay.stdin!)
    relay.stdout!.pipe(socket)
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()))
  return {
    port: (server.address() as { port: number }).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const r of relays) r.kill()
        // close() waits for open connections: end them
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
