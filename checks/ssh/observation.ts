// What the SSH probes (checks/ssh/probe.ts) record about one SSH server or one local key folder, and
// what the SSH judges read. Every part is optional: the planner asks only for the parts the selected
// checks need, and a part that could not be collected carries its own `error` instead of data.
// Nothing here ever holds key material or a passphrase: keys are described (format, type, bits,
// fingerprint, protection), never copied.
import type { ErrorKind } from '../types.ts'
import type { KexinitLists } from './wire/kexinit.ts'
import type { HostObservation } from '../host/observation.ts'

/** Observation parts a check can ask for (CheckDefinition.needs). */
export const SSH_PARTS = {
  /** the server's KEXINIT algorithm lists, read on a plain socket without logging in */
  kexinit: 'ssh.kexinit',
  /** one handshake per offered host-key type: key type, size and fingerprint */
  hostKeys: 'ssh.hostkeys',
  /** the method list the server returns to a `none` authentication request */
  authMethods: 'ssh.auth-methods',
  /** the audit login and the server's effective sshd configuration */
  login: 'ssh.login',
  /** private and public keys found under keyPaths (over SFTP) or in a key folder */
  keys: 'ssh.keys',
} as const

export interface PartError {
  kind: ErrorKind
  message: string
}

/** The server's offered name-lists, as the KEXINIT parser returns them (checks/ssh/wire/kexinit.ts). */
type OfferedLists = Pick<
  KexinitLists,
  | 'kex'
  | 'hostKeyAlgorithms'
  | 'ciphersClientToServer'
  | 'ciphersServerToClient'
  | 'macsClientToServer'
  | 'macsServerToClient'
  | 'compressionClientToServer'
  | 'compressionServerToClient'
>

export interface KexinitObservation extends OfferedLists {
  /** the server's identification line, e.g. `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6` */
  banner: string
  /** lines the server sent before its identification line (RFC 4253 §4.2), capped */
  preBannerLines: string[]
  /** `kex-strict-s-v00@openssh.com` was in the kex list (Terrapin countermeasure) */
  strictKex: boolean
  /** the raw KEXINIT payload as hex: public protocol data, so verdicts can be re-derived */
  payloadHex: string
  durationMs: number
}

export interface HostKeyRecord {
  /** signature algorithm the handshake was restricted to, e.g. `rsa-sha2-512` */
  algorithm: string
  /** key type from the key blob: `ssh-rsa`, `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-dss`, … */
  keyType: string
  bits?: number
  curve?: string
  /** `SHA256:…` exactly as `ssh-keygen -lf` prints it */
  fingerprint: string
}

export interface HostKeysObservation {
  keys: HostKeyRecord[]
  /** offered host-key algorithms the probe could not handshake with (certificates, security keys, …) */
  notProbed: string[]
  /** algorithms whose handshake failed, with the reason */
  failed: { algorithm: string; error: string }[]
}

export interface AuthMethodsObservation {
  /** the user name sent with the `none` request */
  user: string
  /** methods the server says can continue; empty when `none` itself succeeded */
  methods: string[]
  /** the server accepted `none`: anyone gets in without credentials */
  noneAccepted: boolean
}

/** Whether the host key matched the inventory's pin. */
export interface HostKeyPin {
  expected?: string
  /** fingerprints seen in this run's handshakes */
  seen: string[]
  /**
   * `match`: a handshake presented the pinned key; `mismatch`: handshakes happened and none did;
   * `tofu`: no pin configured — trusted on first use, fingerprint recorded; `unknown`: no handshake ran
   */
  status: 'match' | 'mismatch' | 'tofu' | 'unknown'
}

export interface SshdConfigObservation {
  /** how the effective configuration was read */
  source: 'sshd -T' | 'config-files'
  /** the configuration file of the daemon that served the login (from its command line) */
  configFile: string
  /** files read when source is `config-files` (main file plus Include expansion) */
  filesRead: string[]
  /** lower-cased keyword → value, first occurrence wins (sshd semantics); Match blocks not applied */
  settings: Record<string, string>
  /** Match blocks seen in config files: their conditions may change settings for some connections */
  matchBlocks: string[]
  /** settings inside Match blocks (config files only): they apply to the connections the block matches */
  conditional?: { match: string; keyword: string; value: string }[]
  /** why `sshd -T` was not used, when it was not */
  fallbackReason?: string
}

export interface LoginObservation {
  user: string
  /** `SHA256:…` of the host key the login accepted */
  hostKeyFingerprint: string
  sshdConfig?: SshdConfigObservation | { error: PartError }
}

export type KeyFormat =
  | 'openssh-v1'
  | 'pem-pkcs1'
  | 'pem-sec1'
  | 'pem-dsa'
  | 'pkcs8'
  | 'pkcs8-encrypted'
  | 'putty-v2'
  | 'putty-v3'
  | 'sshcom'
  | 'openssh-public'
  | 'authorized-keys'
  | 'rfc4716-public'
  | 'pem-spki-public'
  | 'pem-pkcs1-public'

export interface KeyProtection {
  encrypted: boolean
  /** e.g. `aes256-ctr`, `AES-128-CBC`, `aes-256-cbc` */
  cipher?: string
  /** e.g. `bcrypt`, `EVP_BytesToKey-MD5`, `PBKDF2-hmacWithSHA256`, `Argon2id`, `SHA-1` */
  kdf?: string
  /** bcrypt rounds, PBKDF2 iterations, Argon2 passes */
  rounds?: number
  /** why the protection is weak, when it is (a finding detail of its own) */
  weaknesses: string[]
}

export interface KeyRecord {
  /** path of the file (remote path for SFTP, path relative to the folder for key folders) */
  file: string
  /** 1-based line, for public key lines and authorized_keys entries */
  line?: number
  kind: 'private' | 'public'
  format: KeyFormat
  /** `rsa`, `dsa`, `ecdsa`, `ed25519`, `ed448`, `ecdsa-sk`, `ed25519-sk`, or `unknown` when encrypted and unreadable */
  type: string
  bits?: number
  curve?: string
  /** `measured` from the key, or `estimated` from the encrypted blob's length when the passphrase would be needed */
  sizeSource?: 'measured' | 'estimated'
  /** SHA256 fingerprint of the public half, when it can be read without the passphrase */
  fingerprint?: string
  /** private keys only */
  protection?: KeyProtection
}

export interface KeysObservation {
  source: 'sftp' | 'local'
  /** the roots searched (keyPaths after glob expansion, or the folder) */
  roots: string[]
  filesExamined: number
  keys: KeyRecord[]
  /** files or folders that could not be read */
  unreadable: { path: string; error: string }[]
  /** the search hit its file-count or depth bound: keys may exist beyond what was examined */
  truncated: boolean
  /** files skipped because they were larger than the per-file bound (no key file is that big) */
  oversized: number
}

export type Part<T> = T | { error: PartError }

export interface SshObservation {
  target: { name: string; host: string; address: string; port: number }
  kexinit?: Part<KexinitObservation>
  hostKeys?: Part<HostKeysObservation>
  authMethods?: Part<AuthMethodsObservation>
  login?: Part<LoginObservation>
  keys?: Part<KeysObservation>
  /** the host behind the server: allow-listed read-only commands run over the audit login (checks/host) */
  host?: Part<HostObservation>
  hostKeyPin: HostKeyPin
  /** TCP connections this observation opened (OpenSSH 9.8+ penalises sources that open many) */
  connections: number
}

export interface KeyDirObservation {
  target: { name: string; path: string }
  keys: Part<KeysObservation>
}
