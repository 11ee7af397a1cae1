// ssh2's SSH, exec and SFTP calls take callbacks and have no timeout of their own: this bounds one.
// A call that overruns rejects with code ETIMEDOUT, which callers map to a `timeout` part error.
export function withDeadline<T>(ms: number, what: string, op: (done: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(Object.assign(new Error(`${what} took longer than ${ms} ms`), { code: 'ETIMEDOUT' })), ms)
    op((err, v) => {
      clearTimeout(t)
      if (err) reject(err)
      else resolve(v as T)
    })
  })
}
