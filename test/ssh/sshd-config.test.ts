// Reading sshd_config like sshd does (fallback when sshd -T is not allowed): Include in place,
// first value wins, Match blocks conditional; and the root-login judge on those readings.
import { describe, expect, it } from 'vitest'
import { parseSshdT, readSshdConfig } from '../../checks/ssh/sshd-config.ts'
import { serverRootLogin } from '../../checks/ssh/server-root-login.ts'
import type { SshObservation, SshdConfigObservation } from '../../checks/ssh/observation.ts'

const files: Record<string, string> = {
  '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nPasswordAuthentication yes\nMatch User backup\n  PermitRootLogin forced-commands-only\n',
  '/etc/ssh/sshd_config.d/10-hardening.conf': '# hardening\nPermitRootLogin no\n',
  '/etc/ssh/sshd_config.d/20-other.conf': 'PasswordAuthentication=no\n',
}
const io = {
  read: async (p: string) => {
    if (!(p in files)) throw new Error(`ENOENT ${p}`)
    return files[p]!
  },
  expand: async (pattern: string) => Object.keys(files).filter((f) => f.startsWith(pattern.replace('*.conf', '')) && f.endsWith('.conf')).sort(),
}

function obsWith(cfg: SshdConfigObservation): SshObservation {
  return { target: { name: 't', host: 'h', address: '127.0.0.1', port: 22 }, hostKeyPin: { seen: ['SHA256:x'], status: 'tofu' }, connections: 1, login: { user: 'u', hostKeyFingerprint: 'SHA256:x', sshdConfig: cfg } }
}

describe('readSshdConfig', () => {
  it('processes Include in place so drop-ins win, and keeps the first value', async () => {
    const r = await readSshdConfig('/etc/ssh/sshd_config', io)
    expect(r.settings['permitrootlogin']).toBe('no')
    expect(r.settings['passwordauthentication']).toBe('no')
    expect(r.filesRead).toEqual(['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/10-hardening.conf', '/etc/ssh/sshd_config.d/20-other.conf'])
    expect(r.conditional).toEqual([{ match: 'User backup', keyword: 'permitrootlogin', value: 'forced-commands-only' }])
  })

  it('root-login fails on a Match block that re-enables root, passes without it', async () => {
    const r = await readSshdConfig('/etc/ssh/sshd_config', io)
    const cfg: SshdConfigObservation = { source: 'config-files', configFile: '/etc/ssh/sshd_config', filesRead: r.filesRead, settings: r.settings, matchBlocks: r.matchBlocks, conditional: r.conditional }
    const v = serverRootLogin.judge(obsWith(cfg), {}, { now: new Date() })
    expect(v.status).toBe('failed')
    expect(v.summary).toMatch(/forced-commands-only for Match User backup/)
    expect(serverRootLogin.judge(obsWith({ ...cfg, conditional: [] }), {}, { now: new Date() }).status).toBe('passed')
  })

  it('an unset PermitRootLogin is the compiled-in prohibit-password, which fails the default policy', () => {
    const v = serverRootLogin.judge(obsWith({ source: 'config-files', configFile: '/x', filesRead: ['/x'], settings: {}, matchBlocks: [] }), {}, { now: new Date() })
    expect(v.status).toBe('failed')
    expect(v.actual).toMatchObject({ permitRootLogin: 'prohibit-password', defaulted: true })
  })

  it('parses sshd -T output', () => {
    expect(parseSshdT('port 22\npermitrootlogin without-password\nciphers a,b\n')).toEqual({ port: '22', permitrootlogin: 'without-password', ciphers: 'a,b' })
  })
})
