// "Which actions does this principal effectively get on `*`?" — the union of its Allow statements
// that apply to every resource, minus its unconditional Deny statements on `*`. Grants and denials
// under a Condition are kept apart as *conditional*: an Allow with a Condition is a grant that holds
// when the condition does; a conditional Deny leaves the grant in place whenever it does not match.
// Evaluated against the shipped IAM action catalog, so `*`, `*:*`, `iam:*`, `iam:Put*` and NotAction
// all become concrete action sets. Permission boundaries, SCPs and session policies are not modelled.
import { actionAt, catalogSize, expandAction, patternKnown, serviceRange } from './iam-action-catalog.ts'
import { hasCondition, statementLabel, type PolicyDocument, type PolicyStatement } from './policy-document.ts'

/** One policy a principal holds, and how it holds it. */
export interface PolicySource {
  /** policy name (inline) or ARN (managed) */
  policy: string
  /** `inline`, `attached`, `group:<name> inline`, `group:<name> attached` */
  via: string
  document: PolicyDocument
}

/** A statement cited in a finding: which policy, which statement, and what it says. */
export interface StatementCitation {
  policy: string
  via: string
  statement: string
  effect: 'Allow' | 'Deny'
  action?: string[]
  notAction?: string[]
  resource?: string[]
  notResource?: string[]
  condition?: unknown
}

/**
 * Which resource patterns count as "all resources":
 * - `star`: only `Resource: "*"` (and NotResource, which applies to everything but a few)
 * - `broad`: also trailing-wildcard ARNs without policy variables, e.g. `arn:aws:iam::*:role/*`;
 *   a resource scoped to `${aws:username}` is not broad (Prowler false positive #5731)
 */
export type ResourceScope = 'star' | 'broad'

const ALLOW = 1
const ALLOW_COND = 2
const DENY = 4
const DENY_COND = 8

interface StatementEntry {
  citation: StatementCitation
  conditional: boolean
  /** catalog indices the statement's Action covers, or the NotAction exclusions */
  set: Set<number>
  inverted: boolean
}

export interface EffectiveActions {
  flags: Uint8Array
  allows: StatementEntry[]
  denies: StatementEntry[]
  /** action patterns in the principal's statements that the catalog does not know (typos, new or fake services) */
  unknownPatterns: string[]
  /** Allow statements that apply only under NotResource: they still count as `*`, with this caveat */
  notResourceAllows: StatementCitation[]
}

function cite(src: PolicySource, s: PolicyStatement): StatementCitation {
  const c: StatementCitation = { policy: src.policy, via: src.via, statement: statementLabel(s), effect: s.effect }
  if (s.action) c.action = s.action
  if (s.notAction) c.notAction = s.notAction
  if (s.resource) c.resource = s.resource
  if (s.notResource) c.notResource = s.notResource
  if (s.condition) c.condition = s.condition
  return c
}

function broadPattern(r: string): boolean {
  return r === '*' || (!r.includes('${') && /(^|[:/])\*$/.test(r))
}

function appliesToAll(s: PolicyStatement, scope: ResourceScope): boolean {
  // a statement without Resource is invalid in identity policies; AWS rejects it, so it grants nothing
  if (s.notResource) return s.effect === 'Allow'
  if (!s.resource) return false
  return s.resource.some((r) => (scope === 'star' || s.effect === 'Deny' ? r === '*' : broadPattern(r)))
}

export function effectiveActions(sources: PolicySource[], scope: ResourceScope = 'star'): EffectiveActions {
  const n = catalogSize()
  const flags = new Uint8Array(n)
  const allows: StatementEntry[] = []
  const denies: StatementEntry[] = []
  const unknown = new Set<string>()
  const notResourceAllows: StatementCitation[] = []
  for (const src of sources) {
    for (const s of src.document.statements) {
      const patterns = s.action ?? s.notAction ?? []
      for (const p of patterns) if (!patternKnown(p)) unknown.add(p)
      if (!appliesToAll(s, scope)) continue
      const set = new Set<number>()
      for (const p of patterns) for (const i of expandAction(p)) set.add(i)
      const conditional = hasCondition(s)
      const entry: StatementEntry = { citation: cite(src, s), conditional, set, inverted: !!s.notAction }
      const bit = s.effect === 'Allow' ? (conditional ? ALLOW_COND : ALLOW) : conditional ? DENY_COND : DENY
      if (entry.inverted) {
        for (let i = 0; i < n; i++) if (!set.has(i)) flags[i]! |= bit
      } else for (const i of set) flags[i]! |= bit
      ;(s.effect === 'Allow' ? allows : denies).push(entry)
      if (s.effect === 'Allow' && s.notResource) notResourceAllows.push(entry.citation)
    }
  }
  return { flags, allows, denies, unknownPatterns: [...unknown].sort(), notResourceAllows }
}

export type Grant = 'allowed' | 'conditional' | 'denied' | 'none'

export function grantOf(eff: EffectiveActions, i: number): Grant {
  const f = eff.flags[i]!
  if (f & DENY) return f & (ALLOW | ALLOW_COND) ? 'denied' : 'none'
  if (f & ALLOW) return f & DENY_COND ? 'conditional' : 'allowed'
  if (f & ALLOW_COND) return 'conditional'
  return 'none'
}

export interface Coverage {
  total: number
  allowed: number
  conditional: number
  /** every action allowed without condition */
  full: boolean
  /** every action allowed, some only under a condition */
  fullIfConditionsHold: boolean
  /** a few actions left out (after Deny or not granted), for the finding */
  missingSample: string[]
}

function coverageOf(eff: EffectiveActions, from: number, to: number): Coverage {
  let allowed = 0
  let conditional = 0
  const missing: string[] = []
  for (let i = from; i < to; i++) {
    const g = grantOf(eff, i)
    if (g === 'allowed') allowed++
    else if (g === 'conditional') conditional++
    else if (missing.length < 5) missing.push(actionAt(i))
  }
  const total = to - from
  return { total, allowed, conditional, full: total > 0 && allowed === total, fullIfConditionsHold: total > 0 && allowed + conditional === total && conditional > 0, missingSample: missing }
}

/** Coverage of the whole catalog: `*` on `*`. */
export function allActionsCoverage(eff: EffectiveActions): Coverage {
  return coverageOf(eff, 0, catalogSize())
}

/** Coverage of one service (`iam`, `kms`, …); total 0 for a service the catalog does not know. */
export function serviceCoverage(eff: EffectiveActions, service: string): Coverage {
  const r = serviceRange(service)
  return r ? coverageOf(eff, r[0], r[1]) : coverageOf(eff, 0, 0)
}

/** Grant of one named action (`iam:PassRole`). */
export function actionGrant(eff: EffectiveActions, action: string): Grant {
  const idx = expandAction(action)
  if (idx.length !== 1) return 'none'
  return grantOf(eff, idx[0]!)
}

function covers(e: StatementEntry, i: number): boolean {
  return e.inverted ? !e.set.has(i) : e.set.has(i)
}

/** The Allow statements that grant any of the given actions, and the Deny statements that touch them. */
export function decisiveStatements(eff: EffectiveActions, actions: Iterable<number>): { allows: StatementCitation[]; denies: StatementCitation[] } {
  const idx = [...actions]
  const pick = (list: StatementEntry[]) => list.filter((e) => idx.some((i) => covers(e, i))).map((e) => e.citation)
  return { allows: pick(eff.allows), denies: pick(eff.denies) }
}

export function serviceIndices(service: string): number[] {
  const r = serviceRange(service)
  if (!r) return []
  return Array.from({ length: r[1] - r[0] }, (_, k) => r[0] + k)
}

export function actionIndex(action: string): number | undefined {
  const idx = expandAction(action)
  return idx.length === 1 ? idx[0] : undefined
}
