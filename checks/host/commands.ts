// The fixed allow-list of read-only commands the host probe may run over an SSH target's audit
// login (issue 20). Nothing here comes from the inventory: a check names command ids, never text.
// `sudo` commands run as `sudo -n <command>` and only when the target's `login.sudo` is true; the
// README lists them, so a sudoers entry can allow exactly these. Every command is bounded in time
// (the run's operation timeout) and in output (`maxBytes`); none writes anything.

export interface HostCommand {
  /** the exact command line run on the host */
  run: string
  /** needs root: run through `sudo -n` (only with `login.sudo: true`) */
  sudo: boolean
  /** most bytes of standard output kept; more makes the command's record `truncated` (an error for the checks) */
  maxBytes: number
  /** what it is for, for the README and the evidence */
  why: string
}

export const HOST_COMMANDS = {
  'os-release': { run: 'cat /etc/os-release', sudo: false, maxBytes: 16 * 1024, why: 'the distribution (Debian and Ubuntu are supported)' },
  passwd: { run: 'getent passwd', sudo: false, maxBytes: 1024 * 1024, why: 'accounts, their UIDs and login shells' },
  // only the STATUS of each password leaves the host (P usable, L locked, NP none), never the field;
  // `passwd -S -a` is made for this, and a sudoers entry for exactly it grants nothing else
  'password-status': { run: 'passwd -S -a', sudo: true, maxBytes: 256 * 1024, why: 'which accounts have no password (the status of each: usable, locked or none)' },
  'apt-upgrades': { run: 'apt-get -s -o Debug::NoLocking=1 dist-upgrade', sudo: false, maxBytes: 2 * 1024 * 1024, why: "pending upgrades from the host's own package lists (never `apt update`)" },
  'apt-lists': {
    run: 'for f in /var/lib/apt/lists/*Release; do [ -e "$f" ] && printf "%s %s\\n" "$(stat -c %Y "$f")" "$f" && sed -n -E "s/^(Origin|Label|Suite|Codename|Date): /  \\1: /p" "$f"; done; true',
    sudo: false,
    maxBytes: 256 * 1024,
    why: "the age of the package lists the pending upgrades come from",
  },
  'unattended-upgrades': {
    run: `dpkg-query -W -f '\${Status}\\n' unattended-upgrades 2>&1; echo VIGIL-SECTION; cat /etc/apt/apt.conf.d/20auto-upgrades 2>/dev/null; echo VIGIL-SECTION; cat /etc/apt/apt.conf.d/50unattended-upgrades 2>/dev/null; true`,
    sudo: false,
    maxBytes: 256 * 1024,
    why: 'whether unattended-upgrades is installed, enabled and set for the security suite',
  },
  nftables: { run: 'nft -j list ruleset', sudo: true, maxBytes: 1024 * 1024, why: 'the firewall rules, as JSON (read, never changed)' },
  listening: { run: 'ss -H -tuln', sudo: false, maxBytes: 256 * 1024, why: 'the ports open for listening' },
  // host.disk-encryption: the block device tree (a crypt device above a filesystem is dm-crypt/LUKS)
  // and the mounted filesystems (those on a block device lsblk does not show are undetermined)
  'block-devices': { run: 'lsblk -J', sudo: false, maxBytes: 1024 * 1024, why: 'the block devices, as a tree, with their mount points' },
  mounts: { run: 'cat /proc/mounts', sudo: false, maxBytes: 1024 * 1024, why: 'the mounted filesystems, their devices and types' },
  // host.time-sync: chrony's tracking (synchronised?, offset), else systemd's clock flag; which answered
  // and how (a missing program, a daemon that does not answer) is in the output, so it always exits 0
  'time-sync': {
    run: 'for c in "chronyc -c tracking" "timedatectl show"; do set -- $c; if command -v "$1" >/dev/null 2>&1; then echo "VIGIL-SOURCE $c"; $c 2>&1; echo "VIGIL-EXIT $?"; else echo "VIGIL-MISSING $c"; fi; done; true',
    sudo: false,
    maxBytes: 64 * 1024,
    why: "the time service's state: chronyc -c tracking, else timedatectl show",
  },
  // host.audit-logging: the package and its unit; the rules files with their names (grep -r prints
  // `file:line`, and expands no glob: /etc/audit/rules.d is 0750 root, so a shell glob of the login
  // would see nothing); the rules loaded in the kernel (refused outside the first PID namespace)
  auditd: {
    run: `dpkg-query -W -f '\${Status}\\n' auditd 2>&1; echo VIGIL-SECTION; systemctl is-enabled auditd 2>&1; true`,
    sudo: false,
    maxBytes: 16 * 1024,
    why: 'whether auditd is installed and enabled',
  },
  'audit-rules': { run: "grep -r -H --include='*.rules' . /etc/audit", sudo: true, maxBytes: 1024 * 1024, why: 'the configured audit rules: /etc/audit/audit.rules and /etc/audit/rules.d/*.rules, each line with its file' },
  'audit-live': { run: 'auditctl -l', sudo: true, maxBytes: 1024 * 1024, why: 'the audit rules loaded in the kernel (read, never changed)' },
} as const satisfies Record<string, HostCommand>

export type HostCommandId = keyof typeof HOST_COMMANDS
export const HOST_COMMAND_IDS = Object.keys(HOST_COMMANDS) as HostCommandId[]
