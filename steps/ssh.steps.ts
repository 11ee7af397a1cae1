// SSH phrases: parse the parameters, hand them to the check. No probing here.
import { Then, type DataTable } from '@cucumber/cucumber'
import type { VigilWorld } from './support/world.ts'

// Policy authors override the shipped lists in Gherkin, one algorithm (or glob) per table row.
const ALGORITHM_LISTS: Record<string, string> = {
  'key-exchange methods': 'ssh.server.kex',
  ciphers: 'ssh.server.ciphers',
  MACs: 'ssh.server.macs',
}
const names = (table: DataTable) => table.raw().flat().map((s) => s.trim()).filter(Boolean)

Then(/^no SSH server offers any of these (key-exchange methods|ciphers|MACs):$/, function (this: VigilWorld, kind: string, table: DataTable) {
  return this.judge(ALGORITHM_LISTS[kind]!, { mode: 'deny', deny: names(table) })
})

Then(/^the SSH (key-exchange methods|ciphers|MACs) offered are (a subset of|exactly) these:$/, function (this: VigilWorld, kind: string, how: string, table: DataTable) {
  return this.judge(ALGORITHM_LISTS[kind]!, { mode: 'baseline', baseline: names(table), match: how === 'exactly' ? 'exact' : 'subset' })
})

Then('no SSH server offers a key-exchange method on the deny list', function (this: VigilWorld) {
  return this.judge('ssh.server.kex', { mode: 'deny' })
})

Then('the SSH key-exchange methods are a subset of the hardened baseline', function (this: VigilWorld) {
  return this.judge('ssh.server.kex', { mode: 'baseline', match: 'subset' })
})

Then('no SSH server offers a CBC, 3DES, arcfour, none or other deny-listed cipher', function (this: VigilWorld) {
  return this.judge('ssh.server.ciphers', { mode: 'deny' })
})

Then('the SSH ciphers are a subset of the hardened baseline', function (this: VigilWorld) {
  return this.judge('ssh.server.ciphers', { mode: 'baseline', match: 'subset' })
})

Then('no SSH server offers an MD5, SHA-1, 96-bit, umac-64 or non-ETM MAC', function (this: VigilWorld) {
  return this.judge('ssh.server.macs', { mode: 'deny', requireEtm: true })
})

Then('every SSH host key is at least {int}-bit RSA or {int}-bit EC, and no DSA or ssh-rsa signature is offered', function (this: VigilWorld, minRsaBits: number, minEcBits: number) {
  return this.judge('ssh.server.host-keys', { minRsaBits, minEcBits, allowDsa: false })
})

Then('no SSH server offers chacha20-poly1305 or an ETM MAC without strict key exchange', function (this: VigilWorld) {
  return this.judge('ssh.server.terrapin', { etmRule: 'any' })
})

Then('no SSH server offers password or keyboard-interactive authentication', function (this: VigilWorld) {
  return this.judge('ssh.server.password-auth', { forbidden: ['password', 'keyboard-interactive'] })
})

Then('the effective PermitRootLogin setting is {string}', function (this: VigilWorld, value: string) {
  return this.judge('ssh.server.root-login', { allowed: [value] })
})

Then('every private key is protected by a passphrase', function (this: VigilWorld) {
  return this.judge('ssh.keys.passphrase', {})
})

Then('every SSH key is at least {int}-bit RSA or {int}-bit EC, and none is DSA', function (this: VigilWorld, minRsaBits: number, minEcBits: number) {
  return this.judge('ssh.keys.strength', { minRsaBits, minEcBits, allowDsa: false })
})

// host checks (checks/host): the machine behind the SSH server, read over its audit login
Then('only root has UID 0, no account has an empty password and no system account has a login shell', function (this: VigilWorld) {
  return this.judge('host.accounts', {})
})

Then('unattended-upgrades is installed, runs daily and takes updates from the security suite', function (this: VigilWorld) {
  return this.judge('host.auto-updates', { maxIntervalDays: 1 })
})

Then('no security update is pending on the host, judged from package lists at most {int} days old', function (this: VigilWorld, maxListAgeDays: number) {
  return this.judge('host.patches', { maxListAgeDays, securityOnly: true })
})

Then('inbound traffic is denied by default for IPv4 and IPv6, and the listening ports are listed', function (this: VigilWorld) {
  return this.judge('host.firewall', {})
})

Then('auditd records every change to the identity files, sudoers, the SSH configuration and the login records', function (this: VigilWorld) {
  return this.judge('host.audit-logging', {})
})

Then('the effective sshd configuration enables nothing the SSH checks deny and agrees with what the server offers', function (this: VigilWorld) {
  return this.judge('host.sshd-effective', {})
})

Then('every mounted data filesystem is encrypted with dm-crypt or LUKS', function (this: VigilWorld) {
  return this.judge('host.disk-encryption', {})
})

Then('a time service keeps the clock synchronised to within {int} ms', function (this: VigilWorld, maxOffsetMs: number) {
  return this.judge('host.time-sync', { maxOffsetMs })
})
