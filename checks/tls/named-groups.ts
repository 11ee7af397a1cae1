// TLS named groups (IANA "TLS Supported Groups" registry): code, name, size, and where they fit in
// the Mozilla 6.0 profiles. Names are the IANA ones (`secp256r1`, `x25519`, `X25519MLKEM768`);
// Mozilla's `prime256v1` is the same curve as `secp256r1`.
//
// `bits` is the size policies compare against, not a security level:
// - prime/binary curves: the field size (secp256r1 256, sect163k1 163);
// - x25519/x448: 256/448, as OpenSSL's and Mozilla's "ECDH ≥ 256" treat them (the group order
//   itself is 253/446 bits; counting that would fail every X25519 server against a 256 rule);
// - ffdhe*: the prime size, compared against DH minimums;
// - hybrid post-quantum groups: the size of their classical part (the PQ part only adds strength).
import mozilla from './data/mozilla-6.0.json' with { type: 'json' }

export interface NamedGroup {
  code: number
  name: string
  bits: number
  kind: 'ec' | 'ffdhe' | 'hybrid' | 'pq'
  /** usable in a TLS ≤1.2 ECDHE handshake (supported_groups + ServerKeyExchange) */
  tls12: boolean
  /** usable as a TLS 1.3 key_share group */
  tls13: boolean
}

const g = (code: number, name: string, bits: number, kind: NamedGroup['kind'], tls12: boolean, tls13: boolean): NamedGroup => ({
  code,
  name,
  bits,
  kind,
  tls12,
  tls13,
})

export const NAMED_GROUPS: readonly NamedGroup[] = [
  g(1, 'sect163k1', 163, 'ec', true, false),
  g(2, 'sect163r1', 163, 'ec', true, false),
  g(3, 'sect163r2', 163, 'ec', true, false),
  g(4, 'sect193r1', 193, 'ec', true, false),
  g(5, 'sect193r2', 193, 'ec', true, false),
  g(6, 'sect233k1', 233, 'ec', true, false),
  g(7, 'sect233r1', 233, 'ec', true, false),
  g(8, 'sect239k1', 239, 'ec', true, false),
  g(9, 'sect283k1', 283, 'ec', true, false),
  g(10, 'sect283r1', 283, 'ec', true, false),
  g(11, 'sect409k1', 409, 'ec', true, false),
  g(12, 'sect409r1', 409, 'ec', true, false),
  g(13, 'sect571k1', 571, 'ec', true, false),
  g(14, 'sect571r1', 571, 'ec', true, false),
  g(15, 'secp160k1', 160, 'ec', true, false),
  g(16, 'secp160r1', 160, 'ec', true, false),
  g(17, 'secp160r2', 160, 'ec', true, false),
  g(18, 'secp192k1', 192, 'ec', true, false),
  g(19, 'secp192r1', 192, 'ec', true, false),
  g(20, 'secp224k1', 224, 'ec', true, false),
  g(21, 'secp224r1', 224, 'ec', true, false),
  g(22, 'secp256k1', 256, 'ec', true, false),
  g(23, 'secp256r1', 256, 'ec', true, true),
  g(24, 'secp384r1', 384, 'ec', true, true),
  g(25, 'secp521r1', 521, 'ec', true, true),
  g(26, 'brainpoolP256r1', 256, 'ec', true, false),
  g(27, 'brainpoolP384r1', 384, 'ec', true, false),
  g(28, 'brainpoolP512r1', 512, 'ec', true, false),
  g(29, 'x25519', 256, 'ec', true, true),
  g(30, 'x448', 448, 'ec', true, true),
  g(31, 'brainpoolP256r1tls13', 256, 'ec', false, true),
  g(32, 'brainpoolP384r1tls13', 384, 'ec', false, true),
  g(33, 'brainpoolP512r1tls13', 512, 'ec', false, true),
  g(256, 'ffdhe2048', 2048, 'ffdhe', false, true),
  g(257, 'ffdhe3072', 3072, 'ffdhe', false, true),
  g(258, 'ffdhe4096', 4096, 'ffdhe', false, true),
  g(259, 'ffdhe6144', 6144, 'ffdhe', false, true),
  g(260, 'ffdhe8192', 8192, 'ffdhe', false, true),
  g(512, 'MLKEM512', 256, 'pq', false, true),
  g(513, 'MLKEM768', 256, 'pq', false, true),
  g(514, 'MLKEM1024', 256, 'pq', false, true),
  g(0x11eb, 'SecP256r1MLKEM768', 256, 'hybrid', false, true),
  g(0x11ec, 'X25519MLKEM768', 256, 'hybrid', false, true),
  g(0x11ed, 'SecP384r1MLKEM1024', 384, 'hybrid', false, true),
  g(0x6399, 'X25519Kyber768Draft00', 256, 'hybrid', false, true),
]

const byCode = new Map(NAMED_GROUPS.map((x) => [x.code, x]))
const byName = new Map(NAMED_GROUPS.map((x) => [x.name.toLowerCase(), x]))
byName.set('prime256v1', byCode.get(23)!)
byName.set('prime192v1', byCode.get(19)!)

export function groupByCode(code: number): NamedGroup | undefined {
  return byCode.get(code)
}

/** By IANA or OpenSSL name, case-insensitive (`prime256v1` = `secp256r1`). */
export function groupByName(name: string): NamedGroup | undefined {
  return byName.get(name.toLowerCase())
}

/** Reported name of a wire code; `0x01FF` style when the registry copy does not know it. */
export function groupName(code: number): string {
  return byCode.get(code)?.name ?? `0x${code.toString(16).toUpperCase().padStart(4, '0')}`
}

/** Elliptic curves below 256 bits: the ones every current profile forbids. */
export function isWeakGroup(group: NamedGroup): boolean {
  return group.kind === 'ec' ? group.bits < 256 : group.kind === 'ffdhe' ? group.bits < 2048 : false
}

export function inMozillaCurves(name: string, profile: 'intermediate' | 'modern' = 'intermediate'): boolean {
  const wanted = groupByName(name)
  if (!wanted) return false
  return mozilla.configurations[profile].tls_curves.some((c) => groupByName(c)?.code === wanted.code)
}

/** Groups offered in TLS ≤1.2 hellos when the probe is not asking about groups. */
export const DEFAULT_TLS12_GROUPS: readonly number[] = [29, 23, 24, 25, 30, 26, 27, 28, 22, 9, 10, 11, 12, 13, 14, 6, 7, 8, 4, 5, 1, 2, 3, 15, 16, 17, 18, 19, 20, 21]
/** Groups offered in TLS 1.3 hellos when the probe is not asking about groups (x25519 carries a key share). */
export const DEFAULT_TLS13_GROUPS: readonly number[] = [29, 23, 24, 25, 30, 0x11ec, 0x11eb, 0x11ed, 256, 257, 258, 259, 260]
