// Real servers that upgrade a plain connection to TLS (STARTTLS and its relatives), started on
// 127.0.0.1 from Debian's packages with a configuration of their own in a temp folder: the tests of
// the STARTTLS upgrades and the lab run them. The packages' own services are never used.

import type { StarttlsKind } from '../../checks/tls/target.ts'

/** The upgrades Vigil performs: the inventory's `starttls:` values (owned by the TLS domain). */
export { STARTTLS_KINDS, type StarttlsKind } from '../../checks/tls/target.ts'

/**
 * How the server is configured:
 * - `good`: the upgrade is offered; TLS 1.2 and 1.3 only, forward-secret AEAD suites only;
 * - `weak`: the upgrade is offered; TLS 1.0 and 1.1 accepted too, and non-forward-secret suites
 *   (RSA key exchange, CBC) accepted;
 * - `plain`: the service runs without TLS: the upgrade is not offered (or refused).
 */
export type PeerConfig = 'good' | 'weak' | 'plain'

export interface PeerCertificate {
  /** PEM file of the server certificate followed by any intermediates */
  certFile: string
  /** PEM file of its unencrypted private key */
  keyFile: string
}

export interface StarttlsPeer {
  kind: StarttlsKind
  config: PeerConfig
  host: '127.0.0.1'
  port: number
  /** the server program and version, e.g. `Postfix 3.7.11` */
  software: string
  /** stops the server and removes its folder; safe to call twice */
  stop(): Promise<void>
}

export interface StartPeerOptions {
  config: PeerConfig
  cert: PeerCertificate
  /** where to put the server's folder (default: the OS temp folder) */
  parentDir?: string
  /** give up starting after this long (default 60 s) */
  timeoutMs?: number
}
