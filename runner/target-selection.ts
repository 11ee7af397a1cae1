// The Gherkin phrase that selects targets, shared by the step that applies it and the planner that
// must know, before anything is probed, which targets each scenario will judge.
import type { TargetKind } from '../checks/types.ts'

export const SELECTION_PHRASE = /^every (TLS endpoint|SSH server|key folder|AWS account)(?: tagged "([^"]+)")?$/

const KINDS: Record<string, TargetKind> = {
  'TLS endpoint': 'tls',
  'SSH server': 'ssh',
  'key folder': 'keyDir',
  'AWS account': 'aws',
}

export interface Selection {
  kind: TargetKind
  tag?: string
}

export function selectionOf(kindWords: string, tag?: string): Selection {
  return { kind: KINDS[kindWords]!, ...(tag ? { tag } : {}) }
}

/** The selection a step's text makes, if it is a selection step. */
export function parseSelection(stepText: string): Selection | undefined {
  const m = SELECTION_PHRASE.exec(stepText)
  return m ? selectionOf(m[1]!, m[2]) : undefined
}

export function selects(s: Selection, target: { kind: TargetKind; tags: readonly string[] }): boolean {
  return s.kind === target.kind && (!s.tag || target.tags.includes(s.tag))
}
