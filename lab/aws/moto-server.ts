// Starts moto in server mode on 127.0.0.1 (for the tests, the lab and the benchmark), resets it and stops it
// by PID. Uses the machine's `moto_server` when present, else the project-local `.venv/`, creating
// it from PyPI (`moto[server]`) when neither exists — the same logic as scripts/install-test-peers.sh.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { freePort } from '../free-port.ts'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

export function motoBinary(): string {
  const venv = `${root}.venv/bin/moto_server`
  try {
    return execFileSync('bash', ['-c', 'command -v moto_server'], { encoding: 'utf8' }).trim()
  } catch {
    if (!existsSync(venv)) {
      execFileSync('python3', ['-m', 'venv', `${root}.venv`], { stdio: 'inherit' })
      execFileSync(`${root}.venv/bin/pip`, ['install', '-q', 'moto[server]>=5.2,<6'], { stdio: 'inherit', timeout: 600_000 })
    }
    return venv
  }
}


export interface Moto {
  endpoint: string
  port: number
  reset(): Promise<void>
  stop(): Promise<void>
}

export async function startMoto(): Promise<Moto> {
  const bin = motoBinary()
  const port = await freePort()
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // AWS-managed policies (AdministratorAccess…) exist in moto only with this set
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString()
  })
  const endpoint = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 45_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr.slice(-2000)}`)
    try {
      const r = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(2000) })
      if (r.ok) break
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`moto_server did not answer on ${endpoint} within 45 s: ${stderr.slice(-2000)}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    endpoint,
    port,
    async reset() {
      const r = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) })
      if (!r.ok) throw new Error(`moto reset failed: HTTP ${r.status}`)
    },
    async stop() {
      if (child.exitCode !== null || !child.pid) return
      const done = new Promise((r) => child.once('exit', r))
      process.kill(child.pid, 'SIGTERM')
      const t = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000)
      await done
      clearTimeout(t)
    },
  }
}
