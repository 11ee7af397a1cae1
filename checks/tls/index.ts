// The TLS policy family's checks, in catalog order.
import type { CheckDefinition } from '../types.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const tlsChecks: CheckDefinition<any, any>[] = []
