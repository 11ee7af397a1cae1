// Scratch policy repositories for the lint tests: a team's own repository (vigil.yaml, its feature
// files, waivers.yaml) in a temp folder, clean or with one planted mistake per lint rule. Each
// planted mistake is found by a marker on its line, so the expected file:line follows the text.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const made: string[] = []

function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** Removes every scratch repository made so far (afterAll). */
export function removeScratchRepos(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true })
}

export interface Expected {
  file: string
  line: number
  rule: string
}

export function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
}

/** 1-based line of the first line of `file` containing `marker` (after line `after`). */
export function lineOf(dir: string, file: string, marker: string, after = 0): number {
  const lines = readFileSync(join(dir, file), 'utf8').split('\n')
  const i = lines.findIndex((l, n) => n >= after && l.includes(marker))
  if (i < 0) throw new Error(`${file}: no line contains ${marker}`)
  return i + 1
}

export const CLEAN_INVENTORY = `targets:
  tls:
    - name: web
      host: web.example.test
      address: 127.0.0.1
      tags: [public]
  ssh:
    - name: bastion
      host: bastion.example.test
      tags: [prod]
policies:
  paths: [policies]
  off: [tls.profile]
  params:
    tls.cert.expiry: {days: 14}
`

export const CLEAN_FEATURE = `@tls
Feature: The team's own TLS policies
  Written in Vigil's phrases, with the team's own ids and severities.

  @check:tls.protocols @id:team.public-protocols @severity:critical @soc2:CC6.7
  Scenario: Public endpoints speak only TLS 1.2 or 1.3
    Given every TLS endpoint tagged "public"
    Then only TLS 1.2 or TLS 1.3 is accepted

  @check:ssh.server.kex @id:team.prod-kex
  Scenario: Production SSH offers only our key exchange
    Given every SSH server tagged "prod"
    Then the SSH key-exchange methods offered are a subset of these:
      | curve25519-sha256 |
      | sntrup761x25519-sha512@openssh.com |
`

export const CLEAN_WAIVERS = `waivers:
  - id: WVR-1
    check: tls.protocols
    target: web
    justification: The vendor appliance is replaced next quarter.
    approver: Dana Reyes (CISO)
    ticket: SEC-1
    expires: 2999-12-31
`

export function cleanRepo(prefix = 'vigil-lint-clean-'): string {
  const dir = scratch(prefix)
  write(dir, { 'vigil.yaml': CLEAN_INVENTORY, 'policies/team.feature': CLEAN_FEATURE, 'waivers.yaml': CLEAN_WAIVERS })
  return dir
}

const PLANTED_INVENTORY = `targets:
  tls:
    - name: web
      host: web.example.test
      tags: [public]
  ssh:
    - name: bastion
      host: bastion.example.test
      tags: [prod]
policies:
  paths:
    - policies
    - missing-policies            # MARK policies-paths
  off:
    - tls.profile
    - tls.no-such-scenario        # MARK policies-off
  params:
    tls.cert.expiry: {dayz: 3}    # MARK policies-params
retired:
  - target: web                   # MARK retired-still-present
    reason: the web endpoint is decommissioned by this change
    ticket: OPS-1
`

const PLANTED_FEATURE = `@tls
Feature: Team policies with one mistake each

  @check:tls.protocols @id:team.undefined-step
  Scenario: an undefined step
    Given every TLS endpoint
    # MARK undefined-step
    Then every endpoint is perfectly fine

  @check:tls.no-such-check @id:team.unknown-check
  Scenario: an unknown check # MARK unknown-check
    Given every TLS endpoint
    Then only TLS 1.2 or TLS 1.3 is accepted

  @check:tls.protocols @id:team.unknown-control @soc2:CC99.9
  Scenario: an unknown control # MARK unknown-control
    Given every TLS endpoint
    Then only TLS 1.2 or TLS 1.3 is accepted

  @id:team.no-check
  Scenario: no check tag # MARK check-tag
    Given every TLS endpoint
    Then only TLS 1.2 or TLS 1.3 is accepted

  @check:tls.protocols
  Scenario: no id tag # MARK missing-id
    Given every TLS endpoint
    Then only TLS 1.2 or TLS 1.3 is accepted

  @check:tls.protocols @id:team.twice
  Scenario: the first of two with one id # MARK duplicate-key
    Given every TLS endpoint
    Then only TLS 1.2 or TLS 1.3 is accepted

  @check:tls.protocols @id:team.twice
  Scenario: the second of two with one id # MARK duplicate-key
    Given every TLS endpoint
    Then only TLS 1.2 or TLS 1.3 is accepted

  @check:tls.protocols @id:team.bad-severity @severity:urgent
  Scenario: a severity that is none # MARK invalid-tag
    Given every TLS endpoint
    Then only TLS 1.2 or TLS 1.3 is accepted

  @check:tls.protocols @id:team.mismatch
  Scenario: the phrase judges another check # MARK check-mismatch
    Given every TLS endpoint
    Then no certificate in the served chain expires within 30 days

  @check:tls.protocols @id:team.wrong-kind
  Scenario: a TLS check on SSH servers
    # MARK wrong-kind
    Given every SSH server
    Then only TLS 1.2 or TLS 1.3 is accepted

  @check:tls.protocols @id:team.no-selection
  Scenario: no selection # MARK no-selection
    Then only TLS 1.2 or TLS 1.3 is accepted

  @check:tls.protocols @id:team.judges-nothing
  Scenario: nothing judged # MARK judges-nothing
    Given every TLS endpoint

  @check:tls.profile @id:team.bad-profile
  Scenario: a profile Mozilla does not have # MARK phrase-error
    Given every TLS endpoint
    Then nothing outside the Mozilla "ultra" TLS profile is accepted

  @check:tls.protocols @id:team.internal
  Scenario: internal endpoints
    # MARK unmatched-selection
    Given every TLS endpoint tagged "internal"
    Then only TLS 1.2 or TLS 1.3 is accepted
`

const BROKEN_FEATURE = `Feature: A table with a missing cell
  @check:tls.protocols @id:team.broken
  Scenario: broken
    Given every TLS endpoint
    Then only TLS 1.2 or TLS 1.3 is accepted
      | a | b |
      | c |
`

const PLANTED_WAIVERS = `waivers:
  - id: W-no-approver             # MARK waiver-invalid
    check: tls.protocols
    target: web
    justification: Someone forgot who approved this.
    ticket: SEC-2
    expires: 2999-12-31
  - id: W-expired                 # MARK waiver-expired
    check: tls.protocols
    target: web
    justification: Legacy clients until the end of January 2020.
    approver: Dana Reyes (CISO)
    ticket: SEC-3
    expires: 2020-01-31
  - id: W-unknown-check           # MARK waiver-unknown-check
    check: tls.no-such-check
    target: web
    justification: A typo in the check id.
    approver: Dana Reyes (CISO)
    ticket: SEC-4
    expires: 2999-12-31
  - id: W-unknown-target          # MARK waiver-unknown-target
    check: tls.protocols
    target: ghost-*
    justification: A target pattern that matches nothing.
    approver: Dana Reyes (CISO)
    ticket: SEC-5
    expires: 2999-12-31
  - id: W-nothing                 # MARK waiver-matches-nothing
    check: tls.protocols
    target: bastion
    justification: A TLS check on an SSH server never fails.
    approver: Dana Reyes (CISO)
    ticket: SEC-6
    expires: 2999-12-31
`

/** One mistake per rule; `expected` lists every problem lint must report, and nothing else. */
export function plantedRepo(): { dir: string; expected: Expected[] } {
  const dir = scratch('vigil-lint-planted-')
  const files = { 'vigil.yaml': PLANTED_INVENTORY, 'policies/team.feature': PLANTED_FEATURE, 'policies/broken.feature': BROKEN_FEATURE, 'waivers.yaml': PLANTED_WAIVERS }
  write(dir, files)
  const expected: Expected[] = [{ file: 'policies/broken.feature', line: 7, rule: 'gherkin-syntax' }]
  for (const file of ['vigil.yaml', 'policies/team.feature', 'waivers.yaml'] as const) {
    const lines = files[file].split('\n')
    lines.forEach((l, i) => {
      // `# MARK rule` after the text marks its line; alone on a line (a Gherkin comment), the next one
      const m = /^(\s*)(.*?)# MARK ([a-z-]+)/.exec(l)
      if (m) expected.push({ file, line: m[2] ? i + 1 : i + 2, rule: m[3]! })
    })
  }
  return { dir, expected }
}
