// When a key search found none of what a key check judges (no private key for ssh.keys.passphrase,
// no key at all for ssh.keys.strength): `not-applicable` only when the search saw everything there
// was to see. A search that stopped at its bound, or a path it could not read (permission denied, a
// symbolic link it does not follow, a timeout), may be exactly where the keys are: that is `error`.
// A root that does not exist holds no key, so it does not stop a not-applicable.
import type { Offender, Verdict } from '../types.ts'
import type { KeyRecord, KeysObservation } from './observation.ts'

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
  const skipped = unexamined(keys)
  if (keys.truncated)
    return {
      ...base,
      status: 'error',
      errorKind: 'inconclusive',
      summary: `the key search stopped at its bound after ${keys.filesExamined} file(s) without finding a ${noun} (${where})`,
      offenders: searchGapOffenders(keys),
    }
  if (skipped.length)
    return {
      ...base,
      status: 'error',
      errorKind: 'inconclusive',
      offenders: searchGapOffenders(keys),
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

// ---- offenders of the key checks ----
//
// A key is identified by its FILE: over SFTP the path as found (`/home/ops/.ssh/id_rsa`), in a key
// folder the path relative to the folder (`deploy/id_rsa`), so moving or renaming the folder does
// not change an id. A line-oriented public key file (authorized_keys, `*.pub`: its records carry a
// line number) names each entry by fingerprint, `<path>#SHA256:…`, so adding, removing or reordering
// lines never changes another entry's id; so does a file of any other kind that holds more than one
// key. Never a line number: only when such a key has no readable fingerprint (an encrypted PEM
// bundle) is it named by its position among the file's keys, `<path>#key-<n>`.

/** The offender id of each key record of a search (ids depend on all the keys of a file, offending or not). */
export function keyOffenderIds(keys: readonly KeyRecord[]): Map<KeyRecord, string> {
  const perFile = new Map<string, KeyRecord[]>()
  for (const k of keys) perFile.set(k.file, [...(perFile.get(k.file) ?? []), k])
  const ids = new Map<KeyRecord, string>()
  for (const [file, records] of perFile) {
    records.forEach((k, i) => {
      const entries = k.line !== undefined || records.length > 1
      ids.set(k, entries ? `${file}#${k.fingerprint ?? `key-${i + 1}`}` : file)
    })
  }
  return ids
}

/** The offender id of one key, given every key the search found. */
export function keyOffenderId(k: KeyRecord, all: readonly KeyRecord[]): string {
  return keyOffenderIds(all).get(k) ?? k.file
}

/**
 * What a key search could not see: each path it could not examine (id = the path, as recorded:
 * remote as found, local relative to the folder), and `keys` when it stopped at its bound.
 */
export function searchGapOffenders(keys: KeysObservation): Offender[] {
  return [
    ...(keys.truncated ? [{ id: 'keys', why: `the key search stopped at its bound: files beyond it were not examined` }] : []),
    ...unexamined(keys).map((u) => ({ id: u.path, why: `could not be examined: ${u.error}` })),
  ]
}
