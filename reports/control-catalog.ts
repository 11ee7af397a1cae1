// The controls Vigil maps policies to (SOC 2 Trust Services Criteria, HIPAA Security Rule), shipped
// as data in reports/data/control-catalog.json. Scenario tags (`@soc2:CC6.7`, `@hipaa:164.312(e)(1)`)
// are validated against it, and the coverage view joins it with the policy library.
import { readFileSync } from 'node:fs'
import * as z from 'zod'

export const FRAMEWORKS = ['soc2', 'hipaa'] as const
export type Framework = (typeof FRAMEWORKS)[number]

const ControlSchema = z
  .object({
    /** `<framework>:<ref>`, exactly as written after the `@` of a scenario tag */
    id: z.string(),
    framework: z.enum(FRAMEWORKS),
    /** the framework's own reference: `CC6.7`, `164.312(e)(1)` */
    ref: z.string(),
    /** the criterion series or safeguard category it belongs to */
    group: z.string(),
    title: z.string(),
    /** HIPAA only: a standard, or a required / addressable implementation specification */
    kind: z.enum(['standard', 'required', 'addressable']).optional(),
    description: z.string(),
  })
  .strict()
export type Control = z.infer<typeof ControlSchema>

const CatalogSchema = z
  .object({
    frameworks: z.record(z.enum(FRAMEWORKS), z.object({ name: z.string(), version: z.string(), source: z.url() }).strict()),
    controls: z.array(ControlSchema),
  })
  .strict()
export type ControlCatalog = z.infer<typeof CatalogSchema>

export const CONTROL_CATALOG: ControlCatalog = CatalogSchema.parse(
  JSON.parse(readFileSync(new URL('./data/control-catalog.json', import.meta.url), 'utf8')),
)

const byId = new Map(CONTROL_CATALOG.controls.map((c) => [c.id, c]))

export function findControl(id: string): Control | undefined {
  return byId.get(id)
}

/** A tag that names a framework Vigil maps to, in any letter case (`@SOC2:cc6.1` must not slip through as a plain tag). */
const FRAMEWORK_TAG = new RegExp(`^@(${FRAMEWORKS.join('|')}):(.*)$`, 'i')

/** Why a scenario tag is not a valid control mapping, or undefined when it is one (or is no control tag at all). */
export function controlTagProblem(tag: string): string | undefined {
  const m = FRAMEWORK_TAG.exec(tag)
  if (!m) return undefined
  const id = `${m[1]!.toLowerCase()}:${m[2]}`
  if (byId.has(id) && m[1] === m[1]!.toLowerCase()) return undefined
  const near = byId.has(id) ? id : CONTROL_CATALOG.controls.find((c) => c.id.toLowerCase() === id.toLowerCase())?.id
  return `unknown control "${tag.slice(1)}" in tag ${tag}${near ? ` (did you mean @${near}?)` : ''}; \`vigil controls\` lists the catalog`
}

export interface ControlCoverage {
  control: Control
  /** check ids of the scenarios tagged with this control */
  checks: string[]
  /** `policy:line` of each such scenario */
  scenarios: string[]
}

/** Each catalog control with the checks and scenarios that test it (empty lists: nothing tests it yet). */
export function controlCoverage(scenarios: readonly { checkId?: string; controls: string[]; policy: string; line: number }[]): ControlCoverage[] {
  return CONTROL_CATALOG.controls.map((control) => {
    const using = scenarios.filter((s) => s.controls.includes(control.id))
    return {
      control,
      checks: [...new Set(using.flatMap((s) => (s.checkId ? [s.checkId] : [])))].sort(),
      scenarios: using.map((s) => `${s.policy}:${s.line}`),
    }
  })
}

export function formatCoverage(rows: ControlCoverage[], opts: { untestedOnly?: boolean } = {}): string {
  const out: string[] = []
  for (const fw of FRAMEWORKS) {
    const meta = CONTROL_CATALOG.frameworks[fw]!
    const mine = rows.filter((r) => r.control.framework === fw)
    const tested = mine.filter((r) => r.checks.length > 0).length
    out.push(`${meta.name}, ${meta.version}: ${tested} of ${mine.length} controls tested`)
    const width = Math.max(...mine.map((r) => r.control.ref.length))
    for (const r of mine) {
      if (opts.untestedOnly && r.checks.length > 0) continue
      const what = r.checks.length > 0 ? r.checks.join(', ') : 'not tested by any policy'
      out.push(`  ${r.control.ref.padEnd(width)}  ${r.control.title}: ${what}`)
    }
    out.push('')
  }
  return out.join('\n')
}
