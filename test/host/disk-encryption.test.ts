// host.disk-encryption as a pure judge, on real `lsblk -J` outputs (test/host/fixtures/disk-encryption,
// sources in its README): an encrypted-LVM machine passes, a plain VM fails naming its mount point, and what
// cannot be judged (a device lsblk does not show, a mount point not mounted, no answer) is never a pass.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { hostDiskEncryption, parseLsblk, parseProcMounts } from '../../checks/host/disk-encryption.ts'
import type { CommandRecord, HostObservation } from '../../checks/host/observation.ts'
import type { SshObservation } from '../../checks/ssh/observation.ts'

const NOW = { now: new Date('2026-12-03T12:00:00Z') }
const fixture = (f: string) => readFileSync(new URL(`fixtures/disk-encryption/${f}`, import.meta.url), 'utf8')
const LUKS = fixture('luks-lvm.lsblk.json')
const PLAIN = fixture('debian12-vm-plain.lsblk.json')
const PLAIN_MOUNTS = fixture('debian12-vm-plain.proc-mounts.txt')
const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
// what the encrypted-LVM machine's /proc/mounts holds for its block devices (as the kernel names them)
const LUKS_MOUNTS = [
  '/dev/mapper/vg-root / ext4 rw,relatime,errors=remount-ro 0 0',
  'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
  'tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=1617724k,mode=755 0 0',
  '/dev/vda1 /boot ext2 rw,relatime 0 0',
  '/dev/loop0 /opt/tools squashfs ro,nodev,relatime,errors=continue 0 0',
].join('\n')

const rec = (command: string, stdout: string, exitCode: number | null = 0): CommandRecord => ({ command, exitCode, stdout, durationMs: 4 })
function host(commands: HostObservation['commands']): SshObservation {
  return { target: { name: 'db1', host: 'db1.example.test', address: '10.0.0.5', port: 22 }, hostKeyPin: { seen: [], status: 'unknown' }, connections: 1, host: { commands } }
}
const obs = (lsblk: string, mounts: string, lsblkExit = 0) =>
  host({ 'os-release': rec('cat /etc/os-release', DEBIAN), 'block-devices': rec('lsblk -J', lsblk, lsblkExit), mounts: rec('cat /proc/mounts', mounts) })
const judge = (o: SshObservation, mountPoints?: string[]) => hostDiskEncryption.judge(o, mountPoints ? { mountPoints } : {}, NOW)

describe('lsblk -J', () => {
  it('finds the crypt device above LVM on the encrypted-LVM machine, and none on the plain VM', () => {
    const luks = parseLsblk(LUKS)!
    expect(luks.mounts.get('/')).toMatchObject({ device: 'vg-root', type: 'lvm', encrypted: true, crypt: ['vda2_crypt'], path: ['vda', 'vda2', 'vda2_crypt', 'vg-root'] })
    expect(luks.mounts.get('/boot')).toMatchObject({ device: 'vda1', encrypted: false })
    expect(luks.mounts.get('/opt/tools')).toMatchObject({ type: 'loop', encrypted: false })
    expect(parseLsblk(PLAIN)!.mounts.get('/')).toMatchObject({ device: 'vda', type: 'disk', encrypted: false, crypt: [] })
  })

  it('reads the MOUNTPOINT column of util-linux before 2.37, and needs every parent of a device encrypted', () => {
    const old = { blockdevices: [{ name: 'sda', type: 'disk', mountpoint: null, children: [{ name: 'sda1', type: 'part', mountpoint: '/srv' }] }] }
    expect(parseLsblk(JSON.stringify(old))!.mounts.get('/srv')).toMatchObject({ encrypted: false })
    // one LV over two PVs, one of them encrypted: half the data is not
    const lv = { name: 'vg-data', type: 'lvm', mountpoints: ['/data'] }
    const split = { blockdevices: [{ name: 'sda', type: 'disk', children: [{ name: 'sda_crypt', type: 'crypt', children: [lv] }] }, { name: 'sdb', type: 'disk', children: [lv] }] }
    expect(parseLsblk(JSON.stringify(split))!.mounts.get('/data')).toMatchObject({ encrypted: false, crypt: ['sda_crypt'] })
    expect(parseLsblk('lsblk: failed to access sysfs directory')).toBeUndefined()
  })

  it('reads /proc/mounts with its octal escapes', () => {
    expect(parseProcMounts('/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n')).toEqual([{ source: '/dev/sdb1', mountPoint: '/mnt/my disk', fstype: 'ext4' }])
    expect(parseProcMounts(PLAIN_MOUNTS).find((m) => m.mountPoint === '/')).toEqual({ source: '/dev/vda', mountPoint: '/', fstype: 'ext4' })
  })
})

describe('host.disk-encryption', () => {
  it('passes the encrypted-LVM machine: / is on vda2_crypt; /boot and the loop device are not judged', () => {
    const v = judge(obs(LUKS, LUKS_MOUNTS))
    expect(v).toMatchObject({ status: 'passed', actual: { unencrypted: [], undetermined: [] } })
    expect(v.observed.filesystems).toEqual([{ mountPoint: '/', device: 'vg-root', encrypted: true, crypt: ['vda2_crypt'], fstype: 'ext4' }])
    expect((v.observed.notJudged as { mountPoint: string }[]).map((s) => s.mountPoint)).toContain('/opt/tools')
  })

  it('fails the plain VM with mount// for its unencrypted root', () => {
    const v = judge(obs(PLAIN, PLAIN_MOUNTS))
    expect(v).toMatchObject({ status: 'failed', actual: { unencrypted: ['/'] }, offenders: [{ id: 'mount//' }] })
    expect(v.offenders![0]!.why).toMatch(/\/ \(ext4 on vda\) is not on dm-crypt\/LUKS/)
  })

  it('judges the named mount points only; /boot when asked; one not mounted is an error', () => {
    expect(judge(obs(LUKS, LUKS_MOUNTS), ['/boot'])).toMatchObject({ status: 'failed', offenders: [{ id: 'mount//boot' }] })
    expect(judge(obs(LUKS, LUKS_MOUNTS), ['/'])).toMatchObject({ status: 'passed' })
    expect(judge(obs(LUKS, LUKS_MOUNTS), ['/', '/srv'])).toMatchObject({ status: 'error', errorKind: 'inconclusive', offenders: [{ id: 'mount//srv' }] })
  })

  it('a filesystem mounted from a device lsblk does not show is an error, never a pass', () => {
    const v = judge(obs(LUKS, `${LUKS_MOUNTS}\n/dev/sdz1 /srv ext4 rw 0 0`))
    expect(v).toMatchObject({ status: 'error', errorKind: 'inconclusive', offenders: [{ id: 'mount//srv' }] })
    // a bind mount of the encrypted root is judged by its device
    expect(judge(obs(LUKS, `${LUKS_MOUNTS}\n/dev/mapper/vg-root /var/lib/x ext4 rw 0 0`))).toMatchObject({ status: 'passed' })
  })

  it('nothing to judge is not applicable; lsblk failing or printing no JSON is an error', () => {
    const none = JSON.stringify({ blockdevices: [{ name: 'zram0', type: 'disk', mountpoints: ['[SWAP]'] }] })
    expect(judge(obs(none, 'proc /proc proc rw 0 0\noverlay / overlay rw 0 0'))).toMatchObject({ status: 'not-applicable' })
    expect(judge(obs('', '', 32))).toMatchObject({ status: 'error', errorKind: 'protocol', offenders: [{ id: 'command/block-devices' }] })
    expect(judge(obs('not json', PLAIN_MOUNTS))).toMatchObject({ status: 'error', errorKind: 'protocol' })
    expect(hostDiskEncryption.judge({ ...obs(LUKS, LUKS_MOUNTS), host: undefined }, {}, NOW)).toMatchObject({ status: 'error', errorKind: 'not-observed' })
  })
})

describe('host.disk-encryption on what a reviewer fed it', () => {
  it('null entries and absurd nesting are unreadable lsblk output, never a throw or a pass', () => {
    expect(() => parseLsblk('{"blockdevices":[null]}')).not.toThrow()
    const n = 5_000
    const deep = `${'{"name":"d","type":"disk","children":['.repeat(n)}{"name":"leaf","type":"part","mountpoints":["/"]}${']}'.repeat(n)}`
    expect(parseLsblk(`{"blockdevices":[${deep}]}`)).toBeUndefined()
  })
})
