// ssh.server.ciphers — the server offers no cipher on the deny list (CBC modes, 3DES, RC4, none, and
// other obsolete block ciphers), or, in baseline mode, nothing outside the hardened baseline.
import type { CheckDefinition } from '../types.ts'
import { mergedDirections, offeredListVerdict, type AlgorithmPolicyParams } from './algorithm-policy.ts'
import { SSH_PARTS, type SshObservation } from './observation.ts'

export const CIPHER_DENY = [
  '*-cbc',
  '*-cbc@*',
  '3des*',
  'arcfour*',
  'blowfish*',
  'cast128*',
  'des*',
  'idea*',
  'none',
  'rijndael*',
  'seed*',
  'serpent*',
  'grasshopper*',
  '*-ecb',
  '*-cfb',
  '*-ofb',
] as const

export const CIPHER_BASELINE = [
  'chacha20-poly1305@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-gcm@openssh.com',
  'aes256-ctr',
  'aes192-ctr',
  'aes128-ctr',
] as const

export const serverCiphers: CheckDefinition<SshObservation, AlgorithmPolicyParams> = {
  id: 'ssh.server.ciphers',
  kinds: ['ssh'],
  title: 'The SSH server offers only strong ciphers',
  description: 'the server offers a CBC, 3DES, arcfour, none or other deny-listed cipher in either direction (or, in baseline mode, one outside the baseline)',
  params: [
    { name: 'mode', description: '`deny` or `baseline`', default: 'deny' },
    { name: 'deny', description: 'glob patterns of denied ciphers (replaces the default list)', default: CIPHER_DENY },
    { name: 'baseline', description: 'allow-list for baseline mode', default: CIPHER_BASELINE },
    { name: 'match', description: 'baseline comparison: `subset` or `exact`', default: 'subset' },
  ],
  severity: {
    level: 'medium',
    reason:
      'CBC modes, 3DES, RC4 and similar ciphers weaken the confidentiality of sessions against an attacker who can observe or tamper with the traffic (plaintext recovery, Sweet32-style birthday attacks), which needs a network position and much traffic; the `none` cipher (no encryption at all) is marked high',
  },
  population: 'offered ciphers (both directions)',
  needs: [SSH_PARTS.kexinit],
  judge(obs, params) {
    return offeredListVerdict(obs, {
      noun: 'ciphers',
      lists: (k) => mergedDirections(k.ciphersClientToServer, k.ciphersServerToClient),
      params,
      defaults: { deny: CIPHER_DENY, baseline: CIPHER_BASELINE },
      offenderClass: 'cipher',
      severityOf: (a) => (a === 'none' ? 'high' : undefined),
    })
  },
}
