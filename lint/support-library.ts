// The parts of Cucumber's support code library (PolicySet.support) lint reads. Cucumber's public type
// for it is opaque (`ISupportCodeLibrary`); these are the fields of its `SupportCodeLibrary` and
// `StepDefinition` Vigil relies on.
import type { PickleStep } from '@cucumber/messages'
import type { PolicySet } from '../runner/cucumber.ts'

export interface StepDefinitionLike {
  readonly keyword: string
  /** a Cucumber expression as written, or a regular expression */
  readonly pattern: string | RegExp
  readonly uri: string
  readonly line: number
  readonly code: Function
  readonly unwrappedCode?: Function
  matchesStepName(text: string): boolean
  getInvocationParameters(o: { step: PickleStep; world: unknown; hookParameter: never }): Promise<{ parameters: unknown[] }>
}

export function stepDefinitionsOf(support: PolicySet['support']): readonly StepDefinitionLike[] {
  return (support as unknown as { stepDefinitions: StepDefinitionLike[] }).stepDefinitions
}

/** The same library with another World (the describe run's). */
export function withWorld(support: PolicySet['support'], World: unknown): PolicySet['support'] {
  return { ...support, World } as PolicySet['support']
}
