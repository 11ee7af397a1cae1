// What parsing a large YAML file gives (its data and the line of every node), kept on disk by the
// text's SHA-256. Parsing with positions is most of a fleet run's start-up: a 1,000-target inventory
// (130 KB) costs ~0.25 s of CPU, most of it the yaml library's code warming up, against ~5 ms to
// read this form back. The result is a function of the text and of the parsing code alone, so the
// key is the text's hash together with this code's and the yaml library's identity: an edited
// inventory, an upgraded yaml or a changed parser is a miss, never a stale answer.
//
// Best effort, like Node's compile cache: a cache that cannot be read or written only means a parse.
// It lives beside Vigil's dependencies (node_modules/.cache/vigil-yaml), as writable as Vigil's own
// code and no more (never a shared temporary folder, where another user could plant an answer);
// VIGIL_YAML_CACHE names another folder, or `off`. At most MAX_ENTRIES files, the oldest removed.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { VIGIL_ROOT } from './vigil-root.ts'

/** Texts shorter than this parse in a few milliseconds: not worth a file. */
export const CACHE_MIN_CHARS = 32 * 1024
/** Most entries kept; writing one more removes the oldest. */
export const MAX_ENTRIES = 32
/** Largest entry written (the text itself is at most 8 MiB). */
const MAX_ENTRY_BYTES = 32 * 1024 * 1024

/**
 * The lines of a document's nodes, shaped like the document: a scalar or alias is its line; a list
 * is `[line, items]`; a map is `[line, [key, node][]]`, keys as written (plain values only: a list
 * or map as a key is never looked up).
 */
export type LineTree = number | [number, LineTree[]] | [number, [unknown, LineTree][], 'map'] | null

export interface ParsedYaml {
  raw: unknown
  lines: LineTree
}

/** The line of the deepest node on `path` that the document has (a missing field: its parent's). */
export function lineIn(tree: LineTree, path: readonly PropertyKey[]): number | undefined {
  if (tree === null) return undefined
  let node: LineTree = tree
  for (const p of path) {
    if (typeof node === 'number' || node === null) break
    let next: LineTree | undefined
    if (node.length === 3) next = node[1].find(([k]) => k === p)?.[1]
    else {
      // a list is indexed by a number or a number's text, as yaml's own lookup does
      const i = typeof p === 'string' && p !== '' ? Number(p) : p
      if (typeof i === 'number' && Number.isInteger(i) && i >= 0) next = node[1][i]
    }
    if (next === undefined || next === null) break
    node = next
  }
  return typeof node === 'number' ? node : node === null ? undefined : node[0]
}

function cacheFolder(): string | undefined {
  const env = process.env.VIGIL_YAML_CACHE
  if (env === 'off') return undefined
  return env || join(VIGIL_ROOT, 'node_modules', '.cache', 'vigil-yaml')
}

let identity: string | undefined
/** This parser's code and the yaml library's package.json (its version), wherever npm put it: part of every key. */
function codeIdentity(): string {
  if (identity === undefined) {
    const h = createHash('sha256')
    for (const f of [join(VIGIL_ROOT, 'core/config-file.ts'), join(VIGIL_ROOT, 'core/yaml-cache.ts'), packageJsonOf(fileURLToPath(import.meta.resolve('yaml')))]) h.update(readFileSync(f)).update('\0')
    identity = h.digest('hex')
  }
  return identity
}

/** The package.json of the package holding `file`. */
function packageJsonOf(file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return join(dir, 'package.json')
  throw new Error(`no package.json above ${file}`)
}

function entryFile(folder: string, text: string): string {
  return join(folder, `${createHash('sha256').update(codeIdentity()).update('\0').update(text).digest('hex')}.json`)
}

/**
 * The cache's entry for this text: what was kept, and how to keep this text's parse (`build` makes
 * it). Undefined when there is no cache or the text is too small to be worth one. The entry's name
 * (a hash of the whole text) is worked out once, for both.
 */
export function parsedYamlEntry(text: string): { kept: ParsedYaml | undefined; keep(build: () => ParsedYaml): void } | undefined {
  const folder = cacheFolder()
  if (!folder || text.length < CACHE_MIN_CHARS) return undefined
  const file = entryFile(folder, text)
  return { kept: readEntry(file), keep: (build) => writeEntry(folder, file, build) }
}

function readEntry(file: string): ParsedYaml | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Partial<ParsedYaml> | null
    if (!entry || typeof entry !== 'object' || !('raw' in entry) || !('lines' in entry)) return undefined
    return { raw: entry.raw, lines: entry.lines as LineTree }
  } catch {
    return undefined
  }
}

function writeEntry(folder: string, file: string, build: () => ParsedYaml): void {
  try {
    const parsed = build()
    // only data that JSON gives back unchanged (a `%YAML 1.1` document may hold dates, sets, binary, .inf)
    if (!jsonSafe(parsed.raw)) return
    const body = JSON.stringify(parsed)
    if (Buffer.byteLength(body) > MAX_ENTRY_BYTES) return
    mkdirSync(folder, { recursive: true })
    const partial = `${file}.${process.pid}.tmp`
    writeFileSync(partial, body)
    renameSync(partial, file)
    const entries = readdirSync(folder)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ f, t: statSync(join(folder, f)).mtimeMs }))
    if (entries.length > MAX_ENTRIES) for (const { f } of entries.sort((a, b) => a.t - b.t).slice(0, entries.length - MAX_ENTRIES)) unlinkSync(join(folder, f))
  } catch {
    // no cache: the next run parses again
  }
}

/** Plain objects, arrays, strings, booleans, null and finite numbers (not -0) only; no recursion. */
export function jsonSafe(value: unknown): boolean {
  const todo: unknown[] = [value]
  while (todo.length > 0) {
    const v = todo.pop()
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || Object.is(v, -0)) return false
      continue
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) return false
        todo.push(v[i])
      }
      continue
    }
    if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false
    for (const k of Object.keys(v)) todo.push((v as Record<string, unknown>)[k])
  }
  return true
}
