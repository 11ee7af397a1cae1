// What the host tests share: running `vigil` inside the tests' network namespace (where the test
// hosts are reachable, and only there), and an inventory entry for a test host.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ResultsSchema, type Finding } from '../../reports/model.ts'
import { inTestNetns, type TestHost } from '../../lab/hosts/test-hosts.ts'
import { VIGIL_BIN } from '../run-vigil.ts'

/** `vigil <args>` run in the test netns; resolves with its exit code and standard error (3 minutes at most). */
export function vigilInNetns(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const [cmd, argv] = inTestNetns(process.execPath, [VIGIL_BIN, ...args])
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.resume()
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    })
  })
}

/** An SSH target for a test host: its address in the test netns, its ed25519 host key pinned, the vigil login. */
export function hostTarget(name: string, h: TestHost, sudo: boolean) {
  const hostKey = h.hostKeys.find((x) => x.type.includes('ed25519'))!.fingerprint
  return { name, host: h.name, address: h.address, port: 22, hostKey, login: { user: 'vigil', privateKeyFile: h.privateKeyFile, sudo } }
}

/** Runs one check over the inventory in `dir` (vigil.yaml) inside the test netns; its findings (the run must exit `code`). */
export async function runCheckOnHosts(dir: string, checkId: string, code = 1): Promise<Finding[]> {
  const r = await vigilInNetns(['run', '-c', 'vigil.yaml', '-o', 'out', '--tags', `@check:${checkId}`], dir)
  if (r.code !== code) throw new Error(`vigil run exited ${r.code}, not ${code}:\n${r.stderr}`)
  return ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'))).findings
}

/** Stops the hosts a test started and removes its folder. */
export async function stopHosts(hosts: Record<string, TestHost> | undefined, dir: string | undefined): Promise<void> {
  await Promise.all(Object.values(hosts ?? {}).map((h) => h.stop()))
  if (dir) await rm(dir, { recursive: true, force: true })
}
