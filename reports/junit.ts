// JUnit XML: one testcase per (scenario × target), grouped in one testsuite per policy file, so CI
// systems show each target's verdict. Waived, not-applicable and skipped findings are <skipped> with
// the reason. An incomplete (interrupted) run says so in a property and in the suite's name.
import { findingCount, type Finding, type ResultsView } from './model.ts'
import { countSegments } from './findings-tee.ts'

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }

// XML 1.0 cannot carry most control characters, even escaped: they are dropped
export const xmlEscape = (s: string): string => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F&<>"]/g, (c) => XML_ENTITIES[c] ?? '')

function testcase(f: Finding): string {
  const name = `${f.scenario} [${f.target}]`
  const open = `    <testcase classname="${xmlEscape(f.checkId)}" name="${xmlEscape(name)}" file="${xmlEscape(f.policy)}">`
  // what was expected and seen, for a failure or an error only
  const detail = () => xmlEscape(JSON.stringify({ expected: f.expected, actual: f.actual }, null, 1))
  switch (f.status) {
    case 'passed':
      return `${open}</testcase>`
    case 'failed':
      return `${open}\n      <failure message="${xmlEscape(f.summary)}" type="failed">${detail()}</failure>\n    </testcase>`
    case 'error':
      return `${open}\n      <error message="${xmlEscape(f.summary)}" type="${xmlEscape(f.errorKind ?? 'error')}">${detail()}</error>\n    </testcase>`
    case 'waived':
      return `${open}\n      <skipped message="${xmlEscape(`waived by ${f.waiver?.id ?? '?'}: ${f.waiver?.justification ?? ''} (approved by ${f.waiver?.approver ?? '?'}, ${f.waiver?.ticket ?? ''}, until ${f.waiver?.expires ?? '?'}); verdict was ${f.verdict}: ${f.summary}`)}"/>\n    </testcase>`
    case 'skipped':
      return `${open}\n      <skipped message="${xmlEscape(f.summary)}"/>\n    </testcase>`
    case 'not-applicable':
      return `${open}\n      <skipped message="${xmlEscape(`not applicable: ${f.summary}`)}" type="not-applicable"/>\n    </testcase>`
  }
}

/**
 * junit.xml in chunks: one testsuite per run of findings of one policy (a feature file's findings
 * come together, scenario by scenario). A testsuite's counts come before its testcases: a spool
 * knows them; any other source is read twice, once to count.
 */
export function* junitChunks(results: ResultsView): Generator<string> {
  const segments = results.findings.policySegments?.() ?? countSegments(results.findings)
  const t = results.totals
  yield '<?xml version="1.0" encoding="UTF-8"?>\n'
  yield `<testsuites name="${results.run.incomplete ? 'vigil (INCOMPLETE RUN: not every target was observed)' : 'vigil'}" tests="${findingCount(results)}" failures="${t.failed}" errors="${t.error}" skipped="${t.skipped + t.waived + t['not-applicable']}" timestamp="${results.run.startedAt}">\n`
  let open: string | undefined
  let segment = -1
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
      const c = segments[++segment]!.counts
      const n = Object.values(c).reduce((a, b) => a + b, 0)
      lines.push(
        `  <testsuite name="${xmlEscape(f.policy)}" tests="${n}" failures="${c.failed}" errors="${c.error}" skipped="${c.skipped + c.waived + c['not-applicable']}" timestamp="${results.run.startedAt}">`,
        '    <properties>',
        `      <property name="vigil.run.id" value="${xmlEscape(results.run.id)}"/>`,
        `      <property name="vigil.run.incomplete" value="${results.run.incomplete ? 'true' : 'false'}"/>`,
        '    </properties>',
      )
    }
    lines.push(testcase(f))
    // a few dozen testcases a chunk: a joined string past V8's large-object size (~128 KB) would sit
    // in the old generation until a full collection (at 5,000 endpoints, 500 a chunk made the report
    // stage hold ~20 MB of such strings at once)
    if (lines.length >= 50) {
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
