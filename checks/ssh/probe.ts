// The SSH probes: observe one SSH server (observeSsh) or one local key folder (observeKeyDir) once,
// collecting only the parts the selected checks need. Connections to a server are made one after
// another and kept few — OpenSSH 9.8+ PerSourcePenalties block sources that open many
// unauthenticated connections: one plain socket for KEXINIT, one handshake per offered host-key
// type (the first also asks `none` for the method list), one audit login for config and keys.
import { resolve } from 'node:path'
import type { KeyDirTarget, SshTarget } from './target.ts'
import type { ObserveContext } from '../types.ts'
import { auditLogin } from './audit-login.ts'
import { algorithmsFor, SSH2_HOST_KEY_ALGORITHMS, sshHandshake } from './handshake.ts'
import { DEFAULT_KEY_WALK_LIMITS, findKeys } from './key-discovery.ts'
import { localKeyFs } from './local-key-fs.ts'
import {
  SSH_PARTS,
  type AuthMethodsObservation,
  type HostKeyRecord,
  type HostKeysObservation,
  type KexinitObservation,
  type KeyDirObservation,
  type PartError,
  type SshObservation,
} from './observation.ts'
import { parsePublicKeyBlob, sshFingerprint } from './wire/key-blob.ts'
import { HOST_COMMANDS, type HostCommandId } from '../host/commands.ts'
import { HOST_PART_PREFIX } from '../host/observation.ts'
import { grabKexinit, SshWireError } from './wire/kexinit.ts'

/** Key families: each is one host key on the server, whatever signature algorithms it offers for it. */
export function hostKeyFamily(algorithm: string): string | undefined {
  if (algorithm === 'rsa-sha2-512' || algorithm === 'rsa-sha2-256' || algorithm === 'ssh-rsa') return 'rsa'
  if (algorithm === 'ssh-ed25519' || algorithm === 'ssh-dss' || /^ecdsa-sha2-nistp\d+$/.test(algorithm)) return algorithm
  return undefined
}

/** One algorithm per host key the server offers that ssh2 can handshake with; the rest are not probed. */
export function hostKeyProbePlan(offered: string[]): { probe: string[]; notProbed: string[] } {
  const byFamily = new Map<string, string>()
  const notProbed: string[] = []
  for (const a of offered) {
    const fam = hostKeyFamily(a)
    if (!fam || !SSH2_HOST_KEY_ALGORITHMS.includes(a)) notProbed.push(a)
    else if (!byFamily.has(fam)) byFamily.set(fam, a)
  }
  return { probe: [...byFamily.values()], notProbed }
}

function asPartError(e: unknown): { error: PartError } {
  if (e instanceof SshWireError) return { error: { kind: e.kind, message: e.message } }
  return { error: { kind: 'protocol', message: (e as Error).message ?? String(e) } }
}

export async function observeSsh(target: SshTarget, ctx: ObserveContext): Promise<SshObservation> {
  const address = target.address ?? target.host
  const port = target.port
  const needs = ctx.needs
  const obs: SshObservation = {
    target: { name: target.name, host: target.host, address, port },
    hostKeyPin: { ...(target.hostKey ? { expected: target.hostKey } : {}), seen: [], status: 'unknown' },
    connections: 0,
  }
  const want = {
    kexinit: needs.has(SSH_PARTS.kexinit),
    hostKeys: needs.has(SSH_PARTS.hostKeys),
    auth: needs.has(SSH_PARTS.authMethods),
    login: needs.has(SSH_PARTS.login),
    keys: needs.has(SSH_PARTS.keys),
  }
  const connect = <T>(fn: () => Promise<T>) => {
    obs.connections++
    return ctx.limit(address, fn)
  }
  const seen = new Set<string>()
  let pinMismatch = false

  let kexinit: KexinitObservation | undefined
  if (want.kexinit || want.hostKeys) {
    try {
      kexinit = await connect(() => grabKexinit(address, port, ctx.timeoutMs))
      if (want.kexinit) obs.kexinit = kexinit
    } catch (e) {
      // a server that refuses, stalls or talks garbage will do the same to every later connection
      const err = asPartError(e)
      if (want.kexinit) obs.kexinit = err
      const skipped = { error: { ...err.error, message: `not attempted: ${err.error.message}` } }
      if (want.hostKeys) obs.hostKeys = skipped
      if (want.auth) obs.authMethods = skipped
      if (want.login) obs.login = skipped
      if (want.keys) obs.keys = target.login && target.keyPaths.length ? skipped : noKeyPaths(target)
      return finishPin(obs, seen, false)
    }
  }

  const authUser = target.login?.user ?? 'vigil-probe'
  if (want.hostKeys && kexinit) {
    const plan = hostKeyProbePlan(kexinit.hostKeyAlgorithms)
    const hk: HostKeysObservation = { keys: [], notProbed: plan.notProbed, failed: [] }
    for (const algorithm of plan.probe) {
      const withAuth = want.auth && !obs.authMethods
      try {
        const r = await connect(() =>
          sshHandshake({ host: address, port, timeoutMs: ctx.timeoutMs, hostKeyAlgorithm: algorithm, kexinit, ...(withAuth ? { authNoneUser: authUser } : {}) }),
        )
        const info = parsePublicKeyBlob(r.hostKeyBlob)
        seen.add(info.fingerprint)
        const rec: HostKeyRecord = { algorithm, keyType: info.blobType, fingerprint: info.fingerprint }
        if (info.bits !== undefined) rec.bits = info.bits
        if (info.curve) rec.curve = info.curve
        hk.keys.push(rec)
        if (r.auth) obs.authMethods = { user: authUser, ...r.auth }
      } catch (e) {
        hk.failed.push({ algorithm, error: (e as Error).message })
      }
    }
    obs.hostKeys = hk.keys.length || !hk.failed.length ? hk : { error: { kind: 'protocol', message: `no host-key handshake succeeded: ${hk.failed.map((f) => `${f.algorithm}: ${f.error}`).join('; ')}` } }
    if (target.hostKey && hk.keys.length && !hk.failed.length && !seen.has(target.hostKey)) pinMismatch = true
  }

  if (want.auth && !obs.authMethods) {
    try {
      const r = await connect(() => sshHandshake({ host: address, port, timeoutMs: ctx.timeoutMs, kexinit, authNoneUser: authUser }))
      seen.add(sshFingerprint(r.hostKeyBlob))
      const am: AuthMethodsObservation = { user: authUser, ...r.auth! }
      obs.authMethods = am
    } catch (e) {
      obs.authMethods = asPartError(e)
    }
  }

  const keysWanted = want.keys && !!target.login && target.keyPaths.length > 0
  if (want.keys && !keysWanted) obs.keys = noKeyPaths(target)
  // host checks: the allow-listed commands their parts name (`host.<command id>`)
  const hostIds = [...needs].filter((n) => n.startsWith(HOST_PART_PREFIX)).map((n) => n.slice(HOST_PART_PREFIX.length)).filter((id): id is HostCommandId => id in HOST_COMMANDS)
  const hostWanted = hostIds.length > 0
  const noLogin = { error: { kind: 'not-observed' as const, message: `no audit login is configured for ${target.name} (inventory: login.user, login.privateKeyFile)` } }
  if (hostWanted && !target.login) obs.host = noLogin
  if ((want.login || keysWanted) && !target.login) {
    if (want.login) obs.login = noLogin
  } else if (want.login || keysWanted || (hostWanted && target.login)) {
    if (pinMismatch) {
      const err = { error: { kind: 'hostkey-mismatch' as const, message: `none of the host keys ${address}:${port} presented (${[...seen].join(', ')}) is the pinned ${target.hostKey}; no login attempted` } }
      if (want.login) obs.login = err
      if (keysWanted) obs.keys = err
      if (hostWanted) obs.host = err
    } else {
      // with the host keys known, restrict the login to the algorithm of the pinned key so the
      // server cannot pick another of its keys and turn a valid pin into a mismatch
      const pinned = target.hostKey && obs.hostKeys && 'keys' in obs.hostKeys ? obs.hostKeys.keys.find((k) => k.fingerprint === target.hostKey) : undefined
      const r = await connect(() =>
        auditLogin({
          host: address,
          port,
          timeoutMs: ctx.timeoutMs,
          user: target.login!.user,
          privateKeyFile: target.login!.privateKeyFile,
          ...(target.login!.passphraseEnv ? { passphraseEnv: target.login!.passphraseEnv } : {}),
          ...(target.hostKey ? { pinnedHostKey: target.hostKey } : {}),
          algorithms: algorithmsFor(kexinit, pinned ? [pinned.algorithm] : undefined),
          wantConfig: want.login,
          ...(keysWanted ? { keyPaths: target.keyPaths } : {}),
          ...(hostWanted ? { hostCommands: { ids: hostIds } } : {}),
          sudo: target.login!.sudo === true,
          limits: DEFAULT_KEY_WALK_LIMITS,
        }),
      )
      if (r.seenFingerprint) seen.add(r.seenFingerprint)
      if ('error' in r.login && r.login.error.kind === 'hostkey-mismatch') pinMismatch = true
      if (want.login) obs.login = r.login
      if (keysWanted && r.keys) obs.keys = r.keys
      if (hostWanted && r.host) obs.host = r.host
    }
  }
  return finishPin(obs, seen, pinMismatch)
}

function noKeyPaths(target: SshTarget): { error: PartError } {
  return {
    error: {
      kind: 'not-observed',
      message: !target.login
        ? `keys on ${target.name} can only be searched over an audit login, and none is configured`
        : `no keyPaths are configured for ${target.name}`,
    },
  }
}

function finishPin(obs: SshObservation, seen: Set<string>, mismatch: boolean): SshObservation {
  obs.hostKeyPin.seen = [...seen]
  if (obs.hostKeyPin.expected) obs.hostKeyPin.status = seen.has(obs.hostKeyPin.expected) ? 'match' : mismatch ? 'mismatch' : 'unknown'
  else obs.hostKeyPin.status = seen.size ? 'tofu' : 'unknown'
  return obs
}

export async function observeKeyDir(target: KeyDirTarget, _ctx: ObserveContext): Promise<KeyDirObservation> {
  const root = resolve(target.path)
  const obs: KeyDirObservation = { target: { name: target.name, path: target.path }, keys: { error: { kind: 'not-observed', message: 'not searched' } } }
  try {
    const st = await localKeyFs.stat(root)
    if (st.type !== 'dir') {
      obs.keys = { error: { kind: 'inconclusive', message: `${target.path} is not a folder` } }
      return obs
    }
  } catch (e) {
    obs.keys = { error: { kind: 'inconclusive', message: `cannot open key folder ${target.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` } }
    return obs
  }
  const rel = (p: string) => (p === root ? '.' : p.startsWith(root + '/') ? p.slice(root.length + 1) : p)
  obs.keys = await findKeys(localKeyFs, 'local', [root], DEFAULT_KEY_WALK_LIMITS, rel)
  return obs
}
