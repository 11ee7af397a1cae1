// aws.iam.unused-credentials — no console password or active access key has gone unused for more than
// `maxUnusedDays`, counting a credential that was never used once it is older than that (Prowler
// passes never-used keys and never-used passwords).
import type { CheckDefinition } from '../types.ts'
import { daysBetween, judgeCredentialReport, noUserHas, reportDate, ROOT_USER, type CredentialRow } from './credential-report.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'

export interface UnusedCredentialsParams {
  maxUnusedDays?: number
}

interface Stale {
  credential: string
  /** stable name of the credential for its offender id: `password`, `access-key-1`, `access-key-2` */
  slot: string
  lastUsed: string
  /** days since last use, or since issue when never used */
  idleDays: number
  neverUsed: boolean
}

/**
 * Credentials in use whose idle time the report does not say: an enabled password with no last use,
 * change or creation date, an active key with no last use or rotation date (`N/A`, empty, garbage).
 * They cannot be judged: never counted as recently used.
 */
function undatedCredentials(r: CredentialRow): string[] {
  const out: string[] = []
  if (r.password_enabled === 'true' && !(reportDate(r.password_last_used) ?? reportDate(r.password_last_changed) ?? reportDate(r.user_creation_time))) out.push('password')
  for (const n of [1, 2])
    if (r[`access_key_${n}_active`] === 'true' && !(reportDate(r[`access_key_${n}_last_used_date`]) ?? reportDate(r[`access_key_${n}_last_rotated`]))) out.push(`access key ${n}`)
  return out
}

function staleCredentials(r: CredentialRow, now: Date, max: number): Stale[] {
  const out: Stale[] = []
  if (r.password_enabled === 'true') {
    const used = reportDate(r.password_last_used)
    const since = used ?? reportDate(r.password_last_changed) ?? reportDate(r.user_creation_time)
    if (since) {
      const idle = daysBetween(since, now)
      if (idle > max) out.push({ credential: 'password', slot: 'password', lastUsed: r.password_last_used ?? '', idleDays: idle, neverUsed: !used })
    }
  }
  for (const n of [1, 2]) {
    if (r[`access_key_${n}_active`] !== 'true') continue
    const used = reportDate(r[`access_key_${n}_last_used_date`])
    const since = used ?? reportDate(r[`access_key_${n}_last_rotated`])
    if (!since) continue
    const idle = daysBetween(since, now)
    if (idle > max) out.push({ credential: `access key ${n}`, slot: `access-key-${n}`, lastUsed: r[`access_key_${n}_last_used_date`] ?? '', idleDays: idle, neverUsed: !used })
  }
  return out
}

export const iamUnusedCredentials: CheckDefinition<AwsObservation, UnusedCredentialsParams> = {
  id: 'aws.iam.unused-credentials',
  kinds: ['aws'],
  title: 'No credential sits unused',
  description: 'a console password or active access key unused for more than `maxUnusedDays` days, including never used and older than that',
  params: [{ name: 'maxUnusedDays', description: 'longest acceptable idle time, days', default: 45 }],
  severity: {
    level: 'medium',
    reason: 'An unused password or key is access nobody needs and nobody watches, a standing target for misuse; removing it costs nothing.',
  },
  population: 'IAM users with a console password or an active access key',
  needs: [AWS_PARTS.credentialReport],
  judge(obs, { maxUnusedDays = 45 }, ctx) {
    return judgeCredentialReport({
      obs,
      // users holding a credential: a user with neither a password nor an active key has nothing to sit unused
      rows: (all) => all.filter((r) => r.user !== ROOT_USER && (r.password_enabled === 'true' || r.access_key_1_active === 'true' || r.access_key_2_active === 'true')),
      emptySummary: (all) => noUserHas(all, 'a console password or an active access key'),
      expected: { maxUnusedDays },
      failNoun: `user(s) with credentials unused for more than ${maxUnusedDays} days`,
      passSummary: (n) => `no credential of ${n} user(s) has been unused for more than ${maxUnusedDays} days`,
      decide(r) {
        const s = staleCredentials(r, ctx.now, maxUnusedDays)
        if (s.length === 0) return undefined
        const said = (c: Stale) => `${c.credential} ${c.neverUsed ? `never used in ${c.idleDays} days` : `unused for ${c.idleDays} days`}`
        // one offender per credential (password, key slot): the idle days are in `why`, never in the id
        return { why: s.map(said).join(', '), aspects: s.map((c) => ({ aspect: c.slot, why: said(c) })), stale: s }
      },
      undecided(r) {
        const u = undatedCredentials(r)
        return u.length ? `the credential report gives no date for ${u.join(' and ')} of ${r.user}: when it was last used cannot be told` : undefined
      },
    })
  },
}
