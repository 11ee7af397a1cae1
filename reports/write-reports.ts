// Every report of a run, written from the one results document into the output folder. Each is
// written as a stream of chunks from the findings (read back from disk for a large run), never built
// whole in memory.
import { join } from 'node:path'
import type { Finding, ResultsView } from './model.ts'
import { writeChunksBounded, writeChunksTogether } from '../core/bounded-write.ts'
import { REPORT_FILES } from './run-files.ts'
import { junitChunks } from './junit.ts'
import { FindingScanner, htmlReportChunks } from './html-report.ts'
import { teeFindings, type TeeView } from './findings-tee.ts'
import { markdownSummary } from './markdown-summary.ts'
import { findingsCsvChunks } from './findings-csv.ts'

export { REPORT_FILES }

export type ReportFiles = Record<keyof typeof REPORT_FILES, string>

/**
 * results.json: the run's sections as indented JSON, the findings one per line (a reader can stream
 * them with `jq -c '.findings[]'` or line by line). A source that keeps its findings as JSON text
 * (the run's spool) is copied without parsing.
 */
export function* resultsJsonChunks(results: ResultsView): Generator<string> {
  const entries = Object.entries(results)
  yield '{\n'
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!
    const comma = i < entries.length - 1 ? ',' : ''
    if (key !== 'findings') {
      yield `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}${comma}\n`
      continue
    }
    const source = value as ResultsView['findings']
    const lines = source.jsonLines ? source.jsonLines() : (function* () {
      for (const f of source as Iterable<Finding>) yield JSON.stringify(f)
    })()
    yield '  "findings": ['
    // a line at a time: the writer encodes each into its buffer (no joined megabyte strings)
    let first = true
    for (const line of lines) {
      yield first ? '\n    ' : ',\n    '
      yield line
      first = false
    }
    yield first ? `]${comma}\n` : `\n  ]${comma}\n`
  }
  yield '}\n'
}

/**
 * `summaryAppendix`: more Markdown for summary.md (the gate's comparison). results.json, junit.xml,
 * findings.csv and the page's first pass share one reading of the findings; the page's second pass
 * and the summary's failures read them again.
 */
export async function writeReports(dir: string, results: ResultsView, summaryAppendix?: string): Promise<ReportFiles> {
  const files = Object.fromEntries(Object.entries(REPORT_FILES).map(([key, name]) => [key, join(dir, name)])) as ReportFiles
  const scanner = new FindingScanner()
  const [json, junit, csv] = teeFindings(results.findings, 3, (f) => scanner.add(f)) as [TeeView, TeeView, TeeView]
  // a writer whose view has findings waiting is behind the others
  const output = (file: string, chunks: (r: ResultsView) => Iterable<string>, view: TeeView) => [file, chunks({ ...results, findings: view }), () => view.waiting() > 0] as const
  await writeChunksTogether([output(files.results, resultsJsonChunks, json), output(files.junit, junitChunks, junit), output(files.csv, findingsCsvChunks, csv)])
  await writeChunksBounded(files.html, htmlReportChunks(results, scanner.finish()))
  await writeChunksBounded(files.summary, [summaryAppendix ? `${summaryAppendix}\n${markdownSummary(results)}` : markdownSummary(results)])
  return files
}
