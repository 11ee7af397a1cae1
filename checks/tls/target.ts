// A TLS endpoint as the inventory names it (`targets.tls[]`): the shape the TLS probe reads.
import * as z from 'zod'
import { hostName, portNumber, targetName, targetTags } from '../target-fields.ts'

/**
 * Upgrades from a plain-text protocol to TLS the probe performs on every connection it opens before
 * its hello (checks/tls/wire/starttls.ts): `starttls:` on a target. Without it, TLS from the first byte.
 */
export const STARTTLS_KINDS = ['smtp', 'submission', 'imap', 'pop3', 'ftp', 'ldap', 'postgres', 'mysql', 'xmpp'] as const
export type StarttlsKind = (typeof STARTTLS_KINDS)[number]

/** The port a service listens on when the inventory names none: its IANA port (implicit TLS: HTTPS). */
export const DEFAULT_PORTS: Record<StarttlsKind | 'none', number> = { none: 443, smtp: 25, submission: 587, imap: 143, pop3: 110, ftp: 21, ldap: 389, postgres: 5432, mysql: 3306, xmpp: 5222 }

export const TlsTargetSchema = z
  .object({
    name: targetName,
    /** SNI and hostname-verification name */
    host: hostName,
    /** connect here instead of resolving `host` */
    address: hostName.optional(),
    /** default: 443, or the upgrade's own port (25, 587, 143, 110, 21, 389, 5432, 3306, 5222) */
    port: portNumber.optional(),
    tags: targetTags,
    /** the protocol's upgrade to TLS (STARTTLS and its relatives); none: TLS from the first byte */
    starttls: z.enum(STARTTLS_KINDS).optional(),
  })
  .strict()
  .transform((t) => ({ ...t, port: t.port ?? DEFAULT_PORTS[t.starttls ?? 'none'] }))

export type TlsTarget = z.output<typeof TlsTargetSchema>
