// ssh.server.terrapin — CVE-2023-48795: a man in the middle can drop packets at the start of the
// secure channel when the server offers chacha20-poly1305 or an encrypt-then-MAC MAC, unless both
// sides use strict key exchange (`kex-strict-s-v00@openssh.com`, OpenSSH 9.6+ and backports).
import type { CheckDefinition, Verdict } from '../types.ts'
import { emptyListVerdict, kexinitEvidence, settleOffenders } from './algorithm-policy.ts'
import { SSH_PARTS, type SshObservation } from './observation.ts'
import { endpoint, hostKeyTrustEvidence, part } from './observation-parts.ts'

export interface TerrapinParams {
  /**
   * `any` (default, the policy's wording): any ETM MAC without strict kex is vulnerable;
   * `with-cbc`: only ETM together with a CBC cipher (the practically exploitable case, ssh-audit's rule)
   */
  etmRule?: 'any' | 'with-cbc'
}

export const serverTerrapin: CheckDefinition<SshObservation, TerrapinParams> = {
  id: 'ssh.server.terrapin',
  kinds: ['ssh'],
  title: 'The SSH server is not exposed to the Terrapin attack',
  description: 'chacha20-poly1305 or an encrypt-then-MAC MAC is offered without strict key exchange (CVE-2023-48795)',
  params: [{ name: 'etmRule', description: '`any`: every ETM MAC counts; `with-cbc`: ETM only counts beside a CBC cipher', default: 'any' }],
  severity: {
    level: 'medium',
    reason:
      'CVE-2023-48795 is rated 5.9 (medium) by NVD: an attacker in the network path can drop messages at the start of the secure channel and so disable security extensions such as keystroke-timing obfuscation, but cannot read or inject session data',
  },
  population: 'offered ciphers and MACs',
  needs: [SSH_PARTS.kexinit],
  judge(obs, params) {
    return settleOffenders(judgeTerrapin(obs, params), 'server')
  },
}

// Offenders: `terrapin/<algorithm>` for each offered algorithm that exposes the server while strict
// key exchange is off — chacha20-poly1305@openssh.com and the counted ETM MACs. Enabling strict kex
// removes them all; dropping one algorithm removes that one.
function judgeTerrapin(obs: SshObservation, { etmRule = 'any' }: TerrapinParams): Verdict {
  const k = part(obs, 'kexinit')
  if ('verdict' in k) return k.verdict
  const ciphers = [...new Set([...k.data.ciphersClientToServer, ...k.data.ciphersServerToClient])]
  const macs = [...new Set([...k.data.macsClientToServer, ...k.data.macsServerToClient])]
  // without any cipher no session can be negotiated: a broken KEXINIT, not a safe server
  if (ciphers.length === 0) return emptyListVerdict(obs, k.data, 'ciphers', undefined, { strictKexWhenOffering: 'chacha20-poly1305 or ETM MACs', etmRule })
  const chacha = ciphers.filter((c) => c.startsWith('chacha20-poly1305'))
  const cbc = ciphers.filter((c) => /-cbc(@|$)/.test(c))
  const etm = macs.filter((m) => /-etm@openssh\.com$/.test(m))
  const etmCounts = etmRule === 'any' ? etm : cbc.length ? etm : []
  const exposedBy = [...chacha, ...etmCounts]
  const base = {
    expected: { strictKexWhenOffering: 'chacha20-poly1305 or ETM MACs', etmRule },
    actual: { strictKex: k.data.strictKex, exposedBy },
    observed: { endpoint: endpoint(obs), banner: k.data.banner, strictKex: k.data.strictKex, chacha20: chacha, etmMacs: etm, cbcCiphers: cbc },
    evidence: [kexinitEvidence(obs, k.data), hostKeyTrustEvidence(obs)],
  }
  if (exposedBy.length && !k.data.strictKex)
    return {
      ...base,
      status: 'failed',
      summary: `${endpoint(obs)} offers ${exposedBy.slice(0, 4).join(', ')} without strict key exchange: vulnerable to Terrapin (CVE-2023-48795)`,
      offenders: exposedBy.map((a) => ({
        id: `terrapin/${a}`,
        why: `${a} is offered without strict key exchange (kex-strict-s-v00@openssh.com)${chacha.includes(a) ? '' : etmRule === 'with-cbc' ? `, beside CBC cipher(s) ${cbc.join(', ')}` : ' (encrypt-then-MAC)'}`,
      })),
    }
  return {
    ...base,
    status: 'passed',
    summary: exposedBy.length ? `offers ${exposedBy.length} Terrapin-prone algorithm(s) but enforces strict key exchange` : 'offers neither chacha20-poly1305 nor counted ETM MACs',
  }
}
