// Shared by the runner suites: a fresh temporary folder to write inventories and waiver files into.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Makes a temporary folder named after `prefix`; `write(name, text)` writes a file there and returns its path. */
export function scratchFolder(prefix: string): { dir: string; write: (name: string, text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const write = (name: string, text: string): string => {
    const f = join(dir, name)
    writeFileSync(f, text)
    return f
  }
  return { dir, write }
}
