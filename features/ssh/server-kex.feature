@ssh
Feature: SSH servers offer only strong key exchange
  Key exchange with SHA-1 or 1024-bit groups can be broken or forged. Servers must not offer it,
  read from the list the server itself announces before any login.

  @check:ssh.server.kex @id:ssh.server.kex @soc2:CC6.7 @soc2:CC6.1 @hipaa:164.312(e)(1) @hipaa:164.312(e)(2)(ii)
  Scenario: No SSH server offers a deny-listed key-exchange method
    Given every SSH server
    Then no SSH server offers a key-exchange method on the deny list
