// The TLS probe: observes one endpoint with raw ClientHellos (one TCP connection each, never a
// finished handshake) and fills the parts of TlsObservation the selected checks need.
//
// Handshake economy, because a fleet scan is bounded by round trips:
// - a version is decided by one hello offering its suites (a second ≤128-suite chunk only when the
//   first is refused for a reason other than `protocol_version`);
// - every answer is remembered per version (suites seen accepted, suites seen refused), so a suite
//   category starts with ONE hello offering only its unknown members and is enumerated (pick,
//   remove, repeat) only when the server accepts one; later categories reuse all earlier answers;
// - DHE sizes, curves, and the certificate chain come from ServerKeyExchange/Certificate messages of
//   hellos already made whenever possible;
// - a dead or silent port costs one refusal/timeout: the first hello goes alone, the rest follow only
//   if it was answered.
import { isIP } from 'node:net'
import type { ErrorKind, ObserveContext } from '../types.ts'
import type { TlsTarget } from './target.ts'
import {
  MAX_VIOLATION_BYTES,
  TLS_PARTS,
  TLS_VERSIONS,
  type CertificateObservation,
  type HelloRecord,
  type HstsObservation,
  type KeyExchangeObservation,
  type PartError,
  type ProtocolViolation,
  type SuiteCategory,
  type SuitesObservation,
  type TlsObservation,
  type TlsVersion,
} from './observation.ts'
import { SUITE_CATEGORIES, TLS_SUITE_SLOTS, categorySuites, isDhe, isEcdhe, suiteByCode, suiteName, suitesForVersion, type CipherSuite } from './cipher-suites.ts'
import { DEFAULT_TLS12_GROUPS, DEFAULT_TLS13_GROUPS, NAMED_GROUPS, groupByName, groupName, inMozillaCurves, isWeakGroup } from './named-groups.ts'
import { MAX_SUITES_PER_HELLO, buildClientHello, buildSslv2ClientHello, chunkSuites } from './wire/client-hello.ts'
import { parseServerKeyExchange, type ServerFlight, type ServerHello } from './wire/server-messages.ts'
import { exchangeHello, type HelloExchange, type UpgradeRecord } from './wire/raw-connection.ts'
import { createUpgrader, type Upgrader } from './wire/starttls.ts'
import { describeChain, fetchChainWithNodeTls } from './certificate.ts'
import { probeHsts } from './hsts-probe.ts'

/** Versions probed besides the first (TLS 1.2) hello, newest first. */
const OTHER_VERSIONS: TlsVersion[] = ['TLSv1.3', 'TLSv1.1', 'TLSv1.0', 'SSLv3', 'SSLv2']
const TLS12_OR_OLDER: TlsVersion[] = ['TLSv1.2', 'TLSv1.1', 'TLSv1.0', 'SSLv3']

interface HelloResult {
  outcome: 'accepted' | 'refused' | 'error'
  /** the server answered this hello with a different version (it refused ours) */
  otherVersion?: TlsVersion
  /** `protocol_version` alert: the version is refused whatever the suites */
  versionRefused: boolean
  chosen?: number
  group?: number
  dhBits?: number
  flight?: ServerFlight
  errorKind?: ErrorKind
  error?: string
  /** the ServerHello broke the protocol (see violationOf) */
  violation?: ProtocolViolation
}

/** Why a step could not be completed, and whether the server broke the protocol doing it. */
interface StepError {
  error: string
  kind?: ErrorKind
}

interface VersionKnowledge {
  /**
   * What the server said of each suite under this version, by CipherSuite.slot: ACCEPTED when it
   * picked the suite, REFUSED when a hello offering it was refused (both bits can be set)
   */
  suites: Uint8Array
  dheBits?: number
  /** SSLv2: cipher specs the server listed */
  sslv2Specs?: number[]
}

const ACCEPTED = 1
const REFUSED = 2

type VersionStatus = { status: 'accepted'; preferred?: number } | { status: 'refused' } | { status: 'undetermined'; reason: string; errorKind?: ErrorKind }

const hex16 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`
const EXTENSION_NAMES: Record<number, string> = { 43: 'supported_versions', 51: 'key_share', 0xff01: 'renegotiation_info' }

/**
 * What is wrong with a ServerHello answering a TLS (not SSLv2) hello that offered `version` and
 * `offered`, if anything. A known version BELOW the offered one is not wrong: that is how a server
 * refuses our version (it answers with its own, and the probe records the refusal).
 */
export function violationOf(version: TlsVersion, offered: readonly CipherSuite[], sh: ServerHello): ProtocolViolation | undefined {
  const viaExtension = sh.versionCode !== sh.legacyVersion ? ' (in supported_versions)' : ''
  let reason: string | undefined
  if (sh.version === undefined || sh.version === 'SSLv2')
    reason = `the ServerHello names version ${hex16(sh.versionCode)}${viaExtension}, which is not a TLS version; the hello offered ${version}`
  else if (TLS_VERSIONS.indexOf(sh.version) > TLS_VERSIONS.indexOf(version))
    reason = `the ServerHello names ${sh.version}${viaExtension}, above the ${version} the hello offered`
  else if (!offered.some((s) => s.code === sh.cipherSuite))
    reason = `the ServerHello chose cipher suite ${suiteName(sh.cipherSuite)} (${hex16(sh.cipherSuite)}), which the hello did not offer (it offered ${offered.length} suite(s) under ${version})`
  if (!reason) return undefined
  // The wire reader keeps the ServerHello's fields, not its bytes; these fields are copied verbatim,
  // so re-encoding them gives the body exactly as sent up to its extensions.
  const fixed = Buffer.concat([
    Buffer.from([sh.legacyVersion >> 8, sh.legacyVersion & 0xff]),
    sh.random,
    Buffer.from([sh.sessionId.length]),
    sh.sessionId,
    Buffer.from([sh.cipherSuite >> 8, sh.cipherSuite & 0xff, sh.compression]),
  ]).subarray(0, MAX_VIOLATION_BYTES)
  const exts = sh.extensionTypes.map((t) => `${EXTENSION_NAMES[t] ?? 'extension'}(${t})`)
  return {
    reason,
    bytesHex: fixed.toString('hex'),
    bytesOf: `ServerHello body as sent up to its extensions (legacy_version, random, session_id, cipher_suite, compression_method)${exts.length ? `; extensions not kept: ${exts.join(', ')}` : ''}`,
  }
}

function errorOf(e: unknown, fallback: ErrorKind = 'protocol'): PartError {
  const err = e as Error & { kind?: ErrorKind }
  return { kind: err?.kind ?? fallback, message: err?.message ?? String(e) }
}

class TlsProbeSession {
  readonly hellos: HelloRecord[] = []
  readonly stats = { rawHellos: 0, fullHandshakes: 0, connections: 0 }
  readonly knowledge = new Map<TlsVersion, VersionKnowledge>()
  readonly acceptedGroups = new Set<number>()
  readonly refusedGroups = new Set<number>()
  /** chain from the first accepted TLS ≤1.2 hello that carried a Certificate message */
  chain?: { ders: Buffer[]; protocol: TlsVersion; index: number }
  /** some hello got a TLS (or SSLv2) answer: the peer speaks the protocol */
  sawTls = false
  /** a `starttls:` target: a new upgrade dialogue for each connection */
  readonly upgrade?: () => Upgrader
  /** the first connection's upgrade (the first hello goes alone, so it is the first connection's) */
  firstUpgrade?: UpgradeRecord
  private readonly target: TlsTarget
  private readonly ctx: ObserveContext
  private readonly connectHost: string
  private readonly sni: string | undefined

  constructor(target: TlsTarget, ctx: ObserveContext) {
    this.target = target
    this.ctx = ctx
    this.connectHost = target.address ?? target.host
    this.sni = isIP(target.host) ? undefined : target.host
    const kind = target.starttls
    if (kind) this.upgrade = () => createUpgrader(kind, target.host)
  }

  know(v: TlsVersion): VersionKnowledge {
    let k = this.knowledge.get(v)
    if (!k) this.knowledge.set(v, (k = { suites: new Uint8Array(TLS_SUITE_SLOTS) }))
    return k
  }

  /**
   * One raw hello. `groups` replaces the default supported_groups; such a hello asks about groups,
   * so its refusal says nothing about the suites it offered.
   */
  async hello(purpose: string, version: TlsVersion, suites: readonly CipherSuite[], groups?: readonly number[], emptyKeyShare = false): Promise<HelloResult> {
    const codes = suites.map((s) => s.code)
    let bytes: Buffer
    if (version === 'SSLv2') bytes = buildSslv2ClientHello(codes)
    else {
      const g = groups ?? (version === 'TLSv1.3' ? DEFAULT_TLS13_GROUPS : version === 'SSLv3' ? undefined : DEFAULT_TLS12_GROUPS)
      bytes = buildClientHello({ version, suites: codes, serverName: this.sni, groups: g, ...(emptyKeyShare ? { keyShares: [] } : {}) })
    }
    const ex: HelloExchange = await this.ctx.limit(this.connectHost, () =>
      exchangeHello({ host: this.connectHost, port: this.target.port, hello: bytes, timeoutMs: this.ctx.timeoutMs, ...(this.upgrade ? { upgrade: this.upgrade } : {}) }),
    )
    if (ex.upgrade) this.firstUpgrade ??= ex.upgrade
    this.stats.rawHellos++
    if (ex.connected || ex.outcome !== 'error') this.stats.connections++
    const result = this.interpret(version, suites, groups ? [] : suites, ex)
    const record: HelloRecord = {
      protocol: version,
      purpose,
      offeredSuites: suites.length,
      ...(groups ? { offeredGroups: groups.map(groupName) } : {}),
      outcome: result.outcome,
      ...(result.chosen !== undefined ? { chosenSuite: suiteName(result.chosen, version === 'SSLv2') } : {}),
      ...(result.flight?.serverHello?.version ? { serverVersion: result.flight.serverHello.version } : result.flight?.sslv2ServerHello ? { serverVersion: 'SSLv2' as const } : {}),
      ...(result.group !== undefined ? { group: groupName(result.group) } : {}),
      ...(result.dhBits !== undefined ? { dhBits: result.dhBits } : {}),
      ...(result.flight?.alert ? { alert: result.flight.alert.name } : {}),
      ...(result.error ? { error: result.error } : {}),
      ...(result.outcome === 'error' && result.errorKind ? { errorKind: result.errorKind } : {}),
      ...(result.violation ? { violation: result.violation } : {}),
      durationMs: ex.durationMs,
    }
    this.hellos.push(record)
    return result
  }

  /**
   * `offered`: the suites the hello offered; `refusable`: those a refusal proves unsupported under
   * `version` (none for a hello that asks about groups).
   */
  private interpret(version: TlsVersion, offered: readonly CipherSuite[], refusable: readonly CipherSuite[], ex: HelloExchange): HelloResult {
    if (ex.outcome === 'error') return { outcome: 'error', versionRefused: false, errorKind: ex.errorKind ?? 'protocol', error: ex.detail, flight: ex.flight }
    if (ex.outcome === 'closed') return { outcome: 'refused', versionRefused: false, error: ex.detail }
    this.sawTls = true
    const f = ex.flight!
    const k = this.know(version)
    if (version === 'SSLv2') {
      const sh = f.sslv2ServerHello
      if (sh && sh.version === 0x0002 && sh.cipherSpecs.length > 0) {
        k.sslv2Specs = sh.cipherSpecs
        return { outcome: 'accepted', versionRefused: false, chosen: sh.cipherSpecs[0], flight: f }
      }
      // a TLS-only server answers an SSLv2 hello with a TLS alert or its own ServerHello
      return { outcome: 'refused', versionRefused: true, flight: f, otherVersion: f.serverHello?.version }
    }
    const sh = f.serverHello
    if (!sh) {
      if (!f.alert) return { outcome: 'error', versionRefused: false, errorKind: 'protocol', error: 'the server answered without a ServerHello or an alert', flight: f }
      markRefused(k, refusable)
      return { outcome: 'refused', versionRefused: f.alert.description === 70, flight: f }
    }
    // an impossible answer is neither an acceptance nor a refusal of what was offered
    const violation = violationOf(version, offered, sh)
    if (violation) return { outcome: 'error', versionRefused: false, errorKind: 'protocol', error: violation.reason, violation, chosen: sh.cipherSuite, flight: f }
    if (sh.version !== version) return { outcome: 'refused', versionRefused: true, otherVersion: sh.version, chosen: sh.cipherSuite, flight: f }
    // one of the offered suites (violationOf), so in the catalog
    const suite = suiteByCode(sh.cipherSuite)
    if (suite) k.suites[suite.slot]! |= ACCEPTED
    const result: HelloResult = { outcome: 'accepted', versionRefused: false, chosen: sh.cipherSuite, flight: f }
    if (sh.keyShareGroup !== undefined) result.group = sh.keyShareGroup
    if (f.serverKeyExchange && suite) {
      const ske = parseServerKeyExchange(f.serverKeyExchange, suite.kx)
      if (ske.kind === 'dhe' && isDhe(suite)) {
        result.dhBits = ske.primeBits
        k.dheBits ??= ske.primeBits
      } else if (ske.kind === 'ecdhe' && ske.namedGroup !== undefined) result.group = ske.namedGroup
    }
    if (result.group !== undefined) this.acceptedGroups.add(result.group)
    if (f.certificates?.length && !this.chain && version !== 'TLSv1.3') this.chain = { ders: f.certificates, protocol: version, index: this.hellos.length }
    return result
  }

  /** Is `version` accepted? One hello per ≤128-suite chunk, stopping at the first decisive answer. */
  async probeVersion(version: TlsVersion): Promise<VersionStatus> {
    for (const chunk of versionChunks(version)) {
      const r = await this.hello('protocol support', version, chunk)
      if (r.outcome === 'accepted') return { status: 'accepted', preferred: r.chosen }
      if (r.outcome === 'error') return { status: 'undetermined', reason: r.error ?? 'error', ...(r.errorKind ? { errorKind: r.errorKind } : {}) }
      // a peer that hangs up on a plain hello before ever speaking TLS is not probed further
      if (!this.sawTls) return { status: 'undetermined', reason: r.error ?? 'closed without answering' }
      if (r.versionRefused) return { status: 'refused' }
    }
    return { status: 'refused' }
  }

  /**
   * Accepted suites of one category under one version: one hello, enumerated only when accepted.
   * `padding`: suites of the categories asked about next; a hello with room left offers the unknown
   * ones among them too (see categoryPadding).
   */
  async enumerate(version: TlsVersion, category: SuiteCategory, padding: readonly CipherSuite[] = []): Promise<string[] | StepError> {
    const k = this.know(version)
    const members = categorySuites(version, category)
    if (version === 'SSLv2') {
      // an SSLv2 SERVER-HELLO lists every shared cipher at once
      return (k.sslv2Specs ?? []).filter((c) => members.some((m) => m.code === c)).map((c) => suiteName(c, true))
    }
    let first = true
    for (;;) {
      const unknown = members.filter((s) => k.suites[s.slot] === 0)
      if (!unknown.length) break
      let chunk = unknown.slice(0, MAX_SUITES_PER_HELLO)
      if (chunk.length < MAX_SUITES_PER_HELLO && padding.length) {
        const room = MAX_SUITES_PER_HELLO - chunk.length
        const extra: CipherSuite[] = []
        for (let i = 0; i < padding.length && extra.length < room; i++) if (k.suites[padding[i]!.slot] === 0) extra.push(padding[i]!)
        if (extra.length) chunk = chunk.concat(extra)
      }
      const r = await this.hello(first ? `suites:${category}` : `suites:${category} (enumerate)`, version, chunk)
      first = false
      if (r.outcome === 'error') return stepError(r)
      // an accepted pick is one of `chunk` (interpret turns any other pick into a violation)
      if (r.outcome !== 'accepted') markRefused(k, chunk)
    }
    return members.filter((s) => k.suites[s.slot]! & ACCEPTED).map((s) => s.name)
  }

  /** DH prime size under `version`, from an earlier DHE answer or one hello offering only DHE suites. */
  async dheBits(version: TlsVersion): Promise<number | undefined | StepError> {
    const k = this.know(version)
    if (k.dheBits !== undefined) return k.dheBits
    let first = true
    for (;;) {
      const candidates = suitesForVersion(version).filter((s) => isDhe(s) && !(k.suites[s.slot]! & REFUSED))
      if (!candidates.length) return undefined
      const chunk = candidates.slice(0, MAX_SUITES_PER_HELLO)
      const r = await this.hello(first ? 'kex: DHE group size' : 'kex: DHE group size (next chunk)', version, chunk)
      first = false
      if (r.outcome === 'error') return stepError(r)
      if (r.outcome === 'accepted') return r.dhBits ?? { error: `DHE suite ${suiteName(r.chosen!)} accepted but its ServerKeyExchange was unreadable` }
      markRefused(k, chunk)
    }
  }

  /**
   * Which of `groups` the server accepts: hellos offering only these groups (and suites that use a
   * group), recording the server's pick and removing it until it refuses.
   */
  async enumerateGroups(version: TlsVersion, label: string, groups: readonly number[]): Promise<StepError | undefined> {
    const tls13 = version === 'TLSv1.3'
    const k = this.know(version)
    const suites = suitesForVersion(version).filter((s) => (tls13 || isEcdhe(s)) && !(k.suites[s.slot]! & REFUSED)).slice(0, MAX_SUITES_PER_HELLO)
    if (!suites.length) return undefined // no suite that would use a group is accepted here
    let remaining = groups.filter((g) => !this.acceptedGroups.has(g) && !this.refusedGroups.has(g))
    let first = true
    while (remaining.length) {
      // TLS 1.3: no key share at all, so the server must name its pick in a HelloRetryRequest
      const r = await this.hello(first ? `kex: ${label}` : `kex: ${label} (enumerate)`, version, suites, remaining, tls13)
      first = false
      if (r.outcome === 'error') return stepError(r)
      if (r.outcome !== 'accepted') {
        for (const g of remaining) this.refusedGroups.add(g)
        return undefined
      }
      if (r.group === undefined) return { error: `the server accepted a ${label} hello without naming a group` }
      if (!remaining.includes(r.group)) return undefined // the server ignores supported_groups; its pick is recorded
      remaining = remaining.filter((g) => g !== r.group)
    }
    return undefined
  }
}

/** Records that the suites were refused (an indexed loop: this runs for every suite of every refused hello). */
function markRefused(k: VersionKnowledge, suites: readonly CipherSuite[]): void {
  for (let i = 0; i < suites.length; i++) k.suites[suites[i]!.slot]! |= REFUSED
}

/** The ≤128-suite chunks each version is probed with, computed once per version. */
const protocolChunks = new Map<TlsVersion, readonly (readonly CipherSuite[])[]>()
function versionChunks(version: TlsVersion): readonly (readonly CipherSuite[])[] {
  let chunks = protocolChunks.get(version)
  if (!chunks) protocolChunks.set(version, (chunks = chunkSuites(suitesForVersion(version))))
  return chunks
}

function stepError(r: HelloResult): StepError {
  return { error: r.error ?? 'error', ...(r.errorKind ? { kind: r.errorKind } : {}) }
}

/** TLS ≤ 1.2 curves asked about in one enumeration: the weak ones first, then the others outside the Mozilla list. */
const ASKED_TLS12_GROUPS = [
  ...NAMED_GROUPS.filter((g) => g.tls12 && isWeakGroup(g)),
  ...NAMED_GROUPS.filter((g) => g.tls12 && !isWeakGroup(g) && !inMozillaCurves(g.name)),
].map((g) => g.code)
const OUTSIDE_TLS13_GROUPS = NAMED_GROUPS.filter((g) => g.tls13 && !inMozillaCurves(g.name)).map((g) => g.code)

export async function observeTls(target: TlsTarget, ctx: ObserveContext): Promise<TlsObservation> {
  const started = performance.now()
  const s = new TlsProbeSession(target, ctx)
  const obs: TlsObservation = {
    target: { name: target.name, host: target.host, address: target.address ?? target.host, port: target.port, ...(target.starttls ? { starttls: target.starttls } : {}) },
    hellos: s.hellos,
    stats: { ...s.stats, durationMs: 0 },
  }
  const needs = ctx.needs
  const categories = SUITE_CATEGORIES.filter((c) => needs.has(TLS_PARTS.suites(c)))
  const wantKex = needs.has(TLS_PARTS.keyExchange)
  // suites and key exchange are probed per accepted protocol, so they imply the protocol probe
  const wantProtocols = needs.has(TLS_PARTS.protocols) || categories.length > 0 || wantKex
  const wantCert = needs.has(TLS_PARTS.certificate)
  // a service that upgrades to TLS is not an HTTPS one: http.hsts is not-applicable to it
  const wantHsts = needs.has(TLS_PARTS.hsts) && !target.starttls

  let hsts: Promise<HstsObservation | { error: PartError }> | undefined
  try {
    if (wantProtocols || wantCert || needs.has(TLS_PARTS.upgrade)) {
      // the first hello goes alone: a dead or silent endpoint costs exactly one refusal or timeout
      const first = await s.probeVersion('TLSv1.2')
      const firstHello = s.hellos[0]
      if (target.starttls && s.firstUpgrade)
        obs.upgrade = { protocol: target.starttls, status: s.firstUpgrade.status, ...(s.firstUpgrade.detail ? { detail: s.firstUpgrade.detail } : {}), dialogue: s.firstUpgrade.dialogue }
      if (first.status === 'undetermined' && !s.sawTls && firstHello) {
        // a service that does not offer its upgrade has no TLS to observe: tls.required fails it
        obs.error = { kind: firstHello.errorKind ?? 'protocol', message: `${target.host}:${target.port}: ${firstHello.error ?? 'no answer'}` }
        return finish()
      }
      // the endpoint speaks TLS: the HTTP request can run alongside the raw hellos
      if (wantHsts) hsts = observeHsts(s, target, ctx)
      const status = new Map<TlsVersion, VersionStatus>([['TLSv1.2', first]])
      if (wantProtocols) {
        const rest = await Promise.all(OTHER_VERSIONS.map(async (v) => [v, await s.probeVersion(v)] as const))
        for (const [v, st] of rest) status.set(v, st)
      }
      if (wantProtocols) {
        const accepted = [...status].filter(([, st]) => st.status === 'accepted').map(([v]) => v)
        obs.protocols = {
          accepted,
          refused: [...status].filter(([, st]) => st.status === 'refused').map(([v]) => v),
          undetermined: [...status].flatMap(([v, st]) =>
            st.status === 'undetermined' ? [{ version: v, reason: st.reason, ...(st.errorKind ? { errorKind: st.errorKind } : {}) }] : [],
          ),
        }
        // suites first: key exchange then reuses what they learned (DHE suites refused, curves seen)
        if (categories.length) obs.suites = await observeSuites(s, status, categories)
        if (wantKex) obs.keyExchange = await observeKeyExchange(s, status)
      }
    }
    if (wantCert) obs.certificate = await observeCertificate(s, target, ctx)
    if (wantHsts) obs.hsts = await (hsts ?? observeHsts(s, target, ctx))
  } catch (e) {
    // a bug here must not take the run down: it becomes the endpoint's error
    obs.error = { kind: 'protocol', message: `TLS probe failed: ${(e as Error)?.message ?? String(e)}` }
  }
  return finish()

  function finish(): TlsObservation {
    obs.stats = { ...s.stats, durationMs: Math.round(performance.now() - started) }
    return obs
  }
}

async function observeSuites(s: TlsProbeSession, status: Map<TlsVersion, VersionStatus>, categories: SuiteCategory[]): Promise<SuitesObservation> {
  const byProtocol: SuitesObservation['byProtocol'] = {}
  const preferred: SuitesObservation['preferred'] = {}
  const undetermined: NonNullable<SuitesObservation['undetermined']> = []
  await Promise.all(
    [...status].map(async ([v, st]) => {
      if (st.status !== 'accepted') return
      if (st.preferred !== undefined && v !== 'SSLv2') preferred[v] = suiteName(st.preferred)
      const cats: Partial<Record<SuiteCategory, string[]>> = {}
      const order = categoryOrder(v, categories)
      for (const [i, c] of order.entries()) {
        const r = await s.enumerate(v, c, categoryPadding(v, order, i))
        if (Array.isArray(r)) cats[c] = r
        else undetermined.push({ protocol: v, category: c, reason: r.error, ...(r.kind ? { errorKind: r.kind } : {}) })
      }
      byProtocol[v] = cats
    }),
  )
  return { byProtocol, preferred, ...(undetermined.length ? { undetermined } : {}) }
}

/**
 * The order in which a version's categories are asked about. Small, usually refused categories
 * first: their one refused hello settles many suites at once. But a category whose suites are all in
 * another asked-about category goes after it when that one's enumeration answers it for free: `all`
 * (which settles every suite anyway), or a category that fits one hello, such as `fs` under TLS 1.3
 * (every TLS 1.3 suite is forward-secret), whose last refused hello also refuses `weak`. A larger
 * covering category goes in its turn: asked first, it would take more chunks than the small
 * categories' refusals leave it (`outside-intermediate` under TLS 1.2 covers `weak` and `non-fs`).
 */
function categoryOrder(version: TlsVersion, cats: readonly SuiteCategory[]): readonly SuiteCategory[] {
  const key = `${version} ${cats.join(' ')}`
  let order = categoryOrders.get(key)
  if (!order) {
    const rank: SuiteCategory[] = ['weak', 'non-fs', 'fs', 'outside-intermediate', 'outside-modern', 'all']
    const sorted = [...cats].sort((a, b) => rank.indexOf(a) - rank.indexOf(b))
    const codes = new Map(sorted.map((c) => [c, new Set(categorySuites(version, c).map((s) => s.code))]))
    const covers = (a: SuiteCategory, b: SuiteCategory) =>
      a !== b && (a === 'all' || codes.get(a)!.size <= MAX_SUITES_PER_HELLO) && [...codes.get(b)!].every((code) => codes.get(a)!.has(code))
    const covered = (c: SuiteCategory) => sorted.some((d) => covers(d, c))
    categoryOrders.set(key, (order = [...sorted.filter((c) => !covered(c)), ...sorted.filter(covered)]))
  }
  return order
}
const categoryOrders = new Map<string, readonly SuiteCategory[]>()

/**
 * What a hello about `order[i]` may offer besides that category's own unknown suites, when it has room
 * (fewer than 128): the suites of the categories asked about after it, in their order. Each hello
 * then either finds one more accepted suite or refuses up to 128 at once, so the suites a category
 * leaves over (TLS 1.2's `non-fs` is 129: a second hello for one suite) ride along with another
 * category's hello instead of costing one of their own. A padded hello that is accepted found a suite
 * the later category would have needed a hello for anyway; the category it asked about is then asked
 * again. Only categories the checks need: nothing is asked that was not going to be.
 */
function categoryPadding(version: TlsVersion, order: readonly SuiteCategory[], i: number): readonly CipherSuite[] {
  const key = `${version} ${order.join(' ')} ${i}`
  let padding = categoryPaddings.get(key)
  if (!padding) {
    // the category's own suites, then each suite once
    const seen = new Set(categorySuites(version, order[i]!).map((s) => s.slot))
    padding = order.slice(i + 1).flatMap((c) => categorySuites(version, c)).filter((s) => !seen.has(s.slot) && !!seen.add(s.slot))
    categoryPaddings.set(key, padding)
  }
  return padding
}
const categoryPaddings = new Map<string, readonly CipherSuite[]>()

async function observeKeyExchange(s: TlsProbeSession, status: Map<TlsVersion, VersionStatus>): Promise<KeyExchangeObservation | { error: PartError }> {
  const accepted = (v: TlsVersion) => status.get(v)?.status === 'accepted'
  const dheBits: KeyExchangeObservation['dheBits'] = {}
  const problems: string[] = []
  let violated = false
  const problem = (what: string, e: StepError) => {
    problems.push(`${what}: ${e.error}`)
    if (e.kind === 'protocol') violated = true
  }
  const legacy = TLS12_OR_OLDER.filter(accepted)
  const tasks: Promise<void>[] = legacy.map(async (v) => {
    const r = await s.dheBits(v)
    if (typeof r === 'number') dheBits[v] = r
    else if (r) problem(`DHE under ${v}`, r)
  })
  // curve support does not depend on the protocol version: ask under the newest legacy version.
  // Weak curves and curves outside the Mozilla list are asked about together: a server that takes
  // none refuses one hello, and one that takes some names each in turn, whichever list it is on.
  const ecVersion = legacy.find((v) => v !== 'SSLv3') // SSLv3 hellos carry no supported_groups
  if (ecVersion) {
    const label = 'curves below 256 bits or outside the Mozilla list'
    tasks.push(
      s.enumerateGroups(ecVersion, label, ASKED_TLS12_GROUPS).then((r) => {
        if (r) problem(`${label} under ${ecVersion}`, r)
      }),
    )
  }
  if (accepted('TLSv1.3')) {
    tasks.push(
      (async () => {
        const r = await s.enumerateGroups('TLSv1.3', 'TLS 1.3 groups outside the Mozilla list', OUTSIDE_TLS13_GROUPS)
        if (r) problem('TLS 1.3 groups', r)
      })(),
    )
  }
  await Promise.all(tasks)
  // a server that broke the protocol did not merely leave a gap: say so
  if (problems.length) return { error: { kind: violated ? 'protocol' : 'inconclusive', message: `key exchange not fully observed: ${problems.join('; ')}` } }
  // in code order, not the order concurrent hellos happened to finish: two runs of an unchanged
  // server record the same lists (nightly drift compares them)
  const acceptedGroups = [...s.acceptedGroups].sort((a, b) => a - b).map(groupName)
  const groupBits: Record<string, number> = {}
  for (const name of acceptedGroups) {
    const g = groupByName(name)
    if (g) groupBits[name] = g.bits
  }
  return {
    dheBits,
    acceptedGroups,
    refusedGroups: [...s.refusedGroups].filter((g) => !s.acceptedGroups.has(g)).sort((a, b) => a - b).map(groupName),
    groupBits,
  }
}

async function observeCertificate(s: TlsProbeSession, target: TlsTarget, ctx: ObserveContext): Promise<CertificateObservation | { error: PartError }> {
  try {
    if (s.chain) return describeChain(s.chain.ders, { source: 'raw-hello', protocol: s.chain.protocol, host: target.host, extraCaPems: ctx.extraCaPems })
    // TLS 1.3 only (its Certificate message is encrypted), or only anonymous suites: one real handshake
    s.stats.fullHandshakes++
    s.stats.connections++
    const { ders, protocol } = await fetchChainWithNodeTls(target, ctx)
    return describeChain(ders, { source: 'node-tls', protocol, host: target.host, extraCaPems: ctx.extraCaPems })
  } catch (e) {
    return { error: errorOf(e) }
  }
}

async function observeHsts(s: TlsProbeSession, target: TlsTarget, ctx: ObserveContext): Promise<HstsObservation | { error: PartError }> {
  try {
    s.stats.fullHandshakes++
    s.stats.connections++
    return await probeHsts(target, ctx)
  } catch (e) {
    return { error: errorOf(e) }
  }
}
