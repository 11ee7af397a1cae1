// What `vigil lint` reports: one problem per mistake, located at a line of the team's repository
// (a feature file, vigil.yaml or the waivers file), under a stable rule id. Pure: no I/O.
import { isAbsolute, relative, resolve } from 'node:path'
import { VIGIL_ROOT } from '../core/vigil-root.ts'

/** Every rule `vigil lint` applies, with the one-line description SARIF and `--help` show. */
export const LINT_RULES = {
  'gherkin-syntax': 'A feature file is not valid Gherkin; none of its scenarios can run.',
  'undefined-step': "A step matches no phrase of Vigil's step library (`vigil steps` lists them).",
  'ambiguous-step': 'A step matches several phrases of the step library.',
  'check-tag': 'A scenario needs exactly one @check:<id> tag.',
  'unknown-check': 'The @check: tag names no check of the catalog (`vigil checks`).',
  'check-mismatch': "The scenario's phrase judges another check than its @check: tag names (the run would observe for one check and judge another).",
  'judges-nothing': 'The scenario has no phrase that judges anything: it would never produce a finding.',
  'wrong-kind': 'The scenario selects targets of a kind its check does not apply to.',
  'no-selection': 'The scenario selects no targets (`Given every TLS endpoint`, …) before it judges.',
  'phrase-error': 'A phrase refuses its own parameters (for instance an unknown Mozilla profile name).',
  'unknown-control': 'A control tag (@soc2:…, @hipaa:…) names no control of the catalog (`vigil controls`).',
  'missing-id': "A team scenario has no @id:<slug> tag: its findings would be keyed by file and name, and change identity when either changes.",
  'invalid-tag': 'An @id: or @severity: tag is repeated or not valid.',
  'duplicate-key': 'Several scenarios share one scenario key (@id:, or file and name): their findings would be one finding.',
  'unmatched-selection': '`Given every … tagged "x"`: no target of that kind in the inventory carries the tag, so the scenario judges nothing.',
  'inventory': 'The inventory (vigil.yaml) is not valid.',
  'policies-paths': '`policies.paths` (or `policies.library`) in vigil.yaml loads no feature file.',
  'policies-off': '`policies.off` names no built-in scenario (by @id:) of the loaded policies.',
  'policies-params': '`policies.params` names no built-in scenario, a switched-off one, or a parameter its check does not have.',
  'retired-still-present': '`retired:` in vigil.yaml names a target, scenario or check that still exists, so it is not retired.',
  'waiver-invalid': 'A waiver is malformed (missing field, bad date, unknown field, duplicate id) and waives nothing.',
  'waiver-expired': 'A waiver has expired and waives nothing.',
  'waiver-unknown-check': 'A waiver names a check id (or glob) that matches no check.',
  'waiver-unknown-target': 'A waiver names a target (or glob) that matches no target of the inventory.',
  'waiver-matches-nothing': 'A waiver names a check and a target that exist, but no scenario judges that target with that check.',
  'policy': 'Another problem the policy dry run found.',
} as const

export type LintRule = keyof typeof LINT_RULES

export interface LintProblem {
  /** as shown: relative to the current folder when inside it, Vigil's library as `features/…`, else absolute */
  file: string
  /** 1-based; 1 when the problem concerns the whole file */
  line: number
  rule: LintRule
  message: string
  /** absolute path of the file (SARIF and annotations make it relative to the repository) */
  path: string
}

/**
 * How a file is named in lint output: relative to the current directory when inside it, else
 * relative to Vigil's folder for the shipped library, else absolute (the same rule as findings).
 */
export function shownPath(abs: string, cwd = process.cwd()): string {
  for (const base of [cwd, VIGIL_ROOT]) {
    const rel = relative(base, abs)
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return rel.split('\\').join('/')
  }
  return abs
}

export function problem(rule: LintRule, file: string, line: number | undefined, message: string, cwd = process.cwd()): LintProblem {
  const path = resolve(cwd, file)
  return { file: shownPath(path, cwd), line: line && line > 0 ? line : 1, rule, message, path }
}

/** Sorted by file, then line, then message; exact repeats (an outline's rows, a background step) once. */
export function sortProblems(list: readonly LintProblem[]): LintProblem[] {
  const seen = new Set<string>()
  const out: LintProblem[] = []
  for (const p of list) {
    const k = `${p.path}\n${p.line}\n${p.rule}\n${p.message}`
    if (seen.has(k)) continue
    seen.add(k)
    out.push(p)
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)))
}

/** `file:line: message`, one line per problem (a message's own line breaks are indented). */
export function formatProblems(list: readonly LintProblem[]): string {
  return list.map((p) => `${p.file}:${p.line}: ${p.message.replace(/\n/g, '\n  ')} [${p.rule}]\n`).join('')
}

/** The `--json` form: exactly these four fields per problem. */
export function jsonProblems(list: readonly LintProblem[]): { file: string; line: number; rule: LintRule; message: string }[] {
  return list.map(({ file, line, rule, message }) => ({ file, line, rule, message }))
}

/**
 * Splits a message that starts with a location (`file:12: …`, `file: …`) into the file, the line
 * and the rest. `knownFiles` are tried first, so a path with a colon in it still splits right.
 */
export function splitLocation(message: string, knownFiles: readonly string[] = []): { file: string; line: number | undefined; rest: string } | undefined {
  for (const f of [...knownFiles].sort((a, b) => b.length - a.length)) {
    if (!message.startsWith(f)) continue
    const m = /^(?::(\d+|\?))?: ([\s\S]*)$/.exec(message.slice(f.length))
    if (m) return { file: f, line: m[1] && m[1] !== '?' ? Number(m[1]) : undefined, rest: m[2]! }
  }
  const m = /^(.+?)(?::(\d+|\?))?: ([\s\S]*)$/.exec(message)
  return m ? { file: m[1]!, line: m[2] && m[2] !== '?' ? Number(m[2]) : undefined, rest: m[3]! } : undefined
}
