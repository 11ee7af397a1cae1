// An embedding program (the lab, the benchmark) may call run() twice into the same folder: the
// second run must judge its own observations. Run in a plain Node process (vitest cannot host Cucumber's step files).
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { freePort as deadPort } from '../../lab/free-port.ts'

const RUN = fileURLToPath(new URL('../../runner/run.ts', import.meta.url))


it('a second run() into the same folder judges its own observations', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-twice-'))
  const port = await deadPort()
  for (const name of ['first', 'second'])
    writeFileSync(join(dir, `${name}.yaml`), `settings: {timeoutMs: 1000}\ntargets:\n  tls:\n    - {name: ${name}-target, host: x.test, address: 127.0.0.1, port: ${port}}\n`)
  const script = `
    import { run } from ${JSON.stringify(RUN)}
    const out = ${JSON.stringify(join(dir, 'out'))}
    const a = await run({ config: ${JSON.stringify(join(dir, 'first.yaml'))}, out, tags: '@check:tls.protocols' })
    const b = await run({ config: ${JSON.stringify(join(dir, 'second.yaml'))}, out, tags: '@check:tls.protocols' })
    console.log(JSON.stringify([[...a.results.findings].map((f) => f.target), [...b.results.findings].map((f) => f.target)]))`
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 }, (err, out, stderr) => (err ? reject(new Error(stderr)) : resolve(out))),
  )
  expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual([['first-target'], ['second-target']])
})
