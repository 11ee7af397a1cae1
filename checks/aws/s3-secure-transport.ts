// aws.s3.secure-transport — the bucket policy denies every S3 action, to every principal, on the
// bucket and all its objects, whenever `aws:SecureTransport` is false (written as the string "false"
// or the boolean false), with no other condition narrowing the Deny; and any `s3:TlsVersion` floor
// the policy sets is at least 1.2. Prowler false positives avoided: a Deny with `Action: "*"` counts
// (#1481), a boolean false counts, and a Deny on `bucket/*` only does not cover the bucket itself.
import type { CheckDefinition } from '../types.ts'
import { judgeBuckets } from './bucket-checks.ts'
import { actionMatches } from './iam-action-catalog.ts'
import { AWS_PARTS, type AwsObservation } from './observation.ts'
import { conditionEntries, parsePolicyDocument, PolicyParseError, statementLabel, type PolicyStatement } from './policy-document.ts'

export interface S3SecureTransportParams {
  /** lowest acceptable `s3:TlsVersion` floor when a policy sets one */
  minTlsVersion?: number
}

function everyone(s: PolicyStatement): boolean {
  return !s.notPrincipal && !!s.principal && Object.entries(s.principal).some(([k, v]) => (k === '*' || k === 'AWS') && v.includes('*'))
}

function allS3Actions(s: PolicyStatement): boolean {
  if (s.action) return s.action.some((a) => a === '*' || a.toLowerCase() === 's3:*')
  // NotAction: everything except the listed actions; covers S3 only if it excludes no S3 action
  if (s.notAction) return !s.notAction.some((a) => actionMatches(a, 's3:GetObject') || a.toLowerCase().startsWith('s3:') || a.startsWith('*') || a.startsWith('s3*'))
  return false
}

/** A resource pattern covering every object key: `P*` where P matches a prefix of `<bucketArn>/`. */
function coversAllObjects(pattern: string, bucketArn: string): boolean {
  if (!pattern.endsWith('*')) return false
  const p = pattern.slice(0, -1)
  const target = `${bucketArn}/`
  for (let k = 0; k <= target.length; k++) if (actionMatches(p, target.slice(0, k))) return true
  return false
}

function resourceCoverage(s: PolicyStatement, bucketArn: string): { bucket: boolean; objects: boolean } {
  if (s.notResource) return { bucket: !s.notResource.some((r) => actionMatches(r, bucketArn)), objects: !s.notResource.some((r) => actionMatches(r, `${bucketArn}/x`)) }
  const rs = s.resource ?? []
  return { bucket: rs.some((r) => actionMatches(r, bucketArn)), objects: rs.some((r) => coversAllObjects(r, bucketArn)) }
}

function isFalse(v: unknown): boolean {
  return v === false || (typeof v === 'string' && v.toLowerCase() === 'false')
}

export interface SecureTransportAnalysis {
  /** statements that deny all non-TLS access, by label */
  denying: string[]
  /** Deny statements on aws:SecureTransport that fall short, with why */
  partial: { statement: string; why: string[] }[]
  /** `s3:TlsVersion` floors set by Deny statements */
  tlsFloors: { statement: string; floor: number }[]
}

export function analyseSecureTransport(policy: string, bucketArn: string): SecureTransportAnalysis {
  const doc = parsePolicyDocument(policy)
  const out: SecureTransportAnalysis = { denying: [], partial: [], tlsFloors: [] }
  for (const s of doc.statements) {
    if (s.effect !== 'Deny') continue
    const conds = conditionEntries(s)
    for (const c of conds)
      if (c.key === 's3:tlsversion' && /^NumericLessThan(IfExists)?$/i.test(c.operator))
        for (const v of c.values) {
          const n = Number(v)
          if (Number.isFinite(n)) out.tlsFloors.push({ statement: statementLabel(s), floor: n })
        }
    const st = conds.filter((c) => c.key === 'aws:securetransport')
    if (st.length === 0) continue
    const why: string[] = []
    if (!st.some((c) => /^Bool(IfExists)?$/i.test(c.operator) && c.values.length > 0 && c.values.every(isFalse)))
      why.push('the aws:SecureTransport condition does not match "false" with Bool')
    if (conds.length > st.length) why.push(`other condition keys narrow the Deny: ${conds.filter((c) => c.key !== 'aws:securetransport').map((c) => c.key).join(', ')}`)
    if (!everyone(s)) why.push('the Deny does not apply to every principal ("*")')
    if (!allS3Actions(s)) why.push(`the Deny covers only ${JSON.stringify(s.action ?? s.notAction)} instead of every S3 action`)
    const cov = resourceCoverage(s, bucketArn)
    if (!cov.bucket) why.push('the Deny does not cover the bucket itself')
    if (!cov.objects) why.push('the Deny does not cover every object (bucket/*)')
    if (why.length === 0) out.denying.push(statementLabel(s))
    else out.partial.push({ statement: statementLabel(s), why })
  }
  return out
}

export const s3SecureTransport: CheckDefinition<AwsObservation, S3SecureTransportParams> = {
  id: 'aws.s3.secure-transport',
  kinds: ['aws'],
  title: 'S3 buckets refuse requests without TLS',
  description:
    'the bucket policy does not deny every S3 action to every principal on the bucket and its objects when aws:SecureTransport is false (string or boolean), or it sets an s3:TlsVersion floor below 1.2',
  params: [{ name: 'minTlsVersion', description: 'lowest acceptable s3:TlsVersion floor when the policy sets one', default: 1.2 }],
  severity: {
    level: 'medium',
    reason: 'AWS SDKs and the console already use HTTPS, so data travels in clear text only when a client is misconfigured to use plain HTTP, but nothing on the bucket refuses it (HIPAA transmission security expects the refusal).',
  },
  population: "buckets in the target's regions",
  needs: [AWS_PARTS.s3Policy],
  judge(obs, { minTlsVersion = 1.2 }) {
    return judgeBuckets({
      obs,
      read: (b) => b.policy,
      api: 'GetBucketPolicy',
      expected: { deny: { principal: '*', action: 's3:*', resource: ['<bucket>', '<bucket>/*'], condition: { Bool: { 'aws:SecureTransport': 'false' } } }, minTlsVersion },
      failNoun: 'bucket(s) that accept requests without TLS',
      passSummary: (n) => `all ${n} bucket(s) deny every request made without TLS`,
      decide(v, b) {
        if (!v.present || !v.document) return { why: 'no bucket policy, so plain-HTTP requests are accepted' }
        let a: SecureTransportAnalysis
        try {
          a = analyseSecureTransport(v.document, b.arn)
        } catch (e) {
          if (e instanceof PolicyParseError) return { why: `the bucket policy cannot be parsed: ${e.message}` }
          throw e
        }
        const weak = a.tlsFloors.filter((f) => f.floor < minTlsVersion)
        if (a.denying.length === 0)
          return { why: a.partial.length ? `no statement denies all non-TLS access: ${a.partial.map((p) => `${p.statement}: ${p.why.join('; ')}`).join(' | ')}` : 'the policy has no Deny on aws:SecureTransport false', partial: a.partial }
        if (weak.length) return { why: `s3:TlsVersion floor ${weak.map((w) => `${w.floor} (${w.statement})`).join(', ')} is below ${minTlsVersion}`, tlsFloors: a.tlsFloors }
        return undefined
      },
    })
  },
}
