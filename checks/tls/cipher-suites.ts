// The cipher-suite catalog (checks/tls/data/cipher-suites.json) and the suite categories the TLS
// probe enumerates and the judges reason about (SuiteCategory in observation.ts).
//
// Category decisions, so judges and probe agree on one definition:
// - `fs` is ephemeral (EC)DH key exchange that is also authenticated (RSA/DSS/ECDSA, or a PSK), plus
//   every TLS 1.3 suite. Anonymous (EC)DH suites are ephemeral but NOT counted as forward secret:
//   without authentication an active attacker holds the session keys anyway, and testssl.sh leaves
//   aNULL out of its forward-secrecy list for the same reason. They are `non-fs` and `weak`.
// - `non-fs` is the complement of `fs` in the catalog, so fs ∪ non-fs = all for every protocol.
// - `weak` is NULL encryption, EXPORT, anonymous, RC4, RC2, DES, 3DES, IDEA, or an MD5 MAC.
//   RC2 is added to the usual list because every RC2 suite is export-grade or MD5 anyway and an
//   explicit reason reads better in a finding.
// - `outside-intermediate` / `outside-modern`: not in that Mozilla 6.0 profile's suites (TLS 1.2
//   `ciphers.iana` plus TLS 1.3 `ciphersuites`).
import type { SuiteCategory, TlsVersion } from './observation.ts'
import rows from './data/cipher-suites.json' with { type: 'json' }
import mozilla from './data/mozilla-6.0.json' with { type: 'json' }

export interface CipherSuite {
  /** wire code: 16 bits for SSLv3/TLS suites, 24 bits for SSLv2 cipher specs */
  code: number
  /** `0x00,0x2F` as in the IANA registry */
  codeHex: string
  /** the name Vigil reports: the IANA name, else OpenSSL's, else the hex code */
  name: string
  iana: string | null
  openssl: string | null
  /** lowest protocol the suite is defined for */
  protocol: 'SSLv2' | 'SSLv3' | 'TLSv1.0' | 'TLSv1.2' | 'TLSv1.3'
  kx: string
  au: string
  enc: string
  mac: string
  export: boolean
  /**
   * A small number for the suite's wire code, the same for every row with that code: an index into
   * per-code state (the probe's per-version knowledge). SSLv3/TLS codes are numbered 0 … TLS_SUITE_SLOTS−1;
   * SSLv2 cipher specs, a separate code space, have their own numbers from 0.
   */
  slot: number
}

export const SUITE_CATEGORIES: readonly SuiteCategory[] = ['all', 'fs', 'non-fs', 'weak', 'outside-intermediate', 'outside-modern']

const MIN_PROTOCOL: Record<string, CipherSuite['protocol']> = {
  SSLv2: 'SSLv2',
  SSLv3: 'SSLv3',
  TLSv1: 'TLSv1.0',
  'TLSv1.2': 'TLSv1.2',
  'TLSv1.3': 'TLSv1.3',
}

const slotsByCode = { tls: new Map<number, number>(), sslv2: new Map<number, number>() }
export const CIPHER_SUITES: readonly CipherSuite[] = rows.map((r) => {
  const bytes = r.code.split(',').map((b) => parseInt(b, 16))
  const protocol = MIN_PROTOCOL[r.protocol]
  if (!protocol) throw new Error(`cipher-suites.json: unknown protocol ${r.protocol} for ${r.code}`)
  const code = bytes.reduce((acc, b) => acc * 256 + b, 0)
  const slots = protocol === 'SSLv2' ? slotsByCode.sslv2 : slotsByCode.tls
  let slot = slots.get(code)
  if (slot === undefined) slots.set(code, (slot = slots.size))
  return {
    code,
    codeHex: r.code,
    name: r.iana ?? r.openssl ?? r.code,
    iana: r.iana,
    openssl: r.openssl,
    protocol,
    kx: r.kx,
    au: r.au,
    enc: r.enc,
    mac: r.mac,
    export: r.export,
    slot,
  }
})

/** How many distinct SSLv3/TLS suite codes the catalog has (see CipherSuite.slot). */
export const TLS_SUITE_SLOTS = slotsByCode.tls.size

/** Suites by wire code: SSLv3/TLS suites and SSLv2 cipher specs are separate code spaces. */
const byCode = new Map<number, CipherSuite>()
const sslv2ByCode = new Map<number, CipherSuite>()
const byName = new Map<string, CipherSuite>()
for (const s of CIPHER_SUITES) {
  const codes = s.protocol === 'SSLv2' ? sslv2ByCode : byCode
  if (!codes.has(s.code)) codes.set(s.code, s)
  for (const n of [s.name, s.iana, s.openssl]) if (n && !byName.has(n)) byName.set(n, s)
}

/** A suite by wire code; `sslv2` selects the 24-bit SSLv2 cipher-spec space. */
export function suiteByCode(code: number, sslv2 = false): CipherSuite | undefined {
  return (sslv2 ? sslv2ByCode : byCode).get(code)
}

/** A suite by IANA or OpenSSL name. */
export function suiteByName(name: string): CipherSuite | undefined {
  return byName.get(name)
}

/** The name Vigil reports for a wire code, `0xC0,0x2F` style when the catalog does not know it. */
export function suiteName(code: number, sslv2 = false): string {
  const s = suiteByCode(code, sslv2)
  if (s) return s.name
  const width = sslv2 ? 3 : 2
  const bytes: string[] = []
  for (let i = width - 1; i >= 0; i--) bytes.push(`0x${((code >> (8 * i)) & 0xff).toString(16).toUpperCase().padStart(2, '0')}`)
  return bytes.join(',')
}

const EPHEMERAL_KX = new Set(['DH', 'DH(512)', 'DH(1024)', 'ECDH', 'DHEPSK', 'ECDHEPSK', 'CECPQ1', 'any'])

export function isAnonymous(s: CipherSuite): boolean {
  return s.au === 'None'
}

/** Ephemeral (EC)DHE with authentication, or TLS 1.3 (see the header for why anonymous is excluded). */
export function isForwardSecret(nameOrSuite: string | CipherSuite): boolean {
  const s = typeof nameOrSuite === 'string' ? suiteByName(nameOrSuite) : nameOrSuite
  if (!s) return false
  return EPHEMERAL_KX.has(s.kx) && !isAnonymous(s)
}

/** Finite-field ephemeral DH (what a DHE ServerKeyExchange carries), anonymous or not. */
export function isDhe(s: CipherSuite): boolean {
  return s.kx === 'DH' || s.kx === 'DH(512)' || s.kx === 'DH(1024)'
}

/** Elliptic-curve ephemeral DH, anonymous or not. */
export function isEcdhe(s: CipherSuite): boolean {
  return s.kx === 'ECDH'
}

/** Why a suite is weak; [] when it is not (or unknown to the catalog). */
export function weakReasons(nameOrSuite: string | CipherSuite): string[] {
  const s = typeof nameOrSuite === 'string' ? suiteByName(nameOrSuite) : nameOrSuite
  if (!s) return []
  const reasons: string[] = []
  if (s.enc === 'None') reasons.push('NULL encryption')
  if (s.export) reasons.push('EXPORT')
  if (isAnonymous(s)) reasons.push('anonymous')
  if (s.enc.startsWith('RC4')) reasons.push('RC4')
  if (s.enc.startsWith('RC2')) reasons.push('RC2')
  if (s.enc.startsWith('3DES')) reasons.push('3DES')
  else if (s.enc.startsWith('DES')) reasons.push('DES')
  if (s.enc.startsWith('IDEA')) reasons.push('IDEA')
  if (s.mac === 'MD5') reasons.push('MD5 MAC')
  return reasons
}

const intermediate = mozilla.configurations.intermediate
const modern = mozilla.configurations.modern
const INTERMEDIATE_SUITES = new Set([...intermediate.ciphersuites, ...intermediate.ciphers.iana])
const MODERN_SUITES = new Set([...modern.ciphersuites, ...modern.ciphers.iana])

export function suiteInCategory(nameOrSuite: string | CipherSuite, category: SuiteCategory): boolean {
  const s = typeof nameOrSuite === 'string' ? suiteByName(nameOrSuite) : nameOrSuite
  switch (category) {
    case 'all':
      return true
    case 'fs':
      return s ? isForwardSecret(s) : false
    case 'non-fs':
      // an unknown suite cannot be shown to be forward secret
      return s ? !isForwardSecret(s) : true
    case 'weak':
      return s ? weakReasons(s).length > 0 : false
    case 'outside-intermediate':
      return !(s?.iana && INTERMEDIATE_SUITES.has(s.iana))
    case 'outside-modern':
      return !(s?.iana && MODERN_SUITES.has(s.iana))
  }
}

const ALLOWED_PROTOCOLS: Record<TlsVersion, CipherSuite['protocol'][]> = {
  SSLv2: ['SSLv2'],
  SSLv3: ['SSLv3'],
  'TLSv1.0': ['SSLv3', 'TLSv1.0'],
  'TLSv1.1': ['SSLv3', 'TLSv1.0'],
  'TLSv1.2': ['SSLv3', 'TLSv1.0', 'TLSv1.2'],
  'TLSv1.3': ['TLSv1.3'],
}

// The probe asks for these lists on every hello; they are computed once per version (and category).
const forVersion = new Map<TlsVersion, readonly CipherSuite[]>()
const inCategory = new Map<string, readonly CipherSuite[]>()

/** Suites that can be offered in a hello of `version` (SSLv2 cipher specs only for SSLv2), in offer order. */
export function suitesForVersion(version: TlsVersion): readonly CipherSuite[] {
  let list = forVersion.get(version)
  if (!list) {
    const set = ALLOWED_PROTOCOLS[version]
    list = OFFER_ORDER.filter((s) => set.includes(s.protocol))
    forVersion.set(version, list)
  }
  return list
}

/** The suites of `category` that can be offered under `version`, in offer order. */
export function categorySuites(version: TlsVersion, category: SuiteCategory): readonly CipherSuite[] {
  const key = `${version} ${category}`
  let list = inCategory.get(key)
  if (!list) {
    list = suitesForVersion(version).filter((s) => suiteInCategory(s, category))
    inCategory.set(key, list)
  }
  return list
}

// Order in which suites are offered. Servers that honour the client's order then pick mainstream
// suites first, and the first ≤128-suite chunk of a version holds everything a normal server runs,
// so a protocol is usually decided by one hello.
function offerRank(s: CipherSuite): number {
  if (s.protocol === 'TLSv1.3') return s.enc === 'None' ? 5 : 0
  const weak = weakReasons(s).length > 0
  const kx = isAnonymous(s) ? 6 : s.kx === 'ECDH' ? 1 : s.kx === 'DH' ? 2 : s.kx === 'RSA' ? 3 : 5
  const enc = /^(AESGCM|ChaCha20)/.test(s.enc) ? 0 : /^AES\(/.test(s.enc) ? 1 : /^(Camellia|ARIA|AESCCM|SEED)/.test(s.enc) ? 2 : 3
  return (weak ? 60 : 0) + kx * 10 + enc
}
const OFFER_ORDER: CipherSuite[] = CIPHER_SUITES.map((s, i) => ({ s, i, r: offerRank(s) }))
  .sort((a, b) => a.r - b.r || a.i - b.i)
  .map((x) => x.s)
