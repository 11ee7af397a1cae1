// Shared by the SSH suites: an ObserveContext without the runner, and a scan for leaked secrets.
import type { ObserveContext } from '../../checks/types.ts'

export function observeContext(needs: string[], timeoutMs = 4000): ObserveContext {
  return { needs: new Set(needs), timeoutMs, extraCaPems: [], limit: (_host, fn) => fn() }
}

/** Every distinct 24-character window of the secret's base64 body (and the secret itself) that appears in `haystack`. */
export function leaks(haystack: string, secrets: string[]): string[] {
  const found: string[] = []
  for (const s of secrets) {
    if (s.length < 24) {
      if (haystack.includes(s)) found.push(s)
      continue
    }
    for (let i = 0; i + 24 <= s.length; i += 12) {
      const w = s.slice(i, i + 24)
      if (haystack.includes(w)) {
        found.push(w)
        break
      }
    }
  }
  return found
}

/** The base64 body of a PEM / OpenSSH / PuTTY private key file, without headers and line breaks. */
export function keyBody(text: string): string {
  return text
    .split(/\r?\n/)
    .filter((l) => l && !l.startsWith('-----') && !l.startsWith('----') && !/^[A-Za-z0-9-]+: /.test(l))
    .join('')
}
