// host.sshd-effective — the daemon's effective configuration (`sshd -T` over the audit login, as root
// or through `sudo -n`; its configuration files when that is not allowed) judged by the same default
// policy as the outside-in SSH checks (ssh.server.kex, .ciphers, .macs, .host-keys, .password-auth:
// their deny lists and defaults are imported, never copied), and compared with what the server offers
// outside (its KEXINIT, its answer to a `none` request). PermitRootLogin is recorded, not judged:
// ssh.server.root-login judges it, and a root audit login needs it open. A difference between the two
// views means the configuration Vigil read is not the one in force: a reload pending, another daemon
// on the port, or a Match block that applies to the probe but not to root.
//
// Offenders: `sshd/<keyword>/<value>` for a denied value (`sshd/ciphers/aes128-cbc`,
// `sshd/passwordauthentication/yes`), `view/<keyword>` for a keyword whose two views disagree.
import type { CheckDefinition, EvidenceItem, Offender, Severity, Verdict } from '../types.ts'
import { kexinitEvidence, matchesAny, PSEUDO_KEX, settleOffenders } from '../ssh/algorithm-policy.ts'
import { SSH_PARTS, type AuthMethodsObservation, type KexinitObservation, type SshdConfigObservation, type SshObservation } from '../ssh/observation.ts'
import { endpoint, hostKeyTrustEvidence, part } from '../ssh/observation-parts.ts'
import { KEX_DENY, MODERN_KEX, serverKex } from '../ssh/server-kex.ts'
import { CIPHER_DENY } from '../ssh/server-ciphers.ts'
import { MAC_DENY, serverMacs } from '../ssh/server-macs.ts'
import { HOST_KEY_ALGORITHM_DENY } from '../ssh/server-host-keys.ts'
import { serverPasswordAuth } from '../ssh/server-password-auth.ts'
import { effectivePermitRootLogin } from '../ssh/sshd-config.ts'

/** a parameter's default as the outside-in check declares it: one policy, two views */
const defaultOf = <T>(check: { params: { name: string; default: unknown }[] }, name: string): T => check.params.find((p) => p.name === name)!.default as T
const DENY_NIST_WITHOUT_CURVE25519 = defaultOf<boolean>(serverKex, 'denyNistWithoutCurve25519')
const REQUIRE_ETM = defaultOf<boolean>(serverMacs, 'requireEtm')
const FORBIDDEN_METHODS = defaultOf<string[]>(serverPasswordAuth, 'forbidden')

type ListKeyword = 'kexalgorithms' | 'ciphers' | 'macs' | 'hostkeyalgorithms'
type AuthKeyword = 'passwordauthentication' | 'kbdinteractiveauthentication' | 'pubkeyauthentication'

interface ListRule {
  noun: string
  deny: readonly string[]
  /** what the server offers for it outside (both directions merged; pseudo-algorithms dropped) */
  wire: (k: KexinitObservation) => string[]
  /** the server offers only what it has a key for: the wire list is a subset of the setting, not equal to it */
  subsetOnWire?: boolean
  /** rules over the whole list, as the outside-in check applies them by default */
  extra?: (values: string[]) => { value: string; rule: string }[]
  severityOf?: (value: string) => Severity | undefined
}

const union = (a: string[], b: string[]) => [...new Set([...b, ...a])]
const noneIsHigh = (v: string): Severity | undefined => (v === 'none' ? 'high' : undefined)

export const LIST_RULES: Record<ListKeyword, ListRule> = {
  kexalgorithms: {
    noun: 'key-exchange method',
    deny: KEX_DENY,
    wire: (k) => k.kex.filter((a) => !PSEUDO_KEX.includes(a)),
    extra: (values) =>
      DENY_NIST_WITHOUT_CURVE25519 && !values.some((a) => MODERN_KEX.includes(a)) ? values.filter((a) => matchesAny(a, ['ecdh-sha2-nistp*'])).map((value) => ({ value, rule: 'NIST curve without curve25519' })) : [],
  },
  ciphers: { noun: 'cipher', deny: CIPHER_DENY, wire: (k) => union(k.ciphersClientToServer, k.ciphersServerToClient), severityOf: noneIsHigh },
  macs: {
    noun: 'MAC',
    deny: MAC_DENY,
    wire: (k) => union(k.macsClientToServer, k.macsServerToClient),
    extra: (values) => (REQUIRE_ETM ? values.filter((a) => !a.endsWith('-etm@openssh.com')).map((value) => ({ value, rule: 'not encrypt-then-MAC' })) : []),
    severityOf: noneIsHigh,
  },
  hostkeyalgorithms: { noun: 'host-key algorithm', deny: HOST_KEY_ALGORITHM_DENY, wire: (k) => [...new Set(k.hostKeyAlgorithms)], subsetOnWire: true },
}
const LIST_KEYWORDS = Object.keys(LIST_RULES) as ListKeyword[]

/** each authentication keyword, the method it enables, and its compiled-in default (for config files that do not set it) */
const AUTH: Record<AuthKeyword, { method: string; compiledDefault: string }> = {
  passwordauthentication: { method: 'password', compiledDefault: 'yes' },
  kbdinteractiveauthentication: { method: 'keyboard-interactive', compiledDefault: 'yes' },
  pubkeyauthentication: { method: 'publickey', compiledDefault: 'yes' },
}
const AUTH_KEYWORDS = Object.keys(AUTH) as AuthKeyword[]

export interface EffectiveList {
  /** the algorithms the setting enables, as far as the source tells */
  values: string[]
  /** `sshd -T` (complete), `config` (a full list in the files), `config+default` (a +, - or ^ list, or none: the rest is the compiled-in default, taken as offered on the wire) */
  from: 'sshd -T' | 'config' | 'config+default'
  /** config files: names a `+`/`^` list adds and a `-` list removes */
  added?: string[]
  removed?: string[]
}

/** What a list keyword enables. From config files a `+`, `-` or `^` list (or none) changes OpenSSH's compiled-in default, which only the wire shows. */
export function effectiveList(cfg: SshdConfigObservation, keyword: ListKeyword, wire: string[] | undefined): EffectiveList {
  const raw = cfg.settings[keyword]
  const split = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean)
  if (cfg.source === 'sshd -T') return { values: split(raw ?? ''), from: 'sshd -T' }
  if (raw !== undefined && !/^[+\-^]/.test(raw)) return { values: split(raw), from: 'config' }
  const added = raw && /^[+^]/.test(raw) ? split(raw.slice(1)) : []
  const removed = raw?.startsWith('-') ? split(raw.slice(1)) : []
  const rest = (wire ?? []).filter((a) => !matchesAny(a, removed))
  return { values: [...new Set([...added, ...rest])], from: 'config+default', ...(raw !== undefined ? { added, removed } : {}) }
}

/** `AuthenticationMethods` lets the method be used (`any`, or some list names it). */
function methodsAllow(authenticationMethods: string | undefined, method: string): boolean {
  if (authenticationMethods === undefined || authenticationMethods.trim() === 'any') return true
  return authenticationMethods.split(/\s+/).some((list) => list.split(',').some((m) => m.split(':')[0] === method))
}

export const hostSshdEffective: CheckDefinition<SshObservation, Record<string, never>> = {
  id: 'host.sshd-effective',
  kinds: ['ssh'],
  title: "The effective sshd configuration allows nothing the SSH checks deny, and is what the server offers",
  description:
    "the daemon's effective configuration (sshd -T over the audit login; its configuration files when that is not allowed) enables a key-exchange method, cipher, MAC or host-key algorithm on the SSH checks' default deny lists, or password or keyboard-interactive authentication; or what the server offers outside (its KEXINIT lists, the methods it answers a `none` request with) differs from what that configuration enables",
  params: [],
  severity: {
    level: 'high',
    reason:
      'password logins enabled in the configuration, or a configuration that is not the one in force (a reload pending, another daemon on the port), leave the server open in ways the audited file does not show; a weak algorithm alone is medium, as in the outside-in checks, and the `none` cipher or MAC high',
  },
  population: "the daemon's effective sshd algorithm and authentication settings, and what the server offers outside",
  needs: [SSH_PARTS.login, SSH_PARTS.kexinit, SSH_PARTS.authMethods],
  judge(obs) {
    return settleOffenders(judgeSshdEffective(obs), 'server')
  },
}

function judgeSshdEffective(obs: SshObservation): Verdict {
  const l = part(obs, 'login')
  if ('verdict' in l) return l.verdict
  const cfg = l.data.sshdConfig
  const where = { endpoint: endpoint(obs), user: l.data.user }
  if (!cfg) return { status: 'error', errorKind: 'not-observed', summary: 'the sshd configuration was not read during the audit login', expected: {}, actual: {}, observed: where, evidence: [hostKeyTrustEvidence(obs)] }
  if ('error' in cfg) return { status: 'error', errorKind: cfg.error.kind, summary: cfg.error.message, expected: {}, actual: {}, observed: where, evidence: [hostKeyTrustEvidence(obs)] }
  const k = part(obs, 'kexinit')
  const a = part(obs, 'authMethods')
  const kex = 'data' in k ? k.data : undefined
  const auth = 'data' in a ? a.data : undefined
  const fromFiles = cfg.source === 'config-files'

  const offenders: Offender[] = []
  const denied: { keyword: string; value: string; rule: string; match?: string }[] = []
  const deny = (keyword: string, value: string, rule: string, why: string, severity?: Severity, match?: string) => {
    denied.push({ keyword, value, rule, ...(match !== undefined ? { match } : {}) })
    offenders.push({ id: `sshd/${keyword}/${value}`, why, ...(severity ? { severity } : {}) })
  }
  const inMatch = (match?: string) => (match === undefined ? '' : ` for connections matching "Match ${match.trim()}"`)

  // ---- the effective configuration, by the outside-in checks' default policy ----
  const effective: Record<string, unknown> = {}
  const lists = {} as Record<ListKeyword, EffectiveList>
  const judgeList = (keyword: ListKeyword, values: string[], match?: string) => {
    const rule = LIST_RULES[keyword]
    const found = new Map<string, string>()
    for (const v of values) {
      const p = matchesAny(v, rule.deny)
      if (p) found.set(v, p === v ? 'on the deny list' : `matches the deny pattern ${p}`)
    }
    for (const x of rule.extra?.(values) ?? []) if (!found.has(x.value)) found.set(x.value, x.rule)
    for (const [v, why] of found) deny(keyword, v, why, `${rule.noun} ${v} enabled by ${keyword}${inMatch(match)}: ${why}`, rule.severityOf?.(v) ?? 'medium', match)
  }
  for (const kw of LIST_KEYWORDS) {
    lists[kw] = effectiveList(cfg, kw, kex ? LIST_RULES[kw].wire(kex) : undefined)
    effective[kw] = lists[kw].values
    judgeList(kw, lists[kw].values)
  }
  const authValue = (kw: AuthKeyword, settings: Record<string, string>) =>
    (settings[kw] ?? (kw === 'kbdinteractiveauthentication' ? settings['challengeresponseauthentication'] : undefined) ?? (fromFiles ? AUTH[kw].compiledDefault : 'unset')).toLowerCase()
  const usable: Record<string, boolean> = {}
  for (const kw of AUTH_KEYWORDS) {
    const value = authValue(kw, cfg.settings)
    effective[kw] = value
    usable[kw] = value === 'yes' && methodsAllow(cfg.settings['authenticationmethods'], AUTH[kw].method)
    if (usable[kw] && FORBIDDEN_METHODS.includes(AUTH[kw].method))
      deny(kw, value, `${AUTH[kw].method} authentication`, `${kw} is ${value}${fromFiles && cfg.settings[kw] === undefined ? ' (not set in the files: the compiled-in default)' : ''}: the server accepts ${AUTH[kw].method} logins`)
  }
  if (cfg.settings['authenticationmethods'] !== undefined) effective['authenticationmethods'] = cfg.settings['authenticationmethods']
  // recorded, not judged: ssh.server.root-login judges PermitRootLogin (and a root audit login needs it open)
  effective['permitrootlogin'] = effectivePermitRootLogin(cfg.settings).value
  // config files: Match blocks change these settings for the connections they match
  for (const c of cfg.conditional ?? []) {
    const value = c.value.replace(/^[+^]/, '')
    if ((LIST_KEYWORDS as string[]).includes(c.keyword) && !c.value.startsWith('-')) judgeList(c.keyword as ListKeyword, value.split(',').filter(Boolean), c.match)
    else if ((AUTH_KEYWORDS as string[]).includes(c.keyword) && c.value.toLowerCase() === 'yes' && FORBIDDEN_METHODS.includes(AUTH[c.keyword as AuthKeyword].method))
      deny(c.keyword, 'yes', `${AUTH[c.keyword as AuthKeyword].method} authentication`, `${c.keyword} is yes${inMatch(c.match)}`, undefined, c.match)
  }

  // ---- the two views: what the configuration enables against what the server offers ----
  const disagreements: { keyword: string; offeredNotEnabled: string[]; enabledNotOffered: string[] }[] = []
  const disagree = (keyword: string, offeredNotEnabled: string[], enabledNotOffered: string[], why: string) => {
    disagreements.push({ keyword, offeredNotEnabled, enabledNotOffered })
    offenders.push({ id: `view/${keyword}`, why })
  }
  const source = fromFiles ? 'the config files' : 'sshd -T'
  const notCompared: string[] = []
  if (kex) {
    for (const kw of LIST_KEYWORDS) {
      const rule = LIST_RULES[kw]
      const wire = rule.wire(kex)
      const eff = lists[kw]
      let outside: string[]
      let inside: string[]
      if (eff.from === 'config+default') {
        // only what the files name can disagree: the rest is the compiled-in default, known from the wire alone
        outside = wire.filter((x) => matchesAny(x, eff.removed ?? []))
        inside = (eff.added ?? []).filter((x) => !wire.includes(x))
        if (!eff.added && !eff.removed) notCompared.push(`${kw} (not set in the files)`)
      } else {
        outside = wire.filter((x) => !eff.values.includes(x))
        inside = rule.subsetOnWire ? [] : eff.values.filter((x) => !wire.includes(x))
      }
      if (outside.length || inside.length)
        disagree(
          kw,
          outside,
          inside,
          [outside.length ? `the server offers ${outside.join(', ')} that ${source} does not enable` : '', inside.length ? `${source} enables ${inside.join(', ')} that the server does not offer` : ''].filter(Boolean).join('; ') +
            ` (${kw}): the configuration read is not the one in force`,
        )
    }
  } else notCompared.push(...LIST_KEYWORDS)
  if (auth && !auth.noneAccepted) {
    for (const kw of AUTH_KEYWORDS) {
      const offered = auth.methods.includes(AUTH[kw].method)
      if (offered === usable[kw]) continue
      const said = `${kw} ${effective[kw]}${cfg.settings['authenticationmethods'] && cfg.settings['authenticationmethods'] !== 'any' ? `, AuthenticationMethods ${cfg.settings['authenticationmethods']}` : ''}`
      disagree(
        kw,
        offered ? [AUTH[kw].method] : [],
        offered ? [] : [AUTH[kw].method],
        offered
          ? `the server offers ${AUTH[kw].method} authentication to ${auth.user} outside, but ${source} (for root from the auditor's address) says ${said}`
          : `${source} (for root from the auditor's address) says ${said}, but the server does not offer ${AUTH[kw].method} authentication to ${auth.user} outside`,
      )
    }
  } else notCompared.push(...(auth ? ['authentication (the server accepted `none`: it listed no method)'] : AUTH_KEYWORDS))

  const viaFiles = fromFiles ? ` — read from the config files (${cfg.filesRead.join(', ')}): ${cfg.fallbackReason ?? 'sshd -T was not run'}` : ''
  const base = {
    expected: {
      deny: Object.fromEntries(LIST_KEYWORDS.map((kw) => [kw, LIST_RULES[kw].deny])),
      denyNistWithoutCurve25519: DENY_NIST_WITHOUT_CURVE25519,
      requireEtm: REQUIRE_ETM,
      forbiddenMethods: FORBIDDEN_METHODS,
      viewsAgree: true,
    },
    actual: { denied, disagreements },
    observed: {
      ...where,
      source: cfg.source,
      configFile: cfg.configFile,
      ...(cfg.fallbackReason ? { fallbackReason: cfg.fallbackReason } : {}),
      ...(fromFiles ? { filesRead: cfg.filesRead, matchBlocks: cfg.matchBlocks } : {}),
      effective,
      ...(kex ? { offered: Object.fromEntries(LIST_KEYWORDS.map((kw) => [kw, LIST_RULES[kw].wire(kex)])) } : {}),
      ...(auth ? { offeredMethods: { user: auth.user, methods: auth.methods, noneAccepted: auth.noneAccepted } } : {}),
      ...(notCompared.length ? { notCompared } : {}),
    },
    evidence: evidence(obs, cfg, kex, auth),
  }
  if (offenders.length) {
    const parts = [denied.length ? `${denied.length} denied setting(s): ${denied.slice(0, 5).map((d) => `${d.keyword} ${d.value}`).join(', ')}${denied.length > 5 ? ', …' : ''}` : '', disagreements.length ? `the views disagree on ${disagreements.map((d) => d.keyword).join(', ')}` : '']
    return { ...base, status: 'failed', summary: `${endpoint(obs)}: ${parts.filter(Boolean).join('; ')} (from ${cfg.source})${viaFiles}`, offenders }
  }
  // nothing denied, but a view that could not be read leaves the agreement undecided
  const missing = ['verdict' in k ? k.verdict : undefined, 'verdict' in a ? a.verdict : undefined].filter((v): v is Verdict => !!v)
  if (missing.length)
    return {
      ...base,
      status: 'error',
      errorKind: missing[0]!.errorKind ?? 'not-observed',
      summary: `nothing in the effective configuration is denied, but it could not be compared with what the server offers: ${missing.map((v) => v.summary).join('; ')}`,
      offenders: [{ id: 'server', why: missing.map((v) => v.summary).join('; ') }],
    }
  return {
    ...base,
    status: 'passed',
    summary: `the effective configuration (${cfg.source}) enables nothing denied and agrees with what the server offers${notCompared.length ? ` (not compared: ${notCompared.join('; ')})` : ''}${viaFiles}`,
  }
}

function evidence(obs: SshObservation, cfg: SshdConfigObservation, kex: KexinitObservation | undefined, auth: AuthMethodsObservation | undefined): EvidenceItem[] {
  return [
    {
      kind: 'sshd-config',
      description: cfg.source === 'sshd -T' ? `effective settings from sshd -T -f ${cfg.configFile} (for user root from the auditor's address)` : `settings read from ${cfg.filesRead.join(', ')} (sshd -T not allowed: ${cfg.fallbackReason ?? 'unknown'})`,
      data: cfg,
    },
    ...(kex ? [kexinitEvidence(obs, kex)] : []),
    ...(auth ? [{ kind: 'auth-methods', description: `methods ${endpoint(obs)} listed after a \`none\` request for user ${auth.user} (no credentials sent)`, data: auth }] : []),
    hostKeyTrustEvidence(obs),
  ]
}
