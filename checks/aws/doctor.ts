// `vigil doctor` for AWS targets: who are the credentials in use, can they write, and do they hold
// every read the checks make? Vigil needs only checks/aws/vigil-readonly-policy.json; credentials
// that can change the account are a risk of their own, and a missing read turns the checks that need
// it into access-denied errors. The identity's policies are read and evaluated locally with the same
// engine as the checks (IAM's policy simulator is not available everywhere, e.g. in emulators).
import { readFileSync } from 'node:fs'
import {
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  paginateListAttachedGroupPolicies,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListGroupPolicies,
  paginateListGroupsForUser,
  paginateListRolePolicies,
  paginateListUserPolicies,
  type IAMClient,
} from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import type { AwsTarget } from './target.ts'
import { actionGrant, effectiveActions, grantOf, type PolicySource } from './effective-actions.ts'
import { actionAt, catalogSize, isWriteAction } from './iam-action-catalog.ts'
import { parsePolicyDocument } from './policy-document.ts'
import type { AwsProbeOptions } from './probe.ts'
import { makeClients, toPartError } from './sdk-clients.ts'

/** Every action of the shipped read-only policy: the reads Vigil's AWS checks make. */
export function vigilReadActions(): string[] {
  const policy = JSON.parse(readFileSync(new URL('./vigil-readonly-policy.json', import.meta.url), 'utf8')) as { Statement: { Action: string[] }[] }
  return policy.Statement.flatMap((s) => s.Action)
}

export interface AwsDoctorReport {
  target: string
  ok: boolean
  identity?: { account: string; arn: string }
  /** write actions the credentials effectively hold (sample) and how many in all */
  writeActions: { count: number; conditional: number; sample: string[] }
  /** the read actions of checks/aws/vigil-readonly-policy.json, and those the credentials do not hold (on every resource) */
  readActions: { needed: number; missing: string[] }
  warnings: string[]
  /** API calls made */
  apiCalls: { service: string; operation: string; calls: number }[]
}

async function managedDocument(iam: IAMClient, arn: string): Promise<string> {
  const p = await iam.send(new GetPolicyCommand({ PolicyArn: arn }))
  const v = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: p.Policy?.DefaultVersionId }))
  return v.PolicyVersion?.Document ?? ''
}

async function policiesOf(iam: IAMClient, kind: 'user' | 'role', name: string): Promise<PolicySource[]> {
  const out: PolicySource[] = []
  const attached = async (pages: AsyncIterable<{ AttachedPolicies?: { PolicyArn?: string }[] }>, via: string) => {
    for await (const pg of pages) for (const a of pg.AttachedPolicies ?? []) if (a.PolicyArn) out.push({ policy: a.PolicyArn, via, document: parsePolicyDocument(await managedDocument(iam, a.PolicyArn)) })
  }
  if (kind === 'user') {
    await attached(paginateListAttachedUserPolicies({ client: iam }, { UserName: name }), 'attached')
    for await (const pg of paginateListUserPolicies({ client: iam }, { UserName: name }))
      for (const n of pg.PolicyNames ?? []) out.push({ policy: n, via: 'inline', document: parsePolicyDocument((await iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: n }))).PolicyDocument ?? '') })
    for await (const pg of paginateListGroupsForUser({ client: iam }, { UserName: name }))
      for (const g of pg.Groups ?? []) {
        const GroupName = g.GroupName!
        await attached(paginateListAttachedGroupPolicies({ client: iam }, { GroupName }), `group:${GroupName} attached`)
        for await (const gp of paginateListGroupPolicies({ client: iam }, { GroupName }))
          for (const n of gp.PolicyNames ?? [])
            out.push({ policy: n, via: `group:${GroupName} inline`, document: parsePolicyDocument((await iam.send(new GetGroupPolicyCommand({ GroupName, PolicyName: n }))).PolicyDocument ?? '') })
      }
  } else {
    await attached(paginateListAttachedRolePolicies({ client: iam }, { RoleName: name }), 'attached')
    for await (const pg of paginateListRolePolicies({ client: iam }, { RoleName: name }))
      for (const n of pg.PolicyNames ?? []) out.push({ policy: n, via: 'inline', document: parsePolicyDocument((await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: n }))).PolicyDocument ?? '') })
  }
  return out
}

/** Who the credentials are, and a warning for every way they can change the account. */
export async function doctorAws(target: AwsTarget, options: AwsProbeOptions & { timeoutMs?: number } = {}): Promise<AwsDoctorReport> {
  const clients = makeClients(target, options.timeoutMs ?? 5000, options.credentials)
  const report: AwsDoctorReport = { target: target.name, ok: false, writeActions: { count: 0, conditional: 0, sample: [] }, readActions: { needed: 0, missing: [] }, warnings: [], apiCalls: [] }
  try {
    let arn: string
    try {
      const id = await clients.sts().send(new GetCallerIdentityCommand({}))
      arn = id.Arn ?? ''
      report.identity = { account: id.Account ?? '', arn }
    } catch (e) {
      report.warnings.push(`cannot identify the credentials: ${toPartError(e, 'GetCallerIdentity').message}`)
      return report
    }
    if (/:root$/.test(arn)) {
      report.warnings.push('these are the root user\'s credentials: they can do anything; use a role with checks/aws/vigil-readonly-policy.json')
      return report
    }
    const m = /:(user|assumed-role)\/(?:.*\/)?([^/]+?)(?:\/[^/]+)?$/.exec(arn)
    const user = /:user\//.test(arn) ? arn.split('/').pop()! : undefined
    const role = /:assumed-role\//.test(arn) ? arn.split('/')[1] : undefined
    if (!m || (!user && !role)) {
      report.warnings.push(`cannot tell what kind of principal ${arn} is; its write permissions were not evaluated`)
      return report
    }
    let sources: PolicySource[]
    try {
      sources = await policiesOf(clients.iam(), user ? 'user' : 'role', (user ?? role)!)
    } catch (e) {
      report.warnings.push(`cannot read the policies of ${arn} (${toPartError(e, 'IAM').message}); whether it can write is unknown`)
      return report
    }
    const eff = effectiveActions(sources, 'broad')
    let count = 0
    let conditional = 0
    const sample: string[] = []
    for (let i = 0; i < catalogSize(); i++) {
      if (!isWriteAction(i)) continue
      const g = grantOf(eff, i)
      if (g === 'allowed' || g === 'conditional') {
        if (g === 'allowed') count++
        else conditional++
        if (sample.length < 10) sample.push(actionAt(i))
      }
    }
    report.writeActions = { count, conditional, sample }
    if (count + conditional > 0)
      report.warnings.push(`the credentials in use can write: ${count} write action(s)${conditional ? ` (+${conditional} under conditions)` : ''}, e.g. ${sample.slice(0, 5).join(', ')}; Vigil needs only checks/aws/vigil-readonly-policy.json`)
    // sts:GetCallerIdentity needs no permission (AWS answers it whatever the policies say)
    const reads = vigilReadActions().filter((a) => a !== 'sts:GetCallerIdentity')
    // a conditional grant may well hold for Vigil's calls: only a read never granted is reported
    const missing = reads.filter((a) => ['none', 'denied'].includes(actionGrant(eff, a)))
    report.readActions = { needed: reads.length, missing }
    if (missing.length)
      report.warnings.push(
        `the credentials lack ${missing.length} of the ${reads.length} read action(s) Vigil's checks use: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}; the checks that need them will end in access-denied errors (attach checks/aws/vigil-readonly-policy.json)`,
      )
    report.ok = report.warnings.length === 0
    return report
  } finally {
    report.apiCalls = clients.log.list().map((c) => ({ service: c.service, operation: c.operation, calls: c.calls }))
    clients.destroy()
  }
}
