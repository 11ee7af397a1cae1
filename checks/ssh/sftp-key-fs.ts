// The key walk's file operations over SFTP (keyPaths on an SSH server). Every request has its own
// deadline: an SFTP server that stops answering becomes an error for that path, not a hang.
import type { SFTPWrapper } from 'ssh2'
import type { DirEntry, KeyFileSystem } from './key-discovery.ts'
import { withDeadline } from './deadline.ts'

const S_IFMT = 0o170000
function typeOf(mode: number): DirEntry['type'] {
  switch (mode & S_IFMT) {
    case 0o040000:
      return 'dir'
    case 0o100000:
      return 'file'
    case 0o120000:
      return 'symlink'
    default:
      return 'other'
  }
}


export function sftpKeyFs(sftp: SFTPWrapper, timeoutMs: number): KeyFileSystem {
  return {
    async readdir(path) {
      const list = await withDeadline<{ filename: string; attrs: { mode: number; size: number } }[]>(timeoutMs, `SFTP readdir ${path}`, (done) =>
        sftp.readdir(path, (err, l) => done(err, l)),
      )
      return list.map((e) => ({ name: e.filename, type: typeOf(e.attrs.mode), size: e.attrs.size }))
    },
    async stat(path) {
      const s = await withDeadline<{ mode: number; size: number }>(timeoutMs, `SFTP stat ${path}`, (done) => sftp.stat(path, (err, st) => done(err, st)))
      return { type: typeOf(s.mode), size: s.size }
    },
    async readHead(path, max) {
      const handle = await withDeadline<Buffer>(timeoutMs, `SFTP open ${path}`, (done) => sftp.open(path, 'r', (err, h) => done(err, h)))
      try {
        const chunks: Buffer[] = []
        let pos = 0
        while (pos < max) {
          const want = Math.min(32 * 1024, max - pos)
          const n = await withDeadline<number>(timeoutMs, `SFTP read ${path}`, (done) =>
            sftp.read(handle, Buffer.alloc(want), 0, want, pos, (err, bytesRead, buf) => {
              if (!err && bytesRead > 0) chunks.push(Buffer.from(buf.subarray(0, bytesRead)))
              done(err, bytesRead)
            }),
          )
          if (n <= 0) break
          pos += n
        }
        return Buffer.concat(chunks)
      } finally {
        sftp.close(handle, () => {})
      }
    },
  }
}
