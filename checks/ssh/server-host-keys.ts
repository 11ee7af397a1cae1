// ssh.server.host-keys — the server's host keys are strong and signed with SHA-2: no DSA key, no RSA
// key under 3072 bits, no EC key under 256 bits, and no `ssh-rsa` (SHA-1) or other deny-listed
// signature algorithm offered. Key sizes come from one handshake per offered key type.
import type { CheckDefinition, Offender, Verdict } from '../types.ts'
import { emptyListVerdict, kexinitEvidence, matchesAny, settleOffenders } from './algorithm-policy.ts'
import { SSH_PARTS, type SshObservation } from './observation.ts'
import { endpoint, hostKeyTrustEvidence, part } from './observation-parts.ts'

export const HOST_KEY_ALGORITHM_DENY = ['ssh-dss', 'ssh-dss-*', 'ssh-rsa', 'ssh-rsa-cert-v0*', 'x509v3-ssh-*', 'x509v3-sign-dss*', 'x509v3-sign-rsa', 'x509v3-sign-rsa-sha1', 'ssh-rsa1', 'spki-sign-*'] as const

export interface HostKeysParams {
  minRsaBits?: number
  minEcBits?: number
  allowDsa?: boolean
  denyAlgorithms?: string[]
}

export const serverHostKeys: CheckDefinition<SshObservation, HostKeysParams> = {
  id: 'ssh.server.host-keys',
  kinds: ['ssh'],
  title: 'The SSH server uses strong host keys with SHA-2 signatures',
  description: 'the server has a DSA host key, an RSA host key under 3072 bits or an EC key under 256 bits, or offers `ssh-rsa` (SHA-1) or another deny-listed signature algorithm',
  params: [
    { name: 'minRsaBits', description: 'smallest acceptable RSA host key', default: 3072 },
    { name: 'minEcBits', description: 'smallest acceptable ECDSA host key', default: 256 },
    { name: 'allowDsa', description: 'accept DSA host keys', default: false },
    { name: 'denyAlgorithms', description: 'glob patterns of denied host-key signature algorithms', default: HOST_KEY_ALGORITHM_DENY },
  ],
  severity: {
    level: 'medium',
    reason:
      'a weak host key or a SHA-1 host-key signature eases impersonating the server to its clients (man in the middle), but only after the key is broken or a signature forged; DSA and sub-2048-bit RSA host keys, which are within reach of that, are marked high',
  },
  population: 'offered host-key algorithms and the host keys presented',
  needs: [SSH_PARTS.kexinit, SSH_PARTS.hostKeys],
  judge(obs, params) {
    return settleOffenders(judgeHostKeys(obs, params), 'server')
  },
}

// Offenders: `hostkey-algorithm/<name>` for a denied signature algorithm offered, `hostkey/<key
// type>/<SHA256 fingerprint>` for a weak host key (a new key with the same defect is a new
// offender: it is another key). An error names the host-key algorithms whose key could not be read.
function judgeHostKeys(obs: SshObservation, { minRsaBits = 3072, minEcBits = 256, allowDsa = false, denyAlgorithms = [...HOST_KEY_ALGORITHM_DENY] }: HostKeysParams): Verdict {
  const k = part(obs, 'kexinit')
  if ('verdict' in k) return k.verdict
  const expected = { minRsaBits, minEcBits, allowDsa, denyAlgorithms }
  // no host-key algorithm: no session can be authenticated, a broken KEXINIT
  if (k.data.hostKeyAlgorithms.length === 0) return emptyListVerdict(obs, k.data, 'host-key algorithms', undefined, expected)
  const h = part(obs, 'hostKeys')
  if ('verdict' in h) return h.verdict
  const findings: { subject: string; reason: string }[] = []
  const offenders: Offender[] = []
  for (const a of [...new Set(k.data.hostKeyAlgorithms)]) {
    const rule = matchesAny(a, denyAlgorithms)
    if (!rule) continue
    const reason = a === 'ssh-rsa' ? 'RSA signatures with SHA-1' : `denied algorithm (${rule})`
    findings.push({ subject: a, reason })
    offenders.push({ id: `hostkey-algorithm/${a}`, why: `host-key algorithm ${a} offered: ${reason}` })
  }
  for (const key of h.data.keys) {
    const label = `${key.keyType} ${key.fingerprint}`
    let reason: string | undefined
    let high = false
    if (key.keyType.startsWith('ssh-dss') && !allowDsa) {
      reason = `DSA host key (${key.bits ?? '?'} bits)`
      high = true
    } else if (key.keyType.startsWith('ssh-rsa') && (key.bits ?? 0) < minRsaBits) {
      reason = `RSA host key of ${key.bits} bits < ${minRsaBits}`
      high = (key.bits ?? 0) < 2048
    } else if (key.keyType.startsWith('ecdsa-') && (key.bits ?? 0) < minEcBits) reason = `EC host key of ${key.bits ?? '?'} bits < ${minEcBits}`
    if (!reason) continue
    findings.push({ subject: label, reason })
    offenders.push({ id: `hostkey/${key.keyType}/${key.fingerprint}`, why: `${reason}, fingerprint ${key.fingerprint}`, ...(high ? { severity: 'high' as const } : {}) })
  }
  const base = {
    expected,
    actual: { findings, keys: h.data.keys.map((x) => ({ keyType: x.keyType, bits: x.bits, fingerprint: x.fingerprint })) },
    observed: { endpoint: endpoint(obs), offeredAlgorithms: k.data.hostKeyAlgorithms, keys: h.data.keys, notProbed: h.data.notProbed, failedHandshakes: h.data.failed },
    evidence: [
      kexinitEvidence(obs, k.data),
      { kind: 'host-keys', description: `${h.data.keys.length} host key(s) presented by ${endpoint(obs)}, one handshake per key type`, data: h.data },
      hostKeyTrustEvidence(obs),
    ],
  }
  if (findings.length) return { ...base, status: 'failed', summary: `${endpoint(obs)}: ${findings.slice(0, 4).map((f) => `${f.subject.split(' ')[0]}: ${f.reason}`).join('; ')}${findings.length > 4 ? '; …' : ''}`, offenders }
  const unread: Offender[] = [
    ...h.data.failed.map((f) => ({ id: `hostkey-algorithm/${f.algorithm}`, why: `the host key offered for ${f.algorithm} could not be read: ${f.error}` })),
    ...h.data.notProbed.map((a) => ({ id: `hostkey-algorithm/${a}`, why: `the host key offered for ${a} was not probed (no handshake for this algorithm)` })),
  ]
  // the server has host keys (it offers algorithms for them) but none could be read: their sizes are unjudged
  if (h.data.keys.length === 0)
    return {
      ...base,
      status: 'error',
      errorKind: 'inconclusive',
      summary: `no host key could be read, so no key size was judged${h.data.notProbed.length ? ` (not probed: ${h.data.notProbed.join(', ')})` : ''}${h.data.failed.length ? ` (failed: ${h.data.failed.map((f) => `${f.algorithm}: ${f.error}`).join('; ')})` : ''}`,
      offenders: unread,
    }
  if (h.data.failed.length)
    return {
      ...base,
      status: 'error',
      errorKind: 'inconclusive',
      summary: `could not read the host key for ${h.data.failed.map((f) => f.algorithm).join(', ')}: ${h.data.failed[0]!.error}`,
      offenders: unread.filter((o) => h.data.failed.some((f) => o.id === `hostkey-algorithm/${f.algorithm}`)),
    }
  return { ...base, status: 'passed', summary: `${h.data.keys.length} host key(s), all strong: ${h.data.keys.map((x) => `${x.keyType}${x.bits ? ` ${x.bits}` : ''}`).join(', ')}${h.data.notProbed.length ? ` (not probed: ${h.data.notProbed.join(', ')})` : ''}` }
}
