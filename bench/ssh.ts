// Times Vigil's SSH algorithm checks over K local sshd ports: each host is observed once (KEXINIT,
// one handshake per host-key type with the `none` method-list request) and judged by the six
// no-login checks. Prints hosts/second. Not a test: `node bench/ssh.ts [K] [rounds]`.
import pLimit from 'p-limit'
import { observeSsh } from '../checks/ssh/probe.ts'
import { sshChecks } from '../checks/ssh/index.ts'
import { SSH_PARTS } from '../checks/ssh/observation.ts'
import { startLabSshd, type LabSshd } from '../lab/ssh/sshd.ts'

const K = Number(process.argv[2] ?? 8)
const ROUNDS = Number(process.argv[3] ?? 3)
const CONCURRENCY = Number(process.env.VIGIL_BENCH_CONCURRENCY ?? 8)
const needs = new Set([SSH_PARTS.kexinit, SSH_PARTS.hostKeys, SSH_PARTS.authMethods])
const checks = sshChecks.filter((c) => c.needs.every((n: string) => needs.has(n as never)))

const servers: LabSshd[] = []
try {
  for (let i = 0; i < K; i++) servers.push(await startLabSshd({ profile: i % 2 ? 'legacy' : 'hardened', hostKeys: i % 2 ? ['ed25519', 'ecdsa:256'] : ['ed25519'] }))
  const limit = pLimit(CONCURRENCY)
  const ctx = { needs, timeoutMs: 5000, extraCaPems: [], limit: <T>(_h: string, fn: () => Promise<T>) => fn() }
  console.log(`bench/ssh: ${K} sshd (OpenSSH, 127.0.0.1), ${checks.length} checks (${checks.map((c) => c.id).join(', ')}), concurrency ${CONCURRENCY}`)
  for (let r = 1; r <= ROUNDS; r++) {
    const t0 = performance.now()
    let connections = 0
    let verdicts = 0
    const statuses: Record<string, number> = {}
    await Promise.all(
      servers.map((s, i) =>
        limit(async () => {
          const obs = await observeSsh({ name: `bench-${i}`, host: '127.0.0.1', port: s.port, keyPaths: [], tags: [] }, ctx)
          connections += obs.connections
          for (const c of checks) {
            const v = c.judge(obs, {}, { now: new Date() })
            statuses[v.status] = (statuses[v.status] ?? 0) + 1
            verdicts++
          }
        }),
      ),
    )
    const s = (performance.now() - t0) / 1000
    console.log(`round ${r}: ${K} hosts in ${s.toFixed(2)} s = ${(K / s).toFixed(1)} hosts/s; ${connections} connections; ${verdicts} verdicts ${JSON.stringify(statuses)}`)
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()))
}
