// `--since`: an earlier run (last night's) as a results folder or an evidence bundle. Only its
// results.json is read; a bundle archive is listed and its one results.json extracted, nothing else.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tar from 'tar'
import { ConfigError } from '../core/config-file.ts'
import { ResultsSchema, type Results } from '../reports/model.ts'

export async function readEarlierResults(path: string): Promise<{ results: Results; source: string }> {
  let st
  try {
    st = statSync(path)
  } catch {
    throw new ConfigError(`--since ${path}: no such results folder or bundle`)
  }
  let text: string
  if (st.isDirectory()) {
    try {
      text = readFileSync(join(path, 'results.json'), 'utf8')
    } catch {
      throw new ConfigError(`--since ${path}: no results.json in that folder (give the --out folder of a vigil run, or its bundle)`)
    }
  } else {
    const tmp = mkdtempSync(join(tmpdir(), 'vigil-since-'))
    try {
      let member: string | undefined
      await tar.list({ file: path, onReadEntry: (e) => void (/^[^/]+\/results\.json$/.test(e.path) && e.type === 'File' ? (member = e.path) : undefined) }).catch(() => {
        throw new ConfigError(`--since ${path}: not a readable bundle archive`)
      })
      if (!member) throw new ConfigError(`--since ${path}: the archive holds no results.json`)
      try {
        await tar.x({ file: path, cwd: tmp, strict: true, preservePaths: false }, [member])
        text = readFileSync(join(tmp, member), 'utf8')
      } catch (e) {
        throw new ConfigError(`--since ${path}: cannot unpack its results.json (${(e as Error).message})`)
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new ConfigError(`--since ${path}: results.json is not JSON`)
  }
  const parsed = ResultsSchema.safeParse(raw)
  if (!parsed.success) throw new ConfigError(`--since ${path}: not a results file of this Vigil (schema ${(raw as { schemaVersion?: unknown })?.schemaVersion ?? '?'}): ${parsed.error.issues[0]?.message}`)
  return { results: parsed.data, source: path }
}
