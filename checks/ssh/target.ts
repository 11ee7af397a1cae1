// An SSH server and a local key folder as the inventory names them (`targets.ssh[]`,
// `targets.keyDirs[]`): the shapes the SSH probe reads. A passphrase never appears here, only the
// name of the environment variable holding it.
import * as z from 'zod'
import { hostName, portNumber, targetName, targetTags } from '../target-fields.ts'

export const SshTargetSchema = z
  .object({
    name: targetName,
    host: hostName,
    /** connect here instead of resolving `host` */
    address: hostName.optional(),
    port: portNumber.default(22),
    /** expected host key fingerprint (`SHA256:…` as printed by ssh-keygen -lf); mismatch = error, no login */
    hostKey: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'expected an OpenSSH SHA256 fingerprint like SHA256:abc… (43 base64 characters)')
      .optional(),
    login: z
      .object({
        user: z.string().min(1),
        privateKeyFile: z.string().min(1),
        /** name of the environment variable holding the passphrase; never the passphrase itself */
        passphraseEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
        /** the host checks may run their root-only commands as `sudo -n` (the README lists them); default false */
        sudo: z.boolean().optional(),
      })
      .strict()
      .optional(),
    keyPaths: z.array(z.string().min(1)).default([]),
    tags: targetTags,
  })
  .strict()

/** A local folder of keys (a laptop image, a repository, a CI workspace). */
export const KeyDirTargetSchema = z.object({ name: targetName, path: z.string().min(1), tags: targetTags }).strict()

export type SshTarget = z.output<typeof SshTargetSchema>
export type KeyDirTarget = z.output<typeof KeyDirTargetSchema>
