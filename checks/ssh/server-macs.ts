// ssh.server.macs — the server offers no MAC on the deny list (MD5, SHA-1, 96-bit truncations,
// 64-bit UMAC) and, with requireEtm, only encrypt-then-MAC variants; or, in baseline mode, nothing
// outside the hardened baseline.
import type { CheckDefinition } from '../types.ts'
import { MACLESS_AEAD, mergedDirections, offeredListVerdict, type AlgorithmPolicyParams } from './algorithm-policy.ts'
import { SSH_PARTS, type SshObservation } from './observation.ts'

export const MAC_DENY = ['hmac-md5*', 'hmac-sha1*', '*-96', '*-96@*', '*-96-etm@*', 'umac-64*', 'umac-32*', 'hmac-ripemd*', 'none', 'md5*', 'sha1*', 'ripemd160*'] as const

export const MAC_BASELINE = ['hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'umac-128-etm@openssh.com'] as const

export interface MacParams extends AlgorithmPolicyParams {
  /** deny every MAC that is not encrypt-then-MAC (`*-etm@openssh.com`) (default true) */
  requireEtm?: boolean
}

export const serverMacs: CheckDefinition<SshObservation, MacParams> = {
  id: 'ssh.server.macs',
  kinds: ['ssh'],
  title: 'The SSH server offers only strong MACs',
  description: 'the server offers an MD5, SHA-1, 96-bit, umac-64 or other deny-listed MAC, or (requireEtm) any MAC that is not encrypt-then-MAC',
  params: [
    { name: 'mode', description: '`deny` or `baseline`', default: 'deny' },
    { name: 'deny', description: 'glob patterns of denied MACs (replaces the default list)', default: MAC_DENY },
    { name: 'requireEtm', description: 'deny non-ETM MACs (encrypt-and-MAC)', default: true },
    { name: 'baseline', description: 'allow-list for baseline mode', default: MAC_BASELINE },
    { name: 'match', description: 'baseline comparison: `subset` or `exact`', default: 'subset' },
  ],
  severity: {
    level: 'medium',
    reason:
      'MD5, SHA-1, truncated (96-bit, 64-bit) and encrypt-and-MAC integrity lower the margin against tampering with a session in transit, though an attack still needs a network position and a further weakness; the `none` MAC (no integrity at all) is marked high',
  },
  population: 'offered MACs (both directions)',
  needs: [SSH_PARTS.kexinit],
  judge(obs, params) {
    const requireEtm = params.requireEtm ?? true
    return offeredListVerdict(obs, {
      noun: 'MACs',
      lists: (k) => mergedDirections(k.macsClientToServer, k.macsServerToClient),
      params,
      defaults: { deny: MAC_DENY, baseline: MAC_BASELINE },
      offenderClass: 'mac',
      severityOf: (a) => (a === 'none' ? 'high' : undefined),
      extraExpected: { requireEtm },
      // OpenSSH's AEAD ciphers ignore the MAC list: with only those on offer, no MAC is ever used
      emptyBecause: (k) => {
        const ciphers = [...new Set([...k.ciphersClientToServer, ...k.ciphersServerToClient])]
        return ciphers.length && ciphers.every((c) => MACLESS_AEAD.includes(c)) ? `the server offers only AEAD ciphers (${ciphers.join(', ')}), which use no MAC` : undefined
      },
      extra: (offered) => (requireEtm ? offered.filter((a) => !a.endsWith('-etm@openssh.com')).map((algorithm) => ({ algorithm, rule: 'not encrypt-then-MAC' })) : []),
    })
  },
}
