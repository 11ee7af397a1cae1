// IAM / S3 policy documents as IAM reads them: raw or URL-encoded JSON (IAM's GetPolicyVersion and
// GetAccountAuthorizationDetails URL-encode documents and SDK v3 does not decode them), every field
// either a string or an array, Statement either an object or an array.

export type Effect = 'Allow' | 'Deny'

/** `*` alone becomes `{ '*': ['*'] }`; otherwise keys like AWS, Service, Federated, CanonicalUser. */
export type PrincipalMap = Record<string, string[]>

/** Condition operator → condition key → values (always an array of the JSON values as written). */
export type ConditionBlock = Record<string, Record<string, unknown[]>>

export interface PolicyStatement {
  /** 0-based position in the document, for citing it when there is no Sid */
  index: number
  sid?: string
  effect: Effect
  principal?: PrincipalMap
  notPrincipal?: PrincipalMap
  action?: string[]
  notAction?: string[]
  resource?: string[]
  notResource?: string[]
  condition?: ConditionBlock
  /** the statement exactly as written, for evidence */
  raw: unknown
}

export interface PolicyDocument {
  version?: string
  statements: PolicyStatement[]
}

export class PolicyParseError extends Error {}

function decode(text: string): unknown {
  const t = text.trim()
  try {
    return JSON.parse(t)
  } catch {
    // IAM returns documents URL-encoded (RFC 3986); moto returns them raw
    try {
      return JSON.parse(decodeURIComponent(t.replace(/\+/g, '%20')))
    } catch {
      throw new PolicyParseError('the policy document is neither JSON nor URL-encoded JSON')
    }
  }
}

function strings(v: unknown, field: string): string[] {
  if (typeof v === 'string') return [v]
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
  throw new PolicyParseError(`${field} must be a string or an array of strings`)
}

function principal(v: unknown, field: string): PrincipalMap {
  if (v === '*') return { '*': ['*'] }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const out: PrincipalMap = {}
    for (const [k, val] of Object.entries(v)) out[k] = strings(val, `${field}.${k}`)
    return out
  }
  throw new PolicyParseError(`${field} must be "*" or an object`)
}

function condition(v: unknown, field: string): ConditionBlock {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new PolicyParseError(`${field} must be an object`)
  const out: ConditionBlock = {}
  for (const [op, keys] of Object.entries(v)) {
    if (!keys || typeof keys !== 'object' || Array.isArray(keys)) throw new PolicyParseError(`${field}.${op} must be an object`)
    out[op] = {}
    for (const [k, val] of Object.entries(keys)) out[op]![k] = Array.isArray(val) ? val : [val]
  }
  return out
}

export function parsePolicyDocument(input: string | object): PolicyDocument {
  const doc = typeof input === 'string' ? decode(input) : input
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new PolicyParseError('a policy document must be a JSON object')
  const d = doc as Record<string, unknown>
  const st = d.Statement
  if (st === undefined) throw new PolicyParseError('the policy document has no Statement')
  const list = Array.isArray(st) ? st : [st]
  const statements = list.map((raw, index): PolicyStatement => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PolicyParseError(`Statement[${index}] must be an object`)
    const s = raw as Record<string, unknown>
    const where = `Statement[${index}]`
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new PolicyParseError(`${where}.Effect must be Allow or Deny`)
    if (s.Action !== undefined && s.NotAction !== undefined) throw new PolicyParseError(`${where} has both Action and NotAction`)
    if (s.Resource !== undefined && s.NotResource !== undefined) throw new PolicyParseError(`${where} has both Resource and NotResource`)
    const out: PolicyStatement = { index, effect: s.Effect, raw }
    if (typeof s.Sid === 'string' && s.Sid) out.sid = s.Sid
    if (s.Principal !== undefined) out.principal = principal(s.Principal, `${where}.Principal`)
    if (s.NotPrincipal !== undefined) out.notPrincipal = principal(s.NotPrincipal, `${where}.NotPrincipal`)
    if (s.Action !== undefined) out.action = strings(s.Action, `${where}.Action`)
    if (s.NotAction !== undefined) out.notAction = strings(s.NotAction, `${where}.NotAction`)
    if (s.Resource !== undefined) out.resource = strings(s.Resource, `${where}.Resource`)
    if (s.NotResource !== undefined) out.notResource = strings(s.NotResource, `${where}.NotResource`)
    if (s.Condition !== undefined) out.condition = condition(s.Condition, `${where}.Condition`)
    return out
  })
  return { version: typeof d.Version === 'string' ? d.Version : undefined, statements }
}

/** How a finding cites a statement: `Sid "X"` or `Statement[2]`. */
export function statementLabel(s: PolicyStatement): string {
  return s.sid ? `Sid "${s.sid}"` : `Statement[${s.index}]`
}

export function hasCondition(s: PolicyStatement): boolean {
  return !!s.condition && Object.keys(s.condition).length > 0
}

/** Condition keys used by a statement, lower-case, with their operator. */
export function conditionEntries(s: PolicyStatement): { operator: string; key: string; values: unknown[] }[] {
  if (!s.condition) return []
  return Object.entries(s.condition).flatMap(([operator, keys]) => Object.entries(keys).map(([key, values]) => ({ operator, key: key.toLowerCase(), values })))
}

/** True when the statement's principal is everyone (`*`, `{"AWS":"*"}`, `arn:aws:iam::*:root`). */
export function principalIsEveryone(s: PolicyStatement): boolean {
  if (s.notPrincipal) return true // Allow/Deny to everyone except a few: treat as public for safety
  const p = s.principal
  if (!p) return false
  return Object.entries(p).some(([k, vals]) => (k === '*' || k === 'AWS') && vals.some((v) => v === '*' || /^arn:aws[a-z-]*:iam::\*:root$/.test(v)))
}
