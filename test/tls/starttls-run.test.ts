// Every supported upgrade, both ways, through `vigil run` as a user runs it: the real Debian server of
// each `starttls:` kind installed here (Postfix, Dovecot, vsftpd, Prosody, PostgreSQL, MariaDB,
// slapd) started on 127.0.0.1 in three configurations — hardened, weak (TLS 1.0/1.1 and static RSA),
// and without TLS (the upgrade not offered) — judged by the TLS policies.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ResultsSchema, type Finding } from '../../reports/model.ts'
import { STARTTLS_KINDS, type StarttlsKind } from '../../checks/tls/target.ts'
import { installedStarttlsKinds, startStarttlsPeer, type PeerConfig, type StarttlsPeer } from '../../lab/starttls/index.ts'
import { makeThrowawayCert, type CertFiles } from './start-openssl-server.ts'
import { runVigil, STACK_TRACE } from '../run-vigil.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-starttls-run-'))
const CONFIGS: PeerConfig[] = ['good', 'weak', 'plain']
const kinds = installedStarttlsKinds()
const peers = new Map<string, StarttlsPeer>()
let certs: CertFiles
let findings: Finding[] = []
let observations: { target: string; data: { upgrade?: { status: string; dialogue: string[] }; stats: { connections: number } } }[] = []
let stderr = ''

const nameOf = (kind: StarttlsKind, config: PeerConfig) => `${kind}-${config}`

beforeAll(async () => {
  certs = makeThrowawayCert()
  // two at a time: each is a real daemon (PostgreSQL and MariaDB copy a data folder)
  const plan = kinds.flatMap((kind) => CONFIGS.map((config) => ({ kind, config })))
  for (let i = 0; i < plan.length; i += 3) {
    const batch = plan.slice(i, i + 3)
    const started = await Promise.allSettled(batch.map((p) => startStarttlsPeer(p.kind, { config: p.config, cert: { certFile: certs.cert, keyFile: certs.key } })))
    started.forEach((r, j) => r.status === 'fulfilled' && peers.set(nameOf(batch[j]!.kind, batch[j]!.config), r.value))
    const failed = started.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined
    if (failed) throw failed.reason
  }
  const targets = [...peers].map(([name, p]) => ({ name, host: 'localhost', address: '127.0.0.1', port: p.port, starttls: p.kind, tags: [p.config] }))
  writeFileSync(join(dir, 'vigil.yaml'), stringify({ settings: { timeoutMs: 5000 }, targets: { tls: targets } }))
  const r = await runVigil(['run', '-c', 'vigil.yaml', '-o', 'out', '--tags', '@tls'], { cwd: dir, timeoutMs: 240_000 })
  stderr = r.stderr
  expect(r.code, r.stderr).toBe(1) // findings failed: the weak and plain services
  findings = ResultsSchema.parse(JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'))).findings
  observations = JSON.parse(readFileSync(join(dir, 'out', 'observations.json'), 'utf8')).targets
}, 400_000)

afterAll(async () => {
  await Promise.all([...peers.values()].map((p) => p.stop()))
  certs?.cleanup()
  rmSync(dir, { recursive: true, force: true })
})

const finding = (target: string, checkId: string) => {
  const f = findings.find((x) => x.target === target && x.checkId === checkId)
  if (!f) throw new Error(`no ${checkId} finding for ${target}`)
  return f
}
const ids = (f: Finding) => (f.offenders ?? []).map((o) => o.id)

describe('STARTTLS against real servers, every upgrade both ways', () => {
  it('this machine runs the server of every upgrade (.ci/run installs them)', () => {
    expect(kinds).toEqual([...STARTTLS_KINDS])
    expect(stderr).not.toMatch(STACK_TRACE)
  })

  for (const kind of STARTTLS_KINDS) {
    describe(kind, () => {
      it('hardened: the upgrade is taken, TLS 1.2/1.3 only, forward secrecy throughout; no HTTPS to judge', () => {
        const t = nameOf(kind, 'good')
        expect(finding(t, 'tls.required')).toMatchObject({ status: 'passed' })
        expect(finding(t, 'tls.protocols')).toMatchObject({ status: 'passed' })
        expect(finding(t, 'tls.forward-secrecy')).toMatchObject({ status: 'passed' })
        expect(finding(t, 'tls.ciphers.weak')).toMatchObject({ status: 'passed' })
        expect(finding(t, 'tls.cert.hostname')).toMatchObject({ status: 'passed' })
        expect(finding(t, 'http.hsts')).toMatchObject({ status: 'not-applicable' })
      })

      it('weak: the same upgrade, then TLS 1.0 and static RSA are found', () => {
        const t = nameOf(kind, 'weak')
        expect(finding(t, 'tls.required')).toMatchObject({ status: 'passed' })
        const protocols = finding(t, 'tls.protocols')
        expect(protocols.status).toBe('failed')
        expect(ids(protocols)).toContain('TLSv1.0')
        const fs = finding(t, 'tls.forward-secrecy')
        expect(fs.status).toBe('failed')
        expect(ids(fs)).toContain('TLSv1.0/TLS_RSA_WITH_AES_128_CBC_SHA')
      })

      it('without TLS: tls.required fails naming the refused upgrade, every other TLS check is an error', () => {
        const t = nameOf(kind, 'plain')
        const req = finding(t, 'tls.required')
        expect(req.status).toBe('failed')
        expect(ids(req)).toEqual(['upgrade'])
        for (const f of findings.filter((x) => x.target === t && x.checkId !== 'tls.required' && x.checkId !== 'http.hsts'))
          expect({ check: f.checkId, status: f.status, errorKind: f.errorKind }).toEqual({ check: f.checkId, status: 'error', errorKind: 'protocol' })
      })

      it('the observation records the dialogue of the upgrade; every connection made it', () => {
        for (const config of CONFIGS) {
          const o = observations.find((x) => x.target === nameOf(kind, config))!.data
          expect(o.upgrade?.status).toBe(config === 'plain' ? 'not-offered' : 'done')
          expect(o.upgrade!.dialogue.length).toBeGreaterThan(0)
          expect(o.upgrade!.dialogue.every((l) => /^(C|S): /.test(l))).toBe(true)
          // a service without TLS costs one connection; one with TLS a handful of hellos, each upgraded
          if (config === 'plain') expect(o.stats.connections).toBe(1)
          else expect(o.stats.connections).toBeGreaterThan(5)
        }
      })
    })
  }
})
