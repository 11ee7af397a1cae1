// `vigil checks`: the catalog joined with the policy library, so each id shows where it is used
// and which controls it tests.
import { CHECKS } from '../checks/catalog.ts'
import type { ParamSpec } from '../checks/types.ts'
import { DEFAULT_FEATURES, loadPolicies } from '../runner/cucumber.ts'

export interface CatalogEntry {
  id: string
  kinds: string[]
  title: string
  description: string
  /** what the check judges; empty = not-applicable, never passed */
  population: string
  /** default severity of a failure, and why */
  severity: { level: string; reason: string }
  params: ParamSpec[]
  controls: string[]
  policies: string[]
}

export async function listCatalog(features: string[] = DEFAULT_FEATURES): Promise<CatalogEntry[]> {
  const { scenarios } = await loadPolicies({ features })
  return CHECKS.map((c) => {
    const using = scenarios.filter((s) => s.checkId === c.id)
    return {
      id: c.id,
      kinds: [...c.kinds],
      title: c.title,
      description: c.description,
      population: c.population,
      severity: c.severity,
      params: c.params,
      controls: [...new Set(using.flatMap((s) => s.controls))].sort(),
      policies: [...new Set(using.map((s) => `${s.policy}:${s.line}`))],
    }
  })
}

export function formatCatalog(entries: CatalogEntry[]): string {
  const out: string[] = []
  for (const e of entries) {
    out.push(`${e.id}  (${e.kinds.join(', ')})`)
    out.push(`  ${e.title}`)
    out.push(`  fails when: ${e.description}`)
    out.push(`  judges: ${e.population} (none = not applicable, never a pass)`)
    out.push(`  severity: ${e.severity.level}: ${e.severity.reason}`)
    for (const p of e.params) out.push(`  parameter ${p.name} = ${JSON.stringify(p.default)}: ${p.description}`)
    out.push(`  controls: ${e.controls.join(' ') || '(no policy uses this check yet)'}`)
    for (const p of e.policies) out.push(`  policy: ${p}`)
    out.push('')
  }
  out.push(`${entries.length} checks`)
  return out.join('\n') + '\n'
}
