// `vigil lint`: the policy repository's mistakes, each at its file and line, in seconds and without the
// network (lint/). Exit 0 when clean, 2 when there is any problem.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { VIGIL_ROOT } from '../core/vigil-root.ts'

export const LINT_HELP = `
Reports, each as file:line: message [rule], and exits 2 when there is any (0 when clean):
  Gherkin syntax errors; undefined or ambiguous phrases; unknown check ids and control ids;
  @check:/@id:/@severity: tags (every team scenario needs @check: and @id:); duplicate scenario keys;
  phrases that refuse their parameters, judge another check than @check:, or judge nothing;
  Given every … tagged "x" when no target of that kind carries "x";
  policies.paths / policies.off / policies.params naming nothing; retired: entries still present;
  waivers that are malformed, expired, or name a check or target that matches nothing.
The waivers file is --waivers, else waivers.yaml when it exists. On GitHub Actions each problem is
also an error annotation.`

interface LintFlags {
  config: string
  waivers?: string
  features?: string[]
  sarif?: string
  json?: boolean
}

function repositoryRoot(): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return process.cwd()
  }
}

export function addLintCommand(program: Command): void {
  program
    .command('lint')
    .description('check the policy repository (feature files, vigil.yaml, waivers) without the network; every problem with file:line, exit 2 on any')
    .option('-c, --config <file>', 'inventory file', 'vigil.yaml')
    .option('-w, --waivers <file>', 'exceptions file (default: waivers.yaml when it exists)')
    .option('-f, --features <paths...>', 'feature files or globs (default: what vigil.yaml\'s policies: loads)')
    .option('--sarif <file>', 'also write SARIF 2.1.0 (code scanning): one result per problem')
    .option('--json', 'print the problems as JSON: [{file, line, rule, message}]')
    .addHelpText('after', LINT_HELP)
    .action(async (flags: LintFlags) => {
      const { checkArchivePath } = await import('./evidence-commands.ts')
      if (flags.sarif) checkArchivePath(flags.sarif, '--sarif')
      const { lintRepository } = await import('../lint/lint.ts')
      const { formatProblems, jsonProblems } = await import('../lint/problems.ts')
      const report = await lintRepository({ config: flags.config, ...(flags.waivers ? { waivers: flags.waivers } : {}), ...(flags.features?.length ? { features: flags.features } : {}) })
      const problems = report.problems
      const repo = flags.sarif || process.env.GITHUB_ACTIONS === 'true' ? repositoryRoot() : process.cwd()
      if (flags.sarif) {
        const { lintSarif } = await import('../lint/sarif.ts')
        const { writeFileBounded } = await import('../core/bounded-write.ts')
        const version = JSON.parse(readFileSync(join(VIGIL_ROOT, 'package.json'), 'utf8')).version as string
        await writeFileBounded(flags.sarif, JSON.stringify(lintSarif(problems, { vigilVersion: version, repo }), null, 1) + '\n')
      }
      if (flags.json) process.stdout.write(JSON.stringify(jsonProblems(problems), null, 2) + '\n')
      else {
        if (process.env.GITHUB_ACTIONS === 'true') {
          const { workflowCommands } = await import('../reports/annotations.ts')
          const { lintAnnotations } = await import('../lint/sarif.ts')
          process.stdout.write(workflowCommands(lintAnnotations(problems, repo)))
        }
        process.stdout.write(formatProblems(problems))
        const what = `${report.scenarios} scenario(s) in ${report.featureFiles.length} feature file(s), ${report.inventory}${report.waivers ? `, ${report.waivers}` : ''}`
        process.stderr.write(problems.length ? `vigil lint: ${problems.length} problem(s) in ${what}\n` : `vigil lint: no problem in ${what}\n`)
      }
      process.exitCode = problems.length ? 2 : 0
    })
}
