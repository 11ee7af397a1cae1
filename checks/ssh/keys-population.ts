// When a key search found none of what a key check judges (no private key for ssh.keys.passphrase,
// no key at all for ssh.keys.strength): `not-applicable` only when the search saw everything there
// was to see. A search that stopped at its bound, or a path it could not read (permission denied, a
// symbolic link it does not follow, a timeout), may be exactly where the keys are: that is `error`.
// A root that does not exist holds no key, so it does not stop a not-applicable.
import type { Verdict } from '../types.ts'
import type { KeysObservation } from './observation.ts'

/** `ENOENT`/`ENOTDIR` locally, SFTP status 2 (NO_SUCH_FILE) over SFTP. */
const MISSING = /^(ENOENT|ENOTDIR|2)\b|no such file/i

/** Paths the search could not examine for a reason other than not existing. */
export function unexamined(keys: KeysObservation): { path: string; error: string }[] {
  return keys.unreadable.filter((u) => !MISSING.test(u.error))
}

type VerdictBase = Pick<Verdict, 'expected' | 'actual' | 'observed' | 'evidence'>

/**
 * The verdict for a key check whose population (`found` members, described by `noun`, e.g. `private
 * key`) is empty, or undefined when it is not.
 */
export function emptyKeySearch(keys: KeysObservation, where: string, found: number, noun: string, base: VerdictBase): Verdict | undefined {
  if (found > 0) return undefined
  if (keys.truncated)
    return { ...base, status: 'error', errorKind: 'inconclusive', summary: `the key search stopped at its bound after ${keys.filesExamined} file(s) without finding a ${noun} (${where})` }
  const skipped = unexamined(keys)
  if (skipped.length)
    return {
      ...base,
      status: 'error',
      errorKind: 'inconclusive',
      summary: `no ${noun} found in ${keys.filesExamined} file(s) examined, but ${skipped.length} path(s) could not be examined and may hold one: ${skipped
        .slice(0, 3)
        .map((u) => `${u.path} (${u.error})`)
        .join(', ')}${skipped.length > 3 ? ', …' : ''}`,
    }
  const missing = keys.unreadable.length
  return {
    ...base,
    status: 'not-applicable',
    summary: `no ${noun} found in ${keys.filesExamined} file(s) examined under ${keys.roots.join(', ') || '(no roots)'}${missing ? `; ${missing} path(s) do not exist` : ''} (${where}): nothing to judge`,
  }
}
