// Reads a YAML file and validates it with a zod schema. Every problem becomes one ConfigError
// whose message names the file, the line and the field, never a stack trace.
import { closeSync, openSync, readSync } from 'node:fs'
import { LineCounter, parseDocument, isAlias, isCollection, isMap, isNode, isPair, isScalar, type Alias, type Document } from 'yaml'
import type * as z from 'zod'
import { lineIn, parsedYamlEntry, type LineTree } from './yaml-cache.ts'

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

/**
 * Parses YAML keeping source positions; a syntax error is a ConfigError naming the file and line.
 * A large text parsed before is read back from the parse cache (core/yaml-cache.ts).
 */
export function parseYamlDocument(text: string, file: string): YamlDocument {
  const cached = parsedYamlEntry(text)
  const kept = cached?.kept
  if (kept) return { raw: kept.raw ?? {}, lineOf: (path) => lineIn(kept.lines, path) }
  const lines = new LineCounter()
  // duplicate keys are found by inspectDocument: yaml's own check compares every key with every
  // earlier key of its map, which takes seconds on a map of a few thousand keys
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, logLevel: 'error' })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    const line = e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line
    throw new ConfigError(`${file}${line ? `:${line}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`)
  }
  const aliases = inspectDocument(doc, lines, file)
  let raw: unknown
  // each alias is replaced by the node it names while the data is built, then put back (lineOf
  // reads the document as written). The aliases were checked: resolved, acyclic and bounded, so
  // yaml's own alias counter is not needed; it refuses an ordinary anchor used more than 100 times
  // and looks every alias up with a walk over the whole document.
  for (const a of aliases) a.put(a.target)
  try {
    raw = doc.toJS({ maxAliasCount: -1 })
  } catch (e) {
    throw new ConfigError(`${file}: cannot be read as data: ${String((e as Error | undefined)?.message ?? e).split('\n')[0]}`)
  } finally {
    for (const a of aliases) a.put(a.alias)
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    // walk up until a node on the path exists (a missing field is reported at its parent)
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true)
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line
    }
    return undefined
  }
  cached?.keep(() => ({ raw, lines: lineTree(doc.contents, lines) }))
  return { raw: raw ?? {}, lineOf }
}

/** The document's lines, shaped like it (yaml-cache.ts's LineTree): what lineOf reads, for the parse cache. */
export function lineTree(node: unknown, lines: LineCounter): LineTree {
  if (!isNode(node) || !node.range) return null
  const line = lines.linePos(node.range[0]).line
  if (isMap(node))
    return [line, node.items.flatMap((p): [unknown, LineTree][] => (isScalar(p.key) || !isNode(p.key) ? [[isScalar(p.key) ? p.key.value : p.key, lineTree(p.value, lines)]] : [])), 'map']
  if (isCollection(node)) return [line, (node.items as unknown[]).map((n) => lineTree(n, lines))]
  return line
}

/** Most values aliases may add to a document once expanded; a real inventory needs a few thousand. */
export const MAX_ALIAS_EXPANSION = 100_000

interface AliasUse {
  alias: Alias
  /** the anchored node it names */
  target: unknown
  /** puts a node where the alias stands */
  put(node: unknown): void
}

/**
 * One pass over the document in order, without recursion (deep nesting cannot overflow the stack),
 * refusing with the line: a key repeated in one map; an alias whose anchor is not defined before
 * it; an alias inside the node it names (a cycle); an alias in a map key, unless it names a plain
 * value; aliases that together expand to more than MAX_ALIAS_EXPANSION values (a "billion laughs"
 * bomb: nested aliases grow exponentially).
 * Returns every alias with the node it names.
 */
function inspectDocument(doc: Document.Parsed, lines: LineCounter, file: string): AliasUse[] {
  const anchors = new Map<string, unknown>()
  /** expanded size of every closed anchored node */
  const sizes = new Map<unknown, number>()
  const open = new Set<unknown>()
  /** running sizes of the collections being walked, innermost last */
  const sums: number[] = [0]
  const uses: AliasUse[] = []
  let added = 0
  const at = (node: { range?: readonly number[] | null } | null | undefined) => {
    const line = node?.range ? lines.linePos(node.range[0]!).line : undefined
    return `${file}${line ? `:${line}` : ''}`
  }
  const name = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s)
  const count = (n: number) => {
    sums[sums.length - 1] = sums[sums.length - 1]! + n
  }
  // `key`: the node is a map key; `inKey`: it is inside one
  type Task = { node: unknown; exit: boolean; inKey: boolean; key?: boolean; put?: (n: unknown) => void }
  const tasks: Task[] = [{ node: doc.contents, exit: false, inKey: false, put: (n) => ((doc as { contents: unknown }).contents = n) }]
  while (tasks.length > 0) {
    const { node, exit, inKey, key, put } = tasks.pop()!
    if (exit) {
      open.delete(node)
      const size = 1 + sums.pop()!
      sizes.set(node, size)
      count(size)
    } else if (isPair(node)) {
      tasks.push({ node: node.value, exit: false, inKey, put: (n) => (node.value = n) }, { node: node.key, exit: false, inKey: true, key: true, put: (n) => (node.key = n) })
    } else if (isAlias(node)) {
      const target = anchors.get(node.source)
      const ref = `alias *${name(node.source)}`
      if (target === undefined) throw new ConfigError(`${at(node)}: ${ref} refers to no anchor &${name(node.source)} defined before it`)
      if (open.has(target)) throw new ConfigError(`${at(node)}: ${ref} is inside the node it refers to (&${name(node.source)}); an alias cannot repeat its own ancestor`)
      const size = sizes.get(target) ?? 1
      added += size
      if (added > MAX_ALIAS_EXPANSION)
        throw new ConfigError(
          `${at(node)}: ${ref} makes the aliases expand to more than ${MAX_ALIAS_EXPANSION} values (nested aliases grow exponentially: a "billion laughs" alias bomb); write the values out or nest fewer aliases`,
        )
      count(size)
      // an alias as a key stands for its value (`*port : x`); a list or map cannot be a key of the
      // data (yaml would turn it into text such as `*a` or `[ *a ]`, looking the alias up with a
      // walk over the whole document), so an alias of one, or an alias inside a key, is refused
      if (inKey && !(key && isScalar(target)))
        throw new ConfigError(`${at(node)}: ${ref} is used in a map key; a key must be a plain value (a name or a number), not a list or map`)
      uses.push({ alias: node, target, put: put! })
    } else if (isScalar(node)) {
      if (node.anchor) {
        anchors.set(node.anchor, node)
        sizes.set(node, 1)
      }
      count(1)
    } else if (isCollection(node)) {
      if (node.anchor) anchors.set(node.anchor, node)
      if (isMap(node)) {
        // yaml's rule: keys are equal when they are the same node or scalars of equal value
        const keys = new Set<unknown>()
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? pair.key.value : pair.key
          if (keys.has(key) && !Number.isNaN(key)) throw new ConfigError(`${at(isNode(pair.key) ? pair.key : node)}: not valid YAML: Map keys must be unique`)
          keys.add(key)
        }
      }
      open.add(node)
      sums.push(0)
      tasks.push({ node, exit: true, inKey })
      const items = node.items as unknown[]
      for (let i = items.length - 1; i >= 0; i--) tasks.push({ node: items[i], exit: false, inKey, put: (n) => (items[i] = n) })
    }
    // null (an empty value): nothing to count
  }
  return uses
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

/** Largest configuration file read; a real inventory of thousands of targets is a few hundred KiB. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024

/**
 * Reads a configuration file as UTF-8, at most MAX_CONFIG_BYTES: a path naming a device that never
 * ends (`/dev/zero`, `/dev/urandom`) is a ConfigError, not a read that fills the memory. Pipes
 * (`-c <(generate-inventory)`) still work. `what` names the file in the message.
 */
export function readConfigText(file: string, what = 'the file'): string {
  const cannot = (e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code
    return new ConfigError(`${file}: cannot read ${what} (${code === 'ENOENT' ? 'it does not exist' : code ?? String(e)})`)
  }
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (e) {
    throw cannot(e)
  }
  try {
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024)
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      total += n
      if (total > MAX_CONFIG_BYTES) throw new ConfigError(`${file}: ${what} is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB; that is not a configuration file`)
      chunks.push(chunk.subarray(0, n))
    }
    return Buffer.concat(chunks).toString('utf8')
  } catch (e) {
    throw e instanceof ConfigError ? e : cannot(e)
  } finally {
    closeSync(fd)
  }
}

export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): Located<z.output<S>> {
  return parseYaml(readConfigText(file), file, schema)
}
