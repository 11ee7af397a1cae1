// Finds keys under a set of roots and describes each one, on the local disk (key folders) or on a
// remote host over SFTP (keyPaths). Files are judged by content, never by name. The walk is bounded
// (file count, depth, bytes per file) and does not follow symbolic links, so a hostile tree cannot
// make it run forever; whatever it skipped is recorded so "no keys found" is never overstated.
import { matchesGlob, posix } from 'node:path'
import { classifyKeyContent } from './key-classifier.ts'
import type { KeyRecord, KeysObservation } from './observation.ts'

export interface KeyWalkLimits {
  /** files opened at most */
  maxFiles: number
  /** folder depth below a root */
  maxDepth: number
  /** files larger than this are not read: no key file is this big */
  maxFileBytes: number
}

export const DEFAULT_KEY_WALK_LIMITS: KeyWalkLimits = { maxFiles: 5000, maxDepth: 6, maxFileBytes: 256 * 1024 }

export interface DirEntry {
  name: string
  type: 'file' | 'dir' | 'symlink' | 'other'
  size: number
}

/** The few file operations the walk needs; implemented over node:fs and over SFTP. */
export interface KeyFileSystem {
  /** entries of a folder, without following symbolic links */
  readdir(path: string): Promise<DirEntry[]>
  /** the type of a path, following symbolic links (roots may be links, e.g. /root/.ssh) */
  stat(path: string): Promise<{ type: DirEntry['type']; size: number }>
  /** at most `max` bytes from the start of a file */
  readHead(path: string, max: number): Promise<Buffer>
}

// folders whose content is never a key someone uses: packed git objects are compressed
const SKIP_DIRS = new Set(['.git', 'node_modules'])

const GLOB_CHARS = /[*?[\]{}]/

/** Expands a glob one path segment at a time with readdir, so it works over SFTP too. */
export async function expandGlob(fs: KeyFileSystem, pattern: string): Promise<string[]> {
  const absolute = pattern.startsWith('/')
  const segs = pattern.split('/').filter(Boolean)
  let paths = [absolute ? '/' : '.']
  for (const seg of segs) {
    const next: string[] = []
    for (const base of paths) {
      if (!GLOB_CHARS.test(seg)) {
        next.push(posix.join(base, seg))
        continue
      }
      let entries: DirEntry[]
      try {
        entries = await fs.readdir(base)
      } catch {
        continue
      }
      for (const e of entries) if (e.type !== 'file' && matchesGlob(e.name, seg)) next.push(posix.join(base, e.name))
    }
    paths = next
    if (paths.length > 1000) break
  }
  return paths
}

export async function findKeys(
  fs: KeyFileSystem,
  source: KeysObservation['source'],
  patterns: string[],
  limits: KeyWalkLimits = DEFAULT_KEY_WALK_LIMITS,
  /** how a path is shown in records (key folders show paths relative to the folder) */
  display: (path: string) => string = (p) => p,
): Promise<KeysObservation> {
  const obs: KeysObservation = { source, roots: [], filesExamined: 0, keys: [], unreadable: [], truncated: false, oversized: 0 }
  const roots: string[] = []
  for (const pattern of patterns) {
    if (GLOB_CHARS.test(pattern)) roots.push(...(await expandGlob(fs, pattern)))
    else roots.push(pattern)
  }
  obs.roots = [...new Set(roots)]

  const examine = async (path: string, size: number) => {
    if (obs.filesExamined >= limits.maxFiles) {
      obs.truncated = true
      return
    }
    if (size > limits.maxFileBytes) {
      obs.oversized++
      return
    }
    obs.filesExamined++
    let content: Buffer
    try {
      content = await fs.readHead(path, limits.maxFileBytes)
    } catch (e) {
      obs.unreadable.push({ path: display(path), error: describe(e) })
      return
    }
    for (const k of classifyKeyContent(content)) obs.keys.push({ file: display(path), ...k } as KeyRecord)
  }

  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > limits.maxDepth) {
      obs.truncated = true
      return
    }
    let entries: DirEntry[]
    try {
      entries = await fs.readdir(dir)
    } catch (e) {
      obs.unreadable.push({ path: display(dir), error: describe(e) })
      return
    }
    entries.sort((a, b) => a.name.localeCompare(b.name))
    for (const e of entries) {
      if (obs.truncated && obs.filesExamined >= limits.maxFiles) return
      const path = posix.join(dir, e.name)
      if (e.type === 'dir') {
        if (!SKIP_DIRS.has(e.name)) await walk(path, depth + 1)
      } else if (e.type === 'file') await examine(path, e.size)
      else if (e.type === 'symlink') obs.unreadable.push({ path: display(path), error: 'symbolic link, not followed' })
    }
  }

  for (const root of obs.roots) {
    let st: Awaited<ReturnType<KeyFileSystem['stat']>>
    try {
      st = await fs.stat(root)
    } catch (e) {
      obs.unreadable.push({ path: display(root), error: describe(e) })
      continue
    }
    if (st.type === 'dir') await walk(root, 0)
    else if (st.type === 'file') await examine(root, st.size)
  }
  return obs
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException
  return [err.code, err.message].filter(Boolean).join(': ').slice(0, 200) || String(e)
}
