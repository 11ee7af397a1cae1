// `vigil lint --sarif`: SARIF 2.1.0 for code scanning, one rule per lint rule, one result per problem
// at its file and line (relative to the repository when the file is in it). GitHub workflow
// commands for the same problems. Pure.
import { relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import type * as Sarif from 'sarif'
import type { Annotation } from '../reports/annotations.ts'
import { LINT_RULES, type LintProblem, type LintRule } from './problems.ts'

/** A problem's file as the repository names it (`policies/tls.feature`), or undefined when outside it. */
export function repositoryPath(p: Pick<LintProblem, 'path'>, repo: string): string | undefined {
  const rel = relative(repo, p.path).split('\\').join('/')
  return rel && !rel.startsWith('../') && rel !== '..' && !/^[A-Za-z]:|^\//.test(rel) ? rel : undefined
}

const ruleName = (id: string) => id.replace(/(^|-)(.)/g, (_m, _d: string, c: string) => c.toUpperCase())

export function lintSarif(problems: readonly LintProblem[], o: { vigilVersion: string; repo: string }): Sarif.Log {
  const ids = Object.keys(LINT_RULES) as LintRule[]
  const rules: Sarif.ReportingDescriptor[] = ids.map((id) => ({
    id: `vigil-lint/${id}`,
    name: ruleName(id),
    shortDescription: { text: LINT_RULES[id] },
    fullDescription: { text: LINT_RULES[id] },
    help: { text: `${LINT_RULES[id]} Found by \`vigil lint\`; fix the line it points at and run it again.` },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['vigil', 'policy', 'lint'], precision: 'very-high' },
  }))
  const results: Sarif.Result[] = problems.map((p) => {
    const inRepo = repositoryPath(p, o.repo)
    const artifactLocation: Sarif.ArtifactLocation = inRepo ? { uri: inRepo, uriBaseId: '%SRCROOT%' } : { uri: pathToFileURL(p.path).href }
    return {
      ruleId: `vigil-lint/${p.rule}`,
      ruleIndex: ids.indexOf(p.rule),
      level: 'error',
      message: { text: p.message },
      locations: [{ physicalLocation: { artifactLocation, region: { startLine: Math.max(1, p.line) } } }],
    }
  })
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Vigil', semanticVersion: o.vigilVersion, version: o.vigilVersion, rules } },
        automationDetails: { id: 'vigil-lint/' },
        results,
      },
    ],
  }
}

/** On GitHub Actions: one error annotation per problem, at the file as the repository names it. */
export function lintAnnotations(problems: readonly LintProblem[], repo: string): Annotation[] {
  return problems.map((p) => ({ level: 'error', file: repositoryPath(p, repo) ?? p.path, line: p.line, title: `vigil lint: ${p.rule}`, message: p.message }))
}
