// Reads a YAML file and validates it with a zod schema. Every problem becomes one ConfigError
// whose message names the file, the line and the field, never a stack trace.
import { readFileSync } from 'node:fs'
import { LineCounter, parseDocument, isNode } from 'yaml'
import type * as z from 'zod'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export interface Located<T> {
  value: T
  /** 1-based line of a field path, when the file has it */
  lineOf(path: readonly PropertyKey[]): number | undefined
}

function fieldName(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p)
  return out || '(top level)'
}

export interface YamlDocument {
  /** the document as plain data (`{}` for an empty file) */
  raw: unknown
  lineOf(path: readonly PropertyKey[]): number | undefined
}

/** Parses YAML keeping source positions; a syntax error is a ConfigError naming the file and line. */
export function parseYamlDocument(text: string, file: string): YamlDocument {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    const line = e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line
    throw new ConfigError(`${file}${line ? `:${line}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`)
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    // walk up until a node on the path exists (a missing field is reported at its parent)
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true)
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line
    }
    return undefined
  }
  return { raw: doc.toJS() ?? {}, lineOf }
}

/** One line per zod issue: `file:line: field a.b[0].c: message`, the path taken below `prefix`. */
export function issueLines(issues: readonly z.core.$ZodIssue[], file: string, lineOf: YamlDocument['lineOf'], prefix: readonly PropertyKey[] = []): string[] {
  return issues.map((issue) => {
    const path = [...prefix, ...(issue.path as PropertyKey[])]
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : ''
    const line = lineOf(path)
    return `${file}${line ? `:${line}` : ''}: field ${fieldName(path)}: ${issue.message}${keys}`
  })
}

export function parseYaml<S extends z.ZodType>(text: string, file: string, schema: S): Located<z.output<S>> {
  const { raw, lineOf } = parseYamlDocument(text, file)
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const problems = issueLines(parsed.error.issues.slice(0, 5), file, lineOf)
    const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : ''
    throw new ConfigError(problems.join('; ') + more)
  }
  return { value: parsed.data, lineOf }
}

export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): Located<z.output<S>> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new ConfigError(`${file}: cannot read the file (${code === 'ENOENT' ? 'it does not exist' : code ?? String(e)})`)
  }
  return parseYaml(text, file, schema)
}
