// host.firewall as a pure judge, on what `nft -j list ruleset` (nftables 1.0.6, Debian bookworm) and
// `ss -H -tuln` print: each ruleset below was loaded with `nft -f` into an empty network namespace and
// listed back. Both verdicts, the IPv6 gap, and every way the host can fail to answer (never a pass).
import { describe, expect, it } from 'vitest'
import { hostFirewall, inputChains, parseListening, parseRuleset } from '../../checks/host/firewall.ts'
import type { SshObservation } from '../../checks/ssh/observation.ts'
import { host, rec } from './host-observations.ts'

const NOW = { now: new Date('2026-12-03T12:00:00Z') }
const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'

/** the test hosts' baseline: policy drop, loopback, replies and SSH let through (lab/hosts/baseline.sh) */
const INET_DROP = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"table\": {\"family\": \"inet\", \"name\": \"filter\", \"handle\": 1}}, {\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"input\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"drop\"}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 2, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iif\"}}, \"right\": \"lo\"}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 3, \"expr\": [{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"established\", \"related\"]}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 4, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 22}}, {\"accept\": null}]}}]}"
/** the same, family ip: IPv4 only */
const IP_ONLY = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"table\": {\"family\": \"ip\", \"name\": \"filter\", \"handle\": 1}}, {\"chain\": {\"family\": \"ip\", \"table\": \"filter\", \"name\": \"input\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"drop\"}}, {\"rule\": {\"family\": \"ip\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 2, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iif\"}}, \"right\": \"lo\"}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"ip\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 3, \"expr\": [{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"established\", \"related\"]}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"ip\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 4, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 22}}, {\"accept\": null}]}}]}"
/** policy accept, the last rule an unconditional `counter log … reject` */
const FINAL_REJECT = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"table\": {\"family\": \"inet\", \"name\": \"filter\", \"handle\": 1}}, {\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"input\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"accept\"}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 2, \"expr\": [{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"established\", \"related\"]}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 3, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 22}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 4, \"expr\": [{\"counter\": {\"packets\": 0, \"bytes\": 0}}, {\"log\": {\"prefix\": \"inbound drop: \"}}, {\"reject\": {\"type\": \"icmpx\", \"expr\": \"admin-prohibited\"}}]}}]}"
/** ip INPUT policy drop, ip6 INPUT policy accept ending in an unconditional `counter drop` */
const IP_AND_IP6 = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"table\": {\"family\": \"ip\", \"name\": \"filter\", \"handle\": 1}}, {\"chain\": {\"family\": \"ip\", \"table\": \"filter\", \"name\": \"INPUT\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"drop\"}}, {\"rule\": {\"family\": \"ip\", \"table\": \"filter\", \"chain\": \"INPUT\", \"handle\": 2, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 22}}, {\"accept\": null}]}}, {\"table\": {\"family\": \"ip6\", \"name\": \"filter\", \"handle\": 2}}, {\"chain\": {\"family\": \"ip6\", \"table\": \"filter\", \"name\": \"INPUT\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"accept\"}}, {\"rule\": {\"family\": \"ip6\", \"table\": \"filter\", \"chain\": \"INPUT\", \"handle\": 2, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 22}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"ip6\", \"table\": \"filter\", \"chain\": \"INPUT\", \"handle\": 3, \"expr\": [{\"counter\": {\"packets\": 0, \"bytes\": 0}}, {\"drop\": null}]}}]}"
/** policy drop, but an unconditional `jump allow` to a chain that accepts everything */
const JUMP_ACCEPT_ALL = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"table\": {\"family\": \"inet\", \"name\": \"filter\", \"handle\": 1}}, {\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"allow\", \"handle\": 1}}, {\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"input\", \"handle\": 2, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"drop\"}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"allow\", \"handle\": 3, \"expr\": [{\"accept\": null}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 4, \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 22}}, {\"accept\": null}]}}, {\"rule\": {\"family\": \"inet\", \"table\": \"filter\", \"chain\": \"input\", \"handle\": 5, \"expr\": [{\"jump\": {\"target\": \"allow\"}}]}}]}"
/** `nft flush ruleset`: nothing at all */
const EMPTY = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}]}"
/** an accept-everything chain at priority -10 (earlier) beside a policy-drop chain at 0 */
const EARLIER_ACCEPT_ALL = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"table\": {\"family\": \"inet\", \"name\": \"early\", \"handle\": 1}}, {\"chain\": {\"family\": \"inet\", \"table\": \"early\", \"name\": \"input\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", \"prio\": -10, \"policy\": \"accept\"}}, {\"rule\": {\"family\": \"inet\", \"table\": \"early\", \"chain\": \"input\", \"handle\": 2, \"expr\": [{\"accept\": null}]}}, {\"table\": {\"family\": \"inet\", \"name\": \"filter\", \"handle\": 2}}, {\"chain\": {\"family\": \"inet\", \"table\": \"filter\", \"name\": \"input\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"drop\"}}]}"
/** family ip6 only */
const IP6_ONLY = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}, {\"table\": {\"family\": \"ip6\", \"name\": \"filter\", \"handle\": 1}}, {\"chain\": {\"family\": \"ip6\", \"table\": \"filter\", \"name\": \"input\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"drop\"}}]}"

/** what ss printed for sshd (v4 and v6), a loopback-only CUPS, dhclient, a dual-stack mDNS socket and a resolver on lo */
const SS = [
  'udp UNCONN 0      0      127.0.0.53%lo:53   0.0.0.0:*',
  'udp UNCONN 0      0         0.0.0.0:68   0.0.0.0:*',
  'udp UNCONN 0      0               *:5353       *:*',
  'tcp LISTEN 0      128       0.0.0.0:22   0.0.0.0:*',
  'tcp LISTEN 0      128     127.0.0.1:631  0.0.0.0:*',
  'tcp LISTEN 0      128         [::1]:631     [::]:*',
  'tcp LISTEN 0      128          [::]:22      [::]:*',
].join('\n') + '\n'

const nft = (ruleset: string, ss = SS, os = DEBIAN) =>
  host({ 'os-release': rec('cat /etc/os-release', os), nftables: rec('sudo -n nft -j list ruleset', ruleset + '\n'), listening: rec('ss -H -tuln', ss) })
const judge = (obs: SshObservation) => hostFirewall.judge(obs, {}, NOW)

describe('host.firewall', () => {
  it('passes a policy-drop inet input chain, naming it, with the listening ports in observed', () => {
    const v = judge(nft(INET_DROP))
    expect(v).toMatchObject({
      status: 'passed',
      actual: { inputDefaultDeny: { ipv4: true, ipv6: true } },
      observed: {
        inputDefaultDeny: { ipv4: true, ipv6: true },
        inputChains: [{ chain: 'inet filter input', family: 'inet', priority: 0, policy: 'drop', unmatched: 'drop', by: 'policy drop' }],
        ruleset: { tables: 1, chains: 1, rules: 3 },
        listening: ['tcp 0.0.0.0:22', 'tcp [::]:22', 'tcp 127.0.0.1:631', 'tcp [::1]:631', 'udp 127.0.0.53%lo:53', 'udp 0.0.0.0:68', 'udp *:5353'],
      },
    })
    expect(v.summary).toMatch(/inet filter input \(policy drop\)/)
    expect(v.evidence.map((e) => e.data)).toMatchObject([{ id: 'os-release' }, { id: 'nftables' }, { id: 'listening' }])
  })

  it('passes a policy-accept chain whose last rule is an unconditional reject, and ip plus ip6 chains that each deny', () => {
    expect(judge(nft(FINAL_REJECT))).toMatchObject({ status: 'passed', observed: { inputChains: [{ policy: 'accept', unmatched: 'drop', by: 'an unconditional reject (rule 4 of input)' }] } })
    expect(judge(nft(IP_AND_IP6))).toMatchObject({
      status: 'passed',
      observed: { inputChains: [{ chain: 'ip filter INPUT', by: 'policy drop' }, { chain: 'ip6 filter INPUT', by: 'an unconditional drop (rule 3 of INPUT)' }] },
    })
  })

  it('an accept-everything chain at another priority does not undo a drop: accept ends only its own chain', () => {
    // checked on the kernel: with both chains loaded a connection to 127.0.0.1 is dropped, whether the
    // accepting chain runs at priority -10 or 10 (drop is final, accept is not)
    const v = judge(nft(EARLIER_ACCEPT_ALL))
    expect(v).toMatchObject({ status: 'passed' })
    expect(v.observed.inputChains).toEqual([
      { chain: 'inet early input', family: 'inet', priority: -10, policy: 'accept', unmatched: 'accept', by: 'an unconditional accept (rule 2 of input)' },
      { chain: 'inet filter input', family: 'inet', priority: 0, policy: 'drop', unmatched: 'drop', by: 'policy drop' },
    ])
  })

  it('fails an empty ruleset with firewall/input-open, naming the ports reachable from outside', () => {
    const v = judge(nft(EMPTY))
    expect(v.status).toBe('failed')
    expect(v.offenders).toEqual([
      {
        id: 'firewall/input-open',
        why: 'inbound traffic is accepted by default: no nftables chain filters the input hook (a host filtering with iptables-legacy shows none here: Vigil reads nftables only); listening: tcp 0.0.0.0:22, tcp [::]:22, udp 0.0.0.0:68, udp *:5353',
      },
    ])
    expect(v).toMatchObject({ actual: { inputDefaultDeny: { ipv4: false, ipv6: false } }, observed: { ruleset: { tables: 0, chains: 0, rules: 0 }, inputChains: [] } })
  })

  it('fails a policy-drop chain that jumps, unconditionally, to a chain accepting everything', () => {
    const v = judge(nft(JUMP_ACCEPT_ALL))
    expect(v).toMatchObject({ status: 'failed', offenders: [{ id: 'firewall/input-open' }] })
    expect(v.offenders![0]!.why).toMatch(/inet filter input: jump allow \(rule 5 of input\): an unconditional accept \(rule 3 of allow\)/)
  })

  it('fails IPv4-only (family ip) with firewall/input-open-ipv6 naming the IPv6 listeners, and IPv6-only with -ipv4', () => {
    expect(judge(nft(IP_ONLY))).toMatchObject({
      status: 'failed',
      actual: { inputDefaultDeny: { ipv4: true, ipv6: false } },
      offenders: [{ id: 'firewall/input-open-ipv6', why: 'inbound IPv6 traffic is accepted by default: only IPv4 (family ip) is denied by default; listening: tcp [::]:22, udp *:5353' }],
    })
    expect(judge(nft(IP6_ONLY))).toMatchObject({ status: 'failed', offenders: [{ id: 'firewall/input-open-ipv4', why: expect.stringMatching(/listening: tcp 0\.0\.0\.0:22, udp 0\.0\.0\.0:68, udp \*:5353$/) }] })
    expect(judge(nft(EMPTY, 'tcp LISTEN 0 128 127.0.0.1:631 0.0.0.0:*\n')).offenders![0]!.why).toMatch(/nothing listens beyond loopback now$/)
  })

  it('never passes what it could not read: sudo refused, no sudo, nft garbage, a flood, an unsupported system', () => {
    expect(judge(host({ error: { kind: 'not-observed', message: 'no audit login is configured for db1' } }))).toMatchObject({ status: 'error', errorKind: 'not-observed' })
    const noSudo = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), nftables: { error: { kind: 'access-denied', message: '"nft -j list ruleset" needs root' } }, listening: rec('ss -H -tuln', SS) })
    expect(judge(noSudo)).toMatchObject({ status: 'error', errorKind: 'access-denied', offenders: [{ id: 'command/nftables' }] })
    const refused = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), nftables: rec('sudo -n nft -j list ruleset', '', 1, { stderr: 'sudo: a password is required\n' }), listening: rec('ss -H -tuln', SS) })
    expect(judge(refused)).toMatchObject({ status: 'error', errorKind: 'access-denied', offenders: [{ id: 'command/nftables' }] })
    expect(judge(nft('table inet filter {\n}'))).toMatchObject({ status: 'error', errorKind: 'protocol', offenders: [{ id: 'command/nftables', why: '"sudo -n nft -j list ruleset" printed no nftables JSON' }] })
    expect(judge(nft(''))).toMatchObject({ status: 'error', errorKind: 'protocol' })
    const flood = host({ 'os-release': rec('cat /etc/os-release', DEBIAN), nftables: rec('sudo -n nft -j list ruleset', INET_DROP.slice(0, 100), null, { truncated: true }), listening: rec('ss -H -tuln', SS) })
    expect(judge(flood)).toMatchObject({ status: 'error', errorKind: 'protocol', summary: expect.stringMatching(/printed more than Vigil reads/) })
    expect(judge(nft(INET_DROP, SS, 'ID=fedora\nPRETTY_NAME="Fedora Linux 41"\n'))).toMatchObject({ status: 'error', errorKind: 'inconclusive' })
  })

  it('reads rules in any order, loops and missing targets are never a drop, only filter chains of inet/ip/ip6 on input count', () => {
    const doc = (...items: object[]) => JSON.stringify({ nftables: [{ metainfo: {} }, ...items] })
    const chain = (name: string, extra: object = {}) => ({ chain: { family: 'inet', table: 't', name, ...extra } })
    const rule = (c: string, handle: number, ...expr: object[]) => ({ rule: { family: 'inet', table: 't', chain: c, handle, expr } })
    const base = { type: 'filter', hook: 'input', prio: 0, policy: 'accept' }
    const fate = (text: string) => inputChains(parseRuleset(text)!.chains).map((c) => c.unmatched)
    // the rule before its chain; a counter alone is no verdict; a conditional drop is not a default
    expect(fate(doc(rule('in', 2, { counter: null }), rule('in', 3, { match: { op: '==', left: { meta: { key: 'iif' } }, right: 'eth0' } }, { drop: null }), rule('in', 4, { counter: null }, { drop: null }), chain('in', base)))).toEqual(['drop'])
    expect(fate(doc(chain('in', base), chain('a'), rule('in', 2, { jump: { target: 'a' } }), rule('a', 3, { jump: { target: 'a' } })))).toEqual(['other'])
    expect(fate(doc(chain('in', base), rule('in', 2, { goto: { target: 'gone' } })))).toEqual(['other'])
    // a jump to a chain that returns comes back; a goto to it ends at the base chain's policy
    expect(fate(doc(chain('in', { ...base, policy: 'drop' }), chain('r'), rule('r', 3, { return: null }), rule('in', 4, { jump: { target: 'r' } }), rule('in', 5, { drop: null })))).toEqual(['drop'])
    expect(fate(doc(chain('in', base), chain('r'), rule('r', 3, { return: null }), rule('in', 4, { goto: { target: 'r' } }), rule('in', 5, { drop: null })))).toEqual(['accept'])
    expect(fate(doc(chain('in', base), rule('in', 2, { queue: { num: 1 } })))).toEqual(['other'])
    expect(fate(doc(chain('out', { ...base, hook: 'output', policy: 'drop' }), chain('nat', { ...base, type: 'nat', policy: 'drop' }), { chain: { family: 'bridge', table: 't', name: 'b', ...base, policy: 'drop' } }))).toEqual([])
    expect(parseRuleset('[]')).toBeUndefined()
  })

  it('parses ss lines, skipping anything that is not a tcp or udp socket with a port', () => {
    expect(parseListening('garbage\nNetid State\ntcp LISTEN 0 5 [fe80::1]%eth0:8080 [::]:*\nudp UNCONN 0 0 0.0.0.0:68 0.0.0.0:*\nudp UNCONN 0 0 0.0.0.0:68 0.0.0.0:*\n')).toEqual([
      { proto: 'tcp', address: '[fe80::1]%eth0', port: 8080 },
      { proto: 'udp', address: '0.0.0.0', port: 68 },
    ])
  })
})

describe('host.firewall on what a reviewer fed it', () => {
  const chain = (name: string, hook?: string) => ({ chain: { family: 'inet', table: 'f', name, handle: 1, ...(hook ? { type: 'filter', hook, prio: 0, policy: 'accept' } : {}) } })
  const rule = (c: string, expr: unknown[]) => ({ rule: { family: 'inet', table: 'f', chain: c, handle: 2, expr } })
  const doc = (items: unknown[]) => JSON.stringify({ nftables: [{ metainfo: { json_schema_version: 1 } }, { table: { family: 'inet', name: 'f', handle: 1 } }, ...items] })
  it('a null expression is no throw and no pass', () => {
    const v = judge(nft(doc([chain('input', 'input'), rule('input', [null, { accept: null }])])))
    expect(v.status).not.toBe('passed')
  })
  it('4,000 chains jumping one to the next: bounded, no stack overflow, no pass', () => {
    const items: unknown[] = [chain('input', 'input'), rule('input', [{ jump: { target: 'c0' } }])]
    for (let i = 0; i < 4000; i++) items.push(chain(`c${i}`), rule(`c${i}`, [{ jump: { target: `c${i + 1}` } }]))
    items.push(chain('c4000'), rule('c4000', [{ drop: null }]))
    expect(judge(nft(doc(items))).status).not.toBe('passed')
  })
})
