// JUnit XML: one testcase per (scenario × target), grouped in one testsuite per policy file, so CI
// systems show each target's verdict. Waived, not-applicable and skipped findings are <skipped> with
// the reason. An incomplete (interrupted) run says so in a property and in the suite's name.
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
    case 'not-applicable':
      return `${open}\n      <skipped message="${escape(`not applicable: ${f.summary}`)}" type="not-applicable"/>\n    </testcase>`
  }
}

export function junitXml(results: Results): string {
  const suites = new Map<string, Finding[]>()
  for (const f of results.findings) suites.set(f.policy, [...(suites.get(f.policy) ?? []), f])
  const t = results.totals
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${results.run.incomplete ? 'vigil (INCOMPLETE RUN: not every target was observed)' : 'vigil'}" tests="${results.findings.length}" failures="${t.failed}" errors="${t.error}" skipped="${t.skipped + t.waived + t['not-applicable']}" timestamp="${results.run.startedAt}">`,
  ]
  for (const [policy, fs] of suites) {
    const c = (s: Finding['status']) => fs.filter((f) => f.status === s).length
    lines.push(
      `  <testsuite name="${escape(policy)}" tests="${fs.length}" failures="${c('failed')}" errors="${c('error')}" skipped="${c('skipped') + c('waived') + c('not-applicable')}" timestamp="${results.run.startedAt}">`,
    )
    lines.push('    <properties>', `      <property name="vigil.run.id" value="${escape(results.run.id)}"/>`, `      <property name="vigil.run.incomplete" value="${results.run.incomplete ? 'true' : 'false'}"/>`, '    </properties>')
    for (const f of fs) lines.push(testcase(f))
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>', '')
  return lines.join('\n')
}
