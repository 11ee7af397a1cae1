// Sharding on an existing engine: N local `vigil run --shard K/N` processes and `vigil merge` give the
// same findings as one process — finding by finding on identity, status, verdict, expected and actual.
// Excluded from the comparison, by design: times, durations and ids (run id, finding ids with their
// scenario line are equal too, but provenance pointers are renumbered by the merge).
// Real peers: node:tls servers on six loopback addresses (six hosts), good and legacy.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ResultsSchema, type Finding, type Results } from '../../reports/model.ts'
import { generateLabPki } from '../../lab/tls/certificates.ts'
import { startNodeTlsServer, type RunningServer } from '../../lab/tls/servers.ts'
import { hardened } from '../../lab/tls/lab-fleet.ts'
import { createEvidenceSigner, type EvidenceSigner } from '../../lab/evidence-signer.ts'
import { shardKey, shardOf } from '../../shards/select.ts'
import { runVigil } from '../run-vigil.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-shards-'))
const servers: RunningServer[] = []
let signing: EvidenceSigner
const TAGS = ['--tags', '@check:tls.protocols or @check:tls.forward-secrecy or @check:tls.cert.expiry or @check:tls.cert.trust']
const read = (out: string): Results => ResultsSchema.parse(JSON.parse(readFileSync(join(dir, out, 'results.json'), 'utf8')))
/** What must be equal between one process and the merged shards. */
const essence = (f: Finding) => JSON.stringify([f.checkId, f.scenarioKey, f.target, f.fingerprint, f.status, f.verdict, f.expected, f.actual, f.offenders ?? []])

beforeAll(async () => {
  const pki = await generateLabPki(join(dir, 'pki'))
  signing = await createEvidenceSigner(join(dir, 'signing'))
  const tls: object[] = []
  for (let i = 1; i <= 6; i++) {
    // two servers per host: the per-host bound must hold within one shard
    for (const kind of ['good', 'legacy'] as const) {
      const s = await startNodeTlsServer({ ...hardened(pki, 'good', kind === 'legacy' ? { minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' } : {}), bindHost: `127.0.0.${i}` })
      servers.push(s)
      tls.push({ name: `${kind}-${i}`, host: 'localhost', address: `127.0.0.${i}`, port: s.port })
    }
  }
  writeFileSync(join(dir, 'vigil.yaml'), stringify({ trust: { extraCaFiles: [pki.caCert] }, settings: { timeoutMs: 3000 }, targets: { tls } }))
}, 120_000)

afterAll(async () => Promise.all(servers.map((s) => s.stop())))

describe('sharding', () => {
  it('partitions by resolved host, stable under reordering of the inventory', () => {
    const resolved = new Map()
    const key = (address: string) => shardKey({ kind: 'tls', target: { name: 'x', host: 'localhost', address, port: 443, tags: [] } }, resolved)
    expect(key('127.0.0.3')).toBe('host:127.0.0.3')
    const shards = [1, 2, 3, 4, 5, 6].map((i) => shardOf(key(`127.0.0.${i}`), 3))
    expect(new Set(shards).size).toBeGreaterThan(1) // six hosts spread over three shards
    expect([6, 5, 4, 3, 2, 1].map((i) => shardOf(key(`127.0.0.${i}`), 3))).toEqual([...shards].reverse())
  })

  it('three shard processes merged equal one process, finding by finding', async () => {
    const single = await runVigil(['run', '-o', 'single', ...TAGS, '-q'], { cwd: dir, timeoutMs: 120_000 })
    expect([0, 1]).toContain(single.code)
    const runs = await Promise.all([1, 2, 3].map((k) => runVigil(['run', '-o', `shard-${k}`, ...TAGS, '--shard', `${k}/3`, '--run-id', 'nightly-2026-12-03', '-q'], { cwd: dir, timeoutMs: 120_000 })))
    for (const r of runs) expect([0, 1], r.stderr).toContain(r.code)
    // every target in exactly one shard, all hosts' targets together
    const perShard = [1, 2, 3].map((k) => new Set(read(`shard-${k}`).findings.map((f) => f.target)))
    const all = perShard.flatMap((s) => [...s])
    expect(new Set(all).size).toBe(all.length)
    for (const s of perShard) for (const t of s) expect(s.has(t.startsWith('good') ? t.replace('good', 'legacy') : t.replace('legacy', 'good'))).toBe(true)

    const merged = await runVigil(['merge', 'shard-1', 'shard-2', 'shard-3', '-o', 'merged', '--bundle', 'merged.tar.gz', '--signing-key', signing.signerKey, '--signing-cert', signing.signerCert], { cwd: dir, env: { VIGIL_SIGNING_PASSPHRASE: signing.passphrase } })
    expect([0, 1], merged.stderr).toContain(merged.code)
    const a = read('single')
    const b = read('merged')
    expect(b.run.id).toBe('nightly-2026-12-03')
    expect(b.run.shards!.map((s) => s.index)).toEqual([1, 2, 3])
    expect(b.findings.map(essence).sort()).toEqual(a.findings.map(essence).sort())
    expect(b.totals).toEqual(a.totals)
    expect(b.population).toEqual(a.population)
    // every provenance pointer resolves in the merged observations
    const obs = JSON.parse(readFileSync(join(dir, 'merged', 'observations.json'), 'utf8')) as { targets: { target: string }[] }
    for (const f of b.findings) expect(obs.targets[Number(f.provenance!.observation.split('/').pop())]!.target).toBe(f.target)
    // one signed bundle of the merged run, verifiable and recheckable
    expect((await runVigil(['verify', 'merged.tar.gz', '--ca', signing.caCert], { cwd: dir })).code).toBe(0)
    const re = await runVigil(['recheck', 'merged.tar.gz', '--ca', signing.caCert], { cwd: dir })
    expect(re.code, re.stdout).toBe(0)
  }, 240_000)

  it('refuses overlapping shards and shards of another inventory; a missing shard makes the merged run incomplete', async () => {
    const dup = await runVigil(['merge', 'shard-1', 'shard-1', '-o', 'dup'], { cwd: dir })
    expect(dup.code).toBe(2)
    expect(dup.stderr).toContain('overlapping shards')
    const partial = await runVigil(['merge', 'shard-1', 'shard-3', '-o', 'partial'], { cwd: dir })
    expect(partial.stdout).toContain('INCOMPLETE: shard(s) 2 of 3 missing')
    expect(read('partial').run.incomplete).toBe(true)
    expect(partial.code).not.toBe(0)
    // another inventory: one more target
    writeFileSync(join(dir, 'other.yaml'), readFileSync(join(dir, 'vigil.yaml'), 'utf8').replace('targets:', 'targets:\n  keyDirs:\n    - {name: spare, path: .}'))
    const other = await runVigil(['run', '-c', 'other.yaml', '-o', 'other-2', ...TAGS, '--shard', '2/3', '--run-id', 'nightly-2026-12-03', '-q'], { cwd: dir })
    expect([0, 1, 3]).toContain(other.code)
    const mixed = await runVigil(['merge', 'shard-1', 'other-2', 'shard-3', '-o', 'mixed'], { cwd: dir })
    expect(mixed.code).toBe(2)
    expect(mixed.stderr).toContain('another inventory than')
    const refused = await runVigil(['run', '-o', 'x', ...TAGS, '--shard', '1/3', '--run-id', 'r', '--history', 'h.db'], { cwd: dir })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--shard refuses --history')
  }, 120_000)
})
