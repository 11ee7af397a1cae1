// cli/vigil.ts loads a command's module only when that command runs: the help of every command, and
// the command list, are what they are with every module loaded; and a command does not load the
// others' code.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Command } from 'commander'
import { COMMAND_GROUPS, buildProgram, commandName } from '../../cli/vigil.ts'
import { VIGIL_BIN } from '../run-vigil.ts'

/** A load hook for a child process: it prints every module URL it loaded when it exits. */
const HOOK = `data:text/javascript,${encodeURIComponent(`import m from 'node:module'; const seen = []; m.registerHooks({ load(u, c, n) { seen.push(u); return n(u, c) } }); process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(seen) + '\\n'))`)}`
const argv = (...args: string[]) => ['node', 'vigil', ...args]
const names = (p: Command) => p.commands.map((c) => c.name())
/** Every command's help, nested ones (`locker push`, `history import`) included. */
const helps = (cmds: readonly Command[], prefix = ''): [string, string][] => cmds.flatMap((c) => [[prefix + c.name(), c.helpInformation()] as [string, string], ...helps(c.commands, `${prefix}${c.name()} `)])

describe('lazy command loading', () => {
  it('registers every command, in the documented order, when the arguments name none', async () => {
    const all = await buildProgram(argv())
    expect(names(all)).toEqual(COMMAND_GROUPS.flatMap((g) => g.names))
    for (const a of [argv('--help'), argv('help', 'run'), argv('no-such-command'), argv('-V')]) expect(names(await buildProgram(a))).toEqual(names(all))
  })

  it('a command alone has the help it has among all (each group registers exactly its names)', async () => {
    const all = new Map(helps((await buildProgram(argv())).commands))
    for (const g of COMMAND_GROUPS)
      for (const name of g.names) {
        const alone = await buildProgram(argv(name, '--help'))
        expect(names(alone)).toEqual(g.names)
        for (const [cmd, help] of helps(alone.commands)) expect(help, cmd).toBe(all.get(cmd))
      }
  })

  it('finds the command after the program options', () => {
    expect(commandName(argv('run', '-c', 'x.yaml'))).toBe('run')
    expect(commandName(argv('--help', 'gate'))).toBe('gate')
    expect(commandName(argv())).toBeUndefined()
    expect(commandName(argv('--', 'run'))).toBeUndefined()
  })

  it('a TLS-only `vigil run` loads neither the AWS SDK nor ssh2 (the step library judges every kind without them)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-lazy-'))
    // a port nobody listens on: the run is quick and every TLS check is an error
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    try {
      writeFileSync(join(dir, 'vigil.yaml'), `targets:\n  tls:\n    - name: web\n      host: 127.0.0.1\n      port: ${port}\n`)
      const r = spawnSync(process.execPath, ['--import', HOOK, VIGIL_BIN, 'run', '--config', join(dir, 'vigil.yaml'), '--out', join(dir, 'out'), '--tags', '@tls', '--quiet'], { encoding: 'utf8', timeout: 60_000 })
      const loaded = JSON.parse(/LOADED (.*)/.exec(r.stderr)?.[1] ?? '[]') as string[]
      // judged: the steps ran (exit 3: every check is an error, the port being closed)
      expect(r.status, r.stderr.slice(-2000)).toBe(3)
      expect(loaded.some((u) => u.endsWith('/steps/aws.steps.ts'))).toBe(true)
      expect(loaded.filter((u) => /\/node_modules\/(@aws-sdk|@smithy|ssh2)\//.test(u))).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('`vigil run --help` loads neither Cucumber nor another command’s module; `vigil lint --help` not the runner', () => {
    const loaded = (...args: string[]): string[] => {
      const r = spawnSync(process.execPath, ['--import', HOOK, VIGIL_BIN, ...args], { encoding: 'utf8' })
      expect(r.status, r.stderr).toBe(0)
      return JSON.parse(/LOADED (.*)/.exec(r.stderr)?.[1] ?? '[]') as string[]
    }
    const run = loaded('run', '--help')
    expect(run.some((u) => u.endsWith('/cli/run-command.ts'))).toBe(true)
    for (const other of ['gate-command', 'lint-command', 'init-command', 'merge-command', 'policies-command', 'steps-command', 'catalog-listing']) expect(run.filter((u) => u.endsWith(`/cli/${other}.ts`))).toEqual([])
    expect(run.filter((u) => u.includes('/@cucumber/cucumber/') || u.includes('/steps/'))).toEqual([])
    const lint = loaded('lint', '--help')
    expect(lint.some((u) => u.endsWith('/cli/lint-command.ts'))).toBe(true)
    expect(lint.filter((u) => /\/runner\/run\.ts$|\/cli\/run-command\.ts$|\/@cucumber\/cucumber\//.test(u))).toEqual([])
  })
})
