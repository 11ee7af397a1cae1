// aws.s3.public-policy — no bucket grants access to everyone: no ACL grant to the AllUsers or
// AuthenticatedUsers groups, and no bucket-policy Allow to `*` (or `{"AWS":"*"}`, `arn:aws:iam::*:root`)
// without a condition that restricts who can use it (source account/ARN/VPC/IP, organization, principal).
// A grant that Block Public Access neutralises (IgnorePublicAcls / RestrictPublicBuckets at bucket or
// account level) is reported as neutralised, not as public.
import type { CheckDefinition } from '../types.ts'
import type { OffenderAspect } from './account-verdict.ts'
import { judgeBuckets } from './bucket-checks.ts'
import { AWS_PARTS, type AwsObservation, type PublicAccessBlockFlags } from './observation.ts'
import { conditionEntries, parsePolicyDocument, PolicyParseError, principalIsEveryone, statementLabel } from './policy-document.ts'

const PUBLIC_GROUPS: Record<string, string> = {
  'http://acs.amazonaws.com/groups/global/AllUsers': 'AllUsers',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers': 'AuthenticatedUsers',
}

/** Condition keys that pin a statement to known callers, when their values are not wildcards. */
const RESTRICTING_KEYS = new Set([
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceowner',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceip',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:userid',
  'aws:username',
  's3:dataaccesspointaccount',
  's3:dataaccesspointarn',
])

export interface PublicStatement {
  statement: string
  actions: string[]
  access: 'read' | 'write' | 'read+write'
}

function accessOf(actions: string[]): PublicStatement['access'] {
  const write = actions.some((a) => /^(\*|s3:\*|s3:(Put|Delete|Restore|Abort|Replicate|Create|Bypass)\w*\*?)$/i.test(a) || /^s3:(Put|Delete)\*$/i.test(a))
  const read = actions.some((a) => /^(\*|s3:\*|s3:(Get|List)\w*\*?)$/i.test(a))
  return write && read ? 'read+write' : write ? 'write' : 'read'
}

export function publicStatements(policy: string): PublicStatement[] {
  const doc = parsePolicyDocument(policy)
  const out: PublicStatement[] = []
  for (const s of doc.statements) {
    if (s.effect !== 'Allow' || !principalIsEveryone(s)) continue
    const restricted = conditionEntries(s).some((c) => RESTRICTING_KEYS.has(c.key) && c.values.length > 0 && c.values.every((v) => typeof v === 'string' && v !== '*' && v !== ''))
    if (restricted) continue
    const actions = s.action ?? (s.notAction ? ['*'] : [])
    out.push({ statement: statementLabel(s), actions: s.action ?? [`NotAction ${JSON.stringify(s.notAction)}`], access: accessOf(actions) })
  }
  return out
}

const WRITE_ACL_PERMISSIONS = new Set(['WRITE', 'WRITE_ACP', 'FULL_CONTROL'])

/**
 * One offender per way the bucket is open: each ACL grant (`acl:AllUsers:READ`), and the policy's
 * public read and public write (`policy:read`, `policy:write`). Statement labels are left out of the
 * id (an unnamed statement is known only by its position), so reordering or renaming statements is
 * not a new problem, while a PR that adds public write to a publicly readable bucket is. Letting
 * everyone write, delete or rewrite the ACL is worse than the check's default: critical.
 */
function publicAspects(acl: { grantee: string; permission?: string }[], policy: PublicStatement[]): OffenderAspect[] {
  const out: OffenderAspect[] = acl.map((g) => ({
    aspect: `acl:${g.grantee}:${g.permission ?? 'unknown'}`,
    why: `the ACL grants ${g.permission} to ${g.grantee}`,
    ...(WRITE_ACL_PERMISSIONS.has(g.permission ?? '') ? { severity: 'critical' as const } : {}),
  }))
  for (const kind of ['read', 'write'] as const) {
    const by = policy.filter((st) => st.access.includes(kind))
    if (by.length)
      out.push({
        aspect: `policy:${kind}`,
        why: `the bucket policy lets everyone ${kind} without a restricting condition (${by.map((st) => st.statement).join(', ')})`,
        ...(kind === 'write' ? { severity: 'critical' as const } : {}),
      })
  }
  return out
}

export const s3PublicPolicy: CheckDefinition<AwsObservation, Record<string, never>> = {
  id: 'aws.s3.public-policy',
  kinds: ['aws'],
  title: 'No S3 bucket is open to everyone',
  description: 'a bucket ACL grants access to AllUsers or AuthenticatedUsers, or the bucket policy allows `*` without a condition restricting the caller (unless Block Public Access neutralises it)',
  params: [],
  severity: {
    level: 'high',
    reason: "Anyone on the internet (or any AWS account) can reach the bucket's data without being granted access; an offender that lets everyone write, delete or rewrite the ACL is critical.",
  },
  population: "buckets in the target's regions",
  needs: [AWS_PARTS.s3Policy, AWS_PARTS.s3Acl, AWS_PARTS.s3PublicAccessBlock],
  judge(obs) {
    const acct = obs.s3AccountPublicAccessBlock?.ok ? obs.s3AccountPublicAccessBlock.value.config : undefined
    const neutralised: { arn: string; what: string }[] = []
    const v = judgeBuckets({
      obs,
      read: (b) => {
        // the decision needs both the ACL and the policy; report whichever is missing
        if (!b.acl) return undefined
        if (!b.acl.ok) return b.acl
        if (!b.policy) return undefined
        if (!b.policy.ok) return b.policy
        return { ok: true as const, value: { grants: b.acl.value.grants, policy: b.policy.value.document } }
      },
      api: 'GetBucketAcl+GetBucketPolicy',
      expected: { aclGrantsTo: [], publicPolicyStatements: [] },
      failNoun: 'public bucket(s)',
      passSummary: (n) => `none of ${n} bucket(s) grants access to everyone`,
      facts: { neutralisedByBlockPublicAccess: neutralised },
      decide(val, b) {
        const bpa: PublicAccessBlockFlags = b.publicAccessBlock?.ok ? (b.publicAccessBlock.value.config ?? {}) : {}
        const ignoreAcls = !!(bpa.IgnorePublicAcls || acct?.IgnorePublicAcls)
        const restrictPolicy = !!(bpa.RestrictPublicBuckets || acct?.RestrictPublicBuckets)
        const aclGrants = (val.grants as { Grantee?: { URI?: string }; Permission?: string }[])
          .filter((g) => g.Grantee?.URI && PUBLIC_GROUPS[g.Grantee.URI])
          .map((g) => ({ grantee: PUBLIC_GROUPS[g.Grantee!.URI!]!, permission: g.Permission }))
        let statements: PublicStatement[] = []
        if (val.policy) {
          try {
            statements = publicStatements(val.policy)
          } catch (e) {
            if (e instanceof PolicyParseError) return { why: `the bucket policy cannot be parsed: ${e.message}` }
            throw e
          }
        }
        if (aclGrants.length && ignoreAcls) neutralised.push({ arn: b.arn, what: `ACL grants to ${aclGrants.map((g) => g.grantee).join(', ')} (IgnorePublicAcls)` })
        if (statements.length && restrictPolicy) neutralised.push({ arn: b.arn, what: `public policy ${statements.map((s) => s.statement).join(', ')} (RestrictPublicBuckets)` })
        const liveAcl = ignoreAcls ? [] : aclGrants
        const livePolicy = restrictPolicy ? [] : statements
        if (!liveAcl.length && !livePolicy.length) return undefined
        const why = [
          ...liveAcl.map((g) => `ACL grants ${g.permission} to ${g.grantee}`),
          ...livePolicy.map((s) => `policy ${s.statement} allows ${s.access} (${s.actions.join(', ')}) to everyone without a restricting condition`),
        ].join('; ')
        return { why, aspects: publicAspects(liveAcl, livePolicy), aclGrants: liveAcl, policyStatements: livePolicy }
      },
    })
    return v
  },
}
