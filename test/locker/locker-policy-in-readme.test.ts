// The locker's write-only policy is published twice (README and JSON file); they must stay the same.
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'

it('the README shows exactly locker/vigil-locker-policy.json', () => {
  const file = JSON.parse(readFileSync(new URL('../../locker/vigil-locker-policy.json', import.meta.url), 'utf8'))
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const block = /<!-- locker-policy -->\n```json\n([\s\S]*?)\n```/.exec(readme)
  expect(block, 'README has the locker policy as a json block').not.toBeNull()
  expect(JSON.parse(block![1]!)).toEqual(file)
  // write-only: it may put and check the lock, never read, delete or unlock
  const allowed = file.Statement.filter((s: { Effect: string }) => s.Effect === 'Allow').flatMap((s: { Action: string[] }) => s.Action)
  expect(allowed.sort()).toEqual(['s3:GetBucketObjectLockConfiguration', 's3:PutObject', 's3:PutObjectRetention'])
})
