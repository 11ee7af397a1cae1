// JUnit XML: one testcase per (scenario × target), grouped in one testsuite per policy file, so CI
// systems show each target's verdict. Waived and skipped findings are <skipped> with the reason.
import type { Finding, Results } from './model.ts'

const escape = (s: string) =>
  s
    // XML 1.0 cannot carry most control characters, even escaped
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')

function testcase(f: Finding): string {
  const name = `${f.scenario} [${f.target}]`
  const open = `    <testcase classname="${escape(f.checkId)}" name="${escape(name)}" file="${escape(f.policy)}">`
  const detail = escape(JSON.stringify({ expected: f.expected, actual: f.actual }, null, 1))
  switch (f.status) {
    case 'passed':
      return `${open}</testcase>`
    case 'failed':
      return `${open}\n      <failure message="${escape(f.summary)}" type="failed">${detail}</failure>\n    </testcase>`
    case 'error':
      return `${open}\n      <error message="${escape(f.summary)}" type="${escape(f.errorKind ?? 'error')}">${detail}</error>\n    </testcase>`
    case 'waived':
      return `${open}\n      <skipped message="${escape(`waived by ${f.waiver?.id ?? '?'}: ${f.waiver?.justification ?? ''} (approved by ${f.waiver?.approver ?? '?'}, ${f.waiver?.ticket ?? ''}, until ${f.waiver?.expires ?? '?'}); verdict was ${f.verdict}: ${f.summary}`)}"/>\n    </testcase>`
    case 'skipped':
      return `${open}\n      <skipped message="${escape(f.summary)}"/>\n    </testcase>`
  }
}

export function junitXml(results: Results): string {
  const suites = new Map<string, Finding[]>()
  for (const f of results.findings) suites.set(f.policy, [...(suites.get(f.policy) ?? []), f])
  const t = results.totals
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="vigil" tests="${results.findings.length}" failures="${t.failed}" errors="${t.error}" skipped="${t.skipped + t.waived}" timestamp="${results.run.startedAt}">`,
  ]
  for (const [policy, fs] of suites) {
    const c = (s: Finding['status']) => fs.filter((f) => f.status === s).length
    lines.push(
      `  <testsuite name="${escape(policy)}" tests="${fs.length}" failures="${c('failed')}" errors="${c('error')}" skipped="${c('skipped') + c('waived')}" timestamp="${results.run.startedAt}">`,
    )
    for (const f of fs) lines.push(testcase(f))
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>', '')
  return lines.join('\n')
}
