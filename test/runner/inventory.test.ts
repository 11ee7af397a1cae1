import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../core/config-file.ts'
import { loadInventory } from '../../runner/inventory.ts'
import { redactInventoryText } from '../../runner/redact.ts'
import { scratchFolder } from './scratch-folder.ts'

const { dir, write } = scratchFolder('vigil-inv-')
function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return (e as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('inventory (vigil.yaml)', () => {
  it('applies documented defaults', () => {
    const inv = loadInventory(write('ok.yaml', 'targets:\n  tls:\n    - name: web\n      host: web.example.test\n'))
    expect(inv.targets.tls[0]).toEqual({ name: 'web', host: 'web.example.test', port: 443, tags: [] })
    expect(inv.settings).toEqual({ timeoutMs: 5000, concurrency: 200, perHost: 5, perHostRate: 20 })
    expect(inv.targets.ssh).toEqual([])
  })

  it('parses the same file once while its text is unchanged; each caller gets its own settings', () => {
    const f = write('again.yaml', 'targets:\n  tls:\n    - name: web\n      host: web.example.test\n')
    const first = loadInventory(f)
    first.settings = { ...first.settings, concurrency: 3 }
    const second = loadInventory(f)
    expect(second.settings.concurrency).toBe(200)
    expect(second.targets).toBe(first.targets)
    write('again.yaml', 'targets:\n  tls:\n    - name: api\n      host: api.example.test\n')
    expect(loadInventory(f).targets.tls.map((t) => t.name)).toEqual(['api'])
  })

  it('copies an inventory without secret-named keys or credentials in URLs as written, and redacts the others', () => {
    const plain = '# the web tier\ntargets:\n  tls:\n    - {name: web, host: web.example.test}   # flow style kept\n'
    expect(redactInventoryText(plain)).toBe(plain)
    const withSecrets = [
      'locker:\n  url: https://keeper:hunter2@locker.example.test/x\n',
      'targets:\n  aws:\n    - name: prod\n      externalId: ext-hunter2\n',
      // an escape can spell a secret-named key: still found
      'x:\n  "pass\\x77ord": hunter2\n',
    ]
    for (const t of withSecrets) {
      const out = redactInventoryText(t)
      expect(out).not.toContain('hunter2')
      expect(out).toContain('[redacted]')
    }
  })

  it('names file, line and field for a bad value', () => {
    const f = write('port.yaml', 'targets:\n  tls:\n    - name: web\n      host: web.example.test\n      port: 70000\n')
    const msg = errorOf(() => loadInventory(f))
    expect(msg).toContain(`${f}:5: field targets.tls[0].port:`)
    expect(msg).toMatch(/65535/)
  })

  it("starttls: the protocol's own port by default, an unknown protocol named with file, line and the choices", () => {
    const inv = loadInventory(write('mail.yaml', 'targets:\n  tls:\n    - name: mx\n      host: mx.example.test\n      starttls: smtp\n    - name: db\n      host: db.example.test\n      starttls: postgres\n      port: 6432\n'))
    expect(inv.targets.tls.map((t) => [t.name, t.starttls, t.port])).toEqual([['mx', 'smtp', 25], ['db', 'postgres', 6432]])
    const f = write('typo.yaml', 'targets:\n  tls:\n    - name: mx\n      host: mx.example.test\n      starttls: smtps\n')
    const msg = errorOf(() => loadInventory(f))
    expect(msg).toContain(`${f}:5: field targets.tls[0].starttls:`)
    expect(msg).toMatch(/smtp.*submission.*imap.*xmpp/)
  })

  it('names the parent line for a missing field and lists unknown keys', () => {
    const f = write('missing.yaml', 'targets:\n  tls:\n    - name: web\n      hots: typo.example.test\n')
    const msg = errorOf(() => loadInventory(f))
    expect(msg).toContain('field targets.tls[0].host')
    expect(msg).toContain('hots')
    expect(msg).toMatch(/:3: field targets\.tls\[0\]/)
  })

  it('reports YAML syntax errors with a line', () => {
    const f = write('syntax.yaml', 'targets:\n  tls: [\n')
    expect(errorOf(() => loadInventory(f))).toMatch(/syntax\.yaml:\d+: not valid YAML/)
  })

  it('rejects duplicate target names across kinds', () => {
    const f = write('dup.yaml', 'targets:\n  tls:\n    - {name: a, host: a.test}\n  ssh:\n    - {name: a, host: b.test}\n')
    expect(errorOf(() => loadInventory(f))).toMatch(/dup\.yaml:5: field targets\.ssh\[0\]\.name: the name "a" is already used by targets\.tls\[0\]\.name/)
  })

  it('reads extra CA files relative to the inventory and rejects non-PEM ones', () => {
    write('notpem.txt', 'hello')
    const f = write('ca.yaml', 'trust:\n  extraCaFiles: [notpem.txt]\n')
    expect(errorOf(() => loadInventory(f))).toMatch(/ca\.yaml:2: field trust\.extraCaFiles\[0\]: .*notpem\.txt holds no PEM certificate/)
    const g = write('missingca.yaml', 'trust:\n  extraCaFiles: [nope.pem]\n')
    expect(errorOf(() => loadInventory(g))).toMatch(/cannot read .*nope\.pem/)
  })

  it('says so when the file does not exist', () => {
    expect(errorOf(() => loadInventory(join(dir, 'absent.yaml')))).toMatch(/absent\.yaml: cannot read the file \(it does not exist\)/)
  })

  it('validates SSH host key fingerprints and AWS regions', () => {
    const f = write('ssh.yaml', 'targets:\n  ssh:\n    - name: b\n      host: b.test\n      hostKey: "MD5:aa"\n')
    expect(errorOf(() => loadInventory(f))).toMatch(/ssh\.yaml:5: field targets\.ssh\[0\]\.hostKey: expected an OpenSSH SHA256 fingerprint/)
    const g = write('aws.yaml', 'targets:\n  aws:\n    - name: p\n      regions: [mars-1]\n')
    expect(errorOf(() => loadInventory(g))).toMatch(/aws\.yaml:4: field targets\.aws\[0\]\.regions\[0\]: an AWS region/)
  })
})
