@ssh @host
Feature: Hosts keep root alone, no empty password and no shell on system accounts
  Read over the SSH target's audit login with read-only commands (getent passwd, and each
  account's password status from `passwd -S -a` through `sudo -n` or a root login — never a hash).
  Debian and Ubuntu hosts; any other system is an error, never a pass.

  @check:host.accounts @id:host.accounts @soc2:CC6.1 @soc2:CC6.2 @hipaa:164.312(a)(1) @hipaa:164.312(a)(2)(i) @hipaa:164.312(d)
  Scenario: Only root has UID 0, no password field is empty, system accounts have no login shell
    Given every SSH server
    Then only root has UID 0, no account has an empty password and no system account has a login shell
