// Target selection, shared by every policy family.
import { Given } from '@cucumber/cucumber'
import { SELECTION_PHRASE, selectionOf } from '../runner/target-selection.ts'
import type { VigilWorld } from './support/world.ts'

Given(SELECTION_PHRASE, function (this: VigilWorld, kind: string, tag?: string) {
  const s = selectionOf(kind, tag)
  this.select(s.kind, s.tag)
})
