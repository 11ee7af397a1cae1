// GitHub Actions workflow commands: `::error file=…,line=…,title=…::message` put a finding on the
// pull request's diff and in the job's annotations. Printed on stdout when GITHUB_ACTIONS is true.
// GitHub shows at most 10 error and 10 warning annotations per step (50 per job): the worst come
// first, and one closing notice says how many more are in the reports.

export interface Annotation {
  level: 'error' | 'warning' | 'notice'
  file: string
  line: number
  title: string
  message: string
}

/** Escaping of workflow-command data and property values (as @actions/core does). */
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const property = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C')

export const MAX_ANNOTATIONS = 50

export function workflowCommands(items: readonly Annotation[]): string {
  const order = { error: 0, warning: 1, notice: 2 }
  const sorted = [...items].sort((a, b) => order[a.level] - order[b.level])
  const lines = sorted
    .slice(0, MAX_ANNOTATIONS)
    .map((a) => `::${a.level} file=${property(a.file)},line=${Math.max(1, a.line)},title=${property(a.title.slice(0, 200))}::${data(a.message.slice(0, 4000))}`)
  if (sorted.length > MAX_ANNOTATIONS) lines.push(`::notice title=Vigil::${sorted.length - MAX_ANNOTATIONS} more annotations are in summary.md, results.json and the SARIF file`)
  return lines.length ? lines.join('\n') + '\n' : ''
}
