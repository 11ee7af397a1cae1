// Where a step is written in a feature file. The dry run locates problems at the scenario (or, for
// a Scenario Outline, at its Examples row); a lint problem about one step is more useful at the
// step's own line. Pure: works on the file's text.

const STEP_LINE = /^\s*(?:Given|When|Then|And|But|\*)\s+(.*?)\s*$/
const HEADER_LINE = /^\s*(?:Scenario|Scenario Outline|Scenario Template|Example|Background|Rule|Feature)\s*:/

export interface StepLine {
  line: number
  text: string
  /** the data table rows written under the step, when it has one */
  table?: string[][]
}

/** Every step written in a feature file, with its line and data table (Gherkin keywords in English). */
export function stepLines(source: string): StepLine[] {
  const lines = source.split(/\r?\n/)
  const out: StepLine[] = []
  for (let i = 0; i < lines.length; i++) {
    const m = STEP_LINE.exec(lines[i]!)
    if (!m) continue
    const step: StepLine = { line: i + 1, text: m[1]! }
    const rows: string[][] = []
    for (let j = i + 1; j < lines.length && /^\s*\|/.test(lines[j]!); j++)
      rows.push(lines[j]!.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim()))
    if (rows.length) step.table = rows
    out.push(step)
  }
  return out
}

/**
 * The line of the step `text` for a scenario located at `fromLine`: first within that scenario
 * (after its keyword line, up to the next scenario), then the nearest such step before it (a
 * Background, or the steps of an Outline located at its Examples row), else `fromLine` itself.
 */
export function findStepLine(source: string, fromLine: number, text: string): number {
  const lines = source.split(/\r?\n/)
  const isStep = (i: number) => STEP_LINE.exec(lines[i] ?? '')?.[1] === text
  for (let i = fromLine; i < lines.length && !HEADER_LINE.test(lines[i]!); i++) if (isStep(i)) return i + 1
  for (let i = Math.min(fromLine - 1, lines.length) - 1; i >= 0; i--) if (isStep(i)) return i + 1
  return fromLine
}
