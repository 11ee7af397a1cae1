// The STARTTLS peers of the data services: PostgreSQL (SSLRequest), MariaDB (the CLIENT_SSL
// capability of the MySQL protocol) and OpenLDAP's slapd (the StartTLS extended operation), each a
// real server from Debian's packages started on 127.0.0.1 with a configuration of its own in a temp
// folder. The system's config (/etc/postgresql, /etc/mysql, /etc/ldap, /etc/ssl/openssl.cnf) and its
// services are never used: every path is explicit and the TLS libraries get a config of ours.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../free-port.ts'
import type { PeerConfig, StarttlsPeer, StartPeerOptions } from './peer.ts'
import { signalGroup } from './process-group.ts'

export type DataPeerKind = 'postgres' | 'mysql' | 'ldap'

const DEFAULT_TIMEOUT_MS = 60_000
/** freePort() only finds a port that is free now; a server that loses the race is started again */
const BIND_ATTEMPTS = 3

/**
 * Starts a PostgreSQL, MariaDB or slapd server on 127.0.0.1 in the given configuration and resolves
 * once it answers its protocol's greeting. The folder is created under `opts.parentDir` (default the
 * OS temp folder), which must be traversable by the `postgres` user when running as root.
 */
export async function startDataPeer(kind: DataPeerKind, opts: StartPeerOptions): Promise<StarttlsPeer> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  const recipe = RECIPES[kind]
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), `vigil-starttls-${kind}-`))
  try {
    const owner = process.getuid?.() === 0 ? recipe.runAs : undefined
    const ids = owner ? await systemUser(owner) : undefined
    if (ids) chownSync(dir, ids.uid, ids.gid)
    const files = placeFiles(dir, opts, ids)
    await recipe.prepare({ dir, files, ids, config: opts.config, deadline })
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const launch = recipe.launch({ dir, files, ids, config: opts.config, deadline, port })
      const server = runServer(launch, dir)
      try {
        const software = await waitUntilAnswering(kind, server, port, opts.config, deadline, recipe)
        return peer(kind, opts.config, port, software, server, dir)
      } catch (e) {
        await server.kill()
        if (e instanceof PortTaken && attempt < BIND_ATTEMPTS) continue
        throw e
      }
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
}

// ---------------------------------------------------------------------------------------------
// The three servers

interface Ids {
  uid: number
  gid: number
}
interface PeerFiles {
  cert: string
  key: string
  /** an OpenSSL config of our own, so that the system's MinProtocol / CipherString do not apply */
  opensslConf: string
  /** the same for GnuTLS (slapd): its system-wide priority file */
  gnutlsConf: string
}
interface Setting {
  dir: string
  files: PeerFiles
  ids: Ids | undefined
  config: PeerConfig
  deadline: number
}
interface Launch {
  program: string
  args: string[]
  env: NodeJS.ProcessEnv
  ids: Ids | undefined
  /** how the server shuts down quickly and cleanly (then SIGKILL to its process group) */
  stopSignal: NodeJS.Signals
}
interface Recipe {
  /** the system user the server runs as when we are root (it refuses root or wants its files) */
  runAs: string | undefined
  prepare(s: Setting): Promise<void>
  launch(s: Setting & { port: number }): Launch
  /** the program and version, when the greeting does not tell */
  software?(): Promise<string>
}

/** TLS 1.2 suites of `good` for the OpenSSL-based servers: ECDHE with AES-GCM or ChaCha20-Poly1305
 *  (TLS 1.3's suites are all forward-secret AEAD, and ssl_ciphers/ssl-cipher leave them as they are) */
const OPENSSL_GOOD_CIPHERS = 'ECDHE+AESGCM:ECDHE+CHACHA20'
/** `weak`: OpenSSL 3 refuses TLS 1.0/1.1 and SHA-1 at the default security level: level 0, and
 *  DEFAULT still holds the RSA-key-exchange CBC suites (AES128-SHA, AES256-SHA, …) */
const OPENSSL_WEAK_CIPHERS = 'DEFAULT:@SECLEVEL=0'
/** slapd is built with GnuTLS: its TLSCipherSuite is a priority string */
const GNUTLS_GOOD = 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA'
const GNUTLS_WEAK = 'NORMAL:+VERS-TLS1.0:+VERS-TLS1.1:+RSA:+AES-128-CBC:+AES-256-CBC:+SHA1'

const RECIPES: Record<DataPeerKind, Recipe> = {
  postgres: {
    runAs: 'postgres',
    async prepare(s) {
      const template = await postgresTemplate(s.ids, s.deadline)
      await run('cp', ['-a', join(template, 'data'), join(s.dir, 'data')], remaining(s.deadline))
    },
    launch(s) {
      const settings: Record<string, string> = {
        listen_addresses: '127.0.0.1',
        port: String(s.port),
        // no Unix socket: TCP on 127.0.0.1 is all the tests use, and a long folder path cannot break it
        unix_socket_directories: '',
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        shared_buffers: '16MB',
        max_connections: '20',
        ssl: s.config === 'plain' ? 'off' : 'on',
      }
      if (s.config !== 'plain') {
        settings.ssl_cert_file = s.files.cert
        settings.ssl_key_file = s.files.key
        settings.ssl_min_protocol_version = s.config === 'good' ? 'TLSv1.2' : 'TLSv1'
        settings.ssl_ciphers = s.config === 'good' ? OPENSSL_GOOD_CIPHERS : OPENSSL_WEAK_CIPHERS
      }
      return {
        program: join(postgresBin(), 'postgres'),
        args: ['-D', join(s.dir, 'data'), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
        env: { ...process.env, OPENSSL_CONF: s.files.opensslConf },
        ids: s.ids,
        // immediate shutdown: the folder is thrown away, no checkpoint needed
        stopSignal: 'SIGQUIT',
      }
    },
    async software() {
      return `PostgreSQL ${await postgresVersion()}`
    },
  },

  mysql: {
    // mariadbd runs as root when told so (--user=root); its files stay root's
    runAs: undefined,
    async prepare(s) {
      const template = await mariadbTemplate(s.deadline)
      await run('cp', ['-a', join(template, 'data'), join(s.dir, 'data')], remaining(s.deadline))
    },
    launch(s) {
      const tls =
        s.config === 'plain'
          ? ['--skip-ssl']
          : [
              `--ssl-cert=${s.files.cert}`,
              `--ssl-key=${s.files.key}`,
              `--tls-version=${s.config === 'good' ? 'TLSv1.2,TLSv1.3' : 'TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3'}`,
              `--ssl-cipher=${s.config === 'good' ? OPENSSL_GOOD_CIPHERS : OPENSSL_WEAK_CIPHERS}`,
            ]
      return {
        program: '/usr/sbin/mariadbd',
        args: [
          '--no-defaults', // must come first: no /etc/mysql/my.cnf
          `--datadir=${join(s.dir, 'data')}`,
          `--socket=${join(s.dir, 'mariadbd.sock')}`,
          `--pid-file=${join(s.dir, 'mariadbd.pid')}`,
          `--tmpdir=${s.dir}`,
          `--port=${s.port}`,
          '--bind-address=127.0.0.1',
          ...(process.getuid?.() === 0 ? ['--user=root'] : []),
          '--skip-grant-tables',
          '--skip-name-resolve',
          ...MARIADB_SMALL,
          ...tls,
        ],
        env: { ...process.env, OPENSSL_CONF: s.files.opensslConf },
        ids: undefined,
        stopSignal: 'SIGTERM',
      }
    },
    // the version comes from the server's handshake packet
  },

  ldap: {
    // slapd runs as whoever starts it (root in CI, which reads the key); no database is needed for
    // StartTLS, so there are no files of its own to own
    runAs: undefined,
    async prepare(s) {
      const q = (p: string) => `"${p.replace(/(["\\])/g, '\\$1')}"`
      const lines = [
        '# Vigil STARTTLS test peer: no database, only the frontend and (unless plain) TLS',
        `pidfile ${q(join(s.dir, 'slapd.pid'))}`,
        `argsfile ${q(join(s.dir, 'slapd.args'))}`,
      ]
      if (s.config !== 'plain') {
        lines.push(
          `TLSCertificateFile ${q(s.files.cert)}`,
          `TLSCertificateKeyFile ${q(s.files.key)}`,
          `TLSProtocolMin ${s.config === 'good' ? '3.3' : '3.1'}`,
          `TLSCipherSuite ${s.config === 'good' ? GNUTLS_GOOD : GNUTLS_WEAK}`,
        )
      }
      writeFileSync(join(s.dir, 'slapd.conf'), lines.join('\n') + '\n')
    },
    launch(s) {
      return {
        program: '/usr/sbin/slapd',
        // -d none: stay in the foreground and log only what is always logged (config errors)
        args: ['-d', 'none', '-h', `ldap://127.0.0.1:${s.port}/`, '-f', join(s.dir, 'slapd.conf')],
        env: { ...process.env, GNUTLS_SYSTEM_PRIORITY_FILE: s.files.gnutlsConf, LDAPNOINIT: '1' },
        ids: undefined,
        stopSignal: 'SIGTERM',
      }
    },
    async software() {
      // "@(#) $OpenLDAP: slapd 2.5.13+dfsg-5 (Feb  8 2023 01:56:12) $" on stderr
      const out = await run('/usr/sbin/slapd', ['-VV'], 10_000).catch((e: Error) => e.message)
      const m = /slapd\s+(\d[^\s(]*)/.exec(out)
      return `OpenLDAP slapd ${m ? m[1] : 'unknown version'}`
    },
  },
}

/** a small InnoDB: the same in the template and the server (else InnoDB resizes its log) */
const MARIADB_SMALL = ['--innodb-buffer-pool-size=16M', '--innodb-log-file-size=4M']

function placeFiles(dir: string, opts: StartPeerOptions, ids: Ids | undefined): PeerFiles {
  const files: PeerFiles = {
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
    opensslConf: join(dir, 'openssl.cnf'),
    gnutlsConf: join(dir, 'gnutls-priority.conf'),
  }
  copyFileSync(opts.cert.certFile, files.cert)
  copyFileSync(opts.cert.keyFile, files.key)
  // PostgreSQL refuses a key readable by others
  chmodSync(files.key, 0o600)
  writeFileSync(files.opensslConf, '# Vigil STARTTLS test peer: none of the system OpenSSL defaults\n')
  writeFileSync(files.gnutlsConf, '# Vigil STARTTLS test peer: none of the system GnuTLS priorities\n')
  if (ids) for (const f of Object.values(files)) chownSync(f, ids.uid, ids.gid)
  return files
}

// ---------------------------------------------------------------------------------------------
// Templates: what initdb and mariadb-install-db make, kept in a cache folder shared by the processes
// of this machine (the test workers) and copied for each server. Keyed by the server's version, the
// user it belongs to and the options baked in, so an upgraded package gets a template of its own.

/** makes the thing once per process; a failure is not kept, so the next caller tries again */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined
  return () => {
    if (!made) {
      const p = make()
      made = p
      p.catch(() => {
        if (made === p) made = undefined
      })
    }
    return made
  }
}

/** bump when the options templates are made with change (MARIADB_SMALL, initdb's arguments) */
const TEMPLATE_FORMAT = 1
const TEMPLATE_DONE = 'vigil-template-complete'

/**
 * The folder `<cache>/<key>` with `build`'s work in `<folder>/data`. Built in a folder of its own
 * and renamed into place, so that processes starting servers at once never see half a template.
 */
function cachedTemplate(key: string, ids: Ids | undefined, build: (dir: string) => Promise<void>): Promise<string> {
  let made = templatesMade.get(key)
  if (!made) {
    made = once(() => makeTemplate(key, ids, build))
    templatesMade.set(key, made)
  }
  return made()
}
const templatesMade = new Map<string, () => Promise<string>>()

async function makeTemplate(key: string, ids: Ids | undefined, build: (dir: string) => Promise<void>): Promise<string> {
  const root = templateCacheRoot()
  const final = join(root, key.replace(/[^A-Za-z0-9._-]/g, '_'))
  if (existsSync(join(final, TEMPLATE_DONE))) return final
  const building = mkdtempSync(`${final}.building-`)
  try {
    if (ids) chownSync(building, ids.uid, ids.gid)
    await build(building)
    writeFileSync(join(building, TEMPLATE_DONE), '')
    // a folder left without its marker (a cleaner emptied it): replace it
    if (existsSync(final) && !existsSync(join(final, TEMPLATE_DONE))) rmSync(final, { recursive: true, force: true })
    try {
      renameSync(building, final)
    } catch (e) {
      // another process got there first (ENOTEMPTY/EEXIST): theirs is as good as ours
      if (!existsSync(join(final, TEMPLATE_DONE))) throw e
    }
    return final
  } finally {
    rmSync(building, { recursive: true, force: true })
  }
}

/** `<tmp>/vigil-starttls-cache-<uid>`, ours alone: not a folder someone else prepared for us */
function templateCacheRoot(): string {
  const uid = process.getuid?.() ?? 0
  const root = join(tmpdir(), `vigil-starttls-cache-${uid}`)
  mkdirSync(root, { recursive: true, mode: 0o755 })
  const st = lstatSync(root)
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
    throw new Error(`${root} is not a folder of this user's that only it can write: remove it and start again`)
  }
  return root
}

const postgresVersion = once(async () => {
  // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
  const out = await run(join(postgresBin(), 'postgres'), ['--version'], 10_000)
  return /\(PostgreSQL\)\s+(\S+)/.exec(out)?.[1] ?? out.trim()
})

const mariadbVersion = once(async () => {
  // "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)"
  const out = await run('/usr/sbin/mariadbd', ['--version'], 10_000)
  return /Ver\s+(\S+)/.exec(out)?.[1] ?? out.trim()
})

async function postgresTemplate(ids: Ids | undefined, deadline: number): Promise<string> {
  const key = `postgres-${await postgresVersion()}-uid${ids?.uid ?? process.getuid?.()}-v${TEMPLATE_FORMAT}`
  return cachedTemplate(key, ids, async (dir) => {
    const args = ['-D', join(dir, 'data'), '--no-sync', '--auth=trust', '--username=postgres', '--encoding=UTF8', '--locale=C', '--no-instructions']
    await run(join(postgresBin(), 'initdb'), args, remaining(deadline), { cwd: dir, ids })
  })
}

async function mariadbTemplate(deadline: number): Promise<string> {
  const key = `mariadb-${await mariadbVersion()}-uid${process.getuid?.()}-v${TEMPLATE_FORMAT}`
  return cachedTemplate(key, undefined, async (dir) => {
    const args = [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      ...MARIADB_SMALL,
    ]
    await run('mariadb-install-db', args, remaining(deadline), { cwd: dir })
  })
}

/** Debian's PostgreSQL: the newest /usr/lib/postgresql/<major>/bin (not a postgres on PATH) */
function postgresBin(): string {
  const root = '/usr/lib/postgresql'
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : []
  const major = majors.find((m) => existsSync(join(root, m, 'bin', 'postgres')))
  if (!major) throw new Error(`PostgreSQL not found: no ${root}/<version>/bin/postgres. Install Debian's postgresql package (scripts/install-test-peers.sh).`)
  return join(root, major, 'bin')
}

async function systemUser(name: string): Promise<Ids> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name], 5000), run('id', ['-g', name], 5000)])
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) }
  } catch {
    throw new Error(`the system user '${name}' does not exist; it comes with the server's Debian package (scripts/install-test-peers.sh)`)
  }
}

// ---------------------------------------------------------------------------------------------
// Running, waiting, stopping

interface RunningServer {
  child: ChildProcess
  program: string
  /** how it ended, once it has: exit code, signal or spawn error */
  ended(): string | undefined
  /** resolves when its output is all read (or soon after it ended) */
  drained(): Promise<void>
  log(): string
  kill(): Promise<void>
}

class PortTaken extends Error {}

const LOG_LIMIT = 64 * 1024
/** the servers still running: killed when the process exits without stopping them */
const live = new Set<RunningServer>()
process.once('exit', () => {
  for (const s of live) signalGroup(s.child, 'SIGKILL')
})

function runServer(launch: Launch, dir: string): RunningServer {
  // detached: its own process group, so that stop() reaches the workers it forks (postgres)
  const child = spawn(launch.program, launch.args, {
    cwd: dir,
    env: launch.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(launch.ids ? { uid: launch.ids.uid, gid: launch.ids.gid } : {}),
  })
  let log = ''
  const append = (d: Buffer | string) => {
    log += d
    if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT)
  }
  child.stdout!.on('data', append)
  child.stderr!.on('data', append)
  let ended: string | undefined
  const exited = new Promise<void>((res) => {
    child.once('exit', (code, signal) => {
      ended = code !== null ? `exit code ${code}` : `signal ${signal}`
      res()
    })
    child.once('error', (e) => {
      ended ??= `could not start: ${e.message}`
      append(`[${launch.program}: ${e.message}]\n`)
      res()
    })
  })
  const closed = new Promise<void>((res) => child.once('close', () => res()))
  let killing: Promise<void> | undefined
  const server: RunningServer = {
    child,
    program: launch.program,
    ended: () => ended,
    drained: () => Promise.race([closed, new Promise<void>((r) => setTimeout(r, 500))]),
    log: () => log,
    kill: () =>
      (killing ??= (async () => {
        if (ended === undefined) {
          signalGroup(child, launch.stopSignal)
          const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000)
          await exited
          clearTimeout(timer)
        }
        // workers that outlive their parent
        signalGroup(child, 'SIGKILL')
        live.delete(server)
      })()),
  }
  live.add(server)
  return server
}


async function waitUntilAnswering(kind: DataPeerKind, server: RunningServer, port: number, config: PeerConfig, deadline: number, recipe: Recipe): Promise<string> {
  const software = recipe.software?.()
  software?.catch(() => {})
  for (;;) {
    const ended = server.ended()
    if (ended !== undefined) {
      await server.drained()
      const log = server.log()
      if (/Address already in use|errno=98\b/.test(log)) throw new PortTaken(`port ${port} was taken`)
      throw new Error(`${kind} peer (${config}): ${server.program} ended (${ended}) before answering on 127.0.0.1:${port}.\n${tail(log)}`)
    }
    const answer = await GREETINGS[kind](port, Math.min(2000, Math.max(200, deadline - Date.now())))
    if (answer) {
      if (answer.tlsOffered !== undefined && answer.tlsOffered !== (config !== 'plain')) {
        throw new Error(`${kind} peer (${config}): the server ${answer.tlsOffered ? 'offers' : 'does not offer'} TLS, contrary to its configuration.\n${tail(server.log())}`)
      }
      return answer.software ?? (await software!)
    }
    if (Date.now() > deadline) {
      throw new Error(`${kind} peer (${config}): ${server.program} did not answer on 127.0.0.1:${port} in time (timeoutMs).\n${tail(server.log())}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

function peer(kind: DataPeerKind, config: PeerConfig, port: number, software: string, server: RunningServer, dir: string): StarttlsPeer {
  let stopping: Promise<void> | undefined
  return {
    kind,
    config,
    host: '127.0.0.1',
    port,
    software,
    stop: () =>
      (stopping ??= server.kill().then(() => rmSync(dir, { recursive: true, force: true }))),
  }
}

function tail(log: string, lines = 40): string {
  const t = log.trimEnd().split('\n').slice(-lines).join('\n')
  return t ? `Server log (last ${lines} lines):\n${t}` : 'The server logged nothing.'
}

function remaining(deadline: number): number {
  return Math.max(1000, deadline - Date.now())
}

function run(program: string, args: string[], timeoutMs: number, opts: { cwd?: string; ids?: Ids } = {}): Promise<string> {
  return new Promise((res, rej) => {
    execFile(
      program,
      args,
      { timeout: timeoutMs, cwd: opts.cwd, maxBuffer: 4 * 1024 * 1024, ...(opts.ids ? { uid: opts.ids.uid, gid: opts.ids.gid } : {}) },
      (err, stdout, stderr) => {
        if (err) {
          rej(new Error(`${program} ${args.join(' ')} failed: ${err.message}\n${tail(`${stdout}${stderr}`)}`))
        } else res(`${stdout}${stderr}`)
      },
    )
  })
}

// ---------------------------------------------------------------------------------------------
// Greetings: the first exchange of each protocol, proof that the server is up and configured

interface Answer {
  /** whether the server offers the upgrade, where the greeting tells */
  tlsOffered?: boolean
  software?: string
}

/** Sends `hello` (if any) and collects bytes until `complete` says the reply is whole. */
function exchange(port: number, hello: Buffer | undefined, complete: (b: Buffer) => boolean, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port })
    let buf = Buffer.alloc(0)
    let settled = false
    const done = (v: Buffer | undefined) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      s.destroy()
      res(v)
    }
    const timer = setTimeout(() => done(undefined), timeoutMs)
    s.once('connect', () => hello && s.write(hello))
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      if (complete(buf)) done(buf)
    })
    s.once('error', () => done(undefined))
    s.once('close', () => done(undefined))
  })
}

const GREETINGS: Record<DataPeerKind, (port: number, timeoutMs: number) => Promise<Answer | undefined>> = {
  async postgres(port, timeoutMs) {
    // SSLRequest: length 8, code 80877103; the server answers one byte, S or N
    const sslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
    const reply = await exchange(port, sslRequest, (b) => b.length >= 1, timeoutMs)
    if (!reply || (reply[0] !== 0x53 && reply[0] !== 0x4e)) return undefined
    return { tlsOffered: reply[0] === 0x53 }
  },
  async mysql(port, timeoutMs) {
    // the server speaks first: a handshake packet (3-byte length, sequence id, payload)
    const reply = await exchange(port, undefined, (b) => b.length >= 4 && b.length >= 4 + b.readUIntLE(0, 3), timeoutMs)
    if (!reply) return undefined
    const payload = reply.subarray(4, 4 + reply.readUIntLE(0, 3))
    if (payload[0] !== 10) return undefined // an error packet (0xff) while starting, or not MySQL
    const versionEnd = payload.indexOf(0, 1)
    if (versionEnd < 0) return undefined
    // "5.5.5-10.11.19-MariaDB-0+deb12u1": MariaDB prefixes 5.5.5- for old clients
    const version = payload.toString('latin1', 1, versionEnd)
    // after the version: connection id (4), auth data (8), filler (1), lower capability flags (2)
    const flagsAt = versionEnd + 1 + 4 + 8 + 1
    if (payload.length < flagsAt + 2) return undefined
    const CLIENT_SSL = 0x0800
    const m = /^(?:5\.5\.5-)?(\d+\.\d+\.\d+)-MariaDB/.exec(version)
    return { tlsOffered: (payload.readUInt16LE(flagsAt) & CLIENT_SSL) !== 0, software: m ? `MariaDB ${m[1]}` : `MySQL ${version}` }
  },
  async ldap(port, timeoutMs) {
    // an anonymous simple bind (message 1, version 3); the reply is an LDAPMessage with a BindResponse
    const bind = Buffer.from([0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00])
    // whole when its short-form length is read (a long form means more than the few bytes we check)
    const whole = (b: Buffer) => b.length >= 2 && (b[1]! < 0x80 ? b.length >= 2 + b[1]! : b.length >= 8)
    const reply = await exchange(port, bind, whole, timeoutMs)
    if (!reply || reply[0] !== 0x30 || !reply.includes(0x61)) return undefined
    return {}
  },
}
