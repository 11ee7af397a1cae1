// A TLS endpoint as the inventory names it (`targets.tls[]`): the shape the TLS probe reads.
import * as z from 'zod'
import { hostName, portNumber, targetName, targetTags } from '../target-fields.ts'

export const TlsTargetSchema = z
  .object({
    name: targetName,
    /** SNI and hostname-verification name */
    host: hostName,
    /** connect here instead of resolving `host` */
    address: hostName.optional(),
    port: portNumber.default(443),
    tags: targetTags,
  })
  .strict()

export type TlsTarget = z.output<typeof TlsTargetSchema>
