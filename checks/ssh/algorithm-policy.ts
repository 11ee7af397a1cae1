// The two ways a policy can judge an offered algorithm list: a deny list (glob patterns such as
// `*-cbc`), or an allow-list baseline compared `exact` (same algorithms, same order) or `subset`
// (nothing outside the baseline), like ssh-audit's policies.
import { matchesGlob } from 'node:path'
import { SEVERITIES, type EvidenceItem, type Offender, type Severity, type Verdict } from '../types.ts'
import type { KexinitObservation, SshObservation } from './observation.ts'
import { endpoint, hostKeyTrustEvidence, part } from './observation-parts.ts'

export interface AlgorithmPolicyParams {
  /** `deny` (default): fail on any offered algorithm matching a deny pattern; `baseline`: compare with the allow-list */
  mode?: 'deny' | 'baseline'
  /** glob patterns; replaces the default deny list */
  deny?: string[]
  /** the allow-list for `baseline` mode; replaces the default baseline */
  baseline?: string[]
  /** baseline comparison: `subset` (default) or `exact` */
  match?: 'exact' | 'subset'
}

/** Markers in the kex list that are not algorithms (RFC 8308 ext-info, OpenSSH strict kex). */
export const PSEUDO_KEX = ['ext-info-s', 'ext-info-c', 'kex-strict-s-v00@openssh.com', 'kex-strict-c-v00@openssh.com']

export interface AlgorithmFinding {
  algorithm: string
  /** the deny pattern it matched, or the rule (`not in baseline`, …) */
  rule: string
}

export interface AlgorithmJudgement {
  mode: 'deny' | 'baseline'
  offered: string[]
  findings: AlgorithmFinding[]
  /** baseline mode: baseline algorithms the server does not offer (fails only in `exact`) */
  missing: string[]
  /** baseline exact: the order differs */
  orderDiffers: boolean
  expected: Record<string, unknown>
}

export function matchesAny(algorithm: string, patterns: readonly string[]): string | undefined {
  return patterns.find((p) => p === algorithm || matchesGlob(algorithm, p))
}

export function judgeAlgorithmList(offered: string[], params: AlgorithmPolicyParams, defaults: { deny: readonly string[]; baseline: readonly string[] }): AlgorithmJudgement {
  const mode = params.mode ?? 'deny'
  if (mode === 'baseline') {
    const baseline = params.baseline ?? [...defaults.baseline]
    const match = params.match ?? 'subset'
    const findings = offered.filter((a) => !baseline.includes(a)).map((algorithm) => ({ algorithm, rule: 'not in baseline' }))
    const missing = baseline.filter((a) => !offered.includes(a))
    const orderDiffers = match === 'exact' && findings.length === 0 && missing.length === 0 && offered.some((a, i) => baseline[i] !== a)
    return { mode, offered, findings, missing: match === 'exact' ? missing : [], orderDiffers, expected: { mode, match, baseline } }
  }
  const deny = params.deny ?? [...defaults.deny]
  const findings: AlgorithmFinding[] = []
  for (const a of offered) {
    const rule = matchesAny(a, deny)
    if (rule) findings.push({ algorithm: a, rule })
  }
  return { mode, offered, findings, missing: [], orderDiffers: false, expected: { mode, deny } }
}

export function baselineFailed(j: AlgorithmJudgement): boolean {
  return j.findings.length > 0 || j.missing.length > 0 || j.orderDiffers
}

// ---- offenders: what a failed (or erroring) verdict names, with ids that survive routine change ----
//
// Ids of the offered lists: `kex/<name>`, `cipher/<name>`, `mac/<name>`, `hostkey-algorithm/<name>`
// — one per algorithm, however many directions offer it and wherever it sits in the server's list.
// Baseline `exact` mode adds `<class>-missing/<name>` (a baseline algorithm not offered) and
// `<class>-order` (everything offered, in another order). A whole-target error is `server` (server
// checks) or `keys` (key checks). Never a count, a time, a position or a line number.

/** The offender-id prefix of each offered list. */
export type AlgorithmClass = 'kex' | 'cipher' | 'mac' | 'hostkey-algorithm'

const rank = (s: Severity) => SEVERITIES.indexOf(s)

/** One offender per id (the reasons of duplicates joined, the worse explicit severity kept), sorted by id. */
export function uniqueOffenders(list: readonly Offender[]): Offender[] {
  const byId = new Map<string, Offender>()
  for (const o of list) {
    const prev = byId.get(o.id)
    if (!prev) {
      byId.set(o.id, { ...o })
      continue
    }
    if (!prev.why.split('; ').includes(o.why)) prev.why = `${prev.why}; ${o.why}`
    if (o.severity && (!prev.severity || rank(o.severity) < rank(prev.severity))) prev.severity = o.severity
  }
  // code-unit order, not localeCompare: the same everywhere
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/**
 * Makes a verdict's offenders agree with its status: `passed` and `not-applicable` name none;
 * `failed` and `error` name each (deduplicated, sorted by id), or — when the check could not say more
 * — the whole target (`server`, `keys`) with the summary as the reason.
 */
export function settleOffenders(v: Verdict, wholeTarget: 'server' | 'keys'): Verdict {
  if (v.status === 'passed' || v.status === 'not-applicable') {
    if (!('offenders' in v)) return v
    const { offenders: _drop, ...rest } = v
    return rest
  }
  return { ...v, offenders: v.offenders?.length ? uniqueOffenders(v.offenders) : [{ id: wholeTarget, why: v.summary }] }
}

function directionNote(algorithm: string, byDirection: Record<string, string[]> | undefined): string {
  if (!byDirection) return ''
  const cs = byDirection['clientToServer']?.includes(algorithm)
  const sc = byDirection['serverToClient']?.includes(algorithm)
  return cs && !sc ? ' (client to server only)' : sc && !cs ? ' (server to client only)' : ''
}

const NOUN: Record<AlgorithmClass, string> = { kex: 'key-exchange method', cipher: 'cipher', mac: 'MAC', 'hostkey-algorithm': 'host-key algorithm' }

/** The offenders of one judged list: each offending algorithm, and in baseline `exact` mode what is missing or out of order. */
export function algorithmOffenders(cls: AlgorithmClass, j: AlgorithmJudgement, o: { byDirection?: Record<string, string[]>; severityOf?: (algorithm: string) => Severity | undefined } = {}): Offender[] {
  const deny = (j.expected['deny'] as readonly string[] | undefined) ?? []
  const out: Offender[] = []
  for (const f of j.findings) {
    const rule = f.rule === 'not in baseline' ? 'not in the baseline' : deny.includes(f.rule) ? (f.rule === f.algorithm ? 'on the deny list' : `matches the deny pattern ${f.rule}`) : f.rule
    const severity = o.severityOf?.(f.algorithm)
    out.push({ id: `${cls}/${f.algorithm}`, why: `${NOUN[cls]} ${f.algorithm} offered${directionNote(f.algorithm, o.byDirection)}: ${rule}`, ...(severity ? { severity } : {}) })
  }
  for (const m of j.missing) out.push({ id: `${cls}-missing/${m}`, why: `${NOUN[cls]} ${m} is in the exact baseline but not offered` })
  if (j.orderDiffers) out.push({ id: `${cls}-order`, why: `the ${NOUN[cls]}s are offered in another order than the exact baseline: ${j.offered.join(',')}` })
  return out
}

export function describeFindings(j: AlgorithmJudgement, noun: string): string {
  const parts: string[] = []
  if (j.findings.length) {
    const list = j.findings.map((f) => (f.rule === f.algorithm || f.rule === 'not in baseline' ? f.algorithm : `${f.algorithm} (${f.rule})`))
    parts.push(`offers ${j.findings.length} ${j.mode === 'deny' ? 'denied' : 'non-baseline'} ${noun}: ${list.slice(0, 6).join(', ')}${list.length > 6 ? ', …' : ''}`)
  }
  if (j.missing.length) parts.push(`misses baseline ${noun}: ${j.missing.join(', ')}`)
  if (j.orderDiffers) parts.push(`offers the baseline ${noun} in another order`)
  return parts.join('; ')
}

/** A verdict about one of the server's offered lists (both directions merged), from its KEXINIT. */
export function offeredListVerdict(
  obs: SshObservation,
  o: {
    noun: string
    lists: (k: KexinitObservation) => { offered: string[]; byDirection?: Record<string, string[]> }
    params: AlgorithmPolicyParams
    defaults: { deny: readonly string[]; baseline: readonly string[] }
    /** offender-id prefix: `kex`, `cipher`, `mac` */
    offenderClass: AlgorithmClass
    /** an offending algorithm worse (or milder) than the check's default severity */
    severityOf?: (algorithm: string) => Severity | undefined
    /** deny mode only: more findings from rules that look at the whole list */
    extra?: (offered: string[]) => AlgorithmFinding[]
    extraExpected?: Record<string, unknown>
    /**
     * when the list is empty: why that is legitimate (the population is empty: `not-applicable`), or
     * undefined (default) when the protocol requires the list, so an empty one is a `protocol` error
     */
    emptyBecause?: (k: KexinitObservation) => string | undefined
  },
): Verdict {
  return settleOffenders(judgeOfferedList(obs, o), 'server')
}

function judgeOfferedList(obs: SshObservation, o: Parameters<typeof offeredListVerdict>[1]): Verdict {
  const k = part(obs, 'kexinit')
  if ('verdict' in k) return k.verdict
  const { offered, byDirection } = o.lists(k.data)
  if (offered.length === 0) return emptyListVerdict(obs, k.data, o.noun, o.emptyBecause?.(k.data), { ...judgeAlgorithmList([], o.params, o.defaults).expected, ...(o.extraExpected ?? {}) })
  const j = judgeAlgorithmList(offered, o.params, o.defaults)
  if (j.mode === 'deny' && o.extra) for (const f of o.extra(offered)) if (!j.findings.some((x) => x.algorithm === f.algorithm)) j.findings.push(f)
  const failed = j.mode === 'deny' ? j.findings.length > 0 : baselineFailed(j)
  const base = {
    expected: { ...j.expected, ...(j.mode === 'deny' ? (o.extraExpected ?? {}) : {}) },
    actual: { offered, findings: j.findings, ...(j.missing.length ? { missing: j.missing } : {}), ...(j.orderDiffers ? { orderDiffers: true } : {}) },
    observed: { endpoint: endpoint(obs), banner: k.data.banner, offered, ...(byDirection ? { byDirection } : {}), findings: j.findings },
    evidence: [kexinitEvidence(obs, k.data), hostKeyTrustEvidence(obs)],
  }
  if (failed) return { ...base, status: 'failed', summary: `${endpoint(obs)} ${describeFindings(j, o.noun)}`, offenders: algorithmOffenders(o.offenderClass, j, { ...(byDirection ? { byDirection } : {}), ...(o.severityOf ? { severityOf: o.severityOf } : {}) }) }
  return { ...base, status: 'passed', summary: j.mode === 'deny' ? `none of the ${offered.length} offered ${o.noun} is denied` : `the offered ${o.noun} fit the baseline (${j.expected['match']})` }
}

/**
 * A KEXINIT list with nothing in it. RFC 4253 §7.1 negotiates kex, host-key, cipher and MAC
 * algorithms from these lists: an empty one means no session can be agreed, which is a broken peer
 * (`protocol` error), not a compliant one — unless the check names a reason the list is not used.
 */
export function emptyListVerdict(obs: SshObservation, k: KexinitObservation, noun: string, notApplicableBecause: string | undefined, expected: Record<string, unknown>): Verdict {
  const base = {
    expected,
    actual: { offered: [] },
    observed: { endpoint: endpoint(obs), banner: k.banner, offered: [] },
    evidence: [kexinitEvidence(obs, k), hostKeyTrustEvidence(obs)],
  }
  if (notApplicableBecause) return { ...base, status: 'not-applicable', summary: `${endpoint(obs)} offered no ${noun}: ${notApplicableBecause}; nothing to judge` }
  return { ...base, status: 'error', errorKind: 'protocol', summary: `${endpoint(obs)} offered no ${noun} in its KEXINIT: no session can be negotiated (RFC 4253 §7.1)` }
}

/** Ciphers that carry their own integrity (OpenSSH AEAD): with them the MAC list is not used. */
export const MACLESS_AEAD = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']

export function kexinitEvidence(obs: SshObservation, k: KexinitObservation): EvidenceItem {
  return {
    kind: 'kexinit',
    description: `SSH_MSG_KEXINIT sent by ${endpoint(obs)} (${k.banner}) to a plain-socket probe, no login`,
    data: {
      banner: k.banner,
      kex: k.kex,
      hostKeyAlgorithms: k.hostKeyAlgorithms,
      ciphersClientToServer: k.ciphersClientToServer,
      ciphersServerToClient: k.ciphersServerToClient,
      macsClientToServer: k.macsClientToServer,
      macsServerToClient: k.macsServerToClient,
      compression: k.compressionServerToClient,
      payloadHex: k.payloadHex,
    },
  }
}

/** Both directions merged, in server order, with the directions shown when they differ. */
export function mergedDirections(cs: string[], sc: string[]): { offered: string[]; byDirection?: Record<string, string[]> } {
  const offered = [...new Set([...sc, ...cs])]
  const same = cs.length === sc.length && cs.every((a, i) => sc[i] === a)
  return same ? { offered } : { offered, byDirection: { clientToServer: cs, serverToClient: sc } }
}
