// The IAM credential report (CSV, 22 columns) as rows keyed by column name, and the credential-report
// checks' shared plumbing. IAM does not quote fields, yet user names may contain commas: a row with
// too many fields has its extra commas shared between `user` and `arn`, which both contain the name.
import type { Verdict } from '../types.ts'
import { accountOffender, accountVerdict, partFailure, type Offender, type OffenderFacts } from './account-verdict.ts'
import type { AwsObservation } from './observation.ts'

export type CredentialRow = Record<string, string>

export const ROOT_USER = '<root_account>'

export class CredentialReportError extends Error {}

export function parseCredentialReport(csv: string): CredentialRow[] {
  const lines = csv.replace(/\r\n/g, '\n').split('\n').filter((l) => l.trim() !== '')
  if (lines.length === 0) throw new CredentialReportError('the credential report is empty')
  const header = lines[0]!.split(',')
  for (const col of ['user', 'arn', 'password_enabled', 'mfa_active', 'access_key_1_active'])
    if (!header.includes(col)) throw new CredentialReportError(`the credential report has no "${col}" column`)
  return lines.slice(1).map((line, i) => {
    let f = line.split(',')
    const extra = f.length - header.length
    if (extra < 0) throw new CredentialReportError(`credential report row ${i + 2} has ${f.length} fields, expected ${header.length}`)
    if (extra > 0) {
      if (extra % 2 !== 0) throw new CredentialReportError(`credential report row ${i + 2} has ${f.length} fields, expected ${header.length}`)
      const half = extra / 2
      f = [f.slice(0, half + 1).join(','), f.slice(half + 1, half + 2 + half).join(','), ...f.slice(2 + extra)]
    }
    return Object.fromEntries(header.map((h, k) => [h, f[k] ?? '']))
  })
}

/** A report timestamp, or undefined for `N/A`, `no_information`, `not_supported`. */
export function reportDate(v: string | undefined): Date | undefined {
  if (!v || !/^\d{4}-\d{2}-\d{2}T/.test(v)) return undefined
  const d = new Date(v)
  return Number.isNaN(d.getTime()) ? undefined : d
}

export function daysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / 86_400_000)
}

export interface ReportJudgement {
  obs: AwsObservation
  /** which rows this check judges (its population: an empty selection is `not-applicable`) */
  rows: (all: CredentialRow[]) => CredentialRow[]
  /** why no row is judged, one line, e.g. `no IAM user has a console password` */
  emptySummary: (all: CredentialRow[]) => string
  decide: (row: CredentialRow) => OffenderFacts | undefined
  /** why the row cannot be decided (a date the report leaves empty or unreadable), if it cannot */
  undecided?: (row: CredentialRow) => string | undefined
  /** a verdict when the rows themselves cannot decide (e.g. no root row) */
  whenEmpty?: Verdict | ((all: CredentialRow[]) => Verdict | undefined)
  expected: Record<string, unknown>
  passSummary: (n: number) => string
  failNoun: string
}

export function judgeCredentialReport(j: ReportJudgement): Verdict {
  const bad = partFailure(j.obs, j.obs.credentialReport, 'aws.iam.credential-report')
  if (bad) return bad
  const report = (j.obs.credentialReport as { ok: true; value: { csv: string; generatedTime?: string } }).value
  let all: CredentialRow[]
  try {
    all = parseCredentialReport(report.csv)
  } catch (e) {
    if (!(e instanceof CredentialReportError)) throw e
    return {
      status: 'error',
      errorKind: 'protocol',
      summary: e.message,
      expected: j.expected,
      actual: {},
      observed: {},
      evidence: [{ kind: 'api-response', description: 'GetCredentialReport content', data: report.csv }],
      offenders: accountOffender(`the credential report cannot be read: ${e.message}`),
    }
  }
  const rows = j.rows(all)
  if (rows.length === 0 && j.whenEmpty) {
    const v = typeof j.whenEmpty === 'function' ? j.whenEmpty(all) : j.whenEmpty
    if (v) return { ...v, evidence: [{ kind: 'api-response', description: 'GetCredentialReport content (CSV)', mediaType: 'text/csv', data: report.csv }, ...v.evidence] }
  }
  const offenders: Offender[] = []
  const undetermined: { arn: string; error: { kind: 'inconclusive'; message: string } }[] = []
  for (const r of rows) {
    // the row's ARN is the offender id; the root row's is `arn:…:iam::<account>:root`
    const arn = r.arn || (r.user === ROOT_USER ? rootArn(j.obs) : r.user || '?')
    const o = j.decide(r)
    if (o) offenders.push({ arn, user: r.user, ...o })
    const why = j.undecided?.(r)
    if (why) undetermined.push({ arn, error: { kind: 'inconclusive', message: why } })
  }
  return accountVerdict(j.obs, {
    expected: j.expected,
    offenders,
    undetermined,
    population: { credentialReportRows: all.length, rowsJudged: rows.length, rootRowPresent: all.some((r) => r.user === ROOT_USER), reportGeneratedTime: report.generatedTime },
    judged: rows.length,
    emptySummary: j.emptySummary(all),
    responses: report.csv,
    responsesDescription: 'GetCredentialReport content (CSV, as returned)',
    passSummary: j.passSummary(rows.length),
    failNoun: j.failNoun,
  })
}

/** Not-applicable summary for a check judging IAM users (root excluded) that have `what`. */
export function noUserHas(all: CredentialRow[], what: string): string {
  const n = all.filter((r) => r.user !== ROOT_USER).length
  return n === 0 ? `the credential report lists no IAM user, so none has ${what}: nothing to judge` : `none of the ${n} IAM user(s) in the credential report has ${what}: nothing to judge`
}

/** The root user's ARN, `arn:<partition>:iam::<account>:root` (also its credential-report `arn`). */
export function rootArn(obs: AwsObservation): string {
  return obs.identity.ok ? `arn:${obs.identity.value.partition}:iam::${obs.identity.value.account}:root` : 'account'
}

export function noRootRow(obs: AwsObservation, expected: Record<string, unknown>): Verdict {
  return {
    status: 'error',
    errorKind: 'inconclusive',
    summary: 'the credential report has no <root_account> row, so the root user cannot be judged',
    expected,
    actual: {},
    observed: { rootRowPresent: false },
    evidence: [],
    offenders: [{ id: rootArn(obs), why: 'the credential report has no <root_account> row' }],
  }
}
