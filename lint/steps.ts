// `vigil steps`: the vocabulary of Vigil's step library — every phrase's pattern, its parameters
// (types from the expression, names from the step function, meaning from lint/step-docs.ts), the
// check(s) it judges and an example from the shipped feature files. The check and the example's
// parameters are not written down by hand: the example is run through the phrase's own function with
// a World that records `judge(checkId, params)` instead of judging.
import { globSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { PickleStep } from '@cucumber/messages'
import { DEFAULT_FEATURES, loadPolicies, VIGIL_ROOT } from '../runner/cucumber.ts'
import { stepLines } from './feature-lines.ts'
import { shownPath } from './problems.ts'
import { STEP_DOCS } from './step-docs.ts'
import { stepDefinitionsOf, type StepDefinitionLike as StepDefinition } from './support-library.ts'


export interface StepExample {
  text: string
  table?: string[][]
  /** `features/tls/cert-expiry.feature:9`, or `documentation` (a phrase no shipped feature file uses) */
  from: string
  /** what the phrase judges with this text: the check and the parameters it gets */
  judges?: { checkId: string; params: Record<string, unknown> }[]
}

export interface StepEntry {
  keyword: string
  pattern: string
  expression: 'cucumber-expression' | 'regular-expression'
  /** `steps/tls.steps.ts:5` */
  source: string
  says: string
  parameters: { name: string; type: string; description: string }[]
  /** the check ids it judges (none: a selection phrase) */
  checks: string[]
  example: StepExample | undefined
  /** false when lint/step-docs.ts has no entry for it */
  documented: boolean
}

/** A step function's parameter names, from its source (types are erased to spaces by Node's type stripping). */
export function parameterNames(fn: Function): string[] {
  const src = fn.toString()
  const open = src.indexOf('(')
  const close = src.indexOf(')', open)
  if (open < 0 || close < 0) return []
  return src
    .slice(open + 1, close)
    .split(',')
    .map((p) => p.replace(/[:=][\s\S]*$/, '').trim())
    .filter((p) => p && p !== 'this')
}

/** Types of the expression's parameters, in order: `int`, `string`, `float`, … or `text` for a regular expression's group. */
function expressionTypes(def: StepDefinition): string[] {
  if (typeof def.pattern === 'string') return [...def.pattern.matchAll(/(?<!\\)\{([^}]*)\}/g)].map((m) => m[1] || 'anonymous')
  const groups = new RegExp(`${def.pattern.source}|`).exec('')!.length - 1
  return Array.from({ length: groups }, () => 'text')
}

/** Runs a phrase's function on one step text with a World that records what it would judge. */
export async function whatItJudges(def: StepDefinition, text: string, table?: string[][]): Promise<{ checkId: string; params: Record<string, unknown> }[]> {
  const calls: { checkId: string; params: Record<string, unknown> }[] = []
  const world = {
    parameters: {},
    select() {},
    judge(checkId: string, params: Record<string, unknown>) {
      calls.push({ checkId, params })
    },
    attach() {},
    log() {},
  }
  const step = { id: 'example', astNodeIds: [], text, ...(table ? { argument: { dataTable: { rows: table.map((r) => ({ cells: r.map((value) => ({ value })) })) } } } : {}) } as unknown as PickleStep
  const { parameters } = await def.getInvocationParameters({ step, world, hookParameter: {} as never })
  await (def.unwrappedCode ?? def.code).apply(world, parameters)
  return calls
}

export interface LibraryStep {
  file: string
  line: number
  text: string
  table?: string[][]
}

/** Every step written in the shipped feature files. */
export function libraryStepTexts(): LibraryStep[] {
  const files = globSync('features/**/*.feature', { cwd: VIGIL_ROOT }).sort()
  return files.flatMap((f) => stepLines(readFileSync(resolve(VIGIL_ROOT, f), 'utf8')).map((s) => ({ file: f.split('\\').join('/'), ...s })))
}

export async function listSteps(): Promise<StepEntry[]> {
  const { support } = await loadPolicies({ features: DEFAULT_FEATURES })
  const library = libraryStepTexts()
  const out: StepEntry[] = []
  for (const def of stepDefinitionsOf(support)) {
    const pattern = typeof def.pattern === 'string' ? def.pattern : def.pattern.source
    const doc = STEP_DOCS[pattern]
    const types = expressionTypes(def)
    const names = parameterNames(def.unwrappedCode ?? def.code)
    const parameters = names.map((name, i) => ({
      name,
      type: i < types.length ? types[i]! : 'table',
      description: doc?.params?.[name] ?? '',
    }))
    const examples: StepExample[] = [
      ...library.filter((s) => def.matchesStepName(s.text)).map((s) => ({ text: s.text, ...(s.table ? { table: s.table } : {}), from: `${s.file}:${s.line}` })),
      ...(doc?.examples ?? []).map((e) => ({ ...e, from: 'documentation' })),
    ]
    const checks = new Set<string>()
    for (const e of examples) {
      try {
        e.judges = await whatItJudges(def, e.text, e.table)
        for (const j of e.judges) checks.add(j.checkId)
      } catch {
        // an example the phrase refuses shows no judgement
      }
    }
    out.push({
      keyword: def.keyword,
      pattern,
      expression: typeof def.pattern === 'string' ? 'cucumber-expression' : 'regular-expression',
      source: `${shownPath(resolve(process.cwd(), def.uri))}:${def.line}`,
      says: doc?.says ?? '',
      parameters,
      checks: [...checks].sort(),
      example: examples[0],
      documented: doc !== undefined,
    })
  }
  return out.sort((a, b) => (a.source.split(':')[0]! < b.source.split(':')[0]! ? -1 : a.source.split(':')[0]! > b.source.split(':')[0]! ? 1 : Number(a.source.split(':')[1]) - Number(b.source.split(':')[1])))
}

const show = (v: unknown) => JSON.stringify(v)

export function formatSteps(entries: readonly StepEntry[]): string {
  const out: string[] = []
  for (const e of entries) {
    out.push(`${e.keyword} ${e.pattern}`)
    out.push(`  ${e.source} · ${e.checks.length ? `judges ${e.checks.join(', ')}` : 'selects targets'}`)
    if (e.says) out.push(`  ${e.says}`)
    for (const p of e.parameters) out.push(`  ${p.name} (${p.type})${p.description ? `: ${p.description}` : ''}`)
    if (e.example) {
      out.push(`  example (${e.example.from}): ${e.keyword} ${e.example.text}`)
      for (const row of e.example.table ?? []) out.push(`    | ${row.join(' | ')} |`)
      for (const j of e.example.judges ?? []) out.push(`    → ${j.checkId} ${show(j.params)}`)
    }
    out.push('')
  }
  out.push(`${entries.length} phrases`)
  return out.join('\n') + '\n'
}
