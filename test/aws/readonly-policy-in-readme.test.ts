// The least-privilege policy is published twice (README and JSON file); they must stay the same.
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'

it('the README shows exactly checks/aws/vigil-readonly-policy.json', () => {
  const file = JSON.parse(readFileSync(new URL('../../checks/aws/vigil-readonly-policy.json', import.meta.url), 'utf8'))
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const block = /```json\n(\{\s*"Version": "2012-10-17"[\s\S]*?)\n```/.exec(readme)
  expect(block, 'README has the policy as a json block').not.toBeNull()
  expect(JSON.parse(block![1]!)).toEqual(file)
})
