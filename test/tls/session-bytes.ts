// TLS session bytes as the HSTS probe reads them (checks/tls/hsts-probe.ts sessionLeaf), built for
// its unit and fuzz tests: OpenSSL's SSL_SESSION shape, bare or behind node's own prefix.

/** One DER element (short or two-byte long length). */
export function derTlv(tag: number, value: Buffer): Buffer {
  const len = value.length < 0x80 ? Buffer.from([value.length]) : Buffer.from([0x82, value.length >> 8, value.length & 0xff])
  return Buffer.concat([Buffer.from([tag]), len, value])
}

/** An SSL_SESSION as OpenSSL writes it: version, ssl_version, cipher, id, master key, [1] time, [2] timeout, [3] peer (the leaf). */
export function opensslSession(leaf: Buffer): Buffer {
  const int = (...b: number[]) => derTlv(0x02, Buffer.from(b))
  return derTlv(0x30, Buffer.concat([int(1), int(3, 4), derTlv(0x04, Buffer.from([0x13, 0x02])), derTlv(0x04, Buffer.alloc(32)), derTlv(0x04, Buffer.alloc(48)), derTlv(0xa1, int(1)), derTlv(0xa2, int(2)), derTlv(0xa3, leaf)]))
}

/** What node 24's `getSession()` returns: its tag, the server name's 16-bit length and the name, then the session. */
export function nodeSession(session: Buffer, serverName: string): Buffer {
  const name = Buffer.from(serverName)
  return Buffer.concat([Buffer.from('\0nodejs:tls:session:1\0', 'latin1'), Buffer.from([name.length >> 8, name.length & 0xff]), name, session])
}
