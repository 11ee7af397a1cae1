// Values of command-line flags that are not plain strings: durations and counts, each checked with a
// message naming the flag.
import { ConfigError } from '../core/config-file.ts'

/** `500ms`, `30s`, `10m`, `2h`, or a number of milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim())
  if (!m) throw new ConfigError(`${flag} ${value}: a duration like 500ms, 30s, 10m or 2h`)
  const n = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h']
  if (n < 1) throw new ConfigError(`${flag} ${value}: too short`)
  return Math.round(n)
}

/** A whole number within [min, max]. */
export function parseCount(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim())) throw new ConfigError(`${flag} ${value}: a whole number`)
  const n = Number(value)
  if (n < min || n > max) throw new ConfigError(`${flag} ${value}: between ${min} and ${max}`)
  return n
}

/** A positive number within [min, max] (fractions allowed). */
export function parseRate(value: string, flag: string, min: number, max: number): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(`${flag} ${value}: a number between ${min} and ${max}`)
  return n
}
