// JUnit XML: one testcase per (scenario × target), grouped in one testsuite per policy file, so CI
// systems show each target's verdict. Waived, not-applicable and skipped findings are <skipped> with
// the reason. An incomplete (interrupted) run says so in a property and in the suite's name.
import { findingCount, type Finding, type FindingStatus, type ResultsView } from './model.ts'

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

/**
 * junit.xml in chunks. Two passes over the findings: the first counts each policy's statuses (a
 * testsuite's counts come before its testcases), the second writes the testcases.
 */
export function* junitChunks(results: ResultsView): Generator<string> {
  const counts = results.findings.statusCountsByPolicy?.() ?? new Map<string, Record<FindingStatus, number>>()
  if (!results.findings.statusCountsByPolicy) for (const f of results.findings) {
    let c = counts.get(f.policy)
    if (!c) counts.set(f.policy, (c = { passed: 0, failed: 0, error: 0, 'not-applicable': 0, skipped: 0, waived: 0 }))
    c[f.status]++
  }
  const t = results.totals
  yield '<?xml version="1.0" encoding="UTF-8"?>\n'
  yield `<testsuites name="${results.run.incomplete ? 'vigil (INCOMPLETE RUN: not every target was observed)' : 'vigil'}" tests="${findingCount(results)}" failures="${t.failed}" errors="${t.error}" skipped="${t.skipped + t.waived + t['not-applicable']}" timestamp="${results.run.startedAt}">\n`
  // a policy's findings come in a row (scenario by scenario, a feature file's scenarios together)
  let open: string | undefined
  const lines: string[] = []
  const close = function* () {
    if (open === undefined) return
    lines.push('  </testsuite>')
    yield lines.join('\n') + '\n'
    lines.length = 0
  }
  for (const f of results.findings) {
    if (f.policy !== open) {
      yield* close()
      open = f.policy
      const c = counts.get(f.policy)!
      const n = Object.values(c).reduce((a, b) => a + b, 0)
      lines.push(
        `  <testsuite name="${escape(f.policy)}" tests="${n}" failures="${c.failed}" errors="${c.error}" skipped="${c.skipped + c.waived + c['not-applicable']}" timestamp="${results.run.startedAt}">`,
        '    <properties>',
        `      <property name="vigil.run.id" value="${escape(results.run.id)}"/>`,
        `      <property name="vigil.run.incomplete" value="${results.run.incomplete ? 'true' : 'false'}"/>`,
        '    </properties>',
      )
    }
    lines.push(testcase(f))
    if (lines.length >= 500) {
      yield lines.join('\n') + '\n'
      lines.length = 0
    }
  }
  yield* close()
  yield '</testsuites>\n'
}

export function junitXml(results: ResultsView): string {
  return [...junitChunks(results)].join('')
}
