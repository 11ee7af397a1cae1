// The key walk's file operations on the local disk (key folders).
import { open, readdir, stat } from 'node:fs/promises'
import type { DirEntry, KeyFileSystem } from './key-discovery.ts'

export const localKeyFs: KeyFileSystem = {
  async readdir(path) {
    const entries = await readdir(path, { withFileTypes: true })
    const out: DirEntry[] = []
    for (const e of entries) {
      const type: DirEntry['type'] = e.isSymbolicLink() ? 'symlink' : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other'
      let size = 0
      if (type === 'file') size = (await stat(`${path}/${e.name}`).catch(() => ({ size: 0 }))).size
      out.push({ name: e.name, type, size })
    }
    return out
  },
  async stat(path) {
    const s = await stat(path)
    return { type: s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other', size: s.size }
  },
  async readHead(path, max) {
    const fh = await open(path, 'r')
    try {
      const buf = Buffer.alloc(max)
      const { bytesRead } = await fh.read(buf, 0, max, 0)
      return buf.subarray(0, bytesRead)
    } finally {
      await fh.close()
    }
  },
}
