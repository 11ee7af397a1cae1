// The names of the files a run folder holds, without the code that writes them: the run reads them
// before it probes, and importing the writers (reports, bundle, signatures) would cost start-up time.
export const REPORT_FILES = {
  results: 'results.json',
  junit: 'junit.xml',
  html: 'report.html',
  summary: 'summary.md',
  csv: 'findings.csv',
} as const
export const RUN_RECORD_FILE = 'run.json'
export const EVIDENCE_FILE = 'evidence.jsonl'
export const IN_PROGRESS_FILE = 'RUN-IN-PROGRESS.json'
export const MANIFEST_FILE = 'manifest.json'
export const MANIFEST_SIGNATURE = 'manifest.json.p7s'
export const SUMS_FILE = 'SHA256SUMS'
export const SUMS_SIGNATURE = 'SHA256SUMS.p7s'
export const VERIFY_FILE = 'VERIFY.txt'
/** The signed lists and their signatures. */
export const INTEGRITY_FILES = [MANIFEST_FILE, MANIFEST_SIGNATURE, SUMS_FILE, SUMS_SIGNATURE] as const
/** What sealing adds to a run folder. */
export const SEAL_FILES: readonly string[] = [...INTEGRITY_FILES, VERIFY_FILE]
