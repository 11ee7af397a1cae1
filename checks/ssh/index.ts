// The SSH policy family's checks, in catalog order.
import type { CheckDefinition } from '../types.ts'
import { serverKex } from './server-kex.ts'
import { serverCiphers } from './server-ciphers.ts'
import { serverMacs } from './server-macs.ts'
import { serverHostKeys } from './server-host-keys.ts'
import { serverTerrapin } from './server-terrapin.ts'
import { serverPasswordAuth } from './server-password-auth.ts'
import { serverRootLogin } from './server-root-login.ts'
import { keysPassphrase } from './keys-passphrase.ts'
import { keysStrength } from './keys-strength.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const sshChecks: CheckDefinition<any, any>[] = [
  serverKex,
  serverCiphers,
  serverMacs,
  serverHostKeys,
  serverTerrapin,
  serverPasswordAuth,
  serverRootLogin,
  keysPassphrase,
  keysStrength,
]
