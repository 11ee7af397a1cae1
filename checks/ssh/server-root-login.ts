// ssh.server.root-login — the server's EFFECTIVE PermitRootLogin is `no`: read with `sshd -T` over
// the audit login (as root, or via `sudo -n`), or from the daemon's configuration files over SFTP
// when that is not allowed — then Match blocks that set PermitRootLogin count too.
import type { CheckDefinition, Offender, Severity, Verdict } from '../types.ts'
import { settleOffenders } from './algorithm-policy.ts'
import { SSH_PARTS, type SshObservation } from './observation.ts'
import { endpoint, hostKeyTrustEvidence, part } from './observation-parts.ts'
import { effectivePermitRootLogin } from './sshd-config.ts'

export interface RootLoginParams {
  /** acceptable PermitRootLogin values */
  allowed?: string[]
}

export const serverRootLogin: CheckDefinition<SshObservation, RootLoginParams> = {
  id: 'ssh.server.root-login',
  kinds: ['ssh'],
  title: 'The SSH server refuses root logins',
  description: 'the effective PermitRootLogin (sshd -T over the audit login, or the config files when that is not allowed) is anything but `no`',
  params: [{ name: 'allowed', description: 'acceptable PermitRootLogin values', default: ['no'] }],
  severity: {
    level: 'high',
    reason:
      'a direct root login bypasses individual accountability and exposes the most privileged account to guessing and credential theft; root logins restricted to keys (prohibit-password) or forced commands are marked medium',
  },
  population: 'the effective PermitRootLogin setting',
  needs: [SSH_PARTS.login],
  judge(obs, params) {
    return settleOffenders(judgeRootLogin(obs, params), 'server')
  },
}

/** Root may log in, but only with a key or a forced command: no password can be guessed. */
const KEY_ONLY = ['prohibit-password', 'without-password', 'forced-commands-only']

/**
 * The offender id is the SETTING, not its value: `PermitRootLogin` for the global (effective) value,
 * `PermitRootLogin/Match <condition>` for a Match block that sets it (condition as written, blanks
 * collapsed). The value goes in `why` (and the severity), so a change from `yes` to
 * `prohibit-password` that still fails is the same offender, improved — not a new one.
 */
export function rootLoginOffender(value: string, match?: string, via?: string): Offender {
  const severity: Severity | undefined = KEY_ONLY.includes(value) ? 'medium' : undefined
  const id = match === undefined ? 'PermitRootLogin' : `PermitRootLogin/Match ${match.trim().replace(/\s+/g, ' ')}`
  const why = match === undefined ? `PermitRootLogin is ${value}${via ? ` (from ${via})` : ''}` : `PermitRootLogin is ${value} for connections matching "Match ${match.trim()}"`
  return { id, why, ...(severity ? { severity } : {}) }
}

function judgeRootLogin(obs: SshObservation, { allowed = ['no'] }: RootLoginParams): Verdict {
  const l = part(obs, 'login')
  if ('verdict' in l) return l.verdict
  const cfg = l.data.sshdConfig
  if (!cfg) return { status: 'error', errorKind: 'not-observed', summary: 'the sshd configuration was not read during the audit login', expected: {}, actual: {}, observed: { endpoint: endpoint(obs) }, evidence: [] }
  if ('error' in cfg) return { status: 'error', errorKind: cfg.error.kind, summary: cfg.error.message, expected: {}, actual: {}, observed: { endpoint: endpoint(obs), user: l.data.user }, evidence: [hostKeyTrustEvidence(obs)] }
  const eff = effectivePermitRootLogin(cfg.settings)
  const conditional = (cfg.conditional ?? []).filter((c) => c.keyword === 'permitrootlogin').map((c) => ({ match: c.match, value: c.value.toLowerCase() }))
  const badConditional = conditional.filter((c) => !allowed.includes(c.value))
  const base = {
    expected: { permitRootLogin: allowed },
    actual: { permitRootLogin: eff.value, ...(eff.defaulted ? { defaulted: true } : {}), ...(conditional.length ? { inMatchBlocks: conditional } : {}) },
    observed: { endpoint: endpoint(obs), source: cfg.source, configFile: cfg.configFile, permitRootLogin: eff.value, defaulted: eff.defaulted, loginUser: l.data.user, ...(cfg.fallbackReason ? { fallbackReason: cfg.fallbackReason } : {}) },
    evidence: [
      {
        kind: 'sshd-config',
        description: cfg.source === 'sshd -T' ? `effective settings from sshd -T -f ${cfg.configFile} (for user root from the auditor's address)` : `settings read from ${cfg.filesRead.join(', ')} (sshd -T not allowed: ${cfg.fallbackReason ?? 'unknown'})`,
        data: cfg,
      },
      hostKeyTrustEvidence(obs),
    ],
  }
  const via = cfg.source === 'sshd -T' ? 'sshd -T' : `the config files${eff.defaulted ? ' (not set: compiled-in default)' : ''}`
  const offenders = [...(allowed.includes(eff.value) ? [] : [rootLoginOffender(eff.value, undefined, via)]), ...badConditional.map((c) => rootLoginOffender(c.value, c.match))]
  if (!allowed.includes(eff.value)) return { ...base, status: 'failed', summary: `PermitRootLogin is ${eff.value} (from ${via})`, offenders }
  if (badConditional.length) return { ...base, status: 'failed', summary: `PermitRootLogin is ${eff.value} globally but ${badConditional.map((c) => `${c.value} for Match ${c.match}`).join('; ')}`, offenders }
  return { ...base, status: 'passed', summary: `PermitRootLogin is ${eff.value} (from ${via})` }
}
