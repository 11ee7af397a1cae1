// An endpoint that answers garbage or never answers becomes an error verdict with the reason,
// never a hang, a crash or a pass.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { observeAws } from '../../checks/aws/probe.ts'
import { ALL_PARTS, judge, target } from './observe-helpers.ts'

let garbage: Server
let silent: Server
const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`

beforeAll(async () => {
  garbage = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/xml' })
    res.end('<<<not xml at all' + 'A'.repeat(100_000))
  })
  silent = createServer(() => {
    /* never answers */
  })
  await Promise.all([garbage, silent].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))))
})
afterAll(async () => {
  silent.closeAllConnections()
  await Promise.all([garbage, silent].map((s) => new Promise((r) => s.close(r))))
})

const creds = { credentials: async () => ({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'hostile-test-secret-value' }) }

describe('hostile endpoints', () => {
  it('garbage answers become a protocol error', async () => {
    const obs = await observeAws(target(url(garbage)), { needs: ALL_PARTS, timeoutMs: 2000, extraCaPems: [], limit: (_h, fn) => fn() }, creds)
    const v = judge('aws.iam.admin-privileges', obs)
    expect(v.status).toBe('error')
    expect(v.errorKind).toBe('protocol')
    expect(JSON.stringify(obs)).not.toContain('hostile-test-secret-value')
  }, 60_000)

  it('a peer that never answers becomes a timeout within the budget', async () => {
    const t0 = Date.now()
    const obs = await observeAws(target(url(silent)), { needs: ALL_PARTS, timeoutMs: 500, extraCaPems: [], limit: (_h, fn) => fn() }, creds)
    const v = judge('aws.s3.encryption', obs)
    expect(v.status).toBe('error')
    expect(v.errorKind).toBe('timeout')
    expect(Date.now() - t0).toBeLessThan(45_000)
  }, 60_000)
})
