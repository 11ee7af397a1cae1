// Hostile peers on a `starttls:` target: silence, floods, resets, junk, a greeting then a hang-up,
// a slow drip that never finishes its reply. Each becomes an `error` finding with the reason, in
// bounded time, never a hang or a crash; tls.required is never `passed` and never `failed` for them
// (the service's TLS could not be observed, which is not the same as its absence).
import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tlsChecks } from '../../checks/tls/index.ts'
import { observeTls } from '../../checks/tls/probe.ts'
import type { StarttlsKind } from '../../checks/tls/target.ts'
import { openUpgraded } from '../../checks/tls/wire/raw-connection.ts'
import { createUpgrader } from '../../checks/tls/wire/starttls.ts'
import { makeLimiter } from '../../runner/observe.ts'
import { fetchChainWithNodeTls } from '../../checks/tls/certificate.ts'
import { startGarbageServer, startSilentServer, type RunningServer } from '../../lab/tls/servers.ts'

const TIMEOUT_MS = 600
const NEEDS = new Set(tlsChecks.flatMap((c) => c.needs))
const servers: { stop(): Promise<void> }[] = []

/** A tiny scripted TCP peer: `onConnect` plays its part of a broken dialogue. */
async function scripted(onConnect: (s: Socket) => void): Promise<RunningServer> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
    onConnect(s)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const stop = async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => server.close(() => r()))
  }
  return { host: '127.0.0.1', port, stop } as RunningServer
}

const peers: Record<string, RunningServer> = {}
beforeAll(async () => {
  peers.silent = await startSilentServer()
  peers.flood = await startGarbageServer({ mode: 'huge-banner', bytes: 4 * 1024 * 1024 })
  peers.junk = await startGarbageServer({ mode: 'junk' })
  peers.reset = await startGarbageServer({ mode: 'reset' })
  // greets like an SMTP server, then hangs up when asked anything
  peers.hangup = await scripted((s) => {
    s.write('220 mx.example.test ESMTP\r\n')
    s.once('data', () => s.destroy())
  })
  // answers EHLO one byte every 100 ms, never ending its multi-line reply
  peers.drip = await scripted((s) => {
    s.write('220 mx.example.test ESMTP\r\n')
    s.once('data', () => {
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('2')), 100)
      s.on('close', () => clearInterval(t))
    })
  })
  // an IMAP server that offers STARTTLS and, once asked, sends plain text instead of TLS
  peers.liar = await scripted((s) => {
    s.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n')
    s.on('data', (d: Buffer) => {
      const text = d.toString('latin1')
      if (text.startsWith('V1 ')) s.write('* CAPABILITY IMAP4rev1 STARTTLS\r\nV1 OK done\r\n')
      else if (text.startsWith('V2 ')) s.write('V2 OK Begin TLS negotiation now.\r\n')
      else s.end('* BYE this is not TLS\r\n')
    })
  })
  // a MySQL server that offers TLS in its handshake, then resets as soon as the client answers
  peers.mysqlReset = await scripted((s) => {
    const body = Buffer.concat([Buffer.from([10]), Buffer.from('10.11.19-MariaDB\0', 'latin1'), Buffer.alloc(4, 1), Buffer.from('abcdefgh'), Buffer.from([0, 0xff, 0xff, 33, 2, 0, 0xff, 0x81, 21]), Buffer.alloc(10), Buffer.from('ijklmnopqrst\0')])
    const head = Buffer.alloc(4)
    head.writeUIntLE(body.length, 0, 3)
    s.write(Buffer.concat([head, body]))
    setImmediate(() => s.resetAndDestroy())
  })
  servers.push(...Object.values(peers))
})
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
})

async function observe(peer: string, starttls: StarttlsKind) {
  const started = performance.now()
  const obs = await observeTls(
    { name: peer, host: 'localhost', address: '127.0.0.1', port: peers[peer]!.port, tags: [], starttls },
    { needs: NEEDS, timeoutMs: TIMEOUT_MS, extraCaPems: [], limit: makeLimiter(50, 8) },
  )
  const ms = performance.now() - started
  const verdicts = Object.fromEntries(tlsChecks.map((c) => [c.id, c.judge(obs, Object.fromEntries(c.params.map((p) => [p.name, p.default])), { now: new Date() })]))
  return { obs, verdicts, ms }
}

describe('a hostile peer on a starttls target is an error, in bounded time', () => {
  const cases: [string, StarttlsKind, RegExp, string][] = [
    ['silent', 'smtp', /no answer during the SMTP STARTTLS upgrade after 600 ms/, 'timeout'],
    ['flood', 'smtp', /more than 64 KiB before the SMTP STARTTLS upgrade completed/, 'protocol'],
    ['junk', 'imap', /IMAP STARTTLS: the IMAP server's greeting is not "\* OK"/, 'protocol'],
    ['junk', 'mysql', /MySQL/, 'protocol'],
    ['reset', 'ldap', /during the LDAP StartTLS upgrade/, 'protocol'],
    ['hangup', 'smtp', /during the SMTP STARTTLS upgrade/, 'protocol'],
    ['drip', 'smtp', /no answer during the SMTP STARTTLS upgrade after 600 ms/, 'timeout'],
  ]
  for (const [peer, kind, reason, errorKind] of cases) {
    it(`${peer} peer, starttls: ${kind}`, async () => {
      const { obs, verdicts, ms } = await observe(peer, kind)
      expect(obs.error?.message).toMatch(reason)
      // one connection: the first hello goes alone and its upgrade failed
      expect(obs.stats.connections).toBe(1)
      expect(obs.upgrade?.status).toBe('failed')
      // a timeout is per step: connect, then each step of the dialogue; never unbounded
      expect(ms).toBeLessThan(TIMEOUT_MS * 4 + 1000)
      for (const [id, v] of Object.entries(verdicts)) {
        if (id === 'http.hsts') expect(v.status).toBe('not-applicable')
        else expect({ id, status: v.status, errorKind: v.errorKind }).toEqual({ id, status: 'error', errorKind })
      }
      expect(verdicts['tls.required']!.evidence[0]).toMatchObject({ kind: 'upgrade-dialogue' })
    })
  }

  it('a server that accepts the upgrade and then speaks plain text: the upgrade is done, TLS is not', async () => {
    const { obs, verdicts } = await observe('liar', 'imap')
    expect(obs.upgrade).toMatchObject({ status: 'done', dialogue: expect.arrayContaining(['C: V2 STARTTLS', 'S: V2 OK Begin TLS negotiation now.']) })
    expect(obs.error?.kind).toBe('protocol')
    for (const [id, v] of Object.entries(verdicts)) if (id !== 'http.hsts') expect({ id, status: v.status }).toEqual({ id, status: 'error' })
  })

  it('a reset right after the MySQL handshake, on the node:tls path: a rejected fetch, never an unhandled error', async () => {
    for (let i = 0; i < 20; i++) {
      const target = { name: 'r', host: 'localhost', address: '127.0.0.1', port: peers.mysqlReset!.port, tags: [], starttls: 'mysql' as const }
      await expect(fetchChainWithNodeTls(target, { needs: NEEDS, timeoutMs: TIMEOUT_MS, extraCaPems: [], limit: makeLimiter(5, 5) })).rejects.toThrow(/127\.0\.0\.1/)
    }
  })

  it('openUpgraded (the node:tls path) gives the same reasons and never a socket', async () => {
    const silent = await openUpgraded({ host: '127.0.0.1', port: peers.silent!.port, timeoutMs: TIMEOUT_MS, upgrade: () => createUpgrader('pop3', 'localhost') })
    expect(silent).toMatchObject({ error: { kind: 'timeout', detail: expect.stringMatching(/no answer during the POP3 STLS upgrade/) }, upgrade: { status: 'failed' } })
    expect(silent.socket).toBeUndefined()
    const flood = await openUpgraded({ host: '127.0.0.1', port: peers.flood!.port, timeoutMs: TIMEOUT_MS, upgrade: () => createUpgrader('ftp', 'localhost') })
    expect(flood.error?.detail).toMatch(/more than 64 KiB/)
    const closed = await openUpgraded({ host: '127.0.0.1', port: 1, timeoutMs: TIMEOUT_MS, upgrade: () => createUpgrader('ftp', 'localhost') })
    expect(closed).toMatchObject({ error: { kind: 'unreachable' } })
    expect(closed.upgrade).toBeUndefined()
  })
})
