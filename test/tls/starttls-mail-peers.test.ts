// The real mail, FTP and XMPP STARTTLS peers of lab/starttls/mail-servers.ts (Postfix, Dovecot,
// vsftpd, Prosody), checked from outside with the real `openssl s_client -starttls …` and with a
// plain-text look at what each server offers before the upgrade.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startMailPeer, type MailPeerKind } from '../../lab/starttls/mail-servers.ts'
import type { PeerConfig, StarttlsPeer } from '../../lab/starttls/peer.ts'
import { makeThrowawayCert, type CertFiles } from './start-openssl-server.ts'

// Ports freePort() hands out before real free ones: to show a start survives losing its port.
const portsToHandOut = vi.hoisted(() => [] as number[])
vi.mock('../../lab/free-port.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../lab/free-port.ts')>()
  return { freePort: () => (portsToHandOut.length > 0 ? Promise.resolve(portsToHandOut.shift()!) : real.freePort()) }
})

const KINDS: MailPeerKind[] = ['smtp', 'submission', 'imap', 'pop3', 'ftp', 'xmpp']
const CONFIGS: PeerConfig[] = ['good', 'weak', 'plain']
const SOFTWARE: Record<MailPeerKind, RegExp> = {
  smtp: /^Postfix \d+\.\d+/,
  submission: /^Postfix \d+\.\d+/,
  imap: /^Dovecot \d+\.\d+/,
  pop3: /^Dovecot \d+\.\d+/,
  ftp: /^vsftpd \d+\.\d+/,
  xmpp: /^Prosody \d+\.\d+/,
}

let certs: CertFiles
const peers = new Map<string, StarttlsPeer>()
const peer = (kind: MailPeerKind, config: PeerConfig) => peers.get(`${kind}/${config}`)!

beforeAll(async () => {
  certs = makeThrowawayCert()
  const cert = { certFile: certs.cert, keyFile: certs.key }
  const started = await Promise.allSettled(
    KINDS.flatMap((kind) => CONFIGS.map(async (config) => peers.set(`${kind}/${config}`, await startMailPeer(kind, { config, cert, timeoutMs: 30_000 })))),
  )
  const failed = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed.length > 0) throw new Error(failed.map((f) => String(f.reason?.message ?? f.reason)).join('\n\n'))
})

afterAll(async () => {
  await Promise.all([...peers.values()].map((p) => p.stop()))
  certs?.cleanup()
})

interface ClientRun {
  code: number | null
  output: string
}

/** `openssl s_client -starttls …` against a peer, stdin closed, killed after 15 s. */
function sClient(kind: MailPeerKind, port: number, args: string[]): Promise<ClientRun> {
  const proto = kind === 'submission' ? 'smtp' : kind
  const all = ['s_client', '-starttls', proto, ...(kind === 'xmpp' ? ['-xmpphost', 'localhost'] : []), '-connect', `127.0.0.1:${port}`, '-brief', ...args]
  return new Promise((res) => {
    const child = spawn('openssl', all, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => {
      output += '\n[killed after 15 s]'
      child.kill('SIGKILL')
    }, 15_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      res({ code, output })
    })
  })
}

/** The protocol and suite `s_client -brief` reports for a completed handshake, or undefined. (Its
 * full output prints the protocol only in the session block, which TLS 1.3 may not reach.) */
function negotiated(run: ClientRun): { protocol: string; cipher: string } | undefined {
  const protocol = /^Protocol version: (\S+)/m.exec(run.output)?.[1]
  const cipher = /^Ciphersuite: (\S+)/m.exec(run.output)?.[1]
  return protocol && cipher ? { protocol, cipher } : undefined
}

/**
 * Speaks the plain-text protocol up to the point where a client decides to upgrade, and says whether
 * the server offers it: SMTP EHLO lists STARTTLS, IMAP CAPABILITY lists STARTTLS, POP3 CAPA lists
 * STLS, FTP answers AUTH TLS with 234, XMPP stream features carry <starttls/>.
 */
async function upgradeOffered(kind: MailPeerKind, port: number): Promise<{ offered: boolean; transcript: string }> {
  const s = connect({ host: '127.0.0.1', port })
  let text = ''
  const waiters: { re: RegExp; from: number; res: () => void }[] = []
  s.on('data', (d) => {
    text += d.toString()
    for (const w of [...waiters]) if (w.re.test(text.slice(w.from))) waiters.splice(waiters.indexOf(w), 1), w.res()
  })
  s.on('error', () => {})
  const until = (re: RegExp, from = 0) =>
    new Promise<void>((res, rej) => {
      if (re.test(text.slice(from))) return res()
      const t = setTimeout(() => rej(new Error(`${kind}: no ${re} in ${JSON.stringify(text)}`)), 10_000)
      waiters.push({ re, from, res: () => (clearTimeout(t), res()) })
    })
  const say = (line: string) => {
    const from = text.length
    s.write(line)
    return from
  }
  try {
    switch (kind) {
      case 'smtp':
      case 'submission': {
        await until(/^220 .*\r\n/m)
        const from = say('EHLO vigil.test\r\n')
        await until(/^250 .*\r\n/m, from)
        return { offered: /^250[- ]STARTTLS\r?$/im.test(text.slice(from)), transcript: text }
      }
      case 'imap': {
        await until(/^\* OK.*\r\n/m)
        const from = say('a1 CAPABILITY\r\n')
        await until(/^a1 OK.*\r\n/m, from)
        return { offered: /^\* CAPABILITY .*\bSTARTTLS\b/im.test(text.slice(from)), transcript: text }
      }
      case 'pop3': {
        await until(/^\+OK.*\r\n/m)
        const from = say('CAPA\r\n')
        await until(/^\.\r\n/m, from)
        return { offered: /^STLS\r?$/im.test(text.slice(from)), transcript: text }
      }
      case 'ftp': {
        await until(/^220 .*\r\n/m)
        const from = say('AUTH TLS\r\n')
        await until(/^\d{3} .*\r\n/m, from)
        return { offered: /^234 /m.test(text.slice(from)), transcript: text }
      }
      case 'xmpp': {
        say(`<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`)
        await until(/<\/stream:features>/)
        return { offered: /<starttls\b[^>]*urn:ietf:params:xml:ns:xmpp-tls/.test(text), transcript: text }
      }
    }
  } finally {
    s.destroy()
  }
}

describe.each(KINDS)('%s peer', (kind) => {
  describe.concurrent.each(['good', 'weak'] as const)('%s', (config) => {
    it('offers the upgrade in plain text', async () => {
      const { offered, transcript } = await upgradeOffered(kind, peer(kind, config).port)
      expect(offered, transcript).toBe(true)
    })

    it('names its software', () => {
      expect(peer(kind, config).software).toMatch(SOFTWARE[kind])
      expect(peer(kind, config)).toMatchObject({ kind, config, host: '127.0.0.1' })
    })
  })

  describe.concurrent('good', () => {
    it('completes a TLS 1.2 handshake with an ECDHE AEAD suite', async () => {
      const run = await sClient(kind, peer(kind, 'good').port, ['-tls1_2'])
      expect(negotiated(run), run.output).toEqual({ protocol: 'TLSv1.2', cipher: expect.stringMatching(/^ECDHE-(RSA|ECDSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/) })
    })

    it('completes a TLS 1.3 handshake', async () => {
      const run = await sClient(kind, peer(kind, 'good').port, ['-tls1_3'])
      expect(negotiated(run)?.protocol, run.output).toBe('TLSv1.3')
    })

    it.each(['-tls1', '-tls1_1'])('refuses %s even from a client that allows it', async (version) => {
      const run = await sClient(kind, peer(kind, 'good').port, [version, '-cipher', 'ALL:@SECLEVEL=0'])
      expect(negotiated(run), run.output).toBeUndefined()
      expect(run.code, run.output).not.toBe(0)
      // The refusal is the TLS server's, after the upgrade was agreed to.
      expect(run.output).not.toMatch(/Didn't find STARTTLS/)
    })

    it('refuses a non-forward-secret CBC suite over TLS 1.2', async () => {
      const run = await sClient(kind, peer(kind, 'good').port, ['-tls1_2', '-cipher', 'AES128-SHA:@SECLEVEL=0'])
      expect(negotiated(run), run.output).toBeUndefined()
    })
  })

  describe.concurrent('weak', () => {
    it('completes TLS 1.0 with AES128-SHA (RSA key exchange, CBC)', async () => {
      const run = await sClient(kind, peer(kind, 'weak').port, ['-tls1', '-cipher', 'AES128-SHA:@SECLEVEL=0'])
      expect(negotiated(run), run.output).toEqual({ protocol: 'TLSv1', cipher: 'AES128-SHA' })
    })

    it('completes TLS 1.1 with AES128-SHA', async () => {
      const run = await sClient(kind, peer(kind, 'weak').port, ['-tls1_1', '-cipher', 'AES128-SHA:@SECLEVEL=0'])
      expect(negotiated(run), run.output).toEqual({ protocol: 'TLSv1.1', cipher: 'AES128-SHA' })
    })

    it('still completes TLS 1.2 with ECDHE', async () => {
      const run = await sClient(kind, peer(kind, 'weak').port, ['-tls1_2'])
      expect(negotiated(run)?.cipher, run.output).toMatch(/^ECDHE-/)
    })
  })

  describe.concurrent('plain', () => {
    it('does not offer the upgrade in plain text', async () => {
      const { offered, transcript } = await upgradeOffered(kind, peer(kind, 'plain').port)
      expect(offered, transcript).toBe(false)
    })

    it('fails the STARTTLS step: no handshake', async () => {
      const run = await sClient(kind, peer(kind, 'plain').port, ['-tls1_2'])
      expect(negotiated(run), run.output).toBeUndefined()
      expect(run.code, run.output).not.toBe(0)
      expect(run.output).not.toMatch(/\[killed after/)
      if (kind === 'smtp' || kind === 'submission' || kind === 'imap') expect(run.output).toMatch(/Didn't find STARTTLS in server response/)
    })
  })
})

describe('starting and stopping', () => {
  it('stop() closes the port and removes the folder, and is safe to call twice', async () => {
    const p = await startMailPeer('ftp', { config: 'plain', cert: { certFile: certs.cert, keyFile: certs.key }, parentDir: certs.dir })
    const folders = () => readdirSync(certs.dir).filter((f) => f.startsWith('vigil-starttls-ftp-'))
    expect(folders()).toHaveLength(1)
    await p.stop()
    await p.stop()
    expect(folders()).toHaveLength(0)
    const refused = await new Promise<boolean>((res) => {
      const s = connect({ host: '127.0.0.1', port: p.port })
      s.once('connect', () => (s.destroy(), res(false)))
      s.once('error', () => res(true))
    })
    expect(refused).toBe(true)
  })

  it.each(['smtp', 'imap', 'ftp', 'xmpp'] as const)('%s: moves to another port when the one it was given is taken', async (kind) => {
    // Reads and drops what it is sent, so its connections end when their clients go.
    const squatter = createServer((c) => c.resume())
    await new Promise<void>((res) => squatter.listen(0, '127.0.0.1', res))
    const taken = (squatter.address() as { port: number }).port
    portsToHandOut.push(taken)
    try {
      const p = await startMailPeer(kind, { config: 'good', cert: { certFile: certs.cert, keyFile: certs.key }, timeoutMs: 15_000 })
      try {
        expect(portsToHandOut).toHaveLength(0)
        expect(p.port).not.toBe(taken)
        expect((await upgradeOffered(kind, p.port)).offered).toBe(true)
      } finally {
        await p.stop()
      }
    } finally {
      portsToHandOut.length = 0
      await new Promise((res) => squatter.close(res))
    }
  })

  it('fails with the server log when the server does not come up', async () => {
    const garbage = join(certs.dir, 'not-a-key.pem')
    writeFileSync(garbage, 'not a key\n')
    const started = startMailPeer('ftp', { config: 'good', cert: { certFile: certs.cert, keyFile: garbage }, parentDir: certs.dir, timeoutMs: 10_000 })
    await expect(started).rejects.toThrow(/ftp peer \(good\) did not come up[\s\S]*server log[\s\S]*(OOPS|key)/i)
    expect(existsSync(garbage)).toBe(true)
  })
})
