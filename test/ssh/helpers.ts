// Shared by the SSH suites: an ObserveContext without the runner, a scan for leaked secrets, and
// the hand-made observation of a hardened server that the unit suites vary.
import type { KexinitObservation, SshObservation } from '../../checks/ssh/observation.ts'
import type { ObserveContext } from '../../checks/types.ts'

export function observeContext(needs: string[], timeoutMs = 4000): ObserveContext {
  return { needs: new Set(needs), timeoutMs, extraCaPems: [], limit: (_host, fn) => fn() }
}

/** Every distinct 24-character window of the secret's base64 body (and the secret itself) that appears in `haystack`. */
export function leaks(haystack: string, secrets: string[]): string[] {
  const found: string[] = []
  for (const s of secrets) {
    if (s.length < 24) {
      if (haystack.includes(s)) found.push(s)
      continue
    }
    for (let i = 0; i + 24 <= s.length; i += 12) {
      const w = s.slice(i, i + 24)
      if (haystack.includes(w)) {
        found.push(w)
        break
      }
    }
  }
  return found
}

/** The base64 body of a PEM / OpenSSH / PuTTY private key file, without headers and line breaks. */
export function keyBody(text: string): string {
  return text
    .split(/\r?\n/)
    .filter((l) => l && !l.startsWith('-----') && !l.startsWith('----') && !/^[A-Za-z0-9-]+: /.test(l))
    .join('')
}

/** The KEXINIT of a hardened OpenSSH 9.6: strict kex, post-quantum and curve25519 key exchange, AEAD ciphers, one ETM MAC. */
export const HARDENED_KEXINIT: KexinitObservation = {
  banner: 'SSH-2.0-OpenSSH_9.6',
  preBannerLines: [],
  strictKex: true,
  payloadHex: '14',
  durationMs: 3,
  kex: ['mlkem768x25519-sha256', 'curve25519-sha256', 'ext-info-s', 'kex-strict-s-v00@openssh.com'],
  hostKeyAlgorithms: ['ssh-ed25519'],
  ciphersClientToServer: ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com'],
  ciphersServerToClient: ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com'],
  macsClientToServer: ['hmac-sha2-512-etm@openssh.com'],
  macsServerToClient: ['hmac-sha2-512-etm@openssh.com'],
  compressionClientToServer: ['none'],
  compressionServerToClient: ['none'],
}

/** A server observed with HARDENED_KEXINIT, one ed25519 host key and publickey authentication only (no login, no key search); `over` replaces whole parts. */
export function hardenedServer(over: Partial<SshObservation> = {}): SshObservation {
  return {
    target: { name: 'srv', host: 'srv.example.test', address: '127.0.0.1', port: 22 },
    hostKeyPin: { seen: ['SHA256:abc'], status: 'tofu' },
    connections: 2,
    kexinit: HARDENED_KEXINIT,
    hostKeys: { keys: [{ algorithm: 'ssh-ed25519', keyType: 'ssh-ed25519', bits: 256, fingerprint: 'SHA256:abc' }], notProbed: [], failed: [] },
    authMethods: { user: 'vigil-probe', methods: ['publickey'], noneAccepted: false },
    ...over,
  }
}
