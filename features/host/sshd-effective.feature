@ssh @host
Feature: The effective sshd configuration is hardened and is the one in force
  Read over the SSH target's audit login: `sshd -T` for the daemon that accepted the login (as root,
  or through `sudo -n`), or its configuration files over SFTP when that is not allowed (then said
  so). Judged by the outside-in SSH checks' own default deny lists, and compared with what the
  server offers outside: its KEXINIT lists and the methods it answers a `none` request with.

  @check:host.sshd-effective @id:host.sshd-effective @soc2:CC6.1 @soc2:CC6.7 @hipaa:164.312(e)(1)
  Scenario: sshd -T enables nothing the SSH checks deny, and the server offers what it enables
    Given every SSH server
    Then the effective sshd configuration enables nothing the SSH checks deny and agrees with what the server offers
