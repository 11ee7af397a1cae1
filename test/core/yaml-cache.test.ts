// The parse cache (core/yaml-cache.ts): a large YAML text parsed once is read back from disk, and
// what comes back is what parsing gives — the same data and the same line for every field path a
// message could name. A changed text misses; an unreadable entry, an error or data JSON cannot carry
// is never an answer; the folder keeps at most MAX_ENTRIES files.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { LineCounter, parseDocument, stringify } from 'yaml'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, lineTree, parseYamlDocument } from '../../core/config-file.ts'
import { CACHE_MIN_CHARS, MAX_ENTRIES, jsonSafe, lineIn } from '../../core/yaml-cache.ts'
import { loadInventory } from '../../runner/inventory.ts'

const root = mkdtempSync(join(tmpdir(), 'vigil-yaml-cache-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let folder: string
let n = 0
const saved = process.env.VIGIL_YAML_CACHE
beforeEach(() => {
  folder = join(root, `cache-${n++}`)
  process.env.VIGIL_YAML_CACHE = folder
})
afterEach(() => {
  if (saved === undefined) delete process.env.VIGIL_YAML_CACHE
  else process.env.VIGIL_YAML_CACHE = saved
})
const entries = () => {
  try {
    return readdirSync(folder).filter((f) => f.endsWith('.json'))
  } catch {
    return []
  }
}

/** An inventory of `count` TLS targets, written as people write them (comments, flow lists, blank lines). */
function inventoryText(count: number, extra = ''): string {
  const out = ['# the fleet', 'settings:', '  timeoutMs: 3000', 'targets:', '  tls:']
  for (let i = 0; i < count; i++) out.push(`    - name: ep-${i}`, `      host: h${i}.example.test`, `      port: ${1000 + i}`, `      tags: [t${i % 7}, web]`, '')
  return out.join('\n') + extra
}

/** Every field path of a value, and each with a missing field added below it. */
function pathsOf(value: unknown, prefix: PropertyKey[] = [], out: PropertyKey[][] = []): PropertyKey[][] {
  out.push(prefix, [...prefix, 'missing'], [...prefix, 99_999])
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out))
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out)
  return out
}

describe('the YAML parse cache', () => {
  it('answers a second parse of a large text with the same data and the same line for every path', () => {
    const text = inventoryText(400)
    expect(text.length).toBeGreaterThan(CACHE_MIN_CHARS)
    const first = parseYamlDocument(text, 'fleet.yaml')
    expect(entries()).toHaveLength(1)
    const second = parseYamlDocument(text, 'fleet.yaml')
    expect(second.raw).toEqual(first.raw)
    const paths = pathsOf(first.raw)
    expect(paths.length).toBeGreaterThan(4000)
    for (const p of paths) expect([p, second.lineOf(p)]).toEqual([p, first.lineOf(p)])
    expect(second.lineOf(['targets', 'tls', 3, 'name'])).toBe(6 + 3 * 5)
    // a list index given as text, as yaml's own lookup takes it
    expect(second.lineOf(['targets', 'tls', '3', 'port'])).toBe(first.lineOf(['targets', 'tls', '3', 'port']))
  })

  it('is what loadInventory reads: the same inventory, target lines included', () => {
    const text = inventoryText(400)
    const file = (name: string) => {
      const f = join(root, `${name}-${n}.yaml`)
      writeFileSync(f, text)
      return f
    }
    process.env.VIGIL_YAML_CACHE = 'off'
    const parsed = loadInventory(file('a'))
    expect(entries()).toEqual([])
    process.env.VIGIL_YAML_CACHE = folder
    // another file of the same text: loadInventory's own memo (by file and text) does not answer
    loadInventory(file('b'))
    expect(entries()).toHaveLength(1)
    const cached = loadInventory(file('c'))
    expect(cached.targets).toEqual(parsed.targets)
    expect(cached.targetLines).toEqual(parsed.targetLines)
    expect(cached.settings).toEqual(parsed.settings)
  })

  it('answers from the file: what the entry holds is what a parse returns', () => {
    const text = inventoryText(400)
    parseYamlDocument(text, 'a.yaml')
    const entry = join(folder, entries()[0]!)
    const kept = JSON.parse(readFileSync(entry, 'utf8')) as { raw: { targets: { tls: { host: string }[] } } }
    kept.raw.targets.tls[0]!.host = 'from-the-cache.test'
    writeFileSync(entry, JSON.stringify(kept))
    expect((parseYamlDocument(text, 'a.yaml').raw as typeof kept.raw).targets.tls[0]!.host).toBe('from-the-cache.test')
  })

  it('misses on any change of the text, and keeps nothing for a small one', () => {
    const text = inventoryText(400)
    parseYamlDocument(text, 'a.yaml')
    const changed = parseYamlDocument(text.replace('ep-17\n', 'ep-X7\n'), 'a.yaml')
    expect(entries()).toHaveLength(2)
    expect((changed.raw as { targets: { tls: { name: string }[] } }).targets.tls[17]!.name).toBe('ep-X7')
    parseYamlDocument(inventoryText(3), 'small.yaml')
    expect(entries()).toHaveLength(2)
  })

  it('never answers with an unreadable entry: the text is parsed again', () => {
    const text = inventoryText(400)
    const first = parseYamlDocument(text, 'a.yaml')
    for (const body of ['{"raw": [1, 2', 'null', '{"lines": 3}', '']) {
      writeFileSync(join(folder, entries()[0]!), body)
      const again = parseYamlDocument(text, 'a.yaml')
      expect(again.raw).toEqual(first.raw)
      expect(again.lineOf(['targets', 'tls', 399, 'tags', 1])).toBe(first.lineOf(['targets', 'tls', 399, 'tags', 1]))
    }
  })

  it('keeps no errors, and no data that JSON would change', () => {
    const broken = inventoryText(400, '\n  - [unclosed\n')
    expect(() => parseYamlDocument(broken, 'b.yaml')).toThrow(ConfigError)
    expect(() => parseYamlDocument(broken, 'b.yaml')).toThrow(ConfigError)
    const duplicate = inventoryText(400, 'settings:\n  timeoutMs: 1\n')
    expect(() => parseYamlDocument(duplicate, 'd.yaml')).toThrow(/line|Map keys must be unique/)
    // YAML 1.1: a timestamp is a Date, which JSON would give back as text
    const dated = `%YAML 1.1\n---\nwhen: 2026-12-03\n${inventoryText(400)}`
    const parsed = parseYamlDocument(dated, 'e.yaml')
    expect((parsed.raw as { when: unknown }).when).toBeInstanceOf(Date)
    expect(parseYamlDocument(dated, 'e.yaml').raw).toEqual(parsed.raw)
    expect(entries()).toEqual([])
    expect([jsonSafe({ a: [1, 'x', null, true] }), jsonSafe({ a: Infinity }), jsonSafe([-0]), jsonSafe(new Map()), jsonSafe({ d: new Date(0) })]).toEqual([true, false, false, false, false])
  })

  it('keeps at most MAX_ENTRIES files, the newest', () => {
    for (let i = 0; i < MAX_ENTRIES + 3; i++) parseYamlDocument(inventoryText(400, `\n# ${i}\n`), 'a.yaml')
    expect(entries()).toHaveLength(MAX_ENTRIES)
  })

  it('is off with VIGIL_YAML_CACHE=off', () => {
    process.env.VIGIL_YAML_CACHE = 'off'
    parseYamlDocument(inventoryText(400), 'a.yaml')
    expect(entries()).toEqual([])
  })

  it('gives every path the line the document gives it, for any document (property)', () => {
    const key = fc.oneof(fc.constantFrom('name', 'host', 'tags', 'a', '0', '1', '__proto__'), fc.string({ maxLength: 4 }))
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null)), tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 4 }),
      map: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    })).node
    const step = fc.oneof(key, fc.nat({ max: 5 }))
    fc.assert(
      fc.property(value, fc.boolean(), fc.array(fc.array(step, { maxLength: 5 }), { maxLength: 20 }), (data, flow, extraPaths) => {
        const text = stringify({ top: data }, { collectionStyle: flow ? 'flow' : 'block' })
        const lines = new LineCounter()
        const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false })
        const tree = JSON.parse(JSON.stringify(lineTree(doc.contents, lines)))
        const byDoc = (path: readonly PropertyKey[]) => {
          for (let i = path.length; i >= 0; i--) {
            const node = i === 0 ? doc.contents : doc.getIn(path.slice(0, i) as unknown[], true)
            if (node && typeof node === 'object' && 'range' in node && node.range) return lines.linePos((node.range as number[])[0]!).line
          }
          return undefined
        }
        for (const p of [...pathsOf({ top: data }), ...extraPaths.map((p) => ['top', ...p])]) expect([p, lineIn(tree, p)]).toEqual([p, byDoc(p)])
      }),
      { numRuns: Number(process.env.VIGIL_FUZZ_RUNS ?? 200) },
    )
  })
})
