// The TLS policy family's checks, in catalog order.
import type { CheckDefinition } from '../types.ts'
import { certExpiry } from './cert-expiry.ts'
import { certTrust } from './cert-trust.ts'
import { certHostname } from './cert-hostname.ts'
import { certKeyStrength } from './cert-key-strength.ts'
import { certSignature } from './cert-signature.ts'
import { protocols } from './protocols.ts'
import { forwardSecrecy } from './forward-secrecy.ts'
import { ciphersWeak } from './ciphers-weak.ts'
import { dhStrength } from './dh-strength.ts'
import { profile } from './profile.ts'
import { httpHsts } from './http-hsts.ts'
import { tlsRequired } from './required.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const tlsChecks: CheckDefinition<any, any>[] = [
  certExpiry,
  certTrust,
  certHostname,
  certKeyStrength,
  certSignature,
  protocols,
  forwardSecrecy,
  ciphersWeak,
  dhStrength,
  profile,
  httpHsts,
  tlsRequired,
]
