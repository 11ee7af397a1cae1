// Every user mistake in files, paths and selections is exit 2 with one paragraph naming what is
// wrong — never exit 4 "internal error", never a stack trace, never a hang, and never exit 0 for a
// run that judged nothing.
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runVigil, STACK_TRACE } from '../run-vigil.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-mistakes-'))
writeFileSync(join(dir, 'vigil.yaml'), 'settings: {timeoutMs: 500}\ntargets:\n  tls:\n    - {name: web, host: localhost, address: 127.0.0.1, port: 1, tags: [public]}\n')
writeFileSync(join(dir, 'empty.yaml'), '# nothing yet\ntargets: {}\n')
writeFileSync(join(dir, 'a-file'), 'not a folder\n')
mkdirSync(join(dir, 'features'))
const vigil = (args: string[]) => runVigil(args, { cwd: dir, timeoutMs: 60_000 })

async function usageError(args: string[], message: RegExp): Promise<void> {
  const started = performance.now()
  const r = await vigil(args)
  expect(r.code, r.stderr).toBe(2)
  expect(r.stderr).toMatch(message)
  expect(r.stderr).not.toMatch(STACK_TRACE)
  expect(r.stderr).not.toContain('internal error')
  expect(performance.now() - started).toBeLessThan(20_000)
}

describe('an empty plan is an error, never a pass', () => {
  it('an inventory with no targets', () => usageError(['run', '-c', 'empty.yaml'], /empty\.yaml: the inventory has no targets .*nothing would be checked/))
  it('--tags that select no scenario', () => usageError(['run', '--tags', '@no-such-tag'], /--tags '@no-such-tag' selects no scenario in the policy library shipped with Vigil/))
  it('--features that match no file', () => usageError(['run', '--features', 'features/**/*.feature'], /--features: "features\/\*\*\/\*\.feature" matches no feature file/))
  it('scenarios whose targets the inventory does not have', () =>
    usageError(['run', '--tags', '@aws'], /no target selected: the 27 scenario\(s\) select aws, and none of those is in vigil\.yaml \(1 target\(s\): tls\)/))
})

describe('paths', () => {
  it('--out naming a file', () => usageError(['run', '--out', 'a-file'], /--out a-file: this is a file, not a folder/))
  it('--out under a file', () => usageError(['run', '--out', 'a-file/out'], /--out a-file\/out: .*a-file is a file, so no folder can be created under it/))
  it('--out under /proc: refused at once (mkdir -p never returns there)', () => usageError(['run', '--out', '/proc/vigil-out'], /--out \/proc\/vigil-out: \/proc is on procfs, a kernel pseudo-filesystem/))
  it('--bundle naming a folder', () => usageError(['run', '--bundle', dir, '--signing-key', 'k', '--signing-cert', 'c'], /--bundle .*: this is a folder; name the archive file to write/))
  it('--bundle in a missing folder', () => usageError(['run', '--bundle', 'no/such/dir/b.tar.gz', '--signing-key', 'k', '--signing-cert', 'c'], /--bundle no\/such\/dir\/b\.tar\.gz: the folder .*no\/such\/dir does not exist/))
  it('vigil bundle --output naming a folder', () => usageError(['bundle', 'vigil-out', '--output', dir], /--output .*: this is a folder/))

  it('--out through a symbolic link to a folder is a folder', async () => {
    mkdirSync(join(dir, 'real-out'))
    symlinkSync(join(dir, 'real-out'), join(dir, 'linked-out'))
    const r = await vigil(['run', '--out', 'linked-out/run', '--tags', '@check:tls.protocols', '-q'])
    expect(r.code, r.stderr).toBe(3)
    expect(existsSync(join(dir, 'real-out', 'run', 'results.json'))).toBe(true)
  })
  it('a folder another live run is writing is refused; a stale mark (its process gone) is not', async () => {
    mkdirSync(join(dir, 'busy'))
    writeFileSync(join(dir, 'busy', 'RUN-IN-PROGRESS.json'), JSON.stringify({ runId: 'other-run', pid: process.pid, host: hostname(), startedAt: '2026-12-03T00:00:00Z' }))
    await usageError(['run', '--out', 'busy', '--tags', '@check:tls.protocols'], /busy: run other-run \(process \d+, started 2026-12-03T00:00:00Z\) is writing this folder; give this run another --out/)
    writeFileSync(join(dir, 'busy', 'RUN-IN-PROGRESS.json'), JSON.stringify({ runId: 'dead-run', pid: 2 ** 22 - 1, host: hostname(), startedAt: '2026-12-03T00:00:00Z' }))
    const r = await vigil(['run', '--out', 'busy', '--tags', '@check:tls.protocols', '-q'])
    expect(r.code, r.stderr).toBe(3)
  })
  it('vigil diff with one run id is a usage error', () => usageError(['diff', 'abc', '--history', 'vigil.yaml'], /give two run ids/))
})
