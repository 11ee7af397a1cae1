// host.disk-encryption — every mounted data filesystem sits on dm-crypt/LUKS: its block device has a
// `crypt` device on every path down from a disk in lsblk's tree (LVM inside LUKS, LUKS inside RAID,
// a crypt device mounted directly). The tree comes from `lsblk -J` (no root needed); /proc/mounts
// names the filesystems mounted from a block device, so one lsblk does not show is undetermined
// rather than silently left out.
//
// Judged by default: every mount point on a block device but /boot and /boot/efi (the boot loader
// must read them unencrypted) and swap (not a filesystem). Pseudo filesystems (proc, tmpfs, overlay,
// …) hold nothing at rest of their own. A loop device without a crypt device above it is listed as
// not judged: its data lies in a backing file, on a filesystem judged in its own right.
import type { CheckDefinition, Offender } from '../types.ts'
import type { SshObservation } from '../ssh/observation.ts'
import { endpoint } from '../ssh/observation-parts.ts'
import { hostPart } from './observation.ts'
import { commandEvidence, hostCommands } from './host-parts.ts'

export interface DiskEncryptionParams {
  /** the mount points to judge; default every mounted data filesystem */
  mountPoints?: string[]
}

const BOOT = ['/boot', '/boot/efi']
/** filesystems with nothing at rest of their own (memory, kernel views, unions of other filesystems) */
export const PSEUDO_FILESYSTEMS = [
  'proc', 'sysfs', 'tmpfs', 'devtmpfs', 'devpts', 'cgroup', 'cgroup2', 'securityfs', 'pstore', 'efivarfs', 'bpf', 'debugfs', 'tracefs',
  'configfs', 'fusectl', 'mqueue', 'hugetlbfs', 'autofs', 'binfmt_misc', 'rpc_pipefs', 'nsfs', 'overlay', 'ramfs', 'selinuxfs', 'nfsd',
]

/** One mounted filesystem as lsblk's tree shows it. */
export interface TreeMount {
  mountPoint: string
  device: string
  type: string
  /** every path from a disk to the device goes through a crypt device */
  encrypted: boolean
  /** the crypt devices on those paths */
  crypt: string[]
  /** device names on the first path, disk first */
  path: string[]
}

interface LsblkDevice {
  name?: unknown
  type?: unknown
  mountpoint?: unknown
  mountpoints?: unknown
  children?: unknown
}

/** Mount points of `lsblk -J` (MOUNTPOINTS of util-linux ≥ 2.37, or MOUNTPOINT), by mount point; undefined when it is not that JSON. */
class LsblkShapeError extends Error {}

export function parseLsblk(text: string): { devices: number; mounts: Map<string, TreeMount> } | undefined {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return undefined
  }
  const top = (doc as { blockdevices?: unknown })?.blockdevices
  if (!Array.isArray(top)) return undefined
  const mounts = new Map<string, TreeMount>()
  const names = new Set<string>()
  const walk = (d: LsblkDevice, above: { name: string; type: string }[]) => {
    // lsblk nests a few levels (disk, partition, crypt, LVM); anything else is not its output
    if (!d || typeof d !== 'object') return
    if (above.length > 32) throw new LsblkShapeError('lsblk -J nests devices more than 32 levels deep')
    const name = String(d.name ?? '?')
    const type = String(d.type ?? '?')
    names.add(name)
    const path = [...above, { name, type }]
    const points = (Array.isArray(d.mountpoints) ? d.mountpoints : [d.mountpoint]).filter((m): m is string => typeof m === 'string' && m !== '')
    const crypt = path.filter((p) => p.type === 'crypt').map((p) => p.name)
    for (const mountPoint of points) {
      const seen = mounts.get(mountPoint)
      // a device below several parents (RAID, LVM over two disks) shows once under each: all must be encrypted
      if (seen) mounts.set(mountPoint, { ...seen, encrypted: seen.encrypted && crypt.length > 0, crypt: [...new Set([...seen.crypt, ...crypt])] })
      else mounts.set(mountPoint, { mountPoint, device: name, type, encrypted: crypt.length > 0, crypt, path: path.map((p) => p.name) })
    }
    if (Array.isArray(d.children)) for (const c of d.children as LsblkDevice[]) walk(c, path)
  }
  try {
    for (const d of top as LsblkDevice[]) walk(d, [])
  } catch (e) {
    if (e instanceof LsblkShapeError) return undefined
    throw e
  }
  return { devices: names.size, mounts }
}

export interface ProcMount {
  source: string
  mountPoint: string
  fstype: string
}

/** /proc/mounts: `source mountpoint fstype options 0 0`, with \040-style escapes. */
export function parseProcMounts(text: string): ProcMount[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3)
    .map((f) => ({ source: unescape(f[0]!), mountPoint: unescape(f[1]!), fstype: f[2]! }))
}

/** the name lsblk gives the device a /proc/mounts source names: /dev/mapper/vg-root → vg-root, /dev/sda1 → sda1 */
const deviceName = (source: string) => source.replace(/^\/dev\/(mapper\/)?/, '')

export interface JudgedFilesystem {
  mountPoint: string
  device: string | null
  encrypted: boolean | null
  crypt: string[]
  fstype: string | null
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export const hostDiskEncryption: CheckDefinition<SshObservation, DiskEncryptionParams> = {
  id: 'host.disk-encryption',
  kinds: ['ssh'],
  title: 'Every mounted data filesystem is on dm-crypt/LUKS',
  description:
    "a mounted data filesystem's block device has no crypt (dm-crypt/LUKS) device above it on some path of lsblk's tree; a filesystem mounted from a block device lsblk does not show, or a named mount point that is not mounted, is undetermined",
  params: [{ name: 'mountPoints', description: 'the mount points to judge (default: every mounted filesystem on a block device but /boot, /boot/efi, swap and loop devices)', default: 'every data filesystem' }],
  severity: {
    level: 'high',
    reason: 'a disk that leaves the building unencrypted — stolen, returned under warranty, sold — gives away every file on it, and the operating system protects none of them',
  },
  population: 'the mounted data filesystems (lsblk -J, /proc/mounts)',
  needs: [hostPart('os-release'), hostPart('block-devices'), hostPart('mounts')],
  judge(obs, { mountPoints }) {
    const got = hostCommands(obs, ['block-devices', 'mounts'])
    if ('verdict' in got) return got.verdict
    const evidence = commandEvidence(got.data)
    const tree = parseLsblk(got.data['block-devices']!.stdout)
    const expected = { encrypted: true, mountPoints: mountPoints ?? 'every mounted data filesystem but /boot and /boot/efi' }
    if (!tree) {
      const why = `"${got.data['block-devices']!.command}" printed no lsblk JSON`
      return { status: 'error', errorKind: 'protocol', summary: why, expected, actual: {}, observed: { endpoint: endpoint(obs) }, evidence, offenders: [{ id: 'command/block-devices', why }] }
    }
    const proc = parseProcMounts(got.data.mounts!.stdout)
    const procAt = new Map(proc.map((m) => [m.mountPoint, m]))
    const byDevice = new Map([...tree.mounts.values()].map((m) => [m.device, m]))

    // what is judged: lsblk's mount points, and /proc/mounts' filesystems on a block device
    const judged = new Map<string, JudgedFilesystem>()
    const skipped: { mountPoint: string; why: string }[] = []
    for (const m of tree.mounts.values()) {
      const onProc = procAt.get(m.mountPoint)
      const fstype = onProc && deviceName(onProc.source) === m.device ? onProc.fstype : null
      // lsblk shows a mount point only for a filesystem mounted from that block device: judged whatever
      // /proc/mounts says is mounted over it now
      if (m.mountPoint === '[SWAP]') continue
      if (m.type === 'loop' && !m.encrypted) {
        skipped.push({ mountPoint: m.mountPoint, why: `on loop device ${m.device}: its data lies in a backing file, on a filesystem judged in its own right` })
        continue
      }
      judged.set(m.mountPoint, { mountPoint: m.mountPoint, device: m.device, encrypted: m.encrypted, crypt: m.crypt, fstype })
    }
    for (const p of proc) {
      if (judged.has(p.mountPoint) || skipped.some((s) => s.mountPoint === p.mountPoint) || PSEUDO_FILESYSTEMS.includes(p.fstype) || !p.source.startsWith('/dev/')) continue
      const dev = byDevice.get(deviceName(p.source))
      if (dev?.type === 'loop' && !dev.encrypted) continue
      // a bind mount, or a mount point lsblk's older MOUNTPOINT column left out: judged by its device
      judged.set(p.mountPoint, dev ? { mountPoint: p.mountPoint, device: dev.device, encrypted: dev.encrypted, crypt: dev.crypt, fstype: p.fstype } : { mountPoint: p.mountPoint, device: p.source, encrypted: null, crypt: [], fstype: p.fstype })
    }
    const selected = mountPoints
      ? mountPoints.map((mp) => judged.get(mp) ?? { mountPoint: mp, device: null, encrypted: null, crypt: [], fstype: null })
      : [...judged.values()].filter((f) => !BOOT.includes(f.mountPoint))
    selected.sort((a, b) => byCode(a.mountPoint, b.mountPoint))
    const observed = { endpoint: endpoint(obs), blockDevices: tree.devices, filesystems: selected, notJudged: skipped.sort((a, b) => byCode(a.mountPoint, b.mountPoint)) }
    if (selected.length === 0) return { status: 'not-applicable', summary: 'no data filesystem is mounted from a block device (pseudo filesystems, /boot, swap and loop devices are not judged)', expected, actual: {}, observed, evidence }

    const actual = { unencrypted: selected.filter((f) => f.encrypted === false).map((f) => f.mountPoint), undetermined: selected.filter((f) => f.encrypted === null).map((f) => f.mountPoint) }
    const failed: Offender[] = selected
      .filter((f) => f.encrypted === false)
      .map((f) => ({ id: `mount/${f.mountPoint}`, why: `${f.mountPoint} (${f.fstype ?? 'filesystem'} on ${f.device}) is not on dm-crypt/LUKS: no crypt device above ${f.device} in lsblk's tree` }))
    if (failed.length) return { status: 'failed', summary: `${failed.length} of ${selected.length} filesystem(s) unencrypted: ${actual.unencrypted.join(', ')}`, expected, actual, observed, evidence, offenders: failed }
    const unknown: Offender[] = selected
      .filter((f) => f.encrypted === null)
      .map((f) => ({
        id: `mount/${f.mountPoint}`,
        why: f.device ? `${f.mountPoint} is mounted from ${f.device}, a device lsblk does not show: its encryption is unknown` : `${f.mountPoint} is not a mount point on the host (neither lsblk nor /proc/mounts shows it)`,
      }))
    if (unknown.length) return { status: 'error', errorKind: 'inconclusive', summary: unknown.map((o) => o.why).join('; '), expected, actual, observed, evidence, offenders: unknown }
    return { status: 'passed', summary: `${selected.length} filesystem(s) on dm-crypt/LUKS: ${selected.map((f) => `${f.mountPoint} (${f.crypt.join(', ')})`).join(', ')}`, expected, actual, observed, evidence }
  },
}
