// Secrets are removed at the source: what the inventory says about a target goes into provenance
// and the evidence bundle only through these functions. The inventory holds no credentials by
// design (passphrases and AWS keys come from the environment, by name), but a few fields can still
// carry something sensitive: an STS external id, credentials embedded in a URL.
import { isPair, isScalar, parseDocument, visit } from 'yaml'

export const REDACTED = '[redacted]'

/** Keys whose values never leave the process, in the inventory or anywhere a target is described. */
const SECRET_KEY = /^(externalId|password|passphrase|secret.*|.*Secret.*|.*[Tt]oken|accessKey.*|sessionToken|privateKey)$/

/** Every key SECRET_KEY matches holds one of these words (case aside): text without any has no secret-named key. */
const MAYBE_SECRET_KEY = /externalid|password|passphrase|secret|token|accesskey|privatekey/i
/** Credentials in a URL (`scheme://user:pass@`), anywhere in a text */
const URL_WITH_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/i
/** … at the start of a value: what redactUrl replaces */
const LEADING_URL_CREDENTIALS = new RegExp(`^${URL_WITH_CREDENTIALS.source}`, 'i')

/** `https://user:pass@host/x` → `https://[redacted]@host/x`; anything that is not a URL comes back as is. */
export function redactUrl(value: string): string {
  return value.replace(LEADING_URL_CREDENTIALS, `$1${REDACTED}@`)
}

/** A copy of a target's configuration fit for reports: secret-named fields replaced, URLs without credentials. */
export function redactTarget(target: Record<string, unknown>): Record<string, unknown> {
  const walk = (v: unknown, key?: string): unknown => {
    if (key && SECRET_KEY.test(key) && v !== undefined) return REDACTED
    if (typeof v === 'string') return redactUrl(v)
    if (Array.isArray(v)) return v.map((x) => walk(x))
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]))
    return v
  }
  return walk(target) as Record<string, unknown>
}

/**
 * The inventory file as written (comments and order kept) with the same redactions, for the
 * evidence bundle: an auditor sees exactly what was configured, minus what must not travel.
 */
export function redactInventoryText(text: string): string {
  // a file where no key could be secret-named and no URL carries credentials is copied as written
  // (no parse: a fleet's inventory is thousands of lines); an escape could spell either, so it is parsed
  if (!MAYBE_SECRET_KEY.test(text) && !URL_WITH_CREDENTIALS.test(text) && !text.includes('\\')) return text
  const doc = parseDocument(text)
  if (doc.errors.length > 0) return `# the inventory could not be parsed, so it is not reproduced here (${doc.errors[0]!.message.split('\n')[0]})\n`
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return
      const key = String(pair.key.value)
      if (SECRET_KEY.test(key) && pair.value !== null) {
        pair.value = doc.createNode(REDACTED)
        return
      }
      if (isScalar(pair.value) && typeof pair.value.value === 'string') pair.value.value = redactUrl(pair.value.value)
    },
  })
  return doc.toString()
}
