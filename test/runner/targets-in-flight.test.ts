// A fleet's targets are not all probed at once: at most `concurrency` run-wide and twice `perHost`
// on one host. Otherwise every target would start together and hold its half-made observation until
// the end (memory growing with the fleet, nothing on disk before the last probe). Real silent TCP
// servers on 127.0.0.1: each target costs one timed-out connection, so the intervals show the bound.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { loadInventory } from '../../runner/inventory.ts'
import { observeAll, type PlannedTarget } from '../../runner/observe.ts'
import { allTargets } from '../../runner/inventory.ts'
import { startSilentServer } from '../../lab/tls/servers.ts'

const servers = await Promise.all(Array.from({ length: 8 }, () => startSilentServer()))
afterAll(async () => Promise.all(servers.map((s) => s.stop())))

/** The most observations whose [startedAt, finishedAt] overlap at one instant. */
function maxOverlap(spans: { startedAt: string; finishedAt: string }[]): number {
  const events = spans.flatMap((s) => [[Date.parse(s.startedAt), 1] as const, [Date.parse(s.finishedAt), -1] as const])
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let now = 0
  let max = 0
  for (const [, d] of events) max = Math.max(max, (now += d))
  return max
}

it('probes at most twice perHost targets of one host at once, and hands each observation over as it finishes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-in-flight-'))
  const config = join(dir, 'vigil.yaml')
  writeFileSync(
    config,
    `settings: {timeoutMs: 300, concurrency: 50, perHost: 1}\ntargets:\n  tls:\n${servers.map((s, i) => `    - {name: t${i}, host: x.test, address: 127.0.0.1, port: ${s.port}}`).join('\n')}\n`,
  )
  const inv = loadInventory(config)
  const planned: PlannedTarget[] = allTargets(inv).map((entry) => ({ entry, needs: new Set(['tls.protocols']) }))
  const handed: number[] = []
  const observations = await observeAll(inv, planned, { onObservation: (i) => handed.push(i) })
  // a silent port costs one connection and one timeout (recorded in the observation, which went to disk)
  expect(servers.map((s) => s.connections())).toEqual(servers.map(() => 1))
  // perHost 1: two targets of 127.0.0.1 in flight at a time, though concurrency allows 50
  expect(maxOverlap(observations)).toBeLessThanOrEqual(2)
  expect(maxOverlap(observations)).toBeGreaterThan(0)
  // every observation was handed over (to the journal) as it finished; the returned ones carry no data
  expect([...handed].sort()).toEqual(servers.map((_, i) => i))
  expect(observations.every((o) => o.data === null)).toBe(true)
})

it('a probe still running when the interruption grace ends is not handed over later: the run has already reported it as not observed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-late-'))
  const config = join(dir, 'vigil.yaml')
  writeFileSync(config, `settings: {timeoutMs: 600, concurrency: 50, perHost: 1}\ntargets:\n  tls:\n    - {name: late, host: x.test, address: 127.0.0.1, port: ${servers[0]!.port}}\n`)
  const inv = loadInventory(config)
  const planned: PlannedTarget[] = allTargets(inv).map((entry) => ({ entry, needs: new Set(['tls.protocols']) }))
  const ac = new AbortController()
  let returned = false
  const late: number[] = []
  const observing = observeAll(inv, planned, {
    signal: ac.signal,
    graceMs: 50,
    onFirstOperation: () => setTimeout(() => ac.abort('SIGINT'), 100),
    onObservation: (i) => {
      if (returned) late.push(i)
    },
  })
  const observations = await observing
  returned = true
  expect(observations[0]!.probeError?.kind).toBe('interrupted')
  // the probe's own timeout (600 ms) ends after observeAll returned (~150 ms): wait it out
  await new Promise((r) => setTimeout(r, 900))
  expect(late).toEqual([])
})
