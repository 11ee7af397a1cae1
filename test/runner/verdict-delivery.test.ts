// How verdicts travel from the step library's World to the runner: handed over in-process to the
// judging run that registered for the world's runId (runner/verdict-attachment.ts), or attached to
// Cucumber's messages when no run did. Both roads must give the same findings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { judgeWithCucumber, loadPolicies } from '../../runner/cucumber.ts'
import { toFindings } from '../../runner/run.ts'
import { FINDING_MEDIA_TYPE, deliverVerdict, receiveVerdicts, type VerdictAttachment } from '../../runner/verdict-attachment.ts'
import { VIGIL_ROOT } from '../../core/vigil-root.ts'
import { storedObservation } from './stored-observation.ts'
import { tlsObservation } from '../tls/observations.ts'

const dir = mkdtempSync(join(tmpdir(), 'vigil-verdicts-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const verdict: VerdictAttachment = { checkId: 'tls.protocols', target: 't', targetKind: 'tls', params: {}, observedAt: '2026-12-03T00:00:00.000Z', verdict: { status: 'passed', summary: 'ok', expected: {}, actual: {}, observed: {}, evidence: [] } }

describe('verdict delivery', () => {
  it('goes to the receiver registered for the run id, and nowhere once it is unregistered', () => {
    const got: [string, VerdictAttachment][] = []
    expect(deliverVerdict('run-a', 'pickle-1', verdict)).toBe(false)
    const stop = receiveVerdicts('run-a', (pickleId, v) => got.push([pickleId, v]))
    expect(() => receiveVerdicts('run-a', () => undefined)).toThrow(/already has a verdict receiver/)
    expect(deliverVerdict('run-b', 'pickle-1', verdict)).toBe(false)
    expect(deliverVerdict('run-a', undefined, verdict)).toBe(false)
    expect(deliverVerdict('run-a', 'pickle-1', verdict)).toBe(true)
    stop()
    expect(deliverVerdict('run-a', 'pickle-1', verdict)).toBe(false)
    expect(got).toEqual([['pickle-1', verdict]])
  })

  it('in-process and through Cucumber attachments, the same findings in the same order', async () => {
    const observed = storedObservation
    const store = {
      schemaVersion: 1,
      targets: [
        observed('modern', tlsObservation({ target: { name: 'modern', host: 'm.test', address: '127.0.0.1', port: 443 }, protocols: { accepted: ['TLSv1.2', 'TLSv1.3'], refused: ['TLSv1.1', 'TLSv1.0', 'SSLv3', 'SSLv2'], undetermined: [] } })),
        observed('legacy', tlsObservation({ target: { name: 'legacy', host: 'l.test', address: '127.0.0.1', port: 443 }, protocols: { accepted: ['TLSv1.0', 'TLSv1.2'], refused: ['TLSv1.3', 'TLSv1.1', 'SSLv3', 'SSLv2'], undetermined: [] } })),
        observed('down', null, { kind: 'unreachable', message: 'connection refused' }),
      ],
    }
    const file = join(dir, 'observations.json')
    writeFileSync(file, JSON.stringify(store))
    const set = await loadPolicies({ features: [`${VIGIL_ROOT}features/tls/protocols.feature`] })
    expect(set.problems).toEqual([])
    const inProcess = await judgeWithCucumber(set, { observationsFile: file, runId: 'delivery-1' }, FINDING_MEDIA_TYPE)
    // no run id: the world finds no receiver and attaches
    const attached = await judgeWithCucumber(set, { observationsFile: file }, FINDING_MEDIA_TYPE)
    expect(inProcess.attachments.every((a) => 'verdict' in a)).toBe(true)
    expect(attached.attachments.every((a) => 'body' in a)).toBe(true)
    expect(inProcess.stepFailures).toEqual([])
    expect(attached.stepFailures).toEqual([])
    const a = toFindings(inProcess.attachments)
    const b = toFindings(attached.attachments)
    expect(a.map((f) => [f.target, f.status])).toEqual(expect.arrayContaining([['modern', 'passed'], ['legacy', 'failed'], ['down', 'error']]))
    expect(a.length).toBe(set.scenarios.length * 3)
    expect(a).toEqual(b)
  })
})
