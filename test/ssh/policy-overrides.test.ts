// Policy authors override the shipped algorithm lists in Gherkin tables; the run uses their lists.
// Through the real CLI, against a real legacy sshd.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runVigil } from '../run-vigil.ts'
import { startLabSshd, type LabSshd } from '../../lab/ssh/sshd.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-ssh-overrides-'))
let sshd: LabSshd

beforeAll(async () => {
  sshd = await startLabSshd({ profile: 'legacy', dir: join(dir, 'sshd'), hostKeys: ['ed25519'] })
  writeFileSync(join(dir, 'vigil.yaml'), `targets:\n  ssh:\n    - {name: old-box, host: 127.0.0.1, port: ${sshd.port}}\n`)
  writeFileSync(
    join(dir, 'house-rules.feature'),
    `@ssh
Feature: Our own SSH algorithm rules

  @check:ssh.server.kex @soc2:CC6.7 @hipaa:164.312(e)(1)
  Scenario: We deny a method the default list allows
    Given every SSH server
    Then no SSH server offers any of these key-exchange methods:
      | curve25519-sha256 |

  @check:ssh.server.ciphers @soc2:CC6.7 @hipaa:164.312(e)(1)
  Scenario: We deny only what nobody offers any more
    Given every SSH server
    Then no SSH server offers any of these ciphers:
      | arcfour* |
      | none     |

  @check:ssh.server.macs @soc2:CC6.7 @hipaa:164.312(e)(1)
  Scenario: MACs stay inside our baseline
    Given every SSH server
    Then the SSH MACs offered are a subset of these:
      | hmac-sha2-256-etm@openssh.com |
      | hmac-sha2-512-etm@openssh.com |
`,
  )
}, 60_000)

afterAll(async () => {
  await sshd?.stop()
})

describe('SSH algorithm lists from Gherkin tables', () => {
  it('judges with the lists the policy names, not the shipped defaults', async () => {
    const { code } = await runVigil(['run', '--config', 'vigil.yaml', '--features', 'house-rules.feature', '--out', 'out', '-q'], { cwd: dir, timeoutMs: 60_000 })
    expect(code).toBe(1)
    const { findings } = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')) as { findings: { checkId: string; status: string; summary: string; params: Record<string, unknown> }[] }
    const by = (id: string) => findings.find((f) => f.checkId === id)!
    expect(by('ssh.server.kex')).toMatchObject({ status: 'failed', params: { mode: 'deny', deny: ['curve25519-sha256'] } })
    expect(by('ssh.server.kex').summary).toContain('curve25519-sha256')
    expect(by('ssh.server.ciphers')).toMatchObject({ status: 'passed', params: { deny: ['arcfour*', 'none'] } })
    expect(by('ssh.server.macs')).toMatchObject({ status: 'failed', params: { mode: 'baseline', match: 'subset' } })
    expect(by('ssh.server.macs').summary).toMatch(/hmac-sha1/)
  })
})
