// Real mail, FTP and XMPP servers for the STARTTLS tests and the lab: Postfix (smtp, submission),
// Dovecot (imap, pop3), vsftpd (ftp) and Prosody (xmpp) from Debian's packages, each started in the
// foreground on 127.0.0.1 with a configuration of its own in a temp folder. The packages' own /etc
// configuration and system services are never read or touched: every config path is passed
// explicitly. As root (CI) the daemons drop to the packages' system users, so the temp folder is
// made traversable and the files they read are handed to those users.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../free-port.ts'
import type { StartPeerOptions, StarttlsPeer } from './peer.ts'
import { signalGroup } from './process-group.ts'

export type MailPeerKind = 'smtp' | 'submission' | 'imap' | 'pop3' | 'ftp' | 'xmpp'

/** TLS 1.2 suites of the `good` configuration: forward-secret AEAD only (TLS 1.3's are all that). */
const GOOD_CIPHERS = 'ECDHE+AESGCM:ECDHE+CHACHA20'
/** `weak`: OpenSSL 3's default list, RSA key exchange and CBC included (as on the other peers, no
 * anonymous suites); SECLEVEL=0 also re-allows TLS 1.0/1.1, whose MD5+SHA-1 handshake signatures
 * level 1 forbids. */
const WEAK_CIPHERS = 'DEFAULT:@SECLEVEL=0'

const DEFAULT_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 5_000

/** How many times a start is tried when the daemon could not bind the port freePort() gave (another
 * process may take it in between). */
const START_ATTEMPTS = 3

/** Starts one server of `kind` in configuration `opts.config`; resolves once it greets on its port. */
export async function startMailPeer(kind: MailPeerKind, opts: StartPeerOptions): Promise<StarttlsPeer> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(kind, opts, deadline)
    } catch (e) {
      if (!(e instanceof PortTaken) || attempt >= START_ATTEMPTS || Date.now() >= deadline) throw e
    }
  }
}

/** The daemon gave up at once (exited, or logged that it could not listen): maybe the port was taken. */
class PortTaken extends Error {}

async function startOnce(kind: MailPeerKind, opts: StartPeerOptions, deadline: number): Promise<StarttlsPeer> {
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), `vigil-starttls-${kind}-`))
  liveFolders.add(dir)
  const removeFolder = () => {
    rmSync(dir, { recursive: true, force: true })
    liveFolders.delete(dir)
  }
  // The daemons' unprivileged users must reach their files under it.
  chmodSync(dir, 0o755)
  let server: RunningDaemon | undefined
  try {
    const port = await freePort()
    const launch = LAUNCHERS[kind](dir, port, opts)
    server = spawnDaemon(launch)
    const greeting = await waitForGreeting(server, port, GREETINGS[kind], deadline)
    const software = launch.software(greeting)
    const running = server
    return {
      kind,
      config: opts.config,
      host: '127.0.0.1',
      port,
      software,
      stop: once(async () => {
        await running.stop()
        removeFolder()
      }),
    }
  } catch (e) {
    await server?.stop()
    const tail = server ? logTail(server) : ''
    removeFolder()
    const message = e instanceof Error ? e.message : String(e)
    const Failure = e instanceof PortTaken ? PortTaken : Error
    throw new Failure(`${kind} peer (${opts.config}) did not come up: ${message}${tail ? `\n--- server log (last lines) ---\n${tail}` : ''}`, { cause: e })
  }
}

// ---------------------------------------------------------------------------------------------
// Launching and stopping

interface Launch {
  program: string
  args: string[]
  env?: NodeJS.ProcessEnv
  /** run as this system user when we are root (for daemons that refuse root and cannot drop it) */
  user?: string
  /** a file to open for writing as the daemon's fd 0 (vsftpd writes its fatal `500 OOPS` there) */
  stdinFile?: string
  /** a log line saying it runs on but could not open its port (Prosody does not exit then) */
  cannotListen?: RegExp
  /** files whose tails explain a failed start, besides the process's own output */
  logFiles: string[]
  software(greeting: string): string
}

interface RunningDaemon {
  child: ChildProcess
  launch: Launch
  output(): string
  stop(): Promise<void>
}

const SETPRIV = '/usr/bin/setpriv'

/** Process groups still running: killed if this process exits without stopping them (a crashed
 * test run), since being group leaders they would otherwise outlive it. */
const liveGroups = new Set<number>()
const liveFolders = new Set<string>()
let exitHookInstalled = false
function killLiveGroupsOnExit(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const pgid of liveGroups) {
      try {
        process.kill(-pgid, 'SIGKILL')
      } catch {
        // gone
      }
    }
    for (const dir of liveFolders) rmSync(dir, { recursive: true, force: true })
  })
}

function spawnDaemon(launch: Launch): RunningDaemon {
  // Its own process group, so stop() reaches the workers it forks too.
  const ids = launch.user && runningAsRoot() ? systemUser(launch.user) : undefined
  const stdin = launch.stdinFile ? openSync(launch.stdinFile, 'w') : 'ignore'
  // setpriv (util-linux, essential in Debian) asks the kernel to SIGTERM the daemon when this process
  // dies, even by a signal that skips the 'exit' hook below (a killed test worker). Postfix's master
  // loses it (the kernel clears it when master switches its effective uid), so only the hook helps there.
  const [program, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'TERM', '--', launch.program, ...launch.args]] : [launch.program, launch.args]
  const child = spawn(program, args, { stdio: [stdin, 'pipe', 'pipe'], detached: true, env: { ...process.env, ...launch.env }, ...ids })
  if (typeof stdin === 'number') closeSync(stdin)
  const pgid = child.pid
  if (pgid !== undefined) {
    liveGroups.add(pgid)
    killLiveGroupsOnExit()
  }
  let output = ''
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  child.on('error', (e) => keep(Buffer.from(`spawn ${launch.program}: ${e.message}\n`)))
  const exited = new Promise<void>((res) => child.once('close', () => res()))
  const stop = once(async () => {
    const running = child.exitCode === null && child.signalCode === null && child.pid !== undefined
    if (running) signalGroup(child, 'SIGTERM')
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), running ? STOP_GRACE_MS : 0)
    // 'close' also waits for its output to be drained (a failed start's last words), unless a
    // worker that escaped the group holds the pipes: don't wait for that one forever.
    await Promise.race([exited, new Promise((res) => setTimeout(res, 2 * STOP_GRACE_MS).unref())])
    clearTimeout(timer)
    // Workers that outlived their master (they share its process group).
    signalGroup(child, 'SIGKILL')
    if (pgid !== undefined) liveGroups.delete(pgid)
  })
  return { child, launch, output: () => output, stop }
}


function logTail(server: RunningDaemon): string {
  const parts = [server.output()]
  for (const f of server.launch.logFiles) {
    try {
      parts.push(`[${f}]\n${readFileSync(f, 'utf8')}`)
    } catch {
      // not written yet
    }
  }
  return parts
    .join('\n')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-40)
    .join('\n')
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined
  return () => (p ??= fn())
}

// ---------------------------------------------------------------------------------------------
// Waiting for the greeting

interface Greeting {
  /** sent right after connecting (XMPP's client opens the stream) */
  hello?: string
  /** the greeting is complete once it matches */
  complete: RegExp
}

const XMPP_STREAM_OPEN = `<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`

const GREETINGS: Record<MailPeerKind, Greeting> = {
  smtp: { complete: /^220 .*\r?\n/m },
  submission: { complete: /^220 .*\r?\n/m },
  imap: { complete: /^\* OK.*\r?\n/m },
  pop3: { complete: /^\+OK.*\r?\n/m },
  ftp: { complete: /^220 .*\r?\n/m },
  xmpp: { hello: XMPP_STREAM_OPEN, complete: /<\/stream:features>/ },
}

async function waitForGreeting(server: RunningDaemon, port: number, greeting: Greeting, deadline: number): Promise<string> {
  const started = Date.now()
  let last = 'no connection attempted'
  for (;;) {
    const gaveUp = whyGaveUp(server, port)
    if (gaveUp) throw new PortTaken(gaveUp)
    const left = deadline - Date.now()
    if (left <= 0) throw new Error(`no greeting on 127.0.0.1:${port} within ${Date.now() - started} ms (last attempt: ${last})`)
    // Whoever took the port first may accept and stay silent: keep an eye on the daemon meanwhile.
    const abandon = new AbortController()
    const attempt = readGreeting(port, greeting, Math.min(left, 5_000), abandon.signal)
    const watch = watchForGivingUp(server, port, attempt)
    const r = await Promise.race([attempt, watch])
    abandon.abort()
    if (r.ok) return r.text
    last = r.why
    await new Promise((res) => setTimeout(res, 100))
  }
}

/** Why the daemon will never greet on `port`, if it has given up: it exited, or said it cannot listen. */
function whyGaveUp(server: RunningDaemon, port: number): string | undefined {
  const { child, launch } = server
  if (child.exitCode !== null || child.signalCode !== null) return `${launch.program} exited (${child.exitCode ?? child.signalCode}) before greeting on 127.0.0.1:${port}`
  if (launch.cannotListen && launch.logFiles.some((f) => launch.cannotListen!.test(readOrEmpty(f)))) return `${launch.program} could not listen on 127.0.0.1:${port}`
  return undefined
}

async function watchForGivingUp(server: RunningDaemon, port: number, until: Promise<unknown>): Promise<{ ok: false; why: string }> {
  let settled = false
  void until.finally(() => (settled = true))
  for (;;) {
    await new Promise((res) => setTimeout(res, 100))
    const why = whyGaveUp(server, port)
    if (why) return { ok: false, why }
    if (settled) return new Promise(() => {})
  }
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function readGreeting(port: number, greeting: Greeting, timeoutMs: number, signal: AbortSignal): Promise<{ ok: true; text: string } | { ok: false; why: string }> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port })
    signal.addEventListener('abort', () => done({ ok: false, why: 'abandoned' }), { once: true })
    let text = ''
    const done = (r: { ok: true; text: string } | { ok: false; why: string }) => {
      clearTimeout(timer)
      s.destroy()
      res(r)
    }
    const timer = setTimeout(() => done({ ok: false, why: `connected but no complete greeting after ${timeoutMs} ms: ${JSON.stringify(text.slice(0, 300))}` }), timeoutMs)
    s.once('connect', () => {
      if (greeting.hello) s.write(greeting.hello)
    })
    s.on('data', (d) => {
      text += d.toString()
      if (greeting.complete.test(text)) done({ ok: true, text })
    })
    s.once('error', (e) => done({ ok: false, why: e.message }))
    s.once('close', () => done({ ok: false, why: `closed after ${JSON.stringify(text.slice(0, 300))}` }))
  })
}

// ---------------------------------------------------------------------------------------------
// Shared bits of the configurations

function systemUser(name: string): { uid: number; gid: number } {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':')
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) }
  }
  throw new Error(`system user ${name} is missing: is its package installed? (scripts/install-test-peers.sh)`)
}

function systemGroup(name: string): number {
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const f = line.split(':')
    if (f[0] === name) return Number(f[2])
  }
  throw new Error(`system group ${name} is missing: is its package installed? (scripts/install-test-peers.sh)`)
}

const runningAsRoot = () => userInfo().uid === 0

/** Copies the certificate and key into `dir` (the key readable by root only, which is who opens it,
 * except for Prosody, whose whole folder is handed to it). */
function placeCertificate(dir: string, opts: StartPeerOptions): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  copyFileSync(opts.cert.certFile, cert)
  copyFileSync(opts.cert.keyFile, key)
  chmodSync(cert, 0o644)
  chmodSync(key, 0o600)
  return { cert, key }
}

function chownTree(path: string, user: string): void {
  if (!runningAsRoot()) return
  const u = systemUser(user)
  execFileSync('chown', ['-R', `${u.uid}:${u.gid}`, path])
}

const versionCache = new Map<string, string>()
function cachedVersion(key: string, read: () => string): string {
  let v = versionCache.get(key)
  if (v === undefined) {
    try {
      v = read()
    } catch {
      v = key
    }
    versionCache.set(key, v)
  }
  return v
}

const LAUNCHERS: Record<MailPeerKind, (dir: string, port: number, opts: StartPeerOptions) => Launch> = {
  smtp: (dir, port, opts) => postfix(dir, port, opts, 'smtp'),
  submission: (dir, port, opts) => postfix(dir, port, opts, 'submission'),
  imap: (dir, port, opts) => dovecot(dir, port, opts, 'imap'),
  pop3: (dir, port, opts) => dovecot(dir, port, opts, 'pop3'),
  ftp: vsftpd,
  xmpp: prosody,
}

// ---------------------------------------------------------------------------------------------
// Postfix: `master -d` in the foreground with its own config_directory, queue and log file.

const POSTFIX_DAEMONS = '/usr/lib/postfix/sbin'

function postfix(dir: string, port: number, opts: StartPeerOptions, role: 'smtp' | 'submission'): Launch {
  const conf = join(dir, 'conf')
  const queue = join(dir, 'queue')
  const data = join(dir, 'data')
  mkdirSync(conf)
  mkdirSync(queue)
  mkdirSync(data)
  chownTree(data, 'postfix')
  const log = join(dir, 'postfix.log')
  const tls = tlsForPostfix(dir, opts, role)
  writeFileSync(
    join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `config_directory = ${conf}`,
      `queue_directory = ${queue}`,
      `data_directory = ${data}`,
      `daemon_directory = ${POSTFIX_DAEMONS}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'myhostname = localhost',
      'mydomain = localdomain',
      'mydestination =',
      'relay_domains =',
      'smtpd_relay_restrictions = reject_unauth_destination',
      'smtpd_banner = $myhostname ESMTP $mail_name',
      'alias_maps =',
      'alias_database =',
      'biff = no',
      'smtpd_peername_lookup = no',
      `maillog_file_prefixes = ${dir}`,
      `maillog_file = ${log}`,
      ...tls,
      '',
    ].join('\n'),
  )
  const service =
    role === 'smtp'
      ? `127.0.0.1:${port} inet n - n - - smtpd`
      : // A submission service: clients must upgrade before anything else (when TLS is on at all).
        `127.0.0.1:${port} inet n - n - - smtpd\n  -o syslog_name=postfix/submission\n  -o smtpd_tls_security_level=${opts.config === 'plain' ? 'none' : 'encrypt'}`
  writeFileSync(
    join(conf, 'master.cf'),
    [
      service,
      'cleanup unix n - n - 0 cleanup',
      'qmgr unix n - n 300 1 qmgr',
      'rewrite unix - - n - - trivial-rewrite',
      'bounce unix - - n - 0 bounce',
      'defer unix - - n - 0 bounce',
      'trace unix - - n - 0 bounce',
      'verify unix - - n - 1 verify',
      'flush unix n - n 1000? 0 flush',
      'proxymap unix - - n - - proxymap',
      'anvil unix - - n - 1 anvil',
      'scache unix - - n - 1 scache',
      'tlsmgr unix - - n 1000? 1 tlsmgr',
      'error unix - - n - - error',
      'retry unix - - n - - error',
      'discard unix - - n - - discard',
      'postlog unix-dgram n - n - 1 postlogd',
      '',
    ].join('\n'),
  )
  makePostfixQueue(queue)
  // Postfix waits while main.cf looks freshly edited (mtime within the last second, in 300 ms
  // naps): back-date both files, which saves ~2 s per start.
  const past = new Date(Date.now() - 60_000)
  for (const f of ['main.cf', 'master.cf']) utimesSync(join(conf, f), past, past)
  return {
    program: `${POSTFIX_DAEMONS}/master`,
    args: ['-d', '-c', conf],
    env: { MAIL_CONFIG: conf },
    logFiles: [log],
    software: () => cachedVersion('Postfix', () => `Postfix ${execFileSync('postconf', ['-d', '-h', 'mail_version'], { encoding: 'utf8' }).trim()}`),
  }
}

/** The queue's subdirectories with the owners and modes of Debian's postfix-files, which is what
 * `postfix start` (post-install create-missing) would make. */
function makePostfixQueue(queue: string): void {
  const asRoot = runningAsRoot()
  const postfixUser = asRoot ? systemUser('postfix') : undefined
  const postdrop = asRoot ? systemGroup('postdrop') : undefined
  const dirs: [string, number, 'root' | 'postfix' | 'postfix:postdrop'][] = [
    ['pid', 0o755, 'root'],
    ['public', 0o710, 'postfix:postdrop'],
    ['maildrop', 0o730, 'postfix:postdrop'],
    ...['private', 'active', 'bounce', 'corrupt', 'defer', 'deferred', 'flush', 'hold', 'incoming', 'saved', 'trace'].map((d): [string, number, 'postfix'] => [d, 0o700, 'postfix']),
  ]
  for (const [name, mode, owner] of dirs) {
    const path = join(queue, name)
    mkdirSync(path)
    chmodSync(path, mode)
    if (postfixUser && owner !== 'root') chownSync(path, postfixUser.uid, owner === 'postfix:postdrop' ? postdrop! : postfixUser.gid)
  }
}

function tlsForPostfix(dir: string, opts: StartPeerOptions, role: 'smtp' | 'submission'): string[] {
  if (opts.config === 'plain') return ['smtpd_tls_security_level = none']
  const { cert, key } = placeCertificate(dir, opts)
  const level = role === 'smtp' ? 'may' : 'encrypt'
  const common = [`smtpd_tls_cert_file = ${cert}`, `smtpd_tls_key_file = ${key}`, `smtpd_tls_security_level = ${level}`, 'smtpd_tls_loglevel = 1', 'tls_preempt_cipherlist = yes']
  if (opts.config === 'good') {
    // `may` uses the opportunistic settings, `encrypt` the mandatory ones: set both alike.
    return [...common, 'smtpd_tls_protocols = >=TLSv1.2', 'smtpd_tls_mandatory_protocols = >=TLSv1.2', 'smtpd_tls_ciphers = high', 'smtpd_tls_mandatory_ciphers = high', `tls_high_cipherlist = ${GOOD_CIPHERS}`]
  }
  return [...common, 'smtpd_tls_protocols = >=TLSv1', 'smtpd_tls_mandatory_protocols = >=TLSv1', 'smtpd_tls_ciphers = low', 'smtpd_tls_mandatory_ciphers = low', `tls_low_cipherlist = ${WEAK_CIPHERS}`]
}

// ---------------------------------------------------------------------------------------------
// Dovecot: `dovecot -F -c <conf>`, one protocol per instance, static passdb (nobody logs in).

function dovecot(dir: string, port: number, opts: StartPeerOptions, protocol: 'imap' | 'pop3'): Launch {
  const conf = join(dir, 'dovecot.conf')
  const log = join(dir, 'dovecot.log')
  const mail = join(dir, 'mail')
  mkdirSync(mail)
  const tls =
    opts.config === 'plain'
      ? ['ssl = no']
      : (() => {
          const { cert, key } = placeCertificate(dir, opts)
          return [
            'ssl = yes',
            `ssl_cert = <${cert}`,
            `ssl_key = <${key}`,
            'ssl_prefer_server_ciphers = yes',
            opts.config === 'good' ? 'ssl_min_protocol = TLSv1.2' : 'ssl_min_protocol = TLSv1',
            // No DHE in `weak`: Dovecot has no DH group unless given ssl_dh, and fails the
            // handshake (internal error) instead of skipping those suites.
            `ssl_cipher_list = ${opts.config === 'good' ? GOOD_CIPHERS : WEAK_CIPHERS.replace(/^DEFAULT/, 'DEFAULT:!kDHE')}`,
          ]
        })()
  const other = protocol === 'imap' ? 'pop3' : 'imap'
  writeFileSync(
    conf,
    [
      `base_dir = ${join(dir, 'run')}`,
      `state_dir = ${join(dir, 'state')}`,
      `log_path = ${log}`,
      `instance_name = vigil-${protocol}-${port}`,
      `protocols = ${protocol}`,
      'listen = 127.0.0.1',
      'default_internal_user = dovecot',
      'default_login_user = dovenull',
      // `plain` is a server without TLS at all: it takes logins in clear, as such servers do.
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain',
      `mail_location = maildir:${mail}`,
      'passdb {\n  driver = static\n  args = password=unused\n}',
      `userdb {\n  driver = static\n  args = uid=dovecot gid=dovecot home=${mail}\n}`,
      `service ${protocol}-login {\n  inet_listener ${protocol} {\n    address = 127.0.0.1\n    port = ${port}\n  }\n  inet_listener ${protocol}s {\n    port = 0\n  }\n}`,
      `service ${other}-login {\n  inet_listener ${other} {\n    port = 0\n  }\n  inet_listener ${other}s {\n    port = 0\n  }\n}`,
      'service stats {\n  unix_listener stats-reader {\n    mode = 0600\n  }\n  unix_listener stats-writer {\n    mode = 0600\n  }\n}',
      ...tls,
      '',
    ].join('\n'),
  )
  return {
    program: '/usr/sbin/dovecot',
    args: ['-F', '-c', conf],
    logFiles: [log],
    software: () => cachedVersion('Dovecot', () => `Dovecot ${execFileSync('/usr/sbin/dovecot', ['--version'], { encoding: 'utf8' }).trim().split(' ')[0]}`),
  }
}

// ---------------------------------------------------------------------------------------------
// vsftpd: standalone (`listen=YES`, `background=NO`), anonymous only, no transfers expected.

function vsftpd(dir: string, port: number, opts: StartPeerOptions): Launch {
  const conf = join(dir, 'vsftpd.conf')
  const log = join(dir, 'vsftpd.log')
  // secure_chroot_dir must be root-owned and not writable by anyone else.
  const empty = join(dir, 'empty')
  mkdirSync(empty, { mode: 0o755 })
  const lines = [
    'listen=YES',
    'listen_ipv6=NO',
    'listen_address=127.0.0.1',
    `listen_port=${port}`,
    'background=NO',
    'anonymous_enable=YES',
    'local_enable=NO',
    'write_enable=NO',
    'ftp_username=ftp',
    'nopriv_user=ftp',
    `anon_root=${empty}`,
    `secure_chroot_dir=${empty}`,
    // The seccomp sandbox kills vsftpd in some containers; network isolation needs CAP_SYS_ADMIN.
    'seccomp_sandbox=NO',
    'isolate_network=NO',
    'pam_service_name=vsftpd',
    'xferlog_enable=YES',
    `vsftpd_log_file=${log}`,
    'dual_log_enable=YES',
    `xferlog_file=${join(dir, 'xferlog')}`,
    'log_ftp_protocol=YES',
  ]
  let env: NodeJS.ProcessEnv | undefined
  if (opts.config === 'plain') lines.push('ssl_enable=NO')
  else {
    const { cert, key } = placeCertificate(dir, opts)
    lines.push(
      'ssl_enable=YES',
      `rsa_cert_file=${cert}`,
      `rsa_private_key_file=${key}`,
      'allow_anon_ssl=YES',
      'force_anon_logins_ssl=NO',
      'force_anon_data_ssl=NO',
      'force_local_logins_ssl=NO',
      'force_local_data_ssl=NO',
      'require_ssl_reuse=NO',
      'ssl_sslv2=NO',
      'ssl_sslv3=NO',
      `ssl_tlsv1=${opts.config === 'weak' ? 'YES' : 'NO'}`,
      `ssl_ciphers=${opts.config === 'good' ? GOOD_CIPHERS : WEAK_CIPHERS}`,
    )
    // vsftpd has no switch for TLS 1.1 or a minimum version: set it through OpenSSL's own config,
    // a file of ours so Debian's /etc/ssl/openssl.cnf plays no part.
    const sslConf = join(dir, 'openssl.cnf')
    writeFileSync(
      sslConf,
      [
        'openssl_conf = openssl_init',
        '[openssl_init]',
        'ssl_conf = ssl_sect',
        '[ssl_sect]',
        'system_default = system_default_sect',
        '[system_default_sect]',
        `MinProtocol = ${opts.config === 'good' ? 'TLSv1.2' : 'TLSv1'}`,
        `CipherString = ${opts.config === 'good' ? GOOD_CIPHERS : WEAK_CIPHERS}`,
        '',
      ].join('\n'),
    )
    env = { OPENSSL_CONF: sslConf }
  }
  writeFileSync(conf, lines.join('\n') + '\n')
  return {
    program: '/usr/sbin/vsftpd',
    args: [conf],
    env,
    stdinFile: join(dir, 'vsftpd.oops'),
    logFiles: [join(dir, 'vsftpd.oops'), log],
    // vsftpd prints its version to stdin with -v; its banner says it anyway: "220 (vsFTPd 3.0.3)".
    software: (greeting) => {
      const m = /vsFTPd ([\d.]+)/.exec(greeting)
      return m ? `vsftpd ${m[1]}` : 'vsftpd'
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Prosody: `prosody -F --config <file>`, one virtual host `localhost`, c2s only.

function prosody(dir: string, port: number, opts: StartPeerOptions): Launch {
  const conf = join(dir, 'prosody.cfg.lua')
  const log = join(dir, 'prosody.log')
  const data = join(dir, 'data')
  const certs = join(dir, 'certs')
  mkdirSync(data)
  mkdirSync(certs)
  const lua = (s: string) => JSON.stringify(s)
  // No mod_posix: as root it refuses to run, and Prosody itself (unlike prosodyctl) never drops
  // privileges, so the process is started as the prosody user instead.
  const modules = ['roster', 'saslauth', 'disco', 'ping']
  let ssl = ''
  if (opts.config !== 'plain') {
    modules.push('tls')
    const { cert, key } = placeCertificate(dir, opts)
    ssl = [
      'ssl = {',
      `  certificate = ${lua(cert)};`,
      `  key = ${lua(key)};`,
      `  protocol = ${lua(opts.config === 'good' ? 'tlsv1_2+' : 'tlsv1+')};`,
      `  ciphers = ${lua(opts.config === 'good' ? GOOD_CIPHERS : WEAK_CIPHERS)};`,
      '}',
    ].join('\n')
  }
  writeFileSync(
    conf,
    [
      `pidfile = ${lua(join(dir, 'prosody.pid'))}`,
      `data_path = ${lua(data)}`,
      `certificates = ${lua(certs)}`,
      `log = { { levels = { min = "info" }, to = "file", filename = ${lua(log)} } }`,
      `modules_enabled = { ${modules.map(lua).join(', ')} }`,
      'modules_disabled = { "s2s", "admin_socket" }',
      'authentication = "internal_hashed"',
      'storage = "internal"',
      'interfaces = { "127.0.0.1" }',
      'local_interfaces = { "127.0.0.1" }',
      `c2s_ports = { ${port} }`,
      'c2s_direct_tls_ports = { }',
      'legacy_ssl_ports = { }',
      's2s_ports = { }',
      'component_ports = { }',
      'http_ports = { }',
      'https_ports = { }',
      'c2s_require_encryption = false',
      // Without TLS there is nothing to negotiate: drop idle clients soon (`openssl s_client -starttls
      // xmpp` waits for the server to close when no <starttls/> is offered).
      `c2s_timeout = ${opts.config === 'plain' ? 3 : 60}`,
      'allow_unencrypted_plain_auth = false',
      ssl,
      'VirtualHost "localhost"',
      '',
    ].join('\n'),
  )
  // Its log, pid file, data and key: all the prosody user's.
  chownTree(dir, 'prosody')
  return {
    program: '/usr/bin/prosody',
    args: ['-F', '--config', conf],
    user: 'prosody',
    cannotListen: /Failed to open server port/,
    logFiles: [log],
    software: () => cachedVersion('Prosody', () => `Prosody ${readFileSync('/usr/lib/prosody/prosody.version', 'utf8').trim()}`),
  }
}

/** The program each kind runs; lab/starttls/index.ts leaves a kind out of the lab when it is missing. */
const PROGRAMS: Record<MailPeerKind, string> = {
  smtp: `${POSTFIX_DAEMONS}/master`,
  submission: `${POSTFIX_DAEMONS}/master`,
  imap: '/usr/sbin/dovecot',
  pop3: '/usr/sbin/dovecot',
  ftp: '/usr/sbin/vsftpd',
  xmpp: '/usr/bin/prosody',
}

/** Whether the Debian package this kind's server comes from is installed here. */
export function mailPeerInstalled(kind: MailPeerKind): boolean {
  return existsSync(PROGRAMS[kind])
}
