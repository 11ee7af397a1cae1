// Reading one part of an SSH observation, or the reason it is missing, as a verdict. Every server
// check goes through here, so a host-key mismatch turns every verdict about that server into an
// `error`: whatever answered is not the machine the inventory describes.
import { errorVerdict, type EvidenceItem, type Verdict } from '../types.ts'
import type { KeyDirObservation, KeysObservation, SshObservation } from './observation.ts'

type ServerPart = 'kexinit' | 'hostKeys' | 'authMethods' | 'login' | 'keys'
type PartData<K extends ServerPart> = Exclude<NonNullable<SshObservation[K]>, { error: unknown }>

const PART_LABEL: Record<ServerPart, string> = {
  kexinit: 'offered algorithms (KEXINIT)',
  hostKeys: 'host keys',
  authMethods: 'authentication methods',
  login: 'audit login',
  keys: 'keys under keyPaths',
}

export function endpoint(obs: SshObservation): string {
  return `${obs.target.address}:${obs.target.port}`
}

export function part<K extends ServerPart>(obs: SshObservation, name: K): { data: PartData<K> } | { verdict: Verdict } {
  const where = { endpoint: endpoint(obs) }
  if (obs.hostKeyPin.status === 'mismatch')
    return {
      verdict: {
        ...errorVerdict('hostkey-mismatch', `the server's host key is not the pinned ${obs.hostKeyPin.expected}; nothing it says about itself is trusted`, { ...where, pinned: obs.hostKeyPin.expected, seen: obs.hostKeyPin.seen }),
        evidence: [hostKeyTrustEvidence(obs)],
      },
    }
  const p = obs[name]
  if (!p) return { verdict: errorVerdict('not-observed', `the ${PART_LABEL[name]} of this server were not observed in this run`, where) }
  if ('error' in p) return { verdict: errorVerdict(p.error.kind, p.error.message, where) }
  return { data: p as PartData<K> }
}

/** How far the host key was trusted: pinned and matched, or trusted on first use (and which key). */
export function hostKeyTrustEvidence(obs: SshObservation): EvidenceItem {
  const pin = obs.hostKeyPin
  const description =
    pin.status === 'match'
      ? `host key matched the pinned fingerprint ${pin.expected}`
      : pin.status === 'mismatch'
        ? `host key did NOT match the pinned fingerprint ${pin.expected}`
        : pin.status === 'tofu'
          ? `no host key pinned in the inventory: trusted on first use; fingerprint(s) recorded: ${pin.seen.join(', ')}`
          : 'no handshake in this run presented a host key that could be compared'
  return { kind: 'host-key-trust', description, data: pin }
}

/** The keys part of an SSH server or key folder observation. */
export function keysPart(obs: SshObservation | KeyDirObservation): { data: KeysObservation; where: string } | { verdict: Verdict } {
  if ('hostKeyPin' in obs) {
    const p = part(obs, 'keys')
    if ('verdict' in p) return p
    return { data: p.data, where: `${obs.target.name} (${endpoint(obs)}, over SFTP)` }
  }
  const k = obs.keys
  if (!k) return { verdict: errorVerdict('not-observed', 'the key folder was not searched in this run', { folder: obs.target.path }) }
  if ('error' in k) return { verdict: errorVerdict(k.error.kind, k.error.message, { folder: obs.target.path }) }
  return { data: k, where: `key folder ${obs.target.path}` }
}

/** Evidence for a key search: what was searched and what was found (descriptions only, no key bytes). */
export function keySearchEvidence(keys: KeysObservation, where: string): EvidenceItem {
  return {
    kind: 'key-search',
    description: `${keys.keys.length} key(s) in ${keys.filesExamined} file(s) examined under ${keys.roots.join(', ') || '(no roots)'} — ${where}`,
    data: { roots: keys.roots, filesExamined: keys.filesExamined, truncated: keys.truncated, oversized: keys.oversized, unreadable: keys.unreadable, keys: keys.keys },
  }
}

export function keyLabel(k: { file: string; line?: number }): string {
  return k.line ? `${k.file}:${k.line}` : k.file
}
