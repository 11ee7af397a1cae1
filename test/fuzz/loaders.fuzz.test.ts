// Property tests of the two YAML loaders, through files in a temp folder: the inventory
// (runner/inventory.ts loadInventory) and the waivers file (reports/waivers.ts loadWaivers), both
// reading positioned YAML through runner/config-file.ts. Inputs: random text, text made of YAML's
// own syntax (anchors and aliases included), random data written as YAML, and edits of the real
// examples from the README. loadInventory may throw only ConfigError, whose message starts with the
// file's name; loadWaivers throws nothing for a file that exists (problems are data, each naming
// the file); neither takes a second. Aliases are also checked against the yaml package's own
// resolution: when Vigil accepts a document, it reads the same data yaml does.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { parse, stringify } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, MAX_ALIAS_EXPANSION, parseYamlDocument } from '../../core/config-file.ts'
import { loadInventory } from '../../runner/inventory.ts'
import { loadWaivers } from '../../reports/waivers.ts'
import { CHECKS } from '../../checks/catalog.ts'
import { applyTextMutation, nothing, only, runs, textMutation, textOf } from './fuzz-kit.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-loaders-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
function write(text: string, ext = 'yaml'): string {
  const f = join(dir, `f${n++ % 50}.${ext}`)
  writeFileSync(f, text)
  return f
}
const CHECK_IDS = CHECKS.map((c) => c.id)
writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')

/** The README's inventory, completed with every kind of target and field. */
const INVENTORY = `trust:
  extraCaFiles: [ca.pem]            # optional, added to the system roots (PEM)
settings:                           # all optional
  timeoutMs: 5000                   # budget of one network operation (connect, handshake, read)
  concurrency: 200                  # sockets open at once across the run
  perHost: 5                        # sockets open at once to one address
targets:
  tls:
    - name: web-good                # unique id used in results and waivers
      host: good.example.test       # SNI and hostname-verification name
      address: 127.0.0.1            # optional: connect here instead of resolving host
      port: 443                     # default 443
      tags: [public]                # \`Given every TLS endpoint tagged "public"\`
    - {name: web-legacy, host: legacy.example.test, port: 8443, tags: &legacy [legacy, pci]}
  ssh:
    - name: bastion
      host: bastion.example.test
      port: 2222
      hostKey: SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s
      login:
        user: auditor
        privateKeyFile: ~/.ssh/vigil_ed25519
        passphraseEnv: VIGIL_SSH_PASSPHRASE
      keyPaths: [/home/*/.ssh, /root/.ssh]
      tags: *legacy
  keyDirs:
    - {name: ci-keys, path: ./keys, tags: [ci]}
  aws:
    - name: prod-account
      regions: [us-east-1, eu-west-1]
      roleArn: arn:aws:iam::123456789012:role/VigilAudit
      externalId: vigil-1234
      endpoint: http://127.0.0.1:5000
`
const INVENTORY_SMALL = 'targets:\n  tls:\n    - name: web\n      host: web.example.test\n'

/** The README's waivers file, with a second entry using a glob and a third that is malformed. */
const WAIVERS = `# waivers.yaml — pass it with \`vigil run --waivers waivers.yaml\`
waivers:
  - id: WVR-2026-014                  # stable id the auditor can cite
    check: tls.protocols              # check id or glob (ssh.server.*)
    target: legacy-billing-*          # target name or glob
    justification: Vendor appliance speaks TLS 1.0 only; replacement ordered (PO 4471).
    approver: Dana Reyes (CISO)
    ticket: SEC-1423
    expires: 2027-03-31               # last day it applies (UTC)
  - {id: WVR-2026-015, check: ssh.server.*, target: bastion, justification: j, approver: a, ticket: SEC-1, expires: 2026-12-31}
  - {id: W-BAD, check: tls.protocols, target: web, approver: nobody}
`

const YAML_TOKENS = [
  '\n', '\n  ', '\n    ', '\n  - ', '- ', ': ', ':', ' ', ',', '[', ']', '{', '}', '&a ', '&b ', '*a', '*b', '*nope', '? ', '|', '>', '"', "'", '#', '!!str ', '!!int ', '!!binary ', '!x ', '---', '...', '%YAML 1.2\n', '<<: ',
  'targets', 'tls', 'ssh', 'keyDirs', 'aws', 'name', 'host', 'port', 'tags', 'trust', 'extraCaFiles', 'settings', 'timeoutMs', 'login', 'user', 'privateKeyFile', 'hostKey', 'regions', 'roleArn', 'endpoint', 'path',
  'waivers', 'id', 'check', 'target', 'justification', 'approver', 'ticket', 'expires', '2027-03-31', 'tls.protocols', 'ssh.server.*', 'web-*',
  'web', '1', '443', '-1', '1e9', '0x1F', 'null', '~', 'true', '.inf', '.nan', 'a.b', 'ca.pem', '__proto__', 'constructor', '\t', '\r\n', '\u00e9', '\ufeff',
]

const isConfigError = (e: unknown) => e instanceof ConfigError

/** loadInventory: a value or a ConfigError naming the file, within the budget. */
function checkInventory(text: string): void {
  const f = write(text)
  const r = only(() => loadInventory(f), isConfigError, 'loadInventory')
  if (!r.ok) expect((r.error as Error).message.startsWith(f)).toBe(true)
  else expect(r.value.file).toBe(f)
}

/** loadWaivers: never throws on a file that exists; every problem names the file; ids are unique. */
function checkWaivers(text: string): void {
  const f = write(text)
  const r = only(() => loadWaivers(f, CHECK_IDS), nothing, 'loadWaivers')
  if (!r.ok) return
  for (const p of r.value.problems) expect(p.message.startsWith(f), p.message).toBe(true)
  for (const w of r.value.waivers) expect(w.source.startsWith(f)).toBe(true)
  expect(new Set(r.value.waivers.map((w) => w.id)).size).toBe(r.value.waivers.length)
}

/** Random data shaped like an inventory or a waivers file, written as YAML. */
const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('web', 'tls.protocols', '2027-03-31', 'SHA256:x', 'us-east-1', '~/.ssh/id', 'ca.pem'))
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.constantFrom(...YAML_TOKENS.filter((t) => /^[a-zA-Z_]\w*$/.test(t))), tie('v'), { maxKeys: 5 })),
})).v
const target = fc.record(
  { name: fc.oneof(fc.constantFrom('web', 'web', 'db-1'), fc.string({ maxLength: 8 })), host: fc.oneof(fc.constant('h.example.test'), value), port: fc.oneof(fc.integer({ min: -5, max: 70000 }), value), tags: fc.oneof(fc.array(fc.constantFrom('a', 'b c', 'pci'), { maxLength: 3 }), value), path: value, regions: value, login: value },
  { requiredKeys: [] },
)
const inventoryData = fc.record({ trust: value, settings: value, targets: fc.record({ tls: fc.array(target, { maxLength: 3 }), ssh: fc.array(target, { maxLength: 3 }), keyDirs: fc.array(target, { maxLength: 2 }), aws: fc.array(target, { maxLength: 2 }) }, { requiredKeys: [] }) }, { requiredKeys: [] })
const waiverEntry = fc.record(
  { id: fc.oneof(fc.constantFrom('W-1', 'W-1', 'W-2'), fc.string({ maxLength: 8 })), check: fc.oneof(fc.constantFrom('tls.protocols', 'ssh.server.*', '*', 'nope'), fc.stringMatching(/^[a-z.*?-]{0,12}$/)), target: fc.oneof(fc.constantFrom('web', 'legacy-*'), fc.stringMatching(/^[a-z.*?-]{0,12}$/)), justification: value, approver: value, ticket: value, expires: fc.oneof(fc.constantFrom('2027-03-31', '2026-02-30', '31/12/2026'), value) },
  { requiredKeys: [] },
)
const waiversData = fc.oneof(fc.record({ waivers: fc.array(fc.oneof(waiverEntry, value), { maxLength: 5 }) }), value)

describe('inventory loader', () => {
  it('the examples load', () => {
    expect(loadInventory(write(INVENTORY)).targets.ssh[0]!.tags).toEqual(['legacy', 'pci'])
    expect(loadInventory(write(INVENTORY_SMALL)).targets.tls).toHaveLength(1)
  })

  it('throws only ConfigError naming the file, on random text and on text made of YAML syntax', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), textOf(YAML_TOKENS, 80)), (t) => checkInventory(t)),
      { numRuns: runs(600) },
    )
  })

  it('throws only ConfigError naming the file, on random data written as YAML', () => {
    fc.assert(fc.property(inventoryData, (d) => checkInventory(stringify(d))), { numRuns: runs(300) })
  })

  it('throws only ConfigError naming the file, on edits of the README inventory (characters, lines, indentation)', () => {
    const seeds = [INVENTORY, INVENTORY_SMALL]
    fc.assert(
      fc.property(textMutation(seeds.length, YAML_TOKENS), ({ seed, ops }) => checkInventory(applyTextMutation(seeds[seed]!, ops))),
      { numRuns: runs(500) },
    )
  })
})

describe('waivers loader', () => {
  it('the example loads, with its malformed entry reported', () => {
    const set = loadWaivers(write(WAIVERS), CHECK_IDS)
    expect(set.waivers.map((w) => w.id)).toEqual(['WVR-2026-014', 'WVR-2026-015'])
    expect(set.problems.map((p) => p.kind)).toEqual(['waiver-invalid'])
  })

  it('a missing file is a ConfigError', () => {
    expect(() => loadWaivers(join(dir, 'absent.yaml'), CHECK_IDS)).toThrow(ConfigError)
  })

  it('never throws on random text, YAML syntax, random data or edits of the README waivers file', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      textOf(YAML_TOKENS, 80),
      waiversData.map((d) => stringify(d)),
      textMutation(1, YAML_TOKENS).map(({ ops }) => applyTextMutation(WAIVERS, ops)),
    )
    fc.assert(fc.property(text, (t) => checkWaivers(t)), { numRuns: runs(600) })
  })

  // Waiver checks and targets are globs. A glob can take exponential time or memory to match
  // (brace ranges expand, extglobs and runs of stars backtrack), and a hang cannot be interrupted
  // in this process, so these run in a child process that is killed after a few seconds.
  it('hostile globs in a waiver (brace ranges, extglobs, many stars) are answered within the budget', () => {
    const cases = [
      { check: '{1..100000}', target: 'web' },
      { check: '{1..1000}{1..1000}', target: 'web' },
      { check: 'tls.protocols', target: '+(a|aa)+(a|aa)+(a|aa)+(a|aa)c' },
      { check: 'tls.protocols', target: '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b' },
    ]
    const files = cases.map((c, i) =>
      write(`waivers:\n  - {id: W-${i}, check: '${c.check}', target: '${c.target}', justification: j, approver: a, ticket: t, expires: 2099-12-31}\n`),
    )
    const waiversModule = pathToFileURL(join(import.meta.dirname, '../../reports/waivers.ts')).href
    const script = `
      const { loadWaivers, applyWaivers } = await import(${JSON.stringify(waiversModule)})
      const files = ${JSON.stringify(files)}
      const checks = ${JSON.stringify(CHECK_IDS)}
      const finding = { id: 'f1', checkId: 'tls.protocols', target: 'a'.repeat(60) + 'ab', verdict: 'failed', status: 'failed' }
      for (const [i, f] of files.entries()) {
        const t0 = performance.now()
        applyWaivers([finding], loadWaivers(f, checks), new Date())
        console.log(JSON.stringify({ i, ms: performance.now() - t0 }))
      }`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 5000 })
    const done = child.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number; ms: number })
    for (const [i, c] of cases.entries()) {
      const r = done.find((d) => d.i === i)
      expect(r, `waiver ${JSON.stringify(c)} was still being matched after 5 s (${child.stderr.trim().split('\n').pop() ?? ''})`).toBeDefined()
      expect(r!.ms, `waiver ${JSON.stringify(c)}`).toBeLessThan(1000)
    }
  }, 15_000)
})

/**
 * YAML documents with anchors and aliases in every position: map keys, values, list items, nested
 * in anchored nodes, anchors redefined later (an alias names the last one before it), YAML 1.1
 * merge keys (`<<: *a`). Usually the first lines define the anchors, so most aliases resolve.
 */
const aliasDoc: fc.Arbitrary<string> = (() => {
  const names = ['a', 'b', 'c']
  const alias = fc.constantFrom(...names).map((a) => `*${a}`)
  const tree = fc.letrec<{ node: string; plain: string }>((tie) => ({
    // a node without an anchor
    plain: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('x', '1', 'null', '"q"', 'true'),
      alias,
      fc.array(tie('node'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
      fc
        .uniqueArray(fc.tuple(fc.oneof(fc.constantFrom('k', 'l', 'm', '<<'), alias.map((a) => `${a} `)), tie('node')), { maxLength: 4, selector: ([k]) => k })
        .map((ps) => `{${ps.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    ),
    // a node, anchored now and then (an alias cannot carry an anchor)
    node: fc.oneof(
      { weight: 3, arbitrary: tie('plain') },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...names), tie('plain')).map(([a, v]) => (v.startsWith('*') ? v : `&${a} ${v}`)) },
    ),
  }))
  const anchors = fc.boolean().map((defined) => (defined ? 'a0: &a [x, y]\nb0: &b {k: x}\nc0: &c z\n' : ''))
  const version = fc.constantFrom('', '', '', '%YAML 1.1\n---\n')
  return fc
    .tuple(version, anchors, fc.array(tree.node, { minLength: 1, maxLength: 5 }))
    .map(([v, head, vs]) => v + head + vs.map((n, i) => `k${i}: ${n}`).join('\n') + '\n')
})()

describe('YAML aliases (runner/config-file.ts)', () => {
  it('every document is read like the yaml package reads it, or refused with a ConfigError naming the file', () => {
    fc.assert(
      fc.property(aliasDoc, (text) => {
        const r = only(() => parseYamlDocument(text, 'doc.yaml'), isConfigError, 'parseYamlDocument')
        if (!r.ok) {
          expect((r.error as Error).message).toMatch(/^doc\.yaml(:\d+)?: /)
          return
        }
        // the reference: yaml's own alias resolution (which shares objects instead of copying them)
        expect(r.value.raw).toEqual(parse(text, { maxAliasCount: -1, logLevel: 'error' }) ?? {})
      }),
      { numRuns: runs(1000) },
    )
  })

  it('nested aliases beyond the budget are refused in time, at the alias that passes it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 }), (width, depth) => {
        const lines = [`l0: &l0 [${Array(width).fill('lol').join(', ')}]`]
        for (let i = 1; i <= depth; i++) lines.push(`l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(', ')}]`)
        const text = lines.join('\n') + '\n'
        // values the aliases add: level i adds width^(i+1) values plus the lists that hold them
        let added = 0
        let size = width + 1
        let over = false
        for (let i = 1; i <= depth && !over; i++) {
          added += width * size
          size = 1 + width * size
          over = added > MAX_ALIAS_EXPANSION
        }
        const r = only(() => parseYamlDocument(text, 'bomb.yaml'), isConfigError, 'parseYamlDocument')
        expect(r.ok).toBe(!over)
        if (!r.ok) expect((r.error as Error).message).toMatch(/^bomb\.yaml:\d+: alias \*l\d+ makes the aliases expand to more than/)
      }),
      { numRuns: runs(150) },
    )
  })
})
