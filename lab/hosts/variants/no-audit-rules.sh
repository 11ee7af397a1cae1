# no-audit-rules: auditd is installed but no watch rules are configured, and none is loaded: the
# kernel refuses auditctl here (EPERM outside the first PID namespace), so a stand-in
# /usr/local/sbin/auditctl (first on sudo's secure_path) prints `auditctl -l`'s real output for an
# empty rule set (test/host/fixtures/audit-logging/auditctl-l-no-rules.txt, with its source)
audit_rules() {
  printf '%s\n' '#!/bin/sh' '# Vigil test stand-in: the live rule set is empty (see the fixture named above)' \
    '[ "$*" = "-l" ] && { echo "No rules"; exit 0; }' 'exec /usr/sbin/auditctl "$@"' > /usr/local/sbin/auditctl
  chmod 755 /usr/local/sbin/auditctl
}
