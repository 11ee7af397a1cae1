@ssh
Feature: SSH servers refuse root logins
  Direct root logins bypass individual accountability. The effective sshd setting is read over
  the audit login (sshd -T, or the configuration files when that is not allowed).

  @check:ssh.server.root-login @id:ssh.server.root-login @soc2:CC6.1 @soc2:CC6.3 @hipaa:164.312(a)(1) @hipaa:164.312(a)(2)(i)
  Scenario: PermitRootLogin is no on every SSH server
    Given every SSH server
    Then the effective PermitRootLogin setting is "no"
