// The TLS half of the embedded lab: one real endpoint per verdict the TLS checks can reach, each
// labelled with the verdicts it is built to produce. `vigil lab` runs the policies against it and
// the integration tests assert every label, so the lab cannot silently drift from what it shows.
import { pemToDers, legacySuiteServer } from './handshake-records.ts'
import type { LabPki, LabCertName } from './certificates.ts'
import type { StarttlsKind } from '../../checks/tls/target.ts'
import { installedStarttlsKinds, startStarttlsPeer, type StarttlsPeer } from '../starttls/index.ts'
import {
  OPENSSL_SERVER_ARGS,
  deadPort,
  startGarbageServer,
  startNodeTlsServer,
  startOpensslServer,
  startScriptedServer,
  startSilentServer,
  type RunningServer,
  type NodeTlsServerOptions,
} from './servers.ts'

/** `not-applicable`: the check's population is observed and empty (e.g. no key-exchange group in use) */
type Expected = 'passed' | 'failed' | 'error' | 'not-applicable'

export interface LabEndpoint {
  name: string
  host: string
  port: number
  tags: string[]
  /** what this endpoint demonstrates, for the lab's printout */
  shows: string
  /** verdicts this endpoint is built to produce, by check id */
  expect: Record<string, Expected>
  /** a mail, directory or database service: the upgrade to TLS the probe makes */
  starttls?: StarttlsKind
}

export interface TlsLabFleet {
  endpoints: LabEndpoint[]
  stop(): Promise<void>
}

/** Mozilla intermediate 6.0 TLS 1.2 suites, OpenSSL names. */
export const INTERMEDIATE_CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305'
const HSTS_TWO_YEARS = 'max-age=63072000; includeSubDomains'
const ALL_TLS_CHECKS = ['tls.cert.expiry', 'tls.cert.trust', 'tls.cert.hostname', 'tls.cert.key-strength', 'tls.cert.signature', 'tls.protocols', 'tls.forward-secrecy', 'tls.ciphers.weak', 'tls.dh-strength', 'tls.profile', 'http.hsts', 'tls.required']
const TLS_3DES = 0x000a // TLS_RSA_WITH_3DES_EDE_CBC_SHA
const TLS_RSA_AES128_SHA = 0x002f

/** A hardened server's options with one certificate swapped in. */
export function hardened(pki: LabPki, cert: LabCertName, over: Partial<NodeTlsServerOptions> = {}): NodeTlsServerOptions {
  const c = pki.certs[cert]
  return {
    certificate: { cert: c.cert, key: c.key, intermediates: c.intermediates },
    minVersion: 'TLSv1.2',
    ciphers: INTERMEDIATE_CIPHERS,
    ecdhCurve: 'X25519:P-256:P-384',
    http: { hsts: HSTS_TWO_YEARS },
    ...over,
  }
}

export interface TlsLabFleetOptions {
  /** also start the real mail, directory and database servers of the STARTTLS upgrades (lab/starttls) */
  starttls?: boolean
}

export async function startTlsLabFleet(pki: LabPki, opts: TlsLabFleetOptions = {}): Promise<TlsLabFleet> {
  const servers: RunningServer[] = []
  const endpoints: LabEndpoint[] = []
  const add = async (
    name: string,
    shows: string,
    expect: Record<string, Expected>,
    start: () => Promise<RunningServer | number>,
    opts: { host?: string; tags?: string[] } = {},
  ) => {
    const s = await start()
    const port = typeof s === 'number' ? s : s.port
    if (typeof s !== 'number') servers.push(s)
    endpoints.push({ name, host: opts.host ?? pki.host, port, tags: opts.tags ?? ['public'], shows, expect })
  }
  const cert = (n: LabCertName) => ({ cert: pki.certs[n].cert, key: pki.certs[n].key, intermediates: pki.certs[n].intermediates })
  try {
    await add('web-good', 'hardened: Mozilla intermediate, ECDHE only, HSTS two years', Object.fromEntries(ALL_TLS_CHECKS.map((c) => [c, 'passed'])), () =>
      startNodeTlsServer(hardened(pki, 'good')),
    )
    await add('web-ecdsa-tls13', 'TLS 1.3 only with an ECDSA P-256 certificate', { 'tls.protocols': 'passed', 'tls.forward-secrecy': 'passed', 'tls.cert.key-strength': 'passed', 'tls.profile': 'passed', 'tls.cert.trust': 'passed' }, () =>
      startNodeTlsServer(hardened(pki, 'good-ecdsa', { minVersion: 'TLSv1.3' })),
    )
    // no DHE suite and no ECDHE curve: tls.dh-strength has no group to judge (forward secrecy fails it instead)
    await add('web-static-rsa', 'TLS 1.2 with static RSA key exchange only (openssl s_server)', { 'tls.forward-secrecy': 'failed', 'tls.profile': 'failed', 'tls.protocols': 'passed', 'tls.dh-strength': 'not-applicable' }, () =>
      startOpensslServer({ certificate: cert('good'), args: [...OPENSSL_SERVER_ARGS.staticRsaOnly] }),
    )
    await add('web-mixed-fs', 'ECDHE plus one static-RSA suite: forward secrecy "some"', { 'tls.forward-secrecy': 'failed', 'tls.ciphers.weak': 'passed' }, () =>
      startNodeTlsServer(hardened(pki, 'good', { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256' })),
    )
    await add('web-legacy-tls10', 'TLS 1.0 only (openssl s_server at SECLEVEL=0)', { 'tls.protocols': 'failed', 'tls.profile': 'failed', 'http.hsts': 'failed' }, () =>
      startOpensslServer({ certificate: cert('good'), args: [...OPENSSL_SERVER_ARGS.tls10] }),
    )
    await add('web-3des', '3DES and TLS 1.0/1.2 on a raw-TLS server (no modern OpenSSL can serve 3DES)', { 'tls.ciphers.weak': 'failed', 'tls.protocols': 'failed' }, () =>
      startScriptedServer(legacySuiteServer({ suites: [TLS_3DES, TLS_RSA_AES128_SHA], versions: [0x0301, 0x0303], chain: pemToDers(pki.certs.good.chainPem) })),
    )
    await add('web-dhe-1024', 'DHE with a 1024-bit group (Logjam-size)', { 'tls.dh-strength': 'failed', 'http.hsts': 'failed' }, () =>
      startOpensslServer({ certificate: cert('good'), args: [...OPENSSL_SERVER_ARGS.dhe(pki.dhParams.dh1024)] }),
    )
    await add('web-expired', 'expired leaf certificate', { 'tls.cert.expiry': 'failed' }, () => startNodeTlsServer(hardened(pki, 'expired')))
    await add('web-expiring', 'leaf certificate expiring in 10 days', { 'tls.cert.expiry': 'failed', 'tls.cert.trust': 'passed' }, () => startNodeTlsServer(hardened(pki, 'expiring')))
    await add('web-not-yet-valid', 'leaf certificate not valid yet', { 'tls.cert.expiry': 'failed' }, () => startNodeTlsServer(hardened(pki, 'not-yet-valid')))
    await add('web-expiring-intermediate', 'intermediate CA expiring in 10 days', { 'tls.cert.expiry': 'failed' }, () => startNodeTlsServer(hardened(pki, 'expiring-intermediate')))
    // its only certificate is self-issued: no signature below a root for tls.cert.signature to judge
    await add('web-self-signed', 'self-signed leaf', { 'tls.cert.trust': 'failed', 'tls.cert.expiry': 'passed', 'tls.cert.signature': 'not-applicable' }, () =>
      startNodeTlsServer(hardened(pki, 'self-signed')),
    )
    await add('web-wrong-host', `certificate issued for ${pki.wrongHost}`, { 'tls.cert.hostname': 'failed', 'tls.cert.trust': 'passed' }, () => startNodeTlsServer(hardened(pki, 'wrong-host')))
    await add('web-rsa-1024', 'RSA-1024 leaf key', { 'tls.cert.key-strength': 'failed' }, () =>
      startNodeTlsServer(hardened(pki, 'rsa-1024', { ciphers: `${INTERMEDIATE_CIPHERS}:@SECLEVEL=0` })),
    )
    await add('web-sha1', 'leaf signed with SHA-1', { 'tls.cert.signature': 'failed', 'tls.cert.key-strength': 'passed' }, () => startNodeTlsServer(hardened(pki, 'sha1')))
    await add('web-no-hsts', 'HTTPS without Strict-Transport-Security', { 'http.hsts': 'failed', 'tls.protocols': 'passed' }, () => startNodeTlsServer(hardened(pki, 'good', { http: { hsts: null } })))
    await add('web-short-hsts', 'HSTS max-age of one day', { 'http.hsts': 'failed' }, () => startNodeTlsServer(hardened(pki, 'good', { http: { hsts: 'max-age=86400' } })))
    await add('web-dead', 'nothing listening: one refused connection, an error finding', Object.fromEntries(ALL_TLS_CHECKS.map((c) => [c, 'error'])), () => deadPort(), { tags: ['internal'] })
    await add('web-silent', 'accepts and never answers: one timeout, an error finding', { 'tls.protocols': 'error', 'tls.cert.expiry': 'error' }, () => startSilentServer(), { tags: ['internal'] })
    await add('web-garbage', 'answers junk instead of TLS: an error finding', { 'tls.protocols': 'error' }, () => startGarbageServer({ mode: 'junk' }), { tags: ['internal'] })
    if (opts.starttls) await addStarttlsServices(pki, servers, endpoints)
  } catch (e) {
    await Promise.all(servers.map((s) => s.stop()))
    throw e
  }
  return { endpoints, stop: async () => void (await Promise.all(servers.map((s) => s.stop()))) }
}

/**
 * Mail, directory and database services that upgrade to TLS: the real Debian server of every
 * upgrade installed here (lab/starttls), hardened; a Postfix that does not offer STARTTLS; a Dovecot
 * that still accepts TLS 1.0 and static RSA. Started together: a few seconds in all.
 */
async function addStarttlsServices(pki: LabPki, servers: RunningServer[], endpoints: LabEndpoint[]): Promise<void> {
  const kinds = installedStarttlsKinds()
  const cert = { certFile: pki.certs.good.chain, keyFile: pki.certs.good.key }
  const good: Record<string, Expected> = { 'tls.required': 'passed', 'tls.protocols': 'passed', 'tls.forward-secrecy': 'passed', 'tls.ciphers.weak': 'passed', 'tls.cert.trust': 'passed', 'http.hsts': 'not-applicable' }
  const plan: { name: string; kind: StarttlsKind; config: 'good' | 'weak' | 'plain'; shows: string; expect: Record<string, Expected> }[] = kinds.map((kind) => ({
    name: `${kind}-starttls`,
    kind,
    config: 'good' as const,
    shows: `${kind}: TLS 1.2/1.3 with ECDHE AEAD suites after the protocol's upgrade (real server)`,
    // Prosody serves the XMPP domain `localhost`, which the lab's certificate does not name
    expect: kind === 'xmpp' ? good : { ...good, 'tls.cert.hostname': 'passed' },
  }))
  if (kinds.includes('smtp'))
    plan.push({ name: 'smtp-no-starttls', kind: 'smtp', config: 'plain', shows: 'SMTP without STARTTLS: fails tls.required, an error for every other TLS check', expect: { 'tls.required': 'failed', 'tls.protocols': 'error', 'http.hsts': 'not-applicable' } })
  if (kinds.includes('imap'))
    plan.push({ name: 'imap-weak', kind: 'imap', config: 'weak', shows: 'IMAP STARTTLS still accepting TLS 1.0/1.1 and static RSA', expect: { 'tls.required': 'passed', 'tls.protocols': 'failed', 'tls.forward-secrecy': 'failed' } })
  const started = await Promise.allSettled(plan.map((p) => startStarttlsPeer(p.kind, { config: p.config, cert })))
  const peers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  servers.push(...peers.map((p: StarttlsPeer): RunningServer => ({ host: p.host, port: p.port, stop: () => p.stop() })))
  const failed = started.find((r) => r.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
  plan.forEach((p, i) => {
    const peer = peers[i]!
    endpoints.push({ name: p.name, host: p.kind === 'xmpp' ? 'localhost' : pki.host, port: peer.port, tags: ['internal', 'starttls'], shows: `${p.shows}; ${peer.software}`, expect: p.expect, starttls: p.kind })
  })
}
