// Makes `npm test` work on a fresh machine: the integration suites need real peers (sshd,
// puttygen, openssl, moto). The script installs only what is missing and is a no-op otherwise.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const script = fileURLToPath(new URL('../scripts/install-test-peers.sh', import.meta.url))
  execFileSync('bash', [script], { stdio: 'inherit' })
}
