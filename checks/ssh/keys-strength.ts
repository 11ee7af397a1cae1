// ssh.keys.strength — no private key, public key or authorized_keys entry is DSA, RSA under 3072
// bits or EC under 256 bits. Encrypted keys whose size cannot be read without the passphrase are
// sized from their encrypted length (marked `estimated`).
import type { CheckDefinition, Offender, Verdict } from '../types.ts'
import type { KeyDirObservation, KeyRecord, SshObservation } from './observation.ts'
import { SSH_PARTS } from './observation.ts'
import { keyLabel, keySearchEvidence, keysPart } from './observation-parts.ts'
import { emptyKeySearch, keyOffenderIds } from './keys-population.ts'
import { settleOffenders } from './algorithm-policy.ts'

export interface StrengthParams {
  minRsaBits?: number
  minEcBits?: number
  allowDsa?: boolean
}

export function keyWeakness(k: KeyRecord, p: Required<StrengthParams>): string | undefined | 'undetermined' {
  if (k.type === 'dsa') return p.allowDsa ? undefined : `DSA key${k.bits ? ` (${k.bits} bits)` : ''}`
  if (k.type === 'rsa' || k.type === 'rsa-or-dsa') {
    if (k.bits === undefined) return 'undetermined'
    const est = k.sizeSource === 'estimated' ? ' (estimated from the encrypted size)' : ''
    return k.bits < p.minRsaBits ? `${k.type === 'rsa' ? 'RSA' : 'RSA or DSA'} key of ${k.bits} bits < ${p.minRsaBits}${est}` : undefined
  }
  if (k.type === 'ecdsa' || k.type === 'ecdsa-sk') {
    if (k.bits === undefined) return 'undetermined'
    return k.bits < p.minEcBits ? `EC key of ${k.bits} bits < ${p.minEcBits}` : undefined
  }
  if (['ed25519', 'ed448', 'ed25519-sk', 'eddsa'].includes(k.type)) return undefined
  return 'undetermined'
}

export const keysStrength: CheckDefinition<SshObservation | KeyDirObservation, StrengthParams> = {
  id: 'ssh.keys.strength',
  kinds: ['ssh', 'keyDir'],
  title: 'SSH keys are strong',
  description: 'any private key, public key or authorized_keys entry is DSA, RSA under 3072 bits or EC under 256 bits',
  params: [
    { name: 'minRsaBits', description: 'smallest acceptable RSA key', default: 3072 },
    { name: 'minEcBits', description: 'smallest acceptable EC key', default: 256 },
    { name: 'allowDsa', description: 'accept DSA keys', default: false },
  ],
  severity: {
    level: 'high',
    reason:
      'a DSA key, an RSA key under 2048 bits or an EC key under 256 bits can be forged or recovered by a capable attacker, who then has whatever access the key grants; RSA keys measured at 2048 bits or more that only miss the policy margin (minRsaBits) are marked medium',
  },
  population: 'private keys, public keys and authorized_keys entries found under keyPaths and key folders',
  needs: [SSH_PARTS.keys],
  judge(obs, params) {
    return settleOffenders(judgeStrength(obs, params), 'keys')
  },
}

// Offenders: each weak key (private, public or authorized_keys entry), identified by its file and,
// for line-oriented and multi-key files, its fingerprint (checks/ssh/keys-population.ts,
// keyOffenderIds). An error names each key whose size could not be read.
function judgeStrength(obs: SshObservation | KeyDirObservation, { minRsaBits = 3072, minEcBits = 256, allowDsa = false }: StrengthParams): Verdict {
  const kp = keysPart(obs)
  if ('verdict' in kp) return kp.verdict
  const p = { minRsaBits, minEcBits, allowDsa }
  const weak: { key: string; kind: string; format: string; reason: string; fingerprint?: string }[] = []
  const undetermined: string[] = []
  const ids = keyOffenderIds(kp.data.keys)
  const offenders: Offender[] = []
  const unsized: Offender[] = []
  for (const k of kp.data.keys) {
    const w = keyWeakness(k, p)
    if (w === 'undetermined') {
      undetermined.push(`${keyLabel(k)} (${k.format}, ${k.type})`)
      unsized.push({ id: ids.get(k)!, why: `the size of this ${k.kind} key (${k.format}, ${k.type}) could not be read` })
    } else if (w) {
      weak.push({ key: keyLabel(k), kind: k.kind, format: k.format, reason: w, ...(k.fingerprint ? { fingerprint: k.fingerprint } : {}) })
      // measured big enough to resist known attacks, only short of the policy's margin (an estimated size stays high)
      const marginOnly = k.type === 'rsa' && k.bits !== undefined && k.bits >= 2048 && k.sizeSource !== 'estimated'
      offenders.push({ id: ids.get(k)!, why: `${k.kind} key (${k.format}): ${w}`, ...(marginOnly ? { severity: 'medium' as const } : {}) })
    }
  }
  const base = {
    expected: p,
    actual: { keys: kp.data.keys.length, weak, ...(undetermined.length ? { undetermined } : {}) },
    observed: {
      where: kp.where,
      keys: kp.data.keys.map((k) => ({ file: keyLabel(k), kind: k.kind, format: k.format, type: k.type, bits: k.bits, sizeSource: k.sizeSource, fingerprint: k.fingerprint })),
      filesExamined: kp.data.filesExamined,
      truncated: kp.data.truncated,
      unreadable: kp.data.unreadable.length,
    },
    evidence: [keySearchEvidence(kp.data, kp.where)],
  }
  if (weak.length) return { ...base, offenders, status: 'failed', summary: `${weak.length} weak key(s): ${weak.slice(0, 4).map((w) => `${w.key}: ${w.reason}`).join('; ')}${weak.length > 4 ? '; …' : ''}` }
  // no key: not-applicable when the search saw everything, error when it could not
  const empty = emptyKeySearch(kp.data, kp.where, kp.data.keys.length, 'key', base)
  if (empty) return empty
  if (undetermined.length) return { ...base, offenders: unsized, status: 'error', errorKind: 'inconclusive', summary: `the size of ${undetermined.length} key(s) could not be read: ${undetermined.slice(0, 3).join(', ')}` }
  return { ...base, status: 'passed', summary: `all ${kp.data.keys.length} key(s) are strong` }
}
