# Runs inside a test host's root (chroot, before sshd starts, offline): puts every property the
# host-hardening checks look at in its hardened state. Each property is one function; a variant
# (variants/<name>.sh, sourced below) redefines exactly one of them to leave that property weak.
# Files written here land in the host's own overlay upper dir, never in the shared base.

# the security update the local archive offers (vigil-probe-demo 1.1) is installed
security_updates() { dpkg -i /srv/archive/pool/main/vigil-probe-demo_1.1_all.deb >/dev/null; }
# unattended-upgrades stays installed (the base has it)
unattended_upgrades() { :; }
# changes to the identity and sudo files are watched by auditd
audit_rules() {
  printf '%s\n' '-w /etc/passwd -p wa -k identity' '-w /etc/shadow -p wa -k identity' \
    '-w /etc/sudoers -p wa -k scope' > /etc/audit/rules.d/50-vigil.rules
  # and the rest of host.audit-logging's list (CIS Debian 12 6.3.3.x; sshd_config as a syscall rule)
  printf '%s\n' '-w /etc/group -p wa -k identity' '-w /etc/gshadow -p wa -k identity' '-w /etc/sudoers.d -p wa -k scope' \
    '-a always,exit -F arch=b64 -F path=/etc/ssh/sshd_config -F perm=wa -k sshd' '-w /var/log/lastlog -p wa -k logins' \
    '-w /var/run/faillock -p wa -k logins' '-w /var/log/wtmp -p wa -k session' '-w /var/log/btmp -p wa -k session' >> /etc/audit/rules.d/50-vigil.rules
  augenrules >/dev/null 2>&1 || true
}
# root is the only account with UID 0
uid0_accounts() { :; }
# no account has an empty password field
passwords() { :; }
# inbound traffic is dropped unless it is SSH or a reply
firewall() {
  nft -f - <<'NFT'
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif "lo" accept
    ct state established,related accept
    tcp dport 22 accept
  }
}
NFT
}

# disk encryption and time sync cannot be staged here (no device-mapper; the clock is never stepped):
# stand-in programs (lab/hosts/stand-ins/) in /usr/local/bin, ahead of /usr/bin, print real outputs
# recorded from real systems (test/host/fixtures/); stand_in PROGRAM FIXTURE NAME installs one
stand_in() {
  install -m 0755 "/tmp/vigil-host/stand-ins/$1" "/usr/local/bin/$1"
  mkdir -p /usr/local/share/vigil-stand-ins && install -m 0644 "/tmp/vigil-host/stand-ins/$2" "/usr/local/share/vigil-stand-ins/$3"
}
# the data filesystems sit on dm-crypt/LUKS: lsblk shows an encrypted-LVM machine's device tree
disk_encryption() { stand_in lsblk disk-encryption/luks-lvm.lsblk.json lsblk.json; }
# chrony reports the clock synchronised, about 0.001 ms off
time_sync() { stand_in chronyc time-sync/chrony-synchronised.csv chronyc-tracking.csv; }

. /tmp/vigil-host/variant.sh

security_updates
unattended_upgrades
audit_rules
uid0_accounts
passwords
firewall
disk_encryption
time_sync
