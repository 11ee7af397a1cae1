// ssh.server.kex — the server offers no key-exchange method on the deny list (SHA-1 and 1024-bit
// groups; NIST-curve ECDH when no Curve25519/PQ hybrid is offered beside it), or, in baseline mode,
// nothing outside the hardened baseline.
import type { CheckDefinition } from '../types.ts'
import { matchesAny, offeredListVerdict, PSEUDO_KEX, type AlgorithmFinding, type AlgorithmPolicyParams } from './algorithm-policy.ts'
import { SSH_PARTS, type SshObservation } from './observation.ts'

export const KEX_DENY = [
  'diffie-hellman-group1-sha1',
  'diffie-hellman-group1-sha256',
  'diffie-hellman-group14-sha1',
  'diffie-hellman-group-exchange-sha1',
  'rsa1024-sha1',
  'gss-*-sha1-*',
  'ecdh-sha2-nistp192',
  'ecdh-sha2-nistp224',
  'ecdh-sha2-1.*',
  'ecmqv-sha2',
  '*-sha1',
] as const

/** ssh-audit's hardened OpenSSH profile, plus the PQ hybrids OpenSSH 9.x/10.x offer. */
export const KEX_BASELINE = [
  'mlkem768x25519-sha256',
  'sntrup761x25519-sha512',
  'sntrup761x25519-sha512@openssh.com',
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group-exchange-sha256',
] as const

export const MODERN_KEX = ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'sntrup761x25519-sha512', 'sntrup761x25519-sha512@openssh.com', 'mlkem768x25519-sha256']

export interface KexParams extends AlgorithmPolicyParams {
  /** deny `ecdh-sha2-nistp*` when no Curve25519 or PQ-hybrid method is offered beside it (default true) */
  denyNistWithoutCurve25519?: boolean
}

export const serverKex: CheckDefinition<SshObservation, KexParams> = {
  id: 'ssh.server.kex',
  kinds: ['ssh'],
  title: 'The SSH server offers only strong key exchange',
  description: 'the server offers a key-exchange method on the deny list (SHA-1 groups, group1, gex-sha1, NIST ECDH without Curve25519, …) or, in baseline mode, one outside the baseline',
  params: [
    { name: 'mode', description: '`deny` or `baseline`', default: 'deny' },
    { name: 'deny', description: 'glob patterns of denied methods (replaces the default list)', default: KEX_DENY },
    { name: 'denyNistWithoutCurve25519', description: 'also deny ecdh-sha2-nistp* when no curve25519/sntrup/mlkem method is offered', default: true },
    { name: 'baseline', description: 'allow-list for baseline mode', default: KEX_BASELINE },
    { name: 'match', description: 'baseline comparison: `subset` or `exact`', default: 'subset' },
  ],
  severity: {
    level: 'medium',
    reason:
      'a weak key exchange (SHA-1, a 1024-bit group, a small or NIST-only curve) lets a well-resourced attacker who records the traffic recover session keys later; it takes cryptanalytic effort and a network position, and grants no login by itself',
  },
  population: 'offered key-exchange methods',
  needs: [SSH_PARTS.kexinit],
  judge(obs, params) {
    const nistRule = params.denyNistWithoutCurve25519 ?? true
    return offeredListVerdict(obs, {
      noun: 'key-exchange methods',
      lists: (k) => ({ offered: k.kex.filter((a) => !PSEUDO_KEX.includes(a)) }),
      params,
      defaults: { deny: KEX_DENY, baseline: KEX_BASELINE },
      offenderClass: 'kex',
      extraExpected: { denyNistWithoutCurve25519: nistRule },
      extra: (offered): AlgorithmFinding[] =>
        nistRule && !offered.some((a) => MODERN_KEX.includes(a))
          ? offered.filter((a) => matchesAny(a, ['ecdh-sha2-nistp*'])).map((algorithm) => ({ algorithm, rule: 'NIST curve without curve25519' }))
          : [],
    })
  },
}
