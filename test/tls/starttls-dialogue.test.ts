// The upgrade dialogues as state machines, fed the bytes servers send: offered, not offered,
// refused, malformed, oversized, split anywhere. The real servers are in starttls-probe.test.ts.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { MAX_UPGRADE_BYTES, createUpgrader, type UpgradeStep } from '../../checks/tls/wire/starttls.ts'
import { STARTTLS_KINDS, type StarttlsKind } from '../../checks/tls/target.ts'

interface Played {
  end: UpgradeStep['kind']
  detail?: string
  sent: string[]
  dialogue: string[]
  /** bytes written with the final `ready` step */
  readyBytes?: Buffer
}

/**
 * Plays a server: each element of `server` is what the server sends after the client's next write
 * (the first one right after connecting, unless the protocol starts with the client). Each reply is
 * pushed in pieces cut at `cuts`.
 */
function play(kind: StarttlsKind, server: (string | Buffer)[], cuts: (n: number) => number[] = () => []): Played {
  const up = createUpgrader(kind, 'chat.example.test')
  const sent: string[] = []
  let step = up.start()
  let i = 0
  for (;;) {
    if (step.kind === 'send') sent.push(step.bytes.toString('latin1'))
    if (step.kind === 'ready' || step.kind === 'not-offered' || step.kind === 'error')
      return { end: step.kind, ...('detail' in step ? { detail: step.detail } : {}), sent, dialogue: up.dialogue, ...(step.kind === 'ready' && step.bytes ? { readyBytes: step.bytes } : {}) }
    const reply = server[i++]
    if (reply === undefined) return { end: 'more', sent, dialogue: up.dialogue }
    const bytes = typeof reply === 'string' ? Buffer.from(reply, 'latin1') : reply
    const at = [...new Set(cuts(bytes.length).filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b)
    let from = 0
    step = { kind: 'more' }
    for (const c of [...at, bytes.length]) {
      step = up.push(bytes.subarray(from, c))
      from = c
      if (step.kind !== 'more') break
    }
  }
}

const SMTP_OK = ['220 mx.example.test ESMTP\r\n', '250-mx.example.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n', '220 2.0.0 Ready to start TLS\r\n']

/** A MySQL HandshakeV10 packet with the given lower capability flags. */
function mysqlHandshake(capsLow: number, version = '10.11.19-MariaDB-0+deb12u1'): Buffer {
  const body = Buffer.concat([Buffer.from([10]), Buffer.from(`${version}\0`, 'latin1'), Buffer.alloc(4, 7), Buffer.from('abcdefgh'), Buffer.from([0]), Buffer.from([capsLow & 0xff, capsLow >> 8]), Buffer.from([33, 2, 0, 0xff, 0x81, 21]), Buffer.alloc(10), Buffer.from('ijklmnopqrst\0mysql_native_password\0')])
  const head = Buffer.alloc(4)
  head.writeUIntLE(body.length, 0, 3)
  return Buffer.concat([head, body])
}

/** An LDAP ExtendedResponse for message 1 with a result code and diagnostic message. */
function ldapResponse(code: number, message = '', longLength = false): Buffer {
  const diag = Buffer.from(message, 'utf8')
  const op = Buffer.concat([Buffer.from([0x0a, 0x01, code, 0x04, 0x00, 0x04, diag.length]), diag])
  const opTlv = Buffer.concat([Buffer.from([0x78, op.length]), op])
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x01]), opTlv])
  return Buffer.concat([longLength ? Buffer.from([0x30, 0x81, body.length]) : Buffer.from([0x30, body.length]), body])
}

describe('SMTP and submission STARTTLS', () => {
  it('sends EHLO, then STARTTLS when it is listed, and is ready on 220', () => {
    for (const kind of ['smtp', 'submission'] as const) {
      const r = play(kind, SMTP_OK)
      expect(r.end).toBe('ready')
      expect(r.sent).toEqual(['EHLO vigil.invalid\r\n', 'STARTTLS\r\n'])
      expect(r.dialogue[0]).toBe('S: 220 mx.example.test ESMTP')
      expect(r.dialogue).toContain('C: STARTTLS')
    }
  })
  it('is not offered when EHLO lists no STARTTLS, and refused on 454', () => {
    const none = play('smtp', ['220 mx ESMTP\r\n', '250-mx\r\n250 8BITMIME\r\n'])
    expect(none).toMatchObject({ end: 'not-offered', sent: ['EHLO vigil.invalid\r\n'] })
    expect(none.detail).toMatch(/does not offer STARTTLS/)
    const refused = play('smtp', ['220 mx ESMTP\r\n', '250-mx\r\n250 STARTTLS\r\n', '554 5.7.0 TLS is not for you\r\n'])
    expect(refused.end).toBe('not-offered')
    expect(refused.detail).toMatch(/refused it: "554 5\.7\.0/)
    // a HELO-only server speaks no ESMTP, so it has no STARTTLS
    expect(play('smtp', ['220 old ready\r\n', '502 5.5.2 Error: command not recognized\r\n']).end).toBe('not-offered')
  })
  it('a temporary refusal (454, 421) is an error, not a verdict on the service', () => {
    const r = play('smtp', ['220 mx ESMTP\r\n', '250-mx\r\n250 STARTTLS\r\n', '454 4.7.0 TLS not available due to local problem\r\n'])
    expect(r).toMatchObject({ end: 'error', detail: expect.stringMatching(/refused it for now: "454/) })
    expect(play('smtp', ['220 mx ESMTP\r\n', '250-mx\r\n250 STARTTLS\r\n', '421 4.3.2 shutting down\r\n']).end).toBe('error')
  })
  it('a greeting that is not 220, or not SMTP at all, is an error', () => {
    expect(play('smtp', ['554 no service for you\r\n'])).toMatchObject({ end: 'error' })
    expect(play('smtp', ['SSH-2.0-OpenSSH_9.2\r\n']).detail).toMatch(/not an SMTP reply/)
  })
  it('a server that talks on after accepting the upgrade is an error (the bytes would be read as TLS)', () => {
    const r = play('smtp', [SMTP_OK[0]!, SMTP_OK[1]!, '220 go ahead\r\n250 surprise\r\n'])
    expect(r.end).toBe('error')
    expect(r.detail).toMatch(/after accepting/)
  })
  it('a banner larger than the bound is an error, not a buffer that grows', () => {
    const huge = `220-${'x'.repeat(MAX_UPGRADE_BYTES)}\r\n`
    const r = play('smtp', [huge])
    expect(r.end).toBe('error')
    expect(r.detail).toMatch(/more than 64 KiB/)
  })
  it('control characters in server lines are shown escaped in the dialogue', () => {
    const r = play('smtp', ['220 mx\x1b[31m red\r\n', '250 mx\r\n'])
    expect(r.dialogue[0]).toBe('S: 220 mx\\x1b[31m red')
    // a newline (XMPP text is kept whole) or a bidi override cannot fake a client line
    const x = play('xmpp', [Buffer.from("<stream:stream version='1.0'><stream:features>\nC: AUTH PLAIN secret\u202e</stream:features>", 'utf8')])
    expect(x.dialogue.filter((l) => l.startsWith('C: '))).toHaveLength(1)
    expect(x.dialogue[1]).toContain('\\x0aC: AUTH PLAIN secret\\u202e')
  })
})

describe('IMAP, POP3 and FTP', () => {
  it('IMAP: CAPABILITY, then STARTTLS; not offered; refused; pre-authenticated', () => {
    const ok = play('imap', ['* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n', '* CAPABILITY IMAP4rev1 SASL-IR STARTTLS AUTH=PLAIN\r\nV1 OK Pre-login capabilities listed.\r\n', 'V2 OK Begin TLS negotiation now.\r\n'])
    expect(ok).toMatchObject({ end: 'ready', sent: ['V1 CAPABILITY\r\n', 'V2 STARTTLS\r\n'] })
    expect(play('imap', ['* OK ready\r\n', '* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nV1 OK done\r\n']).end).toBe('not-offered')
    expect(play('imap', ['* OK ready\r\n', '* CAPABILITY IMAP4rev1 STARTTLS\r\nV1 OK done\r\n', 'V2 NO [UNAVAILABLE] no\r\n']).end).toBe('not-offered')
    expect(play('imap', ['* PREAUTH logged in\r\n']).end).toBe('error')
  })
  it('POP3: CAPA lists STLS; no STLS; a server without CAPA is asked STLS anyway', () => {
    expect(play('pop3', ['+OK Dovecot ready.\r\n', '+OK\r\nCAPA\r\nTOP\r\nSTLS\r\nUIDL\r\n.\r\n', '+OK Begin TLS negotiation now.\r\n'])).toMatchObject({ end: 'ready', sent: ['CAPA\r\n', 'STLS\r\n'] })
    expect(play('pop3', ['+OK ready\r\n', '+OK\r\nTOP\r\nUIDL\r\n.\r\n']).end).toBe('not-offered')
    expect(play('pop3', ['+OK ready\r\n', '-ERR unknown command\r\n', '+OK go\r\n'])).toMatchObject({ end: 'ready', sent: ['CAPA\r\n', 'STLS\r\n'] })
    expect(play('pop3', ['+OK ready\r\n', '-ERR unknown command\r\n', '-ERR no TLS here\r\n']).end).toBe('not-offered')
  })
  it('FTP: AUTH TLS → 234; 500/530 are not offered; multi-line greetings are read to their end', () => {
    expect(play('ftp', ['220-Welcome\r\n220-to the server\r\n220 (vsFTPd 3.0.3)\r\n', '234 Proceed with negotiation.\r\n'])).toMatchObject({ end: 'ready', sent: ['AUTH TLS\r\n'] })
    expect(play('ftp', ['220 (vsFTPd 3.0.3)\r\n', '530 Please login with USER and PASS.\r\n']).end).toBe('not-offered')
    expect(play('ftp', ['220 ok\r\n', '500 AUTH not understood\r\n']).end).toBe('not-offered')
    expect(play('ftp', ['421 too many connections\r\n']).end).toBe('error')
    expect(play('ftp', ['220 ok\r\n', '431 Need some unavailable resource to process security.\r\n']).end).toBe('error')
  })
  it('FTP: RFC 959 multi-line replies whose middle lines carry no code, and a 120 before the 220', () => {
    expect(play('ftp', ['220-Welcome\r\n to the server\r\n  (ProFTPD style)\r\n220 ready\r\n', '234 go\r\n'])).toMatchObject({ end: 'ready', sent: ['AUTH TLS\r\n'] })
    expect(play('ftp', ['120 ready in 1 minute\r\n', '220 ready\r\n', '234 go\r\n']).end).toBe('ready')
    // a line of another code inside the reply does not end it
    expect(play('ftp', ['220-Welcome\r\n230 not the end\r\n220 ready\r\n', '234 go\r\n']).end).toBe('ready')
  })
})

describe('LDAP, PostgreSQL and MySQL', () => {
  it('LDAP: sends the StartTLS extended request and is ready on resultCode 0', () => {
    const r = play('ldap', [ldapResponse(0)])
    expect(r.end).toBe('ready')
    // LDAPMessage { 1, [APPLICATION 23] { [0] "1.3.6.1.4.1.1466.20037" } }
    expect(Buffer.from(r.sent[0]!, 'latin1').toString('hex')).toBe(`301d02010177188016${Buffer.from('1.3.6.1.4.1.1466.20037').toString('hex')}`)
    expect(play('ldap', [ldapResponse(0, '', true)]).end).toBe('ready')
  })
  it('LDAP: a refusal names the result code and message; garbage is an error', () => {
    const r = play('ldap', [ldapResponse(2, 'unsupported extended operation')])
    expect(r.end).toBe('not-offered')
    expect(r.detail).toBe('the LDAP server refused StartTLS: resultCode 2 (protocolError) "unsupported extended operation"')
    // busy, unavailable: a state of the server (or it is shutting down), not a refusal of TLS
    for (const code of [51, 52]) expect(play('ldap', [ldapResponse(code, 'try later')]).end).toBe('error')
    expect(play('ldap', [Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')]).end).toBe('error')
    expect(play('ldap', [Buffer.from([0x30, 0x85, 1, 2, 3, 4, 5])]).end).toBe('error')
    // a message id with an indefinite or oversized length inside a whole message: an error, never a throw
    for (const len of [0x80, 0x85, 0x8f]) expect(play('ldap', [Buffer.concat([Buffer.from([0x30, 0x2f, 0x02, len]), Buffer.alloc(45, 0x41)])]).end).toBe('error')
  })
  it('LDAP: a Notice of Disconnection (message 0) or an answer to another message is an error', () => {
    const notice = ldapResponse(52, 'server shutting down')
    notice[4] = 0 // messageID 1 → 0
    expect(play('ldap', [notice])).toMatchObject({ end: 'error', detail: expect.stringMatching(/Notice of Disconnection/) })
    const other = ldapResponse(0)
    other[4] = 7
    expect(play('ldap', [other])).toMatchObject({ end: 'error', detail: expect.stringMatching(/message 7/) })
  })
  it("PostgreSQL: SSLRequest first; 'S' ready, 'N' not offered, an error message or other byte is an error", () => {
    const r = play('postgres', ['S'])
    expect(r.end).toBe('ready')
    expect(Buffer.from(r.sent[0]!, 'latin1').toString('hex')).toBe('0000000804d2162f')
    expect(play('postgres', ['N']).end).toBe('not-offered')
    expect(play('postgres', [Buffer.concat([Buffer.from('E\0\0\0\x20', 'latin1'), Buffer.from('SFATAL\0Munsupported frontend protocol\0\0')])]).detail).toMatch(/unsupported frontend protocol/)
    expect(play('postgres', ['HTTP/1.0 400']).end).toBe('error')
    expect(play('postgres', ['SS']).end).toBe('error')
  })
  it('MySQL: CLIENT_SSL in the handshake → the SSLRequest packet with sequence 1; without it not offered', () => {
    const r = play('mysql', [mysqlHandshake(0xffff)])
    expect(r.end).toBe('ready')
    const req = r.readyBytes!
    expect(req.readUIntLE(0, 3)).toBe(32)
    expect(req[3]).toBe(1)
    expect(req.readUInt32LE(4) & 0x800).toBe(0x800)
    expect(req.length).toBe(36)
    expect(r.dialogue[0]).toMatch(/^S: HandshakeV10, server 10\.11\.19-MariaDB.*CLIENT_SSL set/)
    const none = play('mysql', [mysqlHandshake(0xf7ff)])
    expect(none.end).toBe('not-offered')
    expect(none.detail).toMatch(/lacks CLIENT_SSL/)
  })
  it("MySQL: an ERR packet, another protocol version or a truncated packet is an error", () => {
    const err = Buffer.from([0x17, 0, 0, 0, 0xff, 0x6a, 0x04, ...Buffer.from("Host '1.2.3.4' is blocked")])
    err.writeUIntLE(err.length - 4, 0, 3)
    expect(play('mysql', [err]).detail).toMatch(/error 1130 Host '1\.2\.3\.4' is blocked/)
    expect(play('mysql', [Buffer.from([5, 0, 0, 0, 9, 1, 2, 3, 4])]).end).toBe('error')
    expect(play('mysql', [Buffer.from([3, 0, 0, 0, 10, 0x41, 0])]).detail).toMatch(/truncated/)
  })
})

describe('XMPP', () => {
  const header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x' from='chat.example.test' version='1.0'>"
  it("opens a stream to the target's host, sends <starttls/> when offered, ready on <proceed/>", () => {
    const r = play('xmpp', [`${header}<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"])
    expect(r.end).toBe('ready')
    expect(r.sent[0]).toMatch(/to='chat\.example\.test'/)
    expect(r.sent[1]).toBe("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
  })
  it('not offered, failure, stream error', () => {
    expect(play('xmpp', [`${header}<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`]).end).toBe('not-offered')
    expect(play('xmpp', [`${header}<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>`, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"]).end).toBe('not-offered')
    const e = play('xmpp', [`${header}<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`])
    expect(e).toMatchObject({ end: 'error', detail: 'the XMPP server closed the stream with the error host-unknown' })
  })
})

describe('every upgrade, whatever the server sends', () => {
  const scripts: Record<StarttlsKind, (string | Buffer)[]> = {
    smtp: SMTP_OK,
    submission: SMTP_OK,
    imap: ['* OK ready\r\n', '* CAPABILITY IMAP4rev1 STARTTLS\r\nV1 OK done\r\n', 'V2 OK go\r\n'],
    pop3: ['+OK ready\r\n', '+OK\r\nSTLS\r\n.\r\n', '+OK go\r\n'],
    ftp: ['220 ready\r\n', '234 go\r\n'],
    ldap: [ldapResponse(0)],
    postgres: ['S'],
    mysql: [mysqlHandshake(0xffff)],
    xmpp: ["<stream:stream version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>", "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"],
  }
  it('reaches the same end however the bytes are split into reads', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STARTTLS_KINDS), fc.array(fc.nat(), { maxLength: 8 }), (kind, cuts) => {
        const whole = play(kind, scripts[kind])
        const split = play(kind, scripts[kind], (n) => cuts.map((c) => c % (n + 1)))
        expect(whole.end).toBe('ready')
        expect(split.end).toBe('ready')
        expect(split.sent).toEqual(whole.sent)
      }),
      { numRuns: 300 },
    )
  })
  it('never throws and never ends ready on random bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STARTTLS_KINDS), fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }), (kind, replies) => {
        const r = play(kind, replies.map((b) => Buffer.from(b)))
        // a random reply that happens to be a valid acceptance is possible only for PostgreSQL's one byte
        if (r.end === 'ready') expect(kind === 'postgres' || kind === 'mysql').toBe(true)
        expect(['more', 'send', 'ready', 'not-offered', 'error']).toContain(r.end)
      }),
      { numRuns: 500 },
    )
  })
})
