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

. /tmp/vigil-host/variant.sh

security_updates
unattended_upgrades
audit_rules
uid0_accounts
passwords
firewall
