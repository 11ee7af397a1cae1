// Reading apt.conf text (apt.conf(5)) the way apt does, for the settings a host check judges:
// `//`, `/* */` and `#` comments are ignored (never inside quotes), scopes `A { B "v"; };` name
// `A::B`, names are case-insensitive, a later setting wins, a value without a name inside a scope is
// an item of that scope's list (items of several files add up), and `#clear A::B` drops a setting or
// list. `#include` is not followed: only the text given is read.

export interface AptConf {
  /** settings by full name, lower-cased: `apt::periodic::unattended-upgrade` → "1" */
  values: Map<string, string>
  /** list items by the full name of their scope, lower-cased, in the order read */
  lists: Map<string, string[]>
}

type Token = { kind: 'word' | 'string' | '{' | '}' | ';' | 'clear'; text: string }

function tokenize(text: string): Token[] {
  const out: Token[] = []
  const eol = (from: number) => {
    const e = text.indexOf('\n', from)
    return e < 0 ? text.length : e
  }
  let lineStart = true
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === '\n') {
      lineStart = true
      i++
    } else if (/\s/.test(c)) i++
    else if (text.startsWith('//', i)) i = eol(i)
    else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2)
      i = end < 0 ? text.length : end + 2
    } else if (c === '#' && lineStart) {
      const clear = /^#clear\s+([^\s;]+)/.exec(text.slice(i, eol(i)))
      if (clear) out.push({ kind: 'clear', text: clear[1]! })
      i = eol(i)
    } else {
      lineStart = false
      if (c === '"') {
        const end = text.indexOf('"', i + 1)
        out.push({ kind: 'string', text: text.slice(i + 1, end < 0 ? text.length : end) })
        i = end < 0 ? text.length : end + 1
      } else if (c === '{' || c === '}' || c === ';') {
        out.push({ kind: c, text: c })
        i++
      } else {
        const start = i
        while (i < text.length && !/[\s{};"]/.test(text[i]!) && !text.startsWith('//', i) && !text.startsWith('/*', i)) i++
        out.push({ kind: 'word', text: text.slice(start, i) })
      }
    }
  }
  return out
}

/** The settings and lists of apt.conf texts read one after another (as apt reads apt.conf.d, in name order). */
export function readAptConf(texts: readonly string[]): AptConf {
  const conf: AptConf = { values: new Map(), lists: new Map() }
  for (const text of texts) {
    const scope: string[] = []
    let pending: Token[] = []
    const name = (tag: string) => [...scope, tag].filter(Boolean).join('::').toLowerCase()
    for (const t of tokenize(text)) {
      if (t.kind === 'word' || t.kind === 'string') pending.push(t)
      else if (t.kind === 'clear') {
        const key = t.text.toLowerCase()
        for (const m of [conf.values, conf.lists]) for (const k of [...m.keys()]) if (k === key || k.startsWith(`${key}::`)) m.delete(k)
      } else if (t.kind === '{') {
        scope.push(pending[0]?.text ?? '')
        pending = []
      } else if (t.kind === '}') {
        scope.pop()
        pending = []
      } else {
        if (pending.length === 1 && scope.length > 0) {
          const key = name('')
          conf.lists.set(key, [...(conf.lists.get(key) ?? []), pending[0]!.text])
        } else if (pending.length >= 2) conf.values.set(name(pending[0]!.text), pending[1]!.text)
        pending = []
      }
    }
  }
  return conf
}
