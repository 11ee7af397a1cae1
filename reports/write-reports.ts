// Every report of a run, written from the one results document into the output folder.
import { join } from 'node:path'
import type { Results } from './model.ts'
import { writeFileBounded } from '../core/bounded-write.ts'
import { junitXml } from './junit.ts'
import { htmlReport } from './html-report.ts'
import { markdownSummary } from './markdown-summary.ts'
import { findingsCsv } from './findings-csv.ts'

/** File names in the output folder (and in the evidence bundle). */
export const REPORT_FILES = {
  results: 'results.json',
  junit: 'junit.xml',
  html: 'report.html',
  summary: 'summary.md',
  csv: 'findings.csv',
} as const

export type ReportFiles = Record<keyof typeof REPORT_FILES, string>

/** `summaryAppendix`: more Markdown for summary.md (the gate's comparison) */
export async function writeReports(dir: string, results: Results, summaryAppendix?: string): Promise<ReportFiles> {
  const contents: Record<keyof typeof REPORT_FILES, string> = {
    results: JSON.stringify(results, null, 2) + '\n',
    junit: junitXml(results),
    html: htmlReport(results),
    summary: summaryAppendix ? `${summaryAppendix}\n${markdownSummary(results)}` : markdownSummary(results),
    csv: findingsCsv(results),
  }
  const files = {} as ReportFiles
  for (const [key, name] of Object.entries(REPORT_FILES) as [keyof typeof REPORT_FILES, string][]) {
    files[key] = join(dir, name)
    await writeFileBounded(files[key], contents[key])
  }
  return files
}
