// Exceptions (waivers): `waivers.yaml` names a check and a target (exact or glob) that are allowed
// to fail until an expiry date, with the justification, the approver and the ticket. A waived
// finding keeps its verdict and evidence, is reported as `waived`, and does not fail the run. An
// expired or malformed waiver waives nothing and is itself reported; nothing about a waiver is
// silent, because an auditor reads exceptions first.
import * as z from 'zod'
import { issueLines, parseYamlDocument, readConfigText, type YamlDocument } from '../core/config-file.ts'
import type { Finding, WaiverUse } from './model.ts'

const text = (what: string) => z.string({ error: `${what} is required` }).trim().min(1, `${what} must not be empty`)

export const WaiverEntrySchema = z
  .object({
    /** stable id the auditor can cite, e.g. `WVR-2026-014` */
    id: text('id').regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'use letters, digits, dot, dash, colon or underscore (max 64)'),
    /** check id or glob (`tls.protocols`, `ssh.server.*`) */
    check: text('check'),
    /** target name or glob (`legacy-billing`, `legacy-*`) */
    target: text('target'),
    justification: text('justification'),
    approver: text('approver'),
    ticket: text('ticket'),
    /** last day (UTC) the waiver applies */
    expires: z.string({ error: 'expires is required, as a date YYYY-MM-DD' }).superRefine((d, ctx) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) ctx.addIssue({ code: 'custom', message: 'expires must be a date YYYY-MM-DD' })
      else if (Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || !new Date(`${d}T00:00:00Z`).toISOString().startsWith(d)) ctx.addIssue({ code: 'custom', message: 'expires is not a calendar date' })
    }),
  })
  .strict()
export type WaiverEntry = z.infer<typeof WaiverEntrySchema>

export const WaiversFileSchema = z.object({ waivers: z.array(z.unknown()) }).strict()

export interface Waiver extends WaiverEntry {
  /** where it is written: `waivers.yaml:12` */
  source: string
}

export interface WaiverProblem {
  kind: 'waiver-invalid' | 'waiver-expired' | 'waiver-unknown-check' | 'waiver-unused'
  message: string
}

export interface WaiverSet {
  file: string
  /** the file exactly as read (kept in the evidence bundle) */
  text: string
  waivers: Waiver[]
  /** entries that do not waive anything, with the reason (invalid ones never enter `waivers`) */
  problems: WaiverProblem[]
}

/**
 * Reads a waivers file. A missing file is a usage error (the operator named it); anything wrong
 * inside it is a problem of the entry concerned, reported, never a reason to drop the other entries.
 */
export function loadWaivers(file: string, knownChecks: readonly string[]): WaiverSet {
  // bounded read: `--waivers /dev/zero` must not read forever
  return parseWaivers(readConfigText(file, 'the waivers file'), file, knownChecks)
}

export function parseWaivers(body: string, file: string, knownChecks: readonly string[]): WaiverSet {
  const set: WaiverSet = { file, text: body, waivers: [], problems: [] }
  let doc: YamlDocument
  try {
    doc = parseYamlDocument(body, file)
  } catch (e) {
    set.problems.push({ kind: 'waiver-invalid', message: `${(e as Error).message}; no waiver in this file applies` })
    return set
  }
  const top = WaiversFileSchema.safeParse(doc.raw)
  if (!top.success) {
    for (const line of issueLines(top.error.issues, file, doc.lineOf)) set.problems.push({ kind: 'waiver-invalid', message: `${line}; no waiver in this file applies` })
    return set
  }
  const ids = new Map<string, string>()
  top.data.waivers.forEach((raw, i) => {
    const at = `${file}${doc.lineOf(['waivers', i]) ? `:${doc.lineOf(['waivers', i])}` : ''}`
    const parsed = WaiverEntrySchema.safeParse(raw)
    if (!parsed.success) {
      const lines = issueLines(parsed.error.issues, file, doc.lineOf, ['waivers', i])
      set.problems.push({ kind: 'waiver-invalid', message: `${lines.join('; ')}; this waiver does not apply` })
      return
    }
    const w = parsed.data
    const prior = ids.get(w.id)
    if (prior) {
      set.problems.push({ kind: 'waiver-invalid', message: `${at}: field waivers[${i}].id: "${w.id}" is already used at ${prior}; this waiver does not apply` })
      return
    }
    ids.set(w.id, at)
    if (!knownChecks.some((c) => matches(w.check, c))) {
      // a typo in the check id would otherwise waive nothing without anyone noticing
      set.problems.push({ kind: 'waiver-unknown-check', message: `${at}: waiver ${w.id}: check "${w.check}" matches no check id (see \`vigil checks\`); it waives nothing` })
    }
    set.waivers.push({ ...w, source: at })
  })
  return set
}

/** A waiver applies through the end of its `expires` day, UTC. */
export function waiverActive(w: Pick<Waiver, 'expires'>, at: Date): boolean {
  return at.getTime() < Date.parse(`${w.expires}T00:00:00Z`) + 86_400_000
}

/**
 * `*` (any run) and `?` (one character), nothing else: a waiver names checks and targets, and a
 * general glob (brace ranges, extglobs) lets one line of a waivers file hang the run. Linear, with
 * one backtrack point.
 */
export function matches(pattern: string, value: string): boolean {
  let p = 0
  let v = 0
  let star = -1
  let mark = 0
  while (v < value.length) {
    if (p < pattern.length && pattern[p] !== '*' && (pattern[p] === '?' || pattern[p] === value[v])) {
      p++
      v++
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++
      mark = v
    } else if (star >= 0) {
      p = star + 1
      v = ++mark
    } else return false
  }
  while (pattern[p] === '*') p++
  return p === pattern.length
}

/**
 * Applies the waivers to the findings of a run that started at `at`, one finding at a time (a large
 * run streams its findings through). Failed and error findings a valid, unexpired waiver matches
 * become `waived` (the first matching waiver in file order wins); `verdict` keeps what the check
 * decided. `finish` gives one usage row per waiver and the problems (expired waivers, waivers
 * matching nothing).
 */
export class WaiverApplier {
  private readonly set: WaiverSet | undefined
  private readonly uses: WaiverUse[]

  constructor(set: WaiverSet | undefined, at: Date) {
    this.set = set
    this.uses = (set?.waivers ?? []).map((w) => ({
      id: w.id,
      source: w.source,
      check: w.check,
      target: w.target,
      approver: w.approver,
      ticket: w.ticket,
      expires: w.expires,
      justification: w.justification,
      state: waiverActive(w, at) ? 'active' : 'expired',
      waived: [],
      matchedPassing: [],
    }))
  }

  apply(f: Finding): Finding {
    if (!this.set) return f
    const i = this.set.waivers.findIndex((w) => matches(w.check, f.checkId) && matches(w.target, f.target))
    if (i < 0) return f
    const use = this.uses[i]!
    if (f.verdict === 'passed' || f.verdict === 'skipped' || f.verdict === 'not-applicable') {
      use.matchedPassing.push(f.id)
      return f
    }
    use.waived.push(f.id)
    if (use.state !== 'active') return f
    const w = this.set.waivers[i]!
    return { ...f, status: 'waived' as const, waiver: { id: w.id, justification: w.justification, approver: w.approver, ticket: w.ticket, expires: w.expires, source: w.source } }
  }

  finish(): { uses: WaiverUse[]; problems: WaiverProblem[] } {
    const problems: WaiverProblem[] = [...(this.set?.problems ?? [])]
    for (const u of this.uses) {
      if (u.state === 'expired')
        problems.push({
          kind: 'waiver-expired',
          message: `${u.source}: waiver ${u.id} (${u.check} on ${u.target}, ${u.ticket}) expired on ${u.expires}; it waives nothing${u.waived.length ? ` and ${u.waived.length} finding(s) it matched keep their verdict` : ''}`,
        })
      else if (u.waived.length === 0 && u.matchedPassing.length === 0)
        problems.push({ kind: 'waiver-unused', message: `${u.source}: waiver ${u.id} (${u.check} on ${u.target}) matched no finding of this run` })
    }
    return { uses: this.uses, problems }
  }
}

/** The waivers applied to a whole list of findings at once (see WaiverApplier). */
export function applyWaivers(findings: readonly Finding[], set: WaiverSet | undefined, at: Date): { findings: Finding[]; uses: WaiverUse[]; problems: WaiverProblem[] } {
  const applier = new WaiverApplier(set, at)
  const out = findings.map((f) => applier.apply(f))
  return { findings: out, ...applier.finish() }
}
