// The host family's checks (issue 20): the machine behind an SSH target, read over its audit login
// with allow-listed read-only commands (checks/host/commands.ts). They judge SSH observations.
import type { CheckDefinition } from '../types.ts'
import { hostAccounts } from './accounts.ts'
import { hostAutoUpdates } from './auto-updates.ts'
import { hostPatches } from './patches.ts'
import { hostFirewall } from './firewall.ts'
import { hostAuditLogging } from './audit-logging.ts'
import { hostSshdEffective } from './sshd-effective.ts'
import { hostDiskEncryption } from './disk-encryption.ts'
import { hostTimeSync } from './time-sync.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const hostChecks: CheckDefinition<any, any>[] = [hostPatches, hostAutoUpdates, hostFirewall, hostAccounts, hostAuditLogging, hostSshdEffective, hostDiskEncryption, hostTimeSync]
