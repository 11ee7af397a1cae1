@ssh @host
Feature: Hosts audit changes to accounts, sudoers, the SSH configuration and login records
  Read over the SSH target's audit login with read-only commands: dpkg's status of auditd and
  `systemctl is-enabled auditd`, the rules files (/etc/audit/audit.rules and rules.d/*.rules,
  through `sudo -n` or a root login) and the rules loaded in the kernel (`auditctl -l`, read,
  never changed). The live rules are judged when the kernel lets them be read; else the
  configured files, and the finding says which. Debian and Ubuntu hosts; any other system is an
  error, never a pass.

  @check:host.audit-logging @id:host.audit-logging @soc2:CC7.2 @soc2:CC7.3 @hipaa:164.312(b)
  Scenario: auditd is enabled and its rules watch the identity files, sudoers, sshd_config and the login records
    Given every SSH server
    Then auditd records every change to the identity files, sudoers, the SSH configuration and the login records
