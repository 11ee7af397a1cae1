// YAML aliases in the inventory and the waivers file: a "billion laughs" alias bomb, an alias to an
// anchor that does not exist and an alias to its own ancestor are configuration mistakes (or
// attacks), reported as a ConfigError that names the file, the line and what is wrong — never an
// "internal error" (exit 4), never a hang. Ordinary anchors keep working.
import { describe, expect, it } from 'vitest'
import { ConfigError, parseYamlDocument } from '../../core/config-file.ts'
import { loadInventory } from '../../runner/inventory.ts'
import { loadWaivers } from '../../reports/waivers.ts'
import { scratchFolder } from './scratch-folder.ts'

const { write } = scratchFolder('vigil-yaml-aliases-')
function configErrorOf(fn: () => unknown): ConfigError {
  const started = performance.now()
  try {
    fn()
  } catch (e) {
    expect(performance.now() - started).toBeLessThan(1000)
    expect(e).toBeInstanceOf(ConfigError)
    return e as ConfigError
  }
  throw new Error('expected a ConfigError')
}

/** The classic "billion laughs": nine levels of nine aliases, 9^9 strings once expanded. */
const BILLION_LAUGHS = [
  'targets:',
  '  tls:',
  '    - name: web',
  '      host: web.example.test',
  '      tags: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...'bcdefghi'.split('').map((x, i) => {
    const prev = 'abcdefghi'[i]!
    return `    - {name: t${x}, host: h, tags: &${x} [${Array(9).fill(`*${prev}`).join(', ')}]}`
  }),
].join('\n')

describe('YAML aliases in the inventory', () => {
  it('an alias bomb is a ConfigError naming the file, the line of the alias and the reason', () => {
    const f = write('bomb.yaml', BILLION_LAUGHS + '\n')
    const e = configErrorOf(() => loadInventory(f))
    // the aliases of line 6 add 90 values, line 7 819, line 8 7 380, line 9 66 429: the first alias of line 10 passes 100 000
    expect(e.message).toMatch(/^.*bomb\.yaml:10: alias \*e .*expand.* more than 100000 values/)
  })

  it('an unresolved alias is a ConfigError naming the file, the line and the missing anchor', () => {
    const f = write('nope.yaml', 'targets:\n  tls:\n    - name: web\n      host: web.example.test\n      tags: *nope\n')
    const e = configErrorOf(() => loadInventory(f))
    expect(e.message).toMatch(/nope\.yaml:5: alias \*nope refers to no anchor &nope defined before it/)
  })

  it('an alias used before its anchor is unresolved too', () => {
    const f = write('order.yaml', 'targets:\n  tls:\n    - {name: a, host: h, tags: *t}\n    - {name: b, host: h, tags: &t [x]}\n')
    expect(configErrorOf(() => loadInventory(f)).message).toMatch(/order\.yaml:3: alias \*t refers to no anchor &t defined before it/)
  })

  it('an alias inside the node it refers to (a cycle) is a ConfigError', () => {
    const f = write('cycle.yaml', 'targets: &top\n  tls:\n    - name: web\n      host: h\n  ssh: [*top]\n')
    expect(configErrorOf(() => loadInventory(f)).message).toMatch(/cycle\.yaml:5: alias \*top is inside the node it refers to/)
  })

  it('ordinary anchors and aliases still work, also when one anchor is used many times', () => {
    const targets = Array.from({ length: 300 }, (_, i) => `    - {name: web${i}, host: web${i}.example.test, tags: *prod}`).join('\n')
    const f = write('ok.yaml', `settings: &s {timeoutMs: 2000}\ntargets:\n  tls:\n    - {name: first, host: h, tags: &prod [prod, pci]}\n${targets}\n`)
    const inv = loadInventory(f)
    expect(inv.targets.tls).toHaveLength(301)
    expect(inv.targets.tls[300]!.tags).toEqual(['prod', 'pci'])
    expect(inv.settings.timeoutMs).toBe(2000)
  })

  it('an alias as a map key stands for its value; an alias of a list or map as a key is a ConfigError', () => {
    expect(parseYamlDocument('k: &k host\nm: {*k : web.example.test}\n', 'keys.yaml').raw).toEqual({ k: 'host', m: { host: 'web.example.test' } })
    expect(configErrorOf(() => parseYamlDocument('k: &k [a]\nm: {*k : x}\n', 'keys.yaml')).message).toMatch(/^keys\.yaml:2: alias \*k is used in a map key/)
    expect(configErrorOf(() => parseYamlDocument('k: &k a\nm: {[*k]: x}\n', 'keys.yaml')).message).toMatch(/^keys\.yaml:2: alias \*k is used in a map key/)
  })

  it('parseYamlDocument itself refuses the bomb before building anything', () => {
    expect(() => parseYamlDocument(BILLION_LAUGHS, 'x.yaml')).toThrow(ConfigError)
  })
})

describe('YAML aliases in the waivers file', () => {
  const checks = ['tls.protocols']
  it('an alias bomb waives nothing and the problem names the file and line', () => {
    const f = write('bomb-waivers.yaml', `waivers: &a [x, x, x, x, x, x, x, x, x, x]\n${'bcdefghi'.split('').map((x, i) => `${x}: &${x} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`).join('\n')}\n`)
    const started = performance.now()
    const set = loadWaivers(f, checks)
    expect(performance.now() - started).toBeLessThan(1000)
    expect(set.waivers).toEqual([])
    expect(set.problems).toHaveLength(1)
    expect(set.problems[0]!.message).toMatch(/bomb-waivers\.yaml:\d+: alias \*[a-i] .*more than 100000 values.*; no waiver in this file applies$/)
  })

  it('an unresolved alias waives nothing and the problem names the file and line', () => {
    const f = write('nope-waivers.yaml', 'waivers:\n  - *nope\n')
    const set = loadWaivers(f, checks)
    expect(set.waivers).toEqual([])
    expect(set.problems.map((p) => p.message)).toEqual([expect.stringMatching(/nope-waivers\.yaml:2: alias \*nope refers to no anchor &nope defined before it; no waiver in this file applies$/)])
  })
})

describe('YAML files that used to take seconds, or forever', () => {
  it('a map of 10 000 keys and a list of 40 000 aliases load in well under a second each', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `k${i}: ${i}`).join('\n')
    const aliases = `a: &a 1\nb: [${Array(40_000).fill('*a').join(', ')}]\n`
    for (const text of [keys, aliases]) {
      const started = performance.now()
      parseYamlDocument(text, 'big.yaml')
      expect(performance.now() - started).toBeLessThan(1000)
    }
  })

  it('a repeated key is still a ConfigError at the line of the repetition', () => {
    const f = write('dup-key.yaml', 'targets:\n  tls: []\n  ssh: []\n  tls: []\n')
    expect(configErrorOf(() => loadInventory(f)).message).toMatch(/dup-key\.yaml:4: not valid YAML: Map keys must be unique/)
  })

  it('an inventory path naming an endless device is a ConfigError, not a read that fills the memory', () => {
    expect(configErrorOf(() => loadInventory('/dev/zero')).message).toMatch(/^\/dev\/zero: the file is larger than 8 MiB/)
  })
})
