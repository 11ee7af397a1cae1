// Target selection, shared by every policy family.
import { Given } from '@cucumber/cucumber'
import type { TargetKind } from '../checks/types.ts'
import type { VigilWorld } from './support/world.ts'

const KINDS: Record<string, TargetKind> = {
  'TLS endpoint': 'tls',
  'SSH server': 'ssh',
  'key folder': 'keyDir',
  'AWS account': 'aws',
}

Given(/^every (TLS endpoint|SSH server|key folder|AWS account)(?: tagged "([^"]+)")?$/, function (this: VigilWorld, kind: string, tag?: string) {
  this.select(KINDS[kind]!, tag)
})
