// IAM collector: the credential report, the password policy, and every user, group and role with
// its inline and attached policies (GetAccountAuthorizationDetails, all pages; the default version of
// each attached AWS-managed policy fetched once by GetPolicy + GetPolicyVersion).
import {
  GenerateCredentialReportCommand,
  GetAccountPasswordPolicyCommand,
  GetCredentialReportCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  paginateGetAccountAuthorizationDetails,
  type EntityType,
} from '@aws-sdk/client-iam'
import type { ObserveContext } from '../types.ts'
import type { AwsTarget } from './target.ts'
import type {
  CredentialReportObservation,
  Fetched,
  IamAuthorizationObservation,
  IamPrincipal,
  ManagedPolicyDocument,
  PasswordPolicyObservation,
} from './observation.ts'
import { isNotFound, toPartError, type AwsClients } from './sdk-clients.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Generation is asynchronous on AWS: poll with backoff, bounded (Prowler issue #1762 hung here). */
export async function collectCredentialReport(clients: AwsClients, timeoutMs: number): Promise<Fetched<CredentialReportObservation>> {
  const iam = clients.iam()
  const budgetMs = Math.max(30_000, timeoutMs * 6)
  const deadline = Date.now() + budgetMs
  try {
    let delay = 250
    for (;;) {
      const g = await iam.send(new GenerateCredentialReportCommand({}))
      if (g.State === 'COMPLETE') break
      if (Date.now() + delay > deadline)
        return { ok: false, error: { kind: 'timeout', message: `GenerateCredentialReport: the report was still ${g.State ?? 'not complete'} when the ${budgetMs / 1000} s budget ran out` } }
      await sleep(delay)
      delay = Math.min(delay * 2, 4000)
    }
    const r = await iam.send(new GetCredentialReportCommand({}))
    const csv = r.Content ? new TextDecoder().decode(r.Content) : ''
    if (!csv) return { ok: false, error: { kind: 'protocol', message: 'GetCredentialReport returned no content' } }
    return { ok: true, value: { csv, generatedTime: r.GeneratedTime?.toISOString() } }
  } catch (e) {
    return { ok: false, error: toPartError(e, 'credential report') }
  }
}

export async function collectPasswordPolicy(clients: AwsClients): Promise<Fetched<PasswordPolicyObservation>> {
  try {
    const r = await clients.iam().send(new GetAccountPasswordPolicyCommand({}))
    return { ok: true, value: { present: true, policy: { ...r.PasswordPolicy } } }
  } catch (e) {
    if (isNotFound(e)) return { ok: true, value: { present: false } }
    return { ok: false, error: toPartError(e, 'GetAccountPasswordPolicy') }
  }
}

export async function collectAuthorization(clients: AwsClients, target: AwsTarget, ctx: ObserveContext): Promise<Fetched<IamAuthorizationObservation>> {
  const iam = clients.iam()
  const principals: IamPrincipal[] = []
  const managed: IamAuthorizationObservation['managedPolicies'] = {}
  const local = new Map<string, ManagedPolicyDocument>()
  let pages = 0
  try {
    const Filter: EntityType[] = ['User', 'Group', 'Role', 'LocalManagedPolicy']
    for await (const page of paginateGetAccountAuthorizationDetails({ client: iam, pageSize: 1000 }, { Filter })) {
      pages++
      for (const u of page.UserDetailList ?? [])
        principals.push({
          type: 'user',
          name: u.UserName!,
          arn: u.Arn!,
          createDate: u.CreateDate?.toISOString(),
          inline: (u.UserPolicyList ?? []).map((p) => ({ name: p.PolicyName!, document: p.PolicyDocument ?? '' })),
          attached: (u.AttachedManagedPolicies ?? []).map((p) => ({ name: p.PolicyName!, arn: p.PolicyArn! })),
          groups: u.GroupList ?? [],
        })
      for (const g of page.GroupDetailList ?? [])
        principals.push({
          type: 'group',
          name: g.GroupName!,
          arn: g.Arn!,
          createDate: g.CreateDate?.toISOString(),
          inline: (g.GroupPolicyList ?? []).map((p) => ({ name: p.PolicyName!, document: p.PolicyDocument ?? '' })),
          attached: (g.AttachedManagedPolicies ?? []).map((p) => ({ name: p.PolicyName!, arn: p.PolicyArn! })),
        })
      for (const r of page.RoleDetailList ?? [])
        principals.push({
          type: 'role',
          name: r.RoleName!,
          arn: r.Arn!,
          createDate: r.CreateDate?.toISOString(),
          inline: (r.RolePolicyList ?? []).map((p) => ({ name: p.PolicyName!, document: p.PolicyDocument ?? '' })),
          attached: (r.AttachedManagedPolicies ?? []).map((p) => ({ name: p.PolicyName!, arn: p.PolicyArn! })),
        })
      for (const p of page.Policies ?? []) {
        const v = (p.PolicyVersionList ?? []).find((x) => x.IsDefaultVersion) ?? p.PolicyVersionList?.find((x) => x.VersionId === p.DefaultVersionId)
        if (p.Arn && v?.Document)
          local.set(p.Arn, { name: p.PolicyName ?? p.Arn, defaultVersionId: v.VersionId, document: v.Document, source: 'GetAccountAuthorizationDetails' })
      }
    }
  } catch (e) {
    return { ok: false, error: toPartError(e, 'GetAccountAuthorizationDetails') }
  }
  const attached = new Set(principals.flatMap((p) => p.attached.map((a) => a.arn)))
  await Promise.all(
    [...attached].map(async (arn) => {
      const l = local.get(arn)
      if (l) {
        managed[arn] = { ok: true, value: l }
        return
      }
      managed[arn] = await ctx.limit(`aws:${target.name}:iam`, async (): Promise<Fetched<ManagedPolicyDocument>> => {
        try {
          const p = await iam.send(new GetPolicyCommand({ PolicyArn: arn }))
          const VersionId = p.Policy?.DefaultVersionId
          const v = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId }))
          return { ok: true, value: { name: p.Policy?.PolicyName ?? arn, defaultVersionId: VersionId, document: v.PolicyVersion?.Document ?? '', source: 'GetPolicyVersion' } }
        } catch (e) {
          return { ok: false, error: toPartError(e, `GetPolicyVersion ${arn}`) }
        }
      })
    }),
  )
  principals.sort((a, b) => `${a.type}${a.name}`.localeCompare(`${b.type}${b.name}`))
  return { ok: true, value: { principals, managedPolicies: managed, pages } }
}
