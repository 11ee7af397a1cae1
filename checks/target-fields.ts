// Field shapes every target kind shares (validated with zod): a target's name is its id in results
// and waivers; hosts, ports and tags are written the same way in every domain's section of the
// inventory. Each domain owns its own target shape (checks/<domain>/target.ts); runner/inventory.ts
// composes them into the inventory file's schema.
import * as z from 'zod'

export const targetName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'use letters, digits, dot, dash or underscore (max 128)')
export const hostName = z.string().min(1).max(253)
export const portNumber = z.number().int().min(1).max(65535)
export const targetTags = z.array(z.string().regex(/^[A-Za-z0-9._:-]+$/, 'tags are letters, digits, dot, dash, colon')).default([])
