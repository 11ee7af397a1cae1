// ssh.keys.passphrase — every private key found (under keyPaths over SFTP, or in a key folder) is
// protected by a passphrase. Weak protection (PEM's single-MD5 key derivation, PPK v2's SHA-1, bcrypt
// rounds below 16, PBES1) is reported as a finding detail, and fails the check with failOnWeak.
import type { CheckDefinition, Offender, Verdict } from '../types.ts'
import type { KeyDirObservation, KeyRecord, SshObservation } from './observation.ts'
import { SSH_PARTS } from './observation.ts'
import { keyLabel, keySearchEvidence, keysPart } from './observation-parts.ts'
import { emptyKeySearch, keyOffenderIds } from './keys-population.ts'
import { settleOffenders } from './algorithm-policy.ts'

export interface PassphraseParams {
  /** fail (not just report) when a key's protection is weak */
  failOnWeak?: boolean
  minBcryptRounds?: number
  minPbkdf2Iterations?: number
}

/** Why a protected key's protection is weak: intrinsic (format) plus the work-factor thresholds. */
export function protectionWeaknesses(k: KeyRecord, p: Required<Pick<PassphraseParams, 'minBcryptRounds' | 'minPbkdf2Iterations'>>): string[] {
  const pr = k.protection
  if (!pr?.encrypted) return []
  const out = [...pr.weaknesses]
  if (pr.kdf === 'bcrypt' && pr.rounds !== undefined && pr.rounds < p.minBcryptRounds) out.push(`bcrypt KDF with ${pr.rounds} rounds < ${p.minBcryptRounds}`)
  if (pr.kdf?.startsWith('PBKDF2') && pr.rounds !== undefined && pr.rounds < p.minPbkdf2Iterations) out.push(`PBKDF2 with ${pr.rounds} iterations < ${p.minPbkdf2Iterations}`)
  return out
}

export const keysPassphrase: CheckDefinition<SshObservation | KeyDirObservation, PassphraseParams> = {
  id: 'ssh.keys.passphrase',
  kinds: ['ssh', 'keyDir'],
  title: 'Private keys are protected by a passphrase',
  description: 'any private key under keyPaths (remote, over SFTP) or in a key folder (local) is not encrypted with a passphrase; weak protection is reported, and fails with failOnWeak',
  params: [
    { name: 'failOnWeak', description: 'fail on weakly protected keys instead of only reporting them', default: false },
    { name: 'minBcryptRounds', description: 'OpenSSH bcrypt KDF rounds below this are weak', default: 16 },
    { name: 'minPbkdf2Iterations', description: 'PKCS#8 PBKDF2 iterations below this are weak', default: 2048 },
  ],
  severity: {
    level: 'high',
    reason:
      'anyone who obtains a copy of an unencrypted private key (a backup, a stolen laptop, a leaked repository or image) gets the access it grants at once; weakly protected keys (failOnWeak) are marked medium, since their passphrase must still be guessed offline',
  },
  population: 'private keys found under keyPaths and key folders',
  needs: [SSH_PARTS.keys],
  judge(obs, params) {
    return settleOffenders(judgePassphrase(obs, params), 'keys')
  },
}

// Offenders: each unprotected private key (and, with failOnWeak, each weakly protected one, medium),
// identified by its file (checks/ssh/keys-population.ts, keyOffenderIds).
function judgePassphrase(obs: SshObservation | KeyDirObservation, { failOnWeak = false, minBcryptRounds = 16, minPbkdf2Iterations = 2048 }: PassphraseParams): Verdict {
  const kp = keysPart(obs)
  if ('verdict' in kp) return kp.verdict
  const privates = kp.data.keys.filter((k) => k.kind === 'private')
  const unprotected = privates.filter((k) => !k.protection?.encrypted)
  const weakKeys = privates.map((k) => ({ key: k, weaknesses: protectionWeaknesses(k, { minBcryptRounds, minPbkdf2Iterations }) })).filter((w) => w.weaknesses.length)
  const weak = weakKeys.map((w) => ({ file: keyLabel(w.key), format: w.key.format, weaknesses: w.weaknesses }))
  const describe = (k: KeyRecord) => ({ file: keyLabel(k), format: k.format, type: k.type, ...(k.bits ? { bits: k.bits } : {}), ...(k.fingerprint ? { fingerprint: k.fingerprint } : {}) })
  const base = {
    expected: { everyPrivateKey: 'passphrase-protected', failOnWeak, minBcryptRounds, minPbkdf2Iterations },
    actual: { privateKeys: privates.length, unprotected: unprotected.map(describe), weaklyProtected: weak },
    observed: {
      where: kp.where,
      privateKeys: privates.map((k) => ({ ...describe(k), protection: k.protection })),
      filesExamined: kp.data.filesExamined,
      truncated: kp.data.truncated,
      unreadable: kp.data.unreadable.length,
    },
    evidence: [keySearchEvidence(kp.data, kp.where)],
  }
  const ids = keyOffenderIds(kp.data.keys)
  const offenders: Offender[] = [
    ...unprotected.map((k) => ({ id: ids.get(k)!, why: `private key (${k.format}, ${k.type}${k.bits ? ` ${k.bits} bits` : ''}) is not protected by a passphrase` })),
    ...(failOnWeak ? weakKeys.map((w) => ({ id: ids.get(w.key)!, why: `private key (${w.key.format}) is weakly protected: ${w.weaknesses.join('; ')}`, severity: 'medium' as const })) : []),
  ]
  if (unprotected.length) return { ...base, offenders, status: 'failed', summary: `${unprotected.length} of ${privates.length} private key(s) have no passphrase: ${unprotected.slice(0, 5).map((k) => `${keyLabel(k)} (${k.format})`).join(', ')}${unprotected.length > 5 ? ', …' : ''}` }
  if (failOnWeak && weak.length) return { ...base, offenders, status: 'failed', summary: `${weak.length} private key(s) are weakly protected: ${weak.slice(0, 3).map((w) => `${w.file}: ${w.weaknesses[0]}`).join('; ')}` }
  // no private key: not-applicable when the search saw everything, error when it could not
  const empty = emptyKeySearch(kp.data, kp.where, privates.length, 'private key', base)
  if (empty) return empty
  const weakNote = weak.length ? `; ${weak.length} weakly protected (${weak.map((w) => w.file).slice(0, 3).join(', ')}${weak.length > 3 ? ', …' : ''})` : ''
  return { ...base, status: 'passed', summary: `all ${privates.length} private key(s) are passphrase-protected${weakNote}` }
}
