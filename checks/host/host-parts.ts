// Reading the host commands a check needs out of an SSH observation, or the verdict that says why it
// cannot: no login, a refused login, a host that is not Debian or Ubuntu (unsupported), a command
// that failed, timed out, was denied or printed more than its bound.
import { errorVerdict, type EvidenceItem, type Verdict } from '../types.ts'
import type { SshObservation } from '../ssh/observation.ts'
import { endpoint } from '../ssh/observation-parts.ts'
import type { HostCommandId } from './commands.ts'
import type { CommandRecord } from './observation.ts'

/** The host's distribution from /etc/os-release: `ID` and `ID_LIKE`, `VERSION_ID`, `PRETTY_NAME`. */
export function osRelease(text: string): { id: string; like: string[]; version?: string; pretty?: string } {
  const v: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim())
    if (m) v[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1')
  }
  return { id: (v.ID ?? '').toLowerCase(), like: (v.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean), ...(v.VERSION_ID ? { version: v.VERSION_ID } : {}), ...(v.PRETTY_NAME ? { pretty: v.PRETTY_NAME } : {}) }
}

const SUPPORTED = ['debian', 'ubuntu']

/** One evidence item per command: the command, its exit code and what it printed (nothing secret is ever printed). */
export function commandEvidence(records: Partial<Record<HostCommandId, CommandRecord>>): EvidenceItem[] {
  return Object.entries(records).map(([id, r]) => ({ kind: 'host-command', description: `${r!.command} (exit ${r!.exitCode ?? 'none'}, ${r!.durationMs} ms)`, data: { id, ...r } }))
}

/**
 * The records of `ids` (os-release is always read first: only Debian and Ubuntu are judged), or the
 * error verdict naming what is missing. A command that exits non-zero is an error unless it is in
 * `nonZeroOk` (a command whose exit status is part of its answer).
 */
export function hostCommands(obs: SshObservation, ids: readonly HostCommandId[], nonZeroOk: readonly HostCommandId[] = []): { data: Partial<Record<HostCommandId, CommandRecord>> } | { verdict: Verdict } {
  const where = { endpoint: endpoint(obs) }
  const err = (kind: Parameters<typeof errorVerdict>[0], message: string, id: string): { verdict: Verdict } => ({ verdict: { ...errorVerdict(kind, message, where), offenders: [{ id, why: message }] } })
  const h = obs.host
  if (!h) return err('not-observed', 'the host commands were not run in this run', 'host')
  if ('error' in h) return err(h.error.kind, h.error.message, 'host')
  const data: Partial<Record<HostCommandId, CommandRecord>> = {}
  for (const id of ['os-release' as const, ...ids]) {
    const r = h.commands[id]
    if (!r) return err('not-observed', `the host command ${id} was not run in this run`, `command/${id}`)
    if ('error' in r) return err(r.error.kind, r.error.message, `command/${id}`)
    if (r.truncated) return err('protocol', `"${r.command}" printed more than Vigil reads of it; the rest is unknown`, `command/${id}`)
    if (r.exitCode !== 0 && !nonZeroOk.includes(id)) return err(/password is required|not allowed|permission denied|operation not permitted/i.test(r.stderr ?? '') ? 'access-denied' : 'protocol', `"${r.command}" failed (exit ${r.exitCode ?? 'none'}): ${(r.stderr ?? '').trim().split('\n')[0]?.slice(0, 200) ?? ''}`, `command/${id}`)
    data[id] = r
  }
  const os = osRelease(data['os-release']!.stdout)
  if (!SUPPORTED.includes(os.id) && !os.like.some((l) => SUPPORTED.includes(l)))
    return err('inconclusive', `unsupported operating system ${os.pretty ?? (os.id || 'unknown')}: the host checks judge Debian and Ubuntu hosts`, 'host/os')
  return { data }
}
