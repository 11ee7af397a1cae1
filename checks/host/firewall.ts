// host.firewall — inbound traffic is denied by default, for IPv4 and IPv6: some nftables base chain
// of type filter on the input hook (family inet, or ip and ip6 each) drops what no rule of it lets
// through, by its policy or by an unconditional drop or reject. The rules are read (`nft -j list
// ruleset`, JSON), never changed; the ports listening (`ss -H -tuln`) are listed beside the verdict.
//
// How nftables decides (checked on a bookworm kernel, two base chains on one hook): `accept` ends
// only the chain it is in — the packet goes on through the next base chain of the hook — while
// `drop` is final. So one denying chain is enough, and an accept-everything chain at another
// priority does not undo it; what does is an unconditional accept (or a jump to one) inside the
// denying chain itself, before its drop: then that chain accepts everything.
//
// What this check cannot see: a host filtering with iptables-legacy (the xtables kernel tables, not
// nftables) shows no nftables rule for it, and is judged open; the allow-list has no iptables-save,
// so Vigil cannot tell such a host from one with no firewall (the offender's why says so). Rules of
// iptables-nft are nftables rules and are judged like any other.
import type { CheckDefinition, Offender } from '../types.ts'
import type { SshObservation } from '../ssh/observation.ts'
import { endpoint } from '../ssh/observation-parts.ts'
import { hostPart } from './observation.ts'
import { commandEvidence, hostCommands } from './host-parts.ts'

type Family = 'inet' | 'ip' | 'ip6'
const INPUT_FAMILIES: readonly string[] = ['inet', 'ip', 'ip6']

export interface NftRule {
  handle: number | undefined
  expr: Record<string, unknown>[]
}

export interface NftChain {
  family: string
  table: string
  name: string
  /** base chains only */
  type?: string
  hook?: string
  prio?: number | string
  policy?: string
  rules: NftRule[]
}

/** Chains of `nft -j list ruleset` with their rules, keyed `family table name`; undefined when it is not that JSON. */
export function parseRuleset(text: string): { tables: number; chains: Map<string, NftChain> } | undefined {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return undefined
  }
  const items = (doc as { nftables?: unknown })?.nftables
  if (!Array.isArray(items)) return undefined
  const chains = new Map<string, NftChain>()
  let tables = 0
  const key = (o: { family?: unknown; table?: unknown }, name: unknown) => `${String(o.family)} ${String(o.table)} ${String(name)}`
  for (const item of items as Record<string, Record<string, unknown>>[]) {
    if (item?.table) tables++
    const c = item?.chain
    if (c) {
      chains.set(key(c, c.name), {
        family: String(c.family),
        table: String(c.table),
        name: String(c.name),
        ...(typeof c.type === 'string' ? { type: c.type } : {}),
        ...(typeof c.hook === 'string' ? { hook: c.hook } : {}),
        ...(typeof c.prio === 'number' || typeof c.prio === 'string' ? { prio: c.prio } : {}),
        ...(typeof c.policy === 'string' ? { policy: c.policy } : {}),
        rules: [],
      })
    }
  }
  // rules come after their chains in nft's output, but nothing here relies on it
  for (const item of items as Record<string, Record<string, unknown>>[]) {
    const r = item?.rule
    if (!r) continue
    const chain = chains.get(key(r, r.chain))
    if (chain) chain.rules.push({ handle: typeof r.handle === 'number' ? r.handle : undefined, expr: Array.isArray(r.expr) ? (r.expr as Record<string, unknown>[]) : [] })
  }
  return { tables, chains }
}

/** Statements that match nothing: a rule made of them and a verdict applies its verdict to every packet. */
const NOT_A_MATCH = ['counter', 'log', 'mangle']
const VERDICTS = ['accept', 'drop', 'reject', 'jump', 'goto', 'return', 'continue', 'queue']

/** What becomes of a packet no condition of the chain matches, and the rule that decides it. */
interface Fate {
  /** `end`: it falls off the chain (a base chain's policy decides) */
  fate: 'accept' | 'drop' | 'end' | 'other'
  by?: string
}

/** nft refuses jumps deeper than this; a ruleset claiming more cannot be one the kernel runs */
const MAX_JUMP_DEPTH = 16
const exprKind = (e: unknown): string => (e && typeof e === 'object' ? (Object.keys(e)[0] ?? '') : '')

function fallThrough(chain: NftChain, chains: Map<string, NftChain>, seen: Set<NftChain>): Fate {
  if (seen.has(chain)) return { fate: 'other', by: `a loop through chain ${chain.name}` }
  if (seen.size > MAX_JUMP_DEPTH) return { fate: 'other', by: `jumps deeper than ${MAX_JUMP_DEPTH} chains (at ${chain.name})` }
  seen = new Set(seen).add(chain)
  for (const rule of chain.rules) {
    const verdict = rule.expr.at(-1)
    const kind = exprKind(verdict) || undefined
    // a rule without a verdict (counter, log, set a mark…) lets every packet on; a condition, the others
    if (!verdict || !VERDICTS.includes(kind ?? '') || !rule.expr.slice(0, -1).every((e) => NOT_A_MATCH.includes(exprKind(e)))) continue
    const at = `rule ${rule.handle ?? '?'} of ${chain.name}`
    if (kind === 'accept') return { fate: 'accept', by: `an unconditional accept (${at})` }
    if (kind === 'drop' || kind === 'reject') return { fate: 'drop', by: `an unconditional ${kind} (${at})` }
    if (kind === 'return') return { fate: 'end' }
    if (kind === 'jump' || kind === 'goto') {
      const target = chains.get(`${chain.family} ${chain.table} ${String(((verdict as Record<string, unknown>)[kind] as { target?: unknown } | null)?.target)}`)
      if (!target) return { fate: 'other', by: `${kind} to a chain not in the ruleset (${at})` }
      const f = fallThrough(target, chains, seen)
      // a jump that falls off its target comes back here; a goto does not
      if (f.fate !== 'end' || kind === 'goto') return f.by ? { fate: f.fate, by: `${kind} ${target.name} (${at}): ${f.by}` } : f
      continue
    }
    if (kind === 'continue') continue
    // queue hands the packet to a program: not a drop Vigil can vouch for
    return { fate: 'other', by: `an unconditional ${kind} (${at})` }
  }
  return { fate: 'end' }
}

/** the same order on every machine, whatever its locale */
const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export interface InputChain {
  chain: string
  family: Family
  priority: number | string | null
  policy: string
  /** what becomes of inbound traffic no rule lets through */
  unmatched: 'drop' | 'accept' | 'other'
  /** the policy, or the rule that decides it */
  by: string
}

/** The filter chains on the input hook, and whether each denies by default. */
export function inputChains(chains: Map<string, NftChain>): InputChain[] {
  return [...chains.values()]
    .filter((c) => c.hook === 'input' && c.type === 'filter' && INPUT_FAMILIES.includes(c.family))
    .map((c) => {
      const policy = c.policy ?? 'accept'
      const f = fallThrough(c, chains, new Set())
      const unmatched = f.fate === 'end' ? (policy === 'drop' ? 'drop' : policy === 'accept' ? 'accept' : 'other') : f.fate
      return { chain: `${c.family} ${c.table} ${c.name}`, family: c.family as Family, priority: c.prio ?? null, policy, unmatched, by: f.fate === 'end' ? `policy ${policy}` : f.by! }
    })
    .sort((a, b) => byCode(a.chain, b.chain))
}

export interface Listener {
  proto: string
  address: string
  port: number
}

/** `ss -H -tuln`: `netid state recv-q send-q local:port peer:port` per socket; sorted, no duplicates. */
export function parseListening(text: string): Listener[] {
  const seen = new Map<string, Listener>()
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    const m = f.length >= 5 ? /^(.*):(\d+)$/.exec(f[4]!) : null
    if (!m || !/^(tcp|udp)/.test(f[0]!)) continue
    const l = { proto: f[0]!, address: m[1]!, port: Number(m[2]) }
    seen.set(label(l), l)
  }
  return [...seen.values()].sort((a, b) => byCode(a.proto, b.proto) || a.port - b.port || byCode(a.address, b.address))
}

const label = (l: Listener) => `${l.proto} ${l.address}:${l.port}`
const loopback = (l: Listener) => /^(127\.|\[::1\]|\[::ffff:127\.)/.test(l.address) || /%lo$/.test(l.address)
const ipv6 = (l: Listener) => l.address.startsWith('[') || l.address === '*'
const ipv4 = (l: Listener) => !l.address.startsWith('[')

export const hostFirewall: CheckDefinition<SshObservation, Record<string, never>> = {
  id: 'host.firewall',
  kinds: ['ssh'],
  title: 'Inbound traffic is denied by default (nftables), for IPv4 and IPv6',
  description:
    'no nftables filter chain on the input hook (family inet, or ip and ip6) drops the inbound traffic its rules do not let through — by policy drop or an unconditional final drop or reject, with no unconditional accept before it — for IPv4, IPv6 or both; the listening ports are listed',
  params: [],
  severity: {
    level: 'high',
    reason: 'without a default deny every service that listens is reachable, including those meant to stay local and those nobody remembers starting',
  },
  population: "the host's inbound IPv4 and IPv6 traffic, as its nftables input chains filter it",
  needs: [hostPart('os-release'), hostPart('nftables'), hostPart('listening')],
  judge(obs) {
    const got = hostCommands(obs, ['nftables', 'listening'])
    if ('verdict' in got) return got.verdict
    const evidence = commandEvidence(got.data)
    const ruleset = parseRuleset(got.data.nftables!.stdout)
    const listening = parseListening(got.data.listening!.stdout)
    const observed: Record<string, unknown> = { endpoint: endpoint(obs), listening: listening.map(label) }
    const expected = { inputDefaultDeny: { ipv4: true, ipv6: true } }
    if (!ruleset) {
      const why = `"${got.data.nftables!.command}" printed no nftables JSON`
      return { status: 'error', errorKind: 'protocol', summary: why, expected, actual: {}, observed, evidence, offenders: [{ id: 'command/nftables', why }] }
    }
    const chains = inputChains(ruleset.chains)
    const denies = (families: string[]) => chains.some((c) => families.includes(c.family) && c.unmatched === 'drop')
    const deny = { ipv4: denies(['inet', 'ip']), ipv6: denies(['inet', 'ip6']) }
    Object.assign(observed, { ruleset: { tables: ruleset.tables, chains: ruleset.chains.size, rules: [...ruleset.chains.values()].reduce((n, c) => n + c.rules.length, 0) }, inputChains: chains, inputDefaultDeny: deny })
    const actual = { inputDefaultDeny: deny }

    const open = (which: (l: Listener) => boolean) => {
      const ports = listening.filter((l) => which(l) && !loopback(l)).map(label)
      return ports.length ? `listening: ${ports.join(', ')}` : 'nothing listens beyond loopback now'
    }
    const chainsSaid = chains.length
      ? `the input chains accept it (${chains.map((c) => `${c.chain}: ${c.by}`).join('; ')})`
      : 'no nftables chain filters the input hook (a host filtering with iptables-legacy shows none here: Vigil reads nftables only)'
    const offenders: Offender[] = []
    if (!deny.ipv4 && !deny.ipv6) offenders.push({ id: 'firewall/input-open', why: `inbound traffic is accepted by default: ${chainsSaid}; ${open(() => true)}` })
    else if (!deny.ipv6) offenders.push({ id: 'firewall/input-open-ipv6', why: `inbound IPv6 traffic is accepted by default: only IPv4 (family ip) is denied by default; ${open(ipv6)}` })
    else if (!deny.ipv4) offenders.push({ id: 'firewall/input-open-ipv4', why: `inbound IPv4 traffic is accepted by default: only IPv6 (family ip6) is denied by default; ${open(ipv4)}` })
    if (offenders.length) return { status: 'failed', summary: offenders.map((o) => o.why).join('; '), expected, actual, observed, evidence, offenders }
    const by = chains.filter((c) => c.unmatched === 'drop').map((c) => `${c.chain} (${c.by})`)
    return { status: 'passed', summary: `inbound IPv4 and IPv6 traffic is denied by default: ${by.join(', ')}; ${listening.length} listening socket(s) listed`, expected, actual, observed, evidence }
  },
}
