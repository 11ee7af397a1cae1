// A port on 127.0.0.1 that nothing listens on right now: the kernel picks it (bind to 0), then it is
// released. Used to place lab servers (sshd, moto, s_server) and as a dead port for tests. Another
// process may take it in between; callers that spawn a server retry on a bind failure.
import { createServer } from 'node:net'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.unref()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}
