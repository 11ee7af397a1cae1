// The ready-made CI examples (examples/, action.yml): each parses, has the shape its platform
// requires and the safety properties the README promises, and calls `vigil` only with flags that
// exist. actionlint's verdict on the GitHub files is in actionlint.test.ts.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadInventory } from '../../runner/inventory.ts'
import { parseWaivers } from '../../reports/waivers.ts'
import { CHECKS } from '../../checks/catalog.ts'
import {
  EXAMPLES,
  cronEntries,
  documentedFlags,
  githubScripts,
  gitlabScripts,
  invocationsIn,
  text,
  yamlDocsOf,
  yamlOf,
  type Invocation,
} from './example-files.ts'

/** Every call names flags its command documents; list-built flags exist for every command of the script. */
async function expectKnownFlags(scripts: string[], where: string): Promise<Invocation[]> {
  const all: Invocation[] = []
  for (const script of scripts) {
    const { calls, listFlags } = invocationsIn(script)
    for (const c of calls) {
      const known = await documentedFlags(c.command)
      const unknown = [...c.flags, ...listFlags].filter((f) => !known.has(f))
      expect(unknown, `${where}: \`${c.text}\` uses flags \`vigil ${c.command} --help\` does not list`).toEqual([])
    }
    all.push(...calls)
  }
  return all
}

describe('the flag check itself', () => {
  it('finds each call, its flags across continuation lines, and flags gathered in a list; and knows an unknown flag', async () => {
    const { calls, listFlags } = invocationsIn('set --\nif x; then set -- --tags @tls; fi\n# vigil gate --commented\nvigil gate --base "origin/$B" \\\n  --sarif v.sarif --bogus "$@" >> log\necho "vigil nightly done"')
    expect(calls).toEqual([{ command: 'gate', flags: ['--base', '--sarif', '--bogus'], text: expect.stringContaining('vigil gate') }])
    expect(listFlags).toEqual(['--tags'])
    const gate = await documentedFlags('gate')
    expect(['--base', '--sarif', '--tags', '--allow-changed-endpoints'].every((f) => gate.has(f))).toBe(true)
    expect(gate.has('--bogus')).toBe(false)
    expect((await documentedFlags('run')).has('--base')).toBe(false)
  })
})

describe('every example parses', () => {
  it.each(Object.entries(EXAMPLES).filter(([k]) => k !== 'cron'))('%s is YAML', (_name, file) => {
    const docs = yamlDocsOf(file)
    expect(docs.length).toBeGreaterThan(0)
    for (const d of docs) expect(d).toBeTypeOf('object')
  })

  it('the crontab has one entry: five valid time fields, then a command', () => {
    const entries = cronEntries(text(EXAMPLES.cron))
    expect(entries).toHaveLength(1)
    const fields = entries[0]!.trim().split(/\s+/)
    const ranges: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]]
    fields.slice(0, 5).forEach((f, i) => {
      // a value, a range, a list, a step; `*`
      for (const part of f.split(',')) {
        const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part)
        expect(m, `field ${i + 1} "${f}"`).not.toBeNull()
        for (const n of [m![2], m![3]].filter((x) => x !== undefined).map(Number)) {
          expect(n).toBeGreaterThanOrEqual(ranges[i]![0])
          expect(n).toBeLessThanOrEqual(ranges[i]![1])
        }
      }
    })
    const command = fields.slice(5).join(' ')
    expect(command).toMatch(/\bflock -n\b/)
    // dated output folder and log; `%` escaped, as crontab requires
    expect(command).toContain('date -u +\\%F')
    expect(command).not.toMatch(/(^|[^\\])%/)
    expect(command).toMatch(/>> \/var\/log\/vigil\/nightly-"\$day"\.log 2>&1/)
    // the settings lines above it: PATH with the project's Node 24 first, no variables (cron does not expand them)
    const path = text(EXAMPLES.cron).split('\n').find((l) => l.startsWith('PATH='))!
    expect(path).toMatch(/^PATH=\/\S+\/node_modules\/\.bin:/)
    expect(path).not.toContain('$')
    expect(text(EXAMPLES.cron)).toMatch(/time zone/i)
  })
})

describe('the GitHub pull-request gate', () => {
  const wf = yamlOf(EXAMPLES.gate)
  const job = wf.jobs.gate
  const steps: any[] = job.steps

  it('runs on pull_request with least privilege', () => {
    expect(Object.keys(wf.on)).toEqual(['pull_request'])
    expect(wf.permissions).toEqual({ contents: 'read', 'pull-requests': 'read', 'security-events': 'write' })
    expect(job.permissions).toBeUndefined()
  })

  it('checks out the history (merge base) and installs Vigil from the BASE branch, not the pull request', () => {
    const checkouts = steps.filter((s) => String(s.uses).startsWith('actions/checkout@'))
    const pr = checkouts.find((s) => s.with?.path === 'change')
    const base = checkouts.find((s) => s.with?.path === 'vigil-base')
    expect(pr.with['fetch-depth']).toBe(0)
    expect(base.with.ref).toBe('${{ github.event.pull_request.base.sha }}')
    expect(base.with['sparse-checkout']).toMatch(/package-lock\.json/)
    const install = steps.find((s) => s.run?.startsWith('npm ci'))
    expect(install['working-directory']).toBe('vigil-base')
    // nothing but npm ci installs anything, and nothing runs npm in the pull request's tree
    for (const s of steps) {
      expect(s.run ?? '').not.toMatch(/\b(curl|wget)\b|npm (i|install)\b|npx /)
      if (/\bnpm\b/.test(s.run ?? '')) expect(s['working-directory']).toBe('vigil-base')
    }
    expect(steps.some((s) => String(s.uses).startsWith('actions/setup-node'))).toBe(false)
  })

  it('runs `vigil gate --base origin/<base branch> --sarif`, credentials only for pull requests from this repository', () => {
    expect(job.env.SAME_REPOSITORY).toBe('${{ github.event.pull_request.head.repo.full_name == github.repository }}')
    const gates = steps.filter((s) => /\bvigil gate\b/.test(s.run ?? ''))
    expect(gates).toHaveLength(2)
    for (const g of gates) {
      expect(g.run).toMatch(/--base "origin\/\$BASE_REF"/)
      expect(g.env.BASE_REF).toBe('${{ github.base_ref }}')
      expect(g.run).toMatch(/--sarif vigil\.sarif/)
      expect(g['working-directory']).toBe('change')
    }
    const same = gates.find((g) => g.if === "env.SAME_REPOSITORY == 'true'")
    const fork = gates.find((g) => g.if === "env.SAME_REPOSITORY != 'true'")
    expect(JSON.stringify(same.env)).toContain('secrets.')
    // the fork's run sees no secret, and probes only what needs no credentials
    expect(JSON.stringify(fork)).not.toContain('secrets.')
    expect(fork.run).toMatch(/--tags @tls\b/)
    // every step that touches a secret is limited to this repository's pull requests
    for (const s of steps) if (JSON.stringify(s).includes('secrets.')) expect(s.if).toBe("env.SAME_REPOSITORY == 'true'")
    // secrets and the base ref reach scripts through env, never pasted into the script text
    for (const s of steps) expect(s.run ?? '').not.toContain('${{')
  })

  it('uploads the SARIF with category vigil even when the gate failed', () => {
    const up = steps.find((s) => String(s.uses).startsWith('github/codeql-action/upload-sarif@'))
    expect(up.if).toMatch(/^always\(\)/)
    expect(up.with.category).toBe('vigil')
    expect(up.with.sarif_file).toBe('change/vigil.sarif')
  })

  it('pins every action to a major version at least', () => {
    for (const s of steps.filter((x) => x.uses)) expect(s.uses).toMatch(/@(v\d+(\.\d+)*|[0-9a-f]{40})$/)
  })

  it('calls vigil only with flags that exist', async () => {
    const calls = await expectKnownFlags(githubScripts(wf), 'vigil-gate.yml')
    expect(calls.map((c) => c.command)).toEqual(['gate', 'gate'])
  })
})

describe('the GitHub nightly', () => {
  const wf = yamlOf(EXAMPLES.nightly)
  const steps: any[] = wf.jobs.nightly.steps

  it('runs on a schedule and by hand, reading only', () => {
    expect(wf.on.schedule[0].cron.split(' ')).toHaveLength(5)
    expect(wf.on).toHaveProperty('workflow_dispatch')
    expect(wf.permissions).toEqual({ contents: 'read' })
  })

  it('writes the signing key from a secret into a file only its user can read, and removes it', () => {
    const write = steps.find((s) => JSON.stringify(s.env ?? {}).includes('secrets.VIGIL_SIGNING_KEY'))
    expect(write.run).toMatch(/umask 077/)
    expect(write.run).toMatch(/chmod 600 "\$RUNNER_TEMP\/vigil-signing\/signer\.key"/)
    const cleanup = steps[steps.length - 1]
    expect(cleanup.if).toBe('always()')
    expect(cleanup.run).toContain('$RUNNER_TEMP/vigil-signing')
  })

  it('runs `vigil run --bundle` and keeps the bundle as an artifact with a retention', async () => {
    const calls = await expectKnownFlags(githubScripts(wf), 'vigil-nightly.yml')
    expect(calls).toHaveLength(1)
    expect(calls[0]!.command).toBe('run')
    expect(calls[0]!.flags).toEqual(expect.arrayContaining(['--bundle', '--signing-key', '--signing-cert', '--waivers', '--out']))
    const up = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'))
    expect(up.if).toMatch(/^always\(\)/)
    expect(up.with['retention-days']).toBeGreaterThan(0)
    expect(up.with.path).toBe('evidence/')
  })
})

describe('the GitLab CI example', () => {
  const ci = yamlOf(EXAMPLES.gitlab)
  // GitLab's own keywords: a typo would make GitLab reject the file (or, for a job, read it as a job)
  const TOP = new Set(['stages', 'default', 'variables', 'include', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script'])
  const JOB = new Set(['stage', 'image', 'script', 'before_script', 'after_script', 'rules', 'variables', 'artifacts', 'interruptible', 'timeout', 'tags', 'needs', 'cache', 'services', 'allow_failure', 'when', 'retry', 'environment', 'resource_group', 'id_tokens', 'secrets', 'extends'])
  const ARTIFACTS = new Set(['paths', 'exclude', 'expire_in', 'expose_as', 'name', 'public', 'reports', 'untracked', 'when'])
  const jobs = Object.fromEntries(Object.entries<any>(ci).filter(([k]) => !TOP.has(k)))

  it('uses only GitLab keywords', () => {
    expect(Object.keys(jobs).sort()).toEqual(['vigil-gate', 'vigil-nightly'])
    for (const [name, job] of Object.entries<any>(jobs)) {
      expect(Object.keys(job).filter((k) => !JOB.has(k)), name).toEqual([])
      expect(Object.keys(job.artifacts).filter((k) => !ARTIFACTS.has(k)), name).toEqual([])
      expect(ci.stages).toContain(job.stage)
    }
  })

  it('gates merge requests against origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME with the whole history', async () => {
    const gate = jobs['vigil-gate']
    expect(gate.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }])
    expect(gate.variables.GIT_DEPTH).toBe('0')
    const calls = await expectKnownFlags(gitlabScripts({ 'vigil-gate': gate }), '.gitlab-ci.yml vigil-gate')
    expect(calls.map((c) => c.command)).toEqual(['gate'])
    expect(calls[0]!.text).toContain('--base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"')
    expect(calls[0]!.flags).toContain('--sarif')
    // Vigil from the target branch's lockfile
    expect(gate.script.join('\n')).toMatch(/git show "origin\/\$CI_MERGE_REQUEST_TARGET_BRANCH_NAME:package-lock\.json"/)
    expect(gate.artifacts.when).toBe('always')
    expect(gate.artifacts.reports.junit).toBe('vigil-gate/junit.xml')
    expect(gate.artifacts.paths).toContain('vigil-gate.sarif')
  })

  it('runs the nightly on a schedule with a bundle, reading the signing key from a File variable', async () => {
    const nightly = jobs['vigil-nightly']
    expect(nightly.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "schedule"' }])
    const calls = await expectKnownFlags(gitlabScripts({ 'vigil-nightly': nightly }), '.gitlab-ci.yml vigil-nightly')
    expect(calls.map((c) => c.command)).toEqual(['run'])
    expect(calls[0]!.flags).toContain('--bundle')
    // the key comes from VIGIL_SIGNING_KEY / VIGIL_SIGNING_CERT, which `vigil run` reads
    const help = await documentedFlags('run')
    expect(help.has('--signing-key')).toBe(true)
    expect(text(EXAMPLES.gitlab)).toMatch(/VIGIL_SIGNING_KEY\s+type File/)
    expect(nightly.artifacts.reports.junit).toBe('evidence/results/junit.xml')
  })
})

describe('the crontab', () => {
  it('calls vigil only with flags that exist', async () => {
    const calls = await expectKnownFlags(cronEntries(text(EXAMPLES.cron)).map((l) => l.split(/\s+/).slice(5).join(' ')), 'vigil.cron')
    expect(calls.map((c) => c.command)).toEqual(['run'])
    expect(calls[0]!.flags).toEqual(expect.arrayContaining(['--bundle', '--out']))
  })
})

describe('the Kubernetes CronJob', () => {
  const docs = yamlDocsOf(EXAMPLES.kubernetes)
  const byKind = (k: string) => docs.find((d) => d.kind === k)
  const cron = byKind('CronJob')
  const job = cron.spec.jobTemplate.spec
  const pod = job.template.spec
  const container = pod.containers[0]

  it('is batch/v1 with the scheduling limits', () => {
    expect(cron.apiVersion).toBe('batch/v1')
    expect(cron.spec.schedule.split(' ')).toHaveLength(5)
    expect(cron.spec.concurrencyPolicy).toBe('Forbid')
    expect(cron.spec.startingDeadlineSeconds).toBeGreaterThan(0)
    expect(cron.spec.successfulJobsHistoryLimit).toBeGreaterThanOrEqual(1)
    expect(cron.spec.failedJobsHistoryLimit).toBeGreaterThanOrEqual(1)
    expect(job.backoffLimit).toBeGreaterThanOrEqual(0)
    expect(job.activeDeadlineSeconds).toBeGreaterThan(0)
    expect(pod.restartPolicy).toBe('Never')
  })

  it('runs locked down: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, resources', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true)
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' })
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) })
    expect(container.resources.limits).toMatchObject({ memory: expect.any(String) })
    expect(pod.automountServiceAccountToken).toBe(false)
  })

  it('mounts the inventory from a ConfigMap and the signing key from a Secret read-only, and writes to an emptyDir', () => {
    const volume = (name: string) => pod.volumes.find((v: any) => v.name === name)
    const mount = (path: string) => container.volumeMounts.find((m: any) => m.mountPath === path)
    const args: string[] = container.args
    const after = (flag: string) => args[args.indexOf(flag) + 1]!
    const configDir = after('--config').replace(/\/[^/]+$/, '')
    const keyDir = after('--signing-key').replace(/\/[^/]+$/, '')
    const outDir = after('--out').replace(/\/[^/]+$/, '')
    expect(volume(mount(configDir).name).configMap.name).toBe(byKind('ConfigMap').metadata.name)
    expect(mount(configDir).readOnly).toBe(true)
    expect(volume(mount(keyDir).name).secret.secretName).toBeTruthy()
    expect(mount(keyDir).readOnly).toBe(true)
    expect(volume(mount(outDir).name).emptyDir).toBeDefined()
    // nothing secret in the file itself
    expect(docs.some((d) => d.kind === 'Secret')).toBe(false)
    expect(text(EXAMPLES.kubernetes)).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/)
  })

  it('gives Vigil the time its SIGTERM handling needs, with no shell in between', () => {
    // in-flight probes ≤ 3 s, then judging and the reports (each write bounded at 60 s)
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(65)
    expect(container.command).toHaveLength(1)
    expect(container.command[0]).toMatch(/\/vigil$/)
  })

  it('calls vigil run only with flags that exist', async () => {
    const args: string[] = container.args
    expect(args[0]).toBe('run')
    const known = await documentedFlags('run')
    expect(args.filter((a) => a.startsWith('--') && !known.has(a))).toEqual([])
    expect(args).toEqual(expect.arrayContaining(['--bundle', '--signing-key', '--signing-cert']))
  })

  it('the ConfigMap holds an inventory and a waivers file Vigil accepts', () => {
    const cm = byKind('ConfigMap')
    const dir = mkdtempSync(join(tmpdir(), 'vigil-k8s-inventory-'))
    writeFileSync(join(dir, 'vigil.yaml'), cm.data['vigil.yaml'])
    const inv = loadInventory(join(dir, 'vigil.yaml'))
    expect(inv.targets.tls.length).toBeGreaterThan(0)
    // the image's feature files are named absolutely: the ConfigMap is mounted elsewhere
    expect(inv.policies.paths.every((p) => p.startsWith('/srv/vigil-policies/'))).toBe(true)
    expect(parseWaivers(cm.data['waivers.yaml'], 'waivers.yaml', CHECKS.map((c) => c.id)).problems).toEqual([])
  })

  it('uses only fields the Kubernetes API has (a typo would be dropped or refused by the API server)', () => {
    // the fields of each object this file uses, from the Kubernetes API reference (batch/v1, core/v1)
    const allowed: Record<string, string[]> = {
      cronjob: ['apiVersion', 'kind', 'metadata', 'spec'],
      'cronjob.spec': ['schedule', 'timeZone', 'concurrencyPolicy', 'startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit', 'suspend', 'jobTemplate'],
      'job.spec': ['backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'podFailurePolicy', 'template', 'parallelism', 'completions', 'backoffLimitPerIndex', 'completionMode', 'suspend'],
      'pod.spec': ['serviceAccountName', 'automountServiceAccountToken', 'restartPolicy', 'terminationGracePeriodSeconds', 'securityContext', 'containers', 'volumes', 'initContainers', 'nodeSelector', 'tolerations', 'affinity', 'priorityClassName', 'imagePullSecrets'],
      'pod.securityContext': ['runAsNonRoot', 'runAsUser', 'runAsGroup', 'fsGroup', 'seccompProfile', 'supplementalGroups', 'fsGroupChangePolicy'],
      container: ['name', 'image', 'imagePullPolicy', 'command', 'args', 'env', 'envFrom', 'resources', 'securityContext', 'volumeMounts', 'workingDir'],
      'container.securityContext': ['allowPrivilegeEscalation', 'readOnlyRootFilesystem', 'runAsNonRoot', 'runAsUser', 'runAsGroup', 'capabilities', 'seccompProfile', 'privileged'],
      volumeMount: ['name', 'mountPath', 'readOnly', 'subPath'],
      volume: ['name', 'configMap', 'secret', 'emptyDir', 'persistentVolumeClaim'],
    }
    const check = (what: string, obj: object) => expect(Object.keys(obj).filter((k) => !allowed[what]!.includes(k)), what).toEqual([])
    check('cronjob', cron)
    check('cronjob.spec', cron.spec)
    check('job.spec', job)
    check('pod.spec', pod)
    check('pod.securityContext', pod.securityContext)
    for (const c of pod.containers) {
      check('container', c)
      check('container.securityContext', c.securityContext)
      for (const m of c.volumeMounts) check('volumeMount', m)
    }
    for (const v of pod.volumes) check('volume', v)
    for (const r of job.podFailurePolicy.rules) expect(['FailJob', 'Ignore', 'Count', 'FailIndex']).toContain(r.action)
    expect(job.podFailurePolicy.rules.find((r: any) => r.onExitCodes).onExitCodes.containerName).toBe(container.name)
  })
})

describe('action.yml (composite action)', () => {
  const action = yamlOf(EXAMPLES.action)

  it('is a composite action with the inputs and outputs the README names', () => {
    expect(Object.keys(action).filter((k) => !['name', 'description', 'author', 'inputs', 'outputs', 'runs', 'branding'].includes(k))).toEqual([])
    expect(action.runs.using).toBe('composite')
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['command', 'base', 'config', 'out', 'sarif', 'args']))
    expect(action.inputs.command.default).toBe('gate')
    expect(Object.keys(action.outputs)).toEqual(expect.arrayContaining(['exit-code', 'results', 'summary', 'junit', 'sarif', 'gate']))
    for (const s of action.runs.steps) if (s.run) expect(s.shell, `step "${s.name}" needs a shell`).toBe('bash')
    // every output is one the step sets
    const vigilStep = action.runs.steps.find((s: any) => s.id === 'vigil')
    for (const [name, o] of Object.entries<any>(action.outputs)) {
      expect(o.value).toBe(`\${{ steps.vigil.outputs.${name} }}`)
      expect(vigilStep.run).toContain(`echo "${name}=`)
    }
    // every input reaches the script through env, and every input is used
    for (const name of Object.keys(action.inputs)) expect(JSON.stringify(action.runs.steps)).toContain(`inputs.${name}`)
    for (const s of action.runs.steps) expect(s.run ?? '').not.toContain('${{')
  })

  it('installs with npm ci in its own folder and runs bin/vigil.mjs with the Node 24 that brings', () => {
    const [install, run] = action.runs.steps
    expect(install['working-directory']).toBe('${{ github.action_path }}')
    expect(install.run).toMatch(/^npm ci\b/)
    // bin/vigil.mjs is started by its own first line, with the action's node_modules/.bin first on PATH:
    // the action's Node 24 runs it even where the runner's `node` is older (here: Debian's Node 20)
    const define = /^\s*(vigil\(\) \{.*\})$/m.exec(run.run)![1]!
    const r = spawnSync('bash', ['-c', `${define}; vigil --version`], {
      env: { PATH: '/usr/bin:/bin', GITHUB_ACTION_PATH: fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '') },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('calls vigil only with flags that exist', async () => {
    const calls = await expectKnownFlags(githubScripts(action), 'action.yml')
    expect(calls.map((c) => c.command).sort()).toEqual(['gate', 'run'])
  })
})
