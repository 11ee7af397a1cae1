// The STARTTLS peers: one real Debian server per upgrade (lab/starttls/peer.ts), for the tests, the
// bench and the lab. A kind whose server is not installed on this machine is left out of the lab.
import { existsSync, readdirSync } from 'node:fs'
import { STARTTLS_KINDS, type StarttlsKind } from '../../checks/tls/target.ts'
import { startDataPeer, type DataPeerKind } from './data-servers.ts'
import { mailPeerInstalled, startMailPeer, type MailPeerKind } from './mail-servers.ts'
import type { StartPeerOptions, StarttlsPeer } from './peer.ts'

export type { PeerConfig, StartPeerOptions, StarttlsPeer } from './peer.ts'

const DATA_KINDS: readonly StarttlsKind[] = ['postgres', 'mysql', 'ldap']

/** The program each data peer runs (Debian's packages). */
function dataPeerInstalled(kind: DataPeerKind): boolean {
  if (kind === 'mysql') return existsSync('/usr/sbin/mariadbd')
  if (kind === 'ldap') return existsSync('/usr/sbin/slapd')
  const root = '/usr/lib/postgresql'
  return existsSync(root) && readdirSync(root).some((m) => existsSync(`${root}/${m}/bin/postgres`))
}

/** The upgrades whose real server is installed here, in the inventory's order. */
export function installedStarttlsKinds(): StarttlsKind[] {
  return STARTTLS_KINDS.filter((k) => (DATA_KINDS.includes(k) ? dataPeerInstalled(k as DataPeerKind) : mailPeerInstalled(k as MailPeerKind)))
}

/** Starts the real server of one upgrade in one configuration on 127.0.0.1. */
export function startStarttlsPeer(kind: StarttlsKind, opts: StartPeerOptions): Promise<StarttlsPeer> {
  return DATA_KINDS.includes(kind) ? startDataPeer(kind as DataPeerKind, opts) : startMailPeer(kind as MailPeerKind, opts)
}
