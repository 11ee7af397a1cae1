// `vigil init`: scaffolds Vigil into a team's own repository — the inventory, the waivers file, one
// policy of the team's own, CODEOWNERS entries for all of it, and the CI workflows (the pull-request
// gate and the nightly run, copied from examples/github/). Never overwrites a file without --force.
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import type { Command } from 'commander'
import { ConfigError } from '../core/config-file.ts'
import { VIGIL_ROOT } from '../core/vigil-root.ts'

export const INIT_HELP = `
Writes into --dir (the root of the repository that will hold your policies):
  vigil.yaml                              the inventory: one example per target kind (TLS active,
                                          SSH, key folders and AWS commented out), policies:, and the
                                          gate: and retired: sections commented out
  waivers.yaml                            exceptions, with one example entry commented out
  features/tls/certificate-renewal.feature  a policy of your own, in the shipped step phrases
  .github/workflows/vigil-gate.yml        the pull-request gate (GitHub Actions)
  .github/workflows/vigil-nightly.yml     the nightly run with a signed evidence bundle
  CODEOWNERS                              entries making --owners approve changes to all of the above:
                                          appended to the CODEOWNERS GitHub reads (.github/, the root,
                                          docs/), else .github/CODEOWNERS is created

An existing file is never overwritten without --force: it is listed as skipped. CODEOWNERS is never
replaced, only appended to; with --force the block init wrote earlier (between "# vigil:begin" and
"# vigil:end") is replaced in place. A symbolic link is never written through.

Exit codes: 0 at least one file was written; 2 nothing was written (every file exists: give --force
to overwrite them), or --dir is not a folder.`

/** What `vigil init` writes, relative to the repository root. */
export const SCAFFOLD_FILES = [
  'vigil.yaml',
  'waivers.yaml',
  'features/tls/certificate-renewal.feature',
  '.github/workflows/vigil-gate.yml',
  '.github/workflows/vigil-nightly.yml',
] as const

/** Where GitHub looks for CODEOWNERS, in its order: the first that exists is the one in force. */
export const CODEOWNERS_LOCATIONS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const

export const DEFAULT_OWNERS = ['@your-org/security-team']
const BEGIN = '# vigil:begin'
const END = '# vigil:end'

export interface InitOptions {
  dir: string
  force?: boolean
  /** CODEOWNERS handles: `@org/team`, `@user` or an e-mail address */
  owners?: string[]
  /** the day the waiver example's expiry is counted from (tests) */
  now?: Date
}

export interface InitResult {
  dir: string
  created: string[]
  overwritten: string[]
  /** CODEOWNERS files Vigil's block was appended to (or replaced in, with --force) */
  appended: string[]
  skipped: { file: string; why: string }[]
  /** exit code: 0 something written, 2 nothing */
  code: number
}

// ---------------------------------------------------------------------------------------------
// templates

/** A piece of a template; `example` pieces are written commented out (a team enables what it has). */
interface Chunk {
  text: string
  example?: boolean
}

/** Comments a block out after its common indentation, so it is enabled again by deleting `# `. */
function commentOut(text: string, at?: number): string {
  const lines = text.split('\n')
  const indent = at ?? Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length))
  // the "# " shifts the line right: take two spaces back before an aligned trailing comment
  return lines.map((l) => (l.trim() ? `${l.slice(0, indent)}# ${l.slice(indent)}`.replace(/ {4,}(?=# )/, (m) => m.slice(2)) : l)).join('\n')
}

function render(chunks: Chunk[], enableExamples: boolean): string {
  return chunks.map((c) => (c.example && !enableExamples ? commentOut(c.text) : c.text)).join('\n') + '\n'
}

function inventoryChunks(): Chunk[] {
  return [
    {
      text: `# vigil.yaml: what Vigil checks in this repository. Written by \`vigil init\`; the format is in Vigil's
# README ("Inventory", "Policies"). Unknown keys are errors, so a typo cannot silently drop a target.
# Relative paths are relative to this file. Target names are the ids in results and waivers: keep
# them stable, and unique across kinds.
#
#   npx vigil run --config vigil.yaml --waivers waivers.yaml     probe everything, write vigil-out/
#   npx vigil gate --base origin/main --waivers waivers.yaml     what the pull-request gate runs
#   npx vigil checks                                             the checks, their parameters, controls
#
# Blocks written commented out are examples: delete the "# " in front of a block to use it.

settings:
  timeoutMs: 5000                     # budget of one network operation (connect, handshake, read)`,
    },
    {
      example: true,
      text: `  concurrency: 200                    # sockets open at once across the run
  perHost: 5                          # sockets open at once to one address
  nameservers: [10.0.0.2]             # DNS servers for target names (default: the system's)`,
    },
    { text: '' },
    {
      example: true,
      text: `trust:
  extraCaFiles: [certs/internal-ca.pem]   # your private CA (PEM), added to the system roots`,
    },
    { text: '' },
    {
      text: `targets:
  # TLS endpoints: certificate chain, protocols, cipher suites, key exchange, HSTS. No credentials.
  tls:
    - name: www                       # unique id in results and waivers
      host: www.example.com           # SNI and hostname-verification name: replace with yours
      port: 443
      tags: [public]                  # \`Given every TLS endpoint tagged "public"\` selects it
`,
    },
    {
      example: true,
      text: `    - name: mail-relay                # a service that upgrades to TLS: the same checks, plus tls.required
      host: mx.example.com
      starttls: smtp                  # smtp | submission | imap | pop3 | ftp | ldap | postgres | mysql | xmpp
      tags: [internal]                # port: the protocol's own (25 here) unless given`,
    },
    {
      text: `  # SSH servers: offered algorithms are read without logging in; the audit login (key only, the
  # host key pinned first) is needed only for the root-login and key checks.`,
    },
    {
      example: true,
      text: `  ssh:
    - name: bastion
      host: bastion.example.com
      port: 22
      hostKey: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"   # ssh-keygen -lf of its host key
      login:
        user: vigil-audit
        privateKeyFile: ~/.ssh/vigil_audit
        passphraseEnv: VIGIL_SSH_PASSPHRASE   # the variable's NAME; never the passphrase itself
      keyPaths: ["/home/*/.ssh", "/root/.ssh", "/etc/ssh"]
      tags: [prod]
`,
    },
    { text: '  # Local folders of keys (a repository, a CI workspace): every private key needs a passphrase.' },
    {
      example: true,
      text: `  keyDirs:
    - name: deploy-keys
      path: ./deploy
`,
    },
    {
      text: `  # AWS accounts: S3 and IAM configuration, read-only. Credentials come from the standard AWS chain
  # (environment, profile, SSO, instance role), never from this file.`,
    },
    {
      example: true,
      text: `  aws:
    - name: prod
      regions: [us-east-1, eu-west-1]
      roleArn: arn:aws:iam::123456789012:role/vigil-readonly
      tags: [phi]
`,
    },
    {
      text: `# The policies: Vigil's library plus this repository's own feature files, in the same step phrases.
policies:
  library: true
  paths: [features/**/*.feature]`,
    },
    {
      example: true,
      text: `  off: [http.hsts]                    # library scenarios switched off, by their @id:
  params:                             # library parameters changed, by @id:, without forking it
    tls.cert.expiry: {days: 21}`,
    },
    { text: '' },
    {
      text: `# The pull-request gate. \`vigil gate\` reads this section from the BASE branch, so a pull request
# cannot relax its own gate; the command line can only make it stricter.`,
    },
    {
      example: true,
      text: `gate:
  failOn: [new]                       # new | all (old debt fails too) | environment (with --since)
  minSeverity: info                   # only offenders at or above this severity fail the gate`,
    },
    { text: '' },
    {
      text: `# Coverage a change removes on purpose (a decommissioned target, a scenario, a check): listed by
# the gate, and it does not fail it.`,
    },
    {
      example: true,
      text: `retired:
  - target: legacy-billing
    reason: Billing moved to the payments platform; the old endpoint is switched off.
    ticket: SEC-1500`,
    },
  ]
}

/** The scaffolded vigil.yaml; `enableExamples` writes the commented-out examples as live YAML (tests). */
export function inventoryTemplate(opts: { enableExamples?: boolean } = {}): string {
  return render(inventoryChunks(), !!opts.enableExamples)
}

const day = (d: Date) => d.toISOString().slice(0, 10)

/** The scaffolded waivers.yaml; the example expires 90 days after `now`. */
export function waiversTemplate(opts: { enableExamples?: boolean; now?: Date } = {}): string {
  const expires = day(new Date((opts.now ?? new Date()).getTime() + 90 * 86_400_000))
  const head = `# waivers.yaml: approved exceptions. A failed finding a waiver in force covers is reported as
# \`waived\`: it keeps its verdict and evidence, and does not fail the run or the gate. Pass it with
# \`vigil run --waivers waivers.yaml\` and \`vigil gate --waivers waivers.yaml\`.
#
# Every field is required. A waiver that is malformed, names no known check, has expired or matched
# nothing waives nothing and is reported in every report, so nothing about an exception is silent.
# A waiver expires: it is a dated decision, renewed by a new approval, not a permanent switch.
`
  const note = (code: string, comment?: string) => (comment ? `${code.padEnd(36)}# ${comment}` : code)
  const entry = [
    note(`  - id: WVR-${expires.slice(0, 4)}-001`, 'stable id an auditor can cite'),
    note('    check: tls.protocols', 'check id or glob (ssh.server.*); `vigil checks` lists them'),
    note('    target: legacy-billing', 'target name or glob (legacy-*)'),
    note('    justification: Vendor appliance speaks TLS 1.0 only; replacement ordered (PO 4471).'),
    note('    approver: Dana Reyes (CISO)'),
    note('    ticket: SEC-1423'),
    note(`    expires: ${expires}`, 'last day it applies (UTC)'),
  ].join('\n')
  if (opts.enableExamples) return `${head}waivers:\n${entry}\n`
  return `${head}waivers: []\n\n# An entry, once approved, replaces the [] above:\n# waivers:\n${commentOut(entry, 0)}\n`
}

export const FEATURE_TEMPLATE = `# A policy of this team's own, beside Vigil's library (vigil.yaml: policies.paths). It uses the
# library's step phrases (\`vigil checks\` lists the checks, the README the phrases); the tags say
# which check judges it (@check:), its stable id across runs and in the gate (@id:, unique: not a
# library id), the controls it is evidence for (@soc2:, @hipaa:) and how much a failure matters.
@tls
Feature: Our public certificates are renewed well before they expire
  Vigil's library fails a certificate within 30 days of expiry. Our renewals go through a change
  window every two weeks and the CA's validation can take a week, so public endpoints must have
  at least 45 days left: a certificate that fails this has missed one renewal already.

  @check:tls.cert.expiry @id:team.tls.cert.renewal-window @soc2:CC7.1 @severity:high
  Scenario: No certificate on a public endpoint expires within 45 days
    Given every TLS endpoint tagged "public"
    Then no certificate in the served chain expires within 45 days
`

/** The CODEOWNERS block: every file that decides what Vigil checks needs these owners' approval. */
export function codeownersBlock(owners: readonly string[], codeownersPath: string): string {
  const who = owners.join(' ')
  const paths = ['/vigil.yaml', '/waivers.yaml', '/features/', '/.github/workflows/vigil-gate.yml', '/.github/workflows/vigil-nightly.yml', '/package.json', '/package-lock.json', `/${codeownersPath}`]
  const width = Math.max(...paths.map((p) => p.length)) + 2
  return [
    `${BEGIN} (written by \`vigil init\`; the last matching line wins, so these come last)`,
    '# What Vigil checks, its exceptions, the gate and the Vigil version (the lockfile) change only',
    '# with these owners\' approval; make "Require review from Code Owners" a branch protection rule.',
    ...paths.map((p) => `${p.padEnd(width)}${who}`),
    END,
  ].join('\n') + '\n'
}

// ---------------------------------------------------------------------------------------------
// writing

function kindOf(path: string): 'none' | 'file' | 'link' | 'dir' | 'other' {
  try {
    const st = lstatSync(path)
    return st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other'
  } catch {
    return 'none'
  }
}

const OWNER = /^(@[A-Za-z0-9][A-Za-z0-9-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?|[^\s@]+@[^\s@]+\.[^\s@]+)$/

export function initProject(opts: InitOptions): InitResult {
  const dir = resolve(opts.dir)
  // a link to a folder is fine (the repository may be reached through one); anything else is not
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ConfigError(`--dir ${opts.dir}: not a folder`)
  const owners = opts.owners?.length ? opts.owners : DEFAULT_OWNERS
  const bad = owners.filter((o) => !OWNER.test(o))
  if (bad.length) throw new ConfigError(`--owners: ${bad.join(', ')} is not a CODEOWNERS owner (@user, @org/team or an e-mail address)`)
  mkdirSync(dir, { recursive: true })

  const result: InitResult = { dir, created: [], overwritten: [], appended: [], skipped: [], code: 0 }
  const examples = join(VIGIL_ROOT, 'examples', 'github')
  const contents: Record<(typeof SCAFFOLD_FILES)[number], () => string> = {
    'vigil.yaml': () => inventoryTemplate(),
    'waivers.yaml': () => waiversTemplate({ ...(opts.now ? { now: opts.now } : {}) }),
    'features/tls/certificate-renewal.feature': () => FEATURE_TEMPLATE,
    '.github/workflows/vigil-gate.yml': () => readFileSync(join(examples, 'vigil-gate.yml'), 'utf8'),
    '.github/workflows/vigil-nightly.yml': () => readFileSync(join(examples, 'vigil-nightly.yml'), 'utf8'),
  }

  for (const rel of SCAFFOLD_FILES) {
    const path = join(dir, rel)
    const kind = kindOf(path)
    if (kind === 'link' || kind === 'dir' || kind === 'other') {
      result.skipped.push({ file: rel, why: kind === 'link' ? 'a symbolic link: never written through' : `exists and is not a file` })
      continue
    }
    if (kind === 'file' && !opts.force) {
      result.skipped.push({ file: rel, why: 'exists (--force overwrites it)' })
      continue
    }
    if (!parentsAreFolders(dir, rel)) {
      result.skipped.push({ file: rel, why: 'a folder on its path is a file or a link' })
      continue
    }
    mkdirSync(dirname(path), { recursive: true })
    // 'wx': a file that appeared meanwhile is not clobbered
    writeFileSync(path, contents[rel](), { flag: kind === 'file' ? 'w' : 'wx' })
    ;(kind === 'file' ? result.overwritten : result.created).push(rel)
  }

  // CODEOWNERS: the one GitHub reads, appended to; created in .github/ when there is none
  const existing = CODEOWNERS_LOCATIONS.find((p) => kindOf(join(dir, p)) !== 'none')
  const rel = existing ?? CODEOWNERS_LOCATIONS[0]
  const path = join(dir, rel)
  const kind = kindOf(path)
  const block = codeownersBlock(owners, rel)
  if (kind === 'none') {
    if (parentsAreFolders(dir, rel)) {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, `# Code owners: who must approve a change to which path (GitHub reads this file).\n\n${block}`, { flag: 'wx' })
      result.created.push(rel)
    } else result.skipped.push({ file: rel, why: 'a folder on its path is a file or a link' })
  } else if (kind !== 'file') {
    result.skipped.push({ file: rel, why: kind === 'link' ? 'a symbolic link: never written through' : 'exists and is not a file' })
  } else {
    const text = readFileSync(path, 'utf8')
    const start = text.indexOf(BEGIN)
    const end = start < 0 ? -1 : text.indexOf(END, start)
    if (start >= 0 && !opts.force) result.skipped.push({ file: rel, why: 'already has the Vigil entries (--force rewrites that block)' })
    else if (start >= 0 && end >= 0) {
      const after = text.slice(end + END.length).replace(/^\r?\n/, '')
      writeFileSync(path, text.slice(0, start) + block + after)
      result.appended.push(rel)
    } else if (start >= 0) {
      result.skipped.push({ file: rel, why: `has "${BEGIN}" without "${END}": fix the block by hand` })
    } else {
      writeFileSync(path, text + (text === '' || text.endsWith('\n') ? '' : '\n') + (text.trim() ? '\n' : '') + block)
      result.appended.push(rel)
    }
  }

  const written = result.created.length + result.overwritten.length + result.appended.length
  result.code = written > 0 ? 0 : 2
  return result
}

/** No folder between `dir` and `rel` is a file or a symbolic link (nothing is written outside `dir`). */
function parentsAreFolders(dir: string, rel: string): boolean {
  const parts = rel.split('/').slice(0, -1)
  let at = dir
  for (const p of parts) {
    at = join(at, p)
    const k = kindOf(at)
    if (k === 'none') return true
    if (k !== 'dir') return false
  }
  return true
}

/** What init tells the person who ran it. */
export function formatInit(r: InitResult, opts: { owners?: string[] } = {}): string {
  const out: string[] = []
  const show = (p: string) => {
    const rel = relative(process.cwd(), join(r.dir, p))
    return rel && !rel.startsWith('..') ? rel : join(r.dir, p)
  }
  for (const f of r.created) out.push(`created      ${show(f)}`)
  for (const f of r.overwritten) out.push(`overwrote    ${show(f)}`)
  for (const f of r.appended) out.push(`appended to  ${show(f)} (Vigil's CODEOWNERS entries)`)
  for (const s of r.skipped) out.push(`skipped      ${show(s.file)}: ${s.why}`)
  if (r.code !== 0) {
    out.push('', 'nothing written: every file init writes is already there. Give --force to overwrite them (CODEOWNERS is only ever appended to).')
    return out.join('\n') + '\n'
  }
  out.push('', 'Next:')
  out.push('  1. vigil.yaml: replace www.example.com with your endpoints; enable the SSH, key-folder and AWS examples you need.')
  if (!(opts.owners?.length)) out.push(`  2. CODEOWNERS: replace ${DEFAULT_OWNERS[0]} with the team that approves policy changes (or run init with --owners).`)
  else out.push('  2. CODEOWNERS: turn on "Require review from Code Owners" in the branch protection of the default branch.')
  const pkg = join(r.dir, 'package.json')
  const hasVigil = existsSync(pkg) && /"vigil"\s*:/.test(readFileSync(pkg, 'utf8'))
  if (!hasVigil) out.push(`  3. The workflows install Vigil with \`npm ci\`: npm install --save-dev vigil@${vigilVersion()} node@24 (or your registry's or git URL for Vigil), and commit package-lock.json.`)
  else out.push('  3. package.json already lists Vigil: the workflows install it with `npm ci` from the lockfile.')
  out.push('  4. Try it: npx vigil run --config vigil.yaml --waivers waivers.yaml')
  out.push('  5. The nightly signs its evidence: set the secret VIGIL_SIGNING_KEY and the variable VIGIL_SIGNING_CERT (see the workflow\'s header).')
  return out.join('\n') + '\n'
}

function vigilVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(VIGIL_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'latest'
  } catch {
    return 'latest'
  }
}

export function addInitCommand(program: Command): Command {
  return program
    .command('init')
    .description("scaffold Vigil into your repository: vigil.yaml, waivers.yaml, a policy of your own, CODEOWNERS entries and the CI workflows")
    .option('-d, --dir <dir>', 'the repository to scaffold into (its root)', '.')
    .option('--force', 'overwrite files that exist (CODEOWNERS: rewrite only the block init wrote)')
    .option('--owners <handles...>', `CODEOWNERS owners of the Vigil files, e.g. @acme/security (default: ${DEFAULT_OWNERS[0]}, to replace)`)
    .addHelpText('after', INIT_HELP)
    .action((flags: { dir: string; force?: boolean; owners?: string[] }) => {
      const r = initProject({ dir: flags.dir, ...(flags.force ? { force: true } : {}), ...(flags.owners ? { owners: flags.owners } : {}) })
      process.stdout.write(formatInit(r, flags.owners ? { owners: flags.owners } : {}))
      process.exitCode = r.code
    })
}
