// What the bench scripts share: a usage mistake (exit 2, no stack) and integer flags, the machine
// they ran on, how Vigil is launched (the Node flags of bin/vigil.mjs's first line), and the child
// processes they start, tracked so that an error or Ctrl-C never leaves one behind.
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('..', import.meta.url))
export const VIGIL_BIN = fileURLToPath(new URL('../bin/vigil.mjs', import.meta.url))
/** GNU time: wall, user and system seconds and peak RSS (KiB) of a command and its children */
export const GNU_TIME = '/usr/bin/time'
export const TIME_FORMAT = '%e %U %S %M'

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** `--name`'s value as an integer in [min, max], or a UsageError naming the flag. */
export function intFlag(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer ${min}..${max}, got ${v}`)
  return n
}

/** The options both fleet benches take: Vigil's `--timeout` and `--per-host`, `--json FILE`, `--keep`, `-h`. */
export const COMMON_OPTIONS = {
  'timeout-ms': { type: 'string', default: '3000' },
  'per-host': { type: 'string', default: '5' },
  json: { type: 'string' },
  keep: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const

/** The common options' values, checked; `-h` prints `usage` and exits. */
export function commonValues(values: { 'timeout-ms': string; 'per-host': string; json?: string; keep: boolean; help: boolean }, usage: string): { timeoutMs: number; perHost: number; json?: string; keep: boolean } {
  if (values.help) {
    process.stdout.write(usage)
    process.exit(0)
  }
  return {
    timeoutMs: intFlag('timeout-ms', values['timeout-ms'], 100, 120_000),
    perHost: intFlag('per-host', values['per-host'], 1, 64),
    ...(values.json ? { json: values.json } : {}),
    keep: values.keep,
  }
}

/** The machine a measurement ran on. */
export function machine() {
  const c = cpus()
  return {
    cpus: availableParallelism(),
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    memGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    openssl: process.versions.openssl,
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
  }
}

/** The Node flags bin/vigil.mjs's first line runs Vigil with (`#!/usr/bin/env -S node <flags>`): Vigil is measured as it runs. */
export function vigilNodeFlags(): string[] {
  const shebang = readFileSync(VIGIL_BIN, 'utf8').split('\n', 1)[0]!
  const m = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(shebang)
  if (!m) throw new Error(`${VIGIL_BIN}: unexpected first line ${shebang}`)
  return m[1]!.trim().split(/\s+/).filter(Boolean)
}

/** Every child a bench starts; `group`: it runs in its own process group (a kill reaches its children). */
export const children = new Map<ChildProcess, { group: boolean }>()
export function track(child: ChildProcess, group = false): void {
  children.set(child, { group })
  child.once('exit', () => children.delete(child))
}
export function kill(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    if (children.get(child)?.group) process.kill(-child.pid, 'SIGKILL')
    else if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  } catch {
    // already gone
  }
}
