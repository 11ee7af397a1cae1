// Just enough DER (X.690) for what node:crypto does not say: the algorithm identifiers of an
// encrypted PKCS#8 key (RFC 5958, RFC 8018; node can decrypt such a key but cannot say how it is
// protected without the passphrase), and the peer certificate inside a TLS session (the HSTS probe).

/** Bytes that are not DER (or nest deeper than we read): the only error parseDer throws. */
export class DerError extends Error {
  override name = 'DerError'
}

export interface DerNode {
  tag: number
  /** content bytes */
  value: Buffer
  /** children, for constructed nodes (SEQUENCE/SET/context-constructed) */
  children?: DerNode[]
}

function readLength(buf: Buffer, off: number): { len: number; off: number } {
  const first = buf[off]
  if (first === undefined) throw new DerError('truncated DER length')
  if (first < 0x80) return { len: first, off: off + 1 }
  const n = first & 0x7f
  if (n === 0 || n > 4 || off + 1 + n > buf.length) throw new DerError('unsupported DER length')
  let len = 0
  for (let i = 0; i < n; i++) len = len * 256 + buf[off + 1 + i]!
  return { len, off: off + 1 + n }
}

/** One DER element at the start of `buf`, its children (if any) not read; `size`: its bytes in `buf`. */
export function readDerElement(buf: Buffer): DerNode & { size: number } {
  const tag = buf[0]
  if (tag === undefined) throw new DerError('empty DER')
  const { len, off } = readLength(buf, 1)
  if (off + len > buf.length) throw new DerError('DER element runs past its container')
  return { tag, value: buf.subarray(off, off + len), size: off + len }
}

/** The elements one after another in `buf` (a constructed element's value), their children not read. */
export function derElements(buf: Buffer): (DerNode & { size: number })[] {
  const out: (DerNode & { size: number })[] = []
  for (let rest = buf; rest.length; ) {
    const e = readDerElement(rest)
    out.push(e)
    rest = rest.subarray(e.size)
  }
  return out
}

/** Parses one DER element (and its children, to a bounded depth) at the start of `buf`. */
export function parseDer(buf: Buffer, depth = 0): DerNode & { size: number } {
  if (depth > 16) throw new DerError('DER nested too deeply')
  const node = readDerElement(buf)
  const { tag, value } = node
  if (tag & 0x20) {
    node.children = []
    let rest = value
    while (rest.length) {
      const child = parseDer(rest, depth + 1)
      node.children.push(child)
      rest = rest.subarray(child.size)
    }
  }
  return node
}

export function oidString(node: DerNode | undefined): string | undefined {
  if (!node || node.tag !== 0x06 || node.value.length === 0) return undefined
  const v = node.value
  const parts = [Math.floor(v[0]! / 40), v[0]! % 40]
  let acc = 0
  for (let i = 1; i < v.length; i++) {
    acc = acc * 128 + (v[i]! & 0x7f)
    if (!(v[i]! & 0x80)) {
      parts.push(acc)
      acc = 0
    }
  }
  return parts.join('.')
}

export function derInteger(node: DerNode | undefined): number | undefined {
  if (!node || node.tag !== 0x02 || node.value.length > 6) return undefined
  let n = 0
  for (const b of node.value) n = n * 256 + b
  return n
}
