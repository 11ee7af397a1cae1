@ssh @host
Feature: Hosts keep their data filesystems on encrypted disks
  Read over the SSH target's audit login with read-only commands, no root needed: the block device
  tree (`lsblk -J`) and the mounted filesystems (`/proc/mounts`). A filesystem is encrypted when a
  crypt device (dm-crypt/LUKS) lies above its device on every path of the tree. /boot, /boot/efi,
  swap and loop devices are not judged. Debian and Ubuntu hosts; any other system is an error.

  @check:host.disk-encryption @id:host.disk-encryption @soc2:CC6.1 @hipaa:164.312(a)(2)(iv)
  Scenario: Every mounted data filesystem sits on dm-crypt/LUKS
    Given every SSH server
    Then every mounted data filesystem is encrypted with dm-crypt or LUKS
