// The TLS half of the lab (20 real endpoints on 127.0.0.1, one per verdict) with an inventory
// written for it: the real peers behind the report, waiver and bundle suites.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { startTlsSection, type LabSection } from '../../lab/run-lab.ts'

export interface TlsLab {
  dir: string
  /** the inventory file, relative to `dir` */
  config: string
  section: LabSection & { caFile: string }
  stop(): Promise<void>
}

export async function startTlsLab(prefix: string): Promise<TlsLab> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const section = await startTlsSection(dir)
  writeFileSync(join(dir, 'vigil.yaml'), stringify({ trust: { extraCaFiles: [section.caFile] }, settings: { timeoutMs: 2000, concurrency: 100, perHost: 8 }, targets: section.targets }))
  return { dir, config: 'vigil.yaml', section, stop: section.stop }
}
