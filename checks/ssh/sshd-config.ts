// Reading sshd's effective configuration: `sshd -T` output (authoritative) or, when that is not
// allowed, the configuration files themselves with sshd's own precedence rules. Pure text in,
// settings out; the SFTP reads live in audit-login.ts.
import { posix } from 'node:path'

/** `sshd -T` prints one `keyword value` line per setting, keywords lower-cased. */
export function parseSshdT(output: string): Record<string, string> {
  const settings: Record<string, string> = {}
  for (const line of output.split(/\r?\n/)) {
    const m = /^([a-z0-9]+) (.*)$/.exec(line.trim())
    if (m && !(m[1]! in settings)) settings[m[1]!] = m[2]!
  }
  return settings
}

export interface SshdConfigRead {
  /** global-scope settings (outside Match blocks), first occurrence wins as in sshd */
  settings: Record<string, string>
  /** files read, in the order sshd reads them */
  filesRead: string[]
  /** Match lines: settings below them apply only to some connections */
  matchBlocks: string[]
  /** settings inside Match blocks: they override the global value for the connections they match */
  conditional: { match: string; keyword: string; value: string }[]
  /** files an Include named that could not be read */
  unreadable: { path: string; error: string }[]
}

export interface ConfigIo {
  read(path: string): Promise<string>
  /** expands an Include glob to existing files, sorted (sshd uses glob(3) order) */
  expand(pattern: string): Promise<string[]>
}

/**
 * Reads sshd_config the way sshd does: line by line, Include files processed in place (so the
 * Debian default `Include /etc/ssh/sshd_config.d/*.conf` at the top takes precedence), and the
 * FIRST value of a keyword wins. Settings inside `Match` blocks are conditional and not applied.
 * The main file must be readable; an unreadable Include is recorded.
 */
export async function readSshdConfig(mainPath: string, io: ConfigIo): Promise<SshdConfigRead> {
  const out: SshdConfigRead = { settings: {}, filesRead: [], matchBlocks: [], conditional: [], unreadable: [] }
  const visit = async (path: string, text: string, depth: number, inMatchAtStart: boolean): Promise<boolean> => {
    out.filesRead.push(path)
    let inMatch = inMatchAtStart
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.replace(/#.*$/, '').trim()
      if (!line) continue
      const m = /^(\S+?)\s*(?:=\s*|\s+)(.*)$/.exec(line)
      if (!m) continue
      const key = m[1]!.toLowerCase()
      const value = m[2]!.trim().replace(/^"(.*)"$/, '$1')
      if (key === 'match') {
        inMatch = !/^all$/i.test(value)
        if (inMatch) out.matchBlocks.push(value)
        continue
      }
      if (key === 'include') {
        if (depth >= 8) continue
        for (const pattern of value.split(/\s+/)) {
          for (const file of await io.expand(resolveInclude(pattern))) {
            let inc: string
            try {
              inc = await io.read(file)
            } catch (e) {
              out.unreadable.push({ path: file, error: (e as Error).message.slice(0, 200) })
              continue
            }
            inMatch = await visit(file, inc, depth + 1, inMatch)
          }
        }
        continue
      }
      if (inMatch) {
        out.conditional.push({ match: out.matchBlocks.at(-1) ?? '', keyword: key, value })
        continue
      }
      if (!(key in out.settings)) out.settings[key] = value
    }
    return inMatch
  }
  await visit(mainPath, await io.read(mainPath), 0, false)
  return out
}

/** Include paths are relative to /etc/ssh (sshd(8)), whatever the main file's folder. */
export function resolveInclude(path: string): string {
  return path.startsWith('/') || path.startsWith('~') ? path : posix.join('/etc/ssh', path)
}

/** `PermitRootLogin` as sshd reports it; the compiled-in default since OpenSSH 7.0 is prohibit-password. */
export function effectivePermitRootLogin(settings: Record<string, string>): { value: string; defaulted: boolean } {
  const v = settings['permitrootlogin']
  if (v === undefined) return { value: 'prohibit-password', defaulted: true }
  // `without-password` is the deprecated spelling of prohibit-password
  return { value: v === 'without-password' ? 'prohibit-password' : v.toLowerCase(), defaulted: false }
}
