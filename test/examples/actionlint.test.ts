// The GitHub workflows (examples/github/, and the copies `vigil init` writes) and action.yml pass
// actionlint, the real binary: scripts/install-actionlint.sh builds it into .tools/bin from the Go
// module proxy (the test setup runs it through scripts/install-test-peers.sh). Where shellcheck is
// on PATH, actionlint also runs it on every `run:` script.
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { initProject } from '../../cli/init-command.ts'
import { ACTIONLINT, EXAMPLES, ROOT, hasActionlint, yamlOf } from './example-files.ts'

interface Lint {
  code: number
  out: string
}

function actionlint(args: string[], cwd: string): Promise<Lint> {
  return new Promise((resolve) =>
    execFile(ACTIONLINT, ['-oneline', '-no-color', ...args], { cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 99) : 0, out: `${stdout}${stderr}` }),
    ),
  )
}

/** A scratch git repository (actionlint finds a project by its .git) with the given files. */
function scratchRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-actionlint-'))
  execFileSync('git', ['init', '-q'], { cwd: dir })
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true })
    writeFileSync(join(dir, rel), body)
  }
  return dir
}

beforeAll(() => {
  if (!hasActionlint()) throw new Error(`actionlint is not at ${ACTIONLINT}: run \`bash scripts/install-actionlint.sh\` (scripts/install-test-peers.sh does)`)
})

describe('actionlint', () => {
  it('is the pinned version, built from source', () => {
    const v = execFileSync(ACTIONLINT, ['-version'], { encoding: 'utf8' })
    const pinned = /ACTIONLINT_VERSION=(v[\d.]+)/.exec(readFileSync(join(ROOT, 'scripts/install-actionlint.sh'), 'utf8'))![1]
    expect(v.split('\n')[0]).toBe(pinned)
    expect(v).toContain('installed by building from source')
  })

  it('finds the mistake in a broken copy of the gate workflow (the linter really lints)', async () => {
    const broken = readFileSync(EXAMPLES.gate, 'utf8').replace('fetch-depth: 0', 'fetch-dept: 0').replace('${{ github.base_ref }}', '${{ github.base_reff }}')
    const dir = scratchRepo({ '.github/workflows/broken.yml': broken })
    const r = await actionlint([], dir)
    expect(r.code).toBe(1)
    expect(r.out).toContain('input "fetch-dept" is not defined')
    expect(r.out).toContain('property "base_reff" is not defined')
  })

  it.each([
    ['vigil-gate.yml', EXAMPLES.gate],
    ['vigil-nightly.yml', EXAMPLES.nightly],
  ])('passes examples/github/%s', async (_name, file) => {
    const r = await actionlint([file], ROOT)
    expect(r.out).toBe('')
    expect(r.code).toBe(0)
  })

  it('passes action.yml as the action a workflow uses: every input it is given and every output read exist', async () => {
    const action = yamlOf(EXAMPLES.action)
    const user = {
      name: 'uses Vigil',
      on: { pull_request: {} },
      permissions: { contents: 'read', 'security-events': 'write' },
      jobs: {
        gate: {
          'runs-on': 'ubuntu-24.04',
          steps: [
            { uses: 'actions/checkout@v5', with: { 'fetch-depth': 0 } },
            { id: 'vigil', uses: './', with: Object.fromEntries(Object.keys(action.inputs).map((k) => [k, k === 'command' ? 'gate' : ''])) },
            { if: 'always()', env: Object.fromEntries(Object.keys(action.outputs).map((k) => [k.toUpperCase().replace(/-/g, '_'), `\${{ steps.vigil.outputs.${k} }}`])), run: 'env | grep -c . || true' },
          ],
        },
      },
    }
    const dir = scratchRepo({ 'action.yml': readFileSync(EXAMPLES.action, 'utf8'), '.github/workflows/use-vigil.yml': stringify(user) })
    const ok = await actionlint([], dir)
    expect(ok.out).toBe('')
    expect(ok.code).toBe(0)
    // and a wrong input name or output is caught through the same metadata
    user.jobs.gate.steps[1]!.with = { comand: 'gate' } as never
    writeFileSync(join(dir, '.github/workflows/use-vigil.yml'), stringify(user))
    const bad = await actionlint([], dir)
    expect(bad.code).toBe(1)
    expect(bad.out).toContain('input "comand" is not defined in action "Vigil"')
  })

  it("passes action.yml's own steps (expressions, contexts, scripts), linted as a reusable workflow", async () => {
    // actionlint checks a composite action's metadata but not its steps: run them as a workflow_call job
    const action = yamlOf(EXAMPLES.action)
    const asWorkflow = {
      name: 'action.yml steps',
      on: { workflow_call: { inputs: Object.fromEntries(Object.entries<any>(action.inputs).map(([k, v]) => [k, { type: 'string', required: false, default: v.default, description: v.description }])) } },
      permissions: { contents: 'read' },
      jobs: { vigil: { 'runs-on': 'ubuntu-24.04', steps: action.runs.steps } },
    }
    const dir = scratchRepo({ '.github/workflows/action-steps.yml': stringify(asWorkflow) })
    const r = await actionlint([], dir)
    expect(r.out).toBe('')
    expect(r.code).toBe(0)
  })

  it('passes the workflows `vigil init` writes into a repository', async () => {
    const dir = scratchRepo({})
    initProject({ dir })
    const r = await actionlint([], dir)
    expect(r.out).toBe('')
    expect(r.code).toBe(0)
  })
})
