// The tests' own network namespace: the test hosts' veth pairs end here and nowhere else, so the
// machine's own namespace never gets a 10.231.* address or route (and from there the hosts are
// unreachable). One per test process, held by `unshare --net cat`: its stdin is a pipe from this
// process, so the namespace is gone when the process exits, even after a crash. Commands run inside
// it with `nsenter --net=…` (see inTestNetns); they keep the machine's files and mounts.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readlinkSync } from 'node:fs'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TestNetns {
  /** PID of the holder process */
  pid: number
  /** `/proc/<pid>/ns/net` */
  path: string
  /** ends the holder; the namespace and every veth end in it go with it. Safe to call twice. */
  stop(): Promise<void>
}

let current: Promise<TestNetns> | undefined
let holder: ChildProcess | undefined

/** The spawn arguments that run `command args…` inside the test netns: `spawn(...inTestNetns('ssh', [...]))`. */
export function inTestNetns(command: string, args: readonly string[] = []): [string, string[]] {
  if (!holder?.pid || holder.exitCode !== null || holder.signalCode !== null) {
    throw new Error('inTestNetns: no test netns is running; await testNetns() first')
  }
  return ['nsenter', [`--net=/proc/${holder.pid}/ns/net`, '--', command, ...args]]
}

/** Runs `command args…` in the test netns and resolves with its output (rejects on a non-zero exit). */
export async function runInTestNetns(command: string, args: readonly string[] = [], timeoutMs = 10_000): Promise<{ stdout: string; stderr: string }> {
  const [cmd, argv] = inTestNetns(command, args)
  return run(cmd, argv, { timeout: timeoutMs })
}

/** The test process's network namespace, made on first use (one per process). */
export function testNetns(): Promise<TestNetns> {
  current ??= makeTestNetns().catch((err: unknown) => {
    current = undefined
    throw err
  })
  return current
}

async function makeTestNetns(): Promise<TestNetns> {
  const child = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && echo up && exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  holder = child
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`test netns holder (unshare --net) exited with ${code}: ${stderr.trim()}`)))
    child.stdout!.once('data', () => resolve())
  })
  const pid = child.pid!
  const path = `/proc/${pid}/ns/net`
  if (readlinkSync(path) === readlinkSync('/proc/self/ns/net')) throw new Error('test netns holder is in the machine netns')
  let stopped: Promise<void> | undefined
  return {
    pid,
    path,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.stdin!.end()
      }).then(() => {
        if (holder === child) holder = undefined
        current = undefined
      })
      return stopped
    },
  }
}

// best effort on a normal exit; the stdin lifeline covers crashes
process.once('exit', () => {
  if (holder && holder.exitCode === null) holder.kill('SIGKILL')
})
