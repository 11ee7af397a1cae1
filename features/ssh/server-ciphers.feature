@ssh
Feature: SSH servers offer only strong ciphers
  CBC modes, 3DES, RC4 and the `none` cipher expose SSH sessions to known attacks or to no
  encryption at all.

  @check:ssh.server.ciphers @id:ssh.server.ciphers @soc2:CC6.7 @hipaa:164.312(e)(1) @hipaa:164.312(e)(2)(ii)
  Scenario: No SSH server offers a CBC, 3DES, arcfour or none cipher
    Given every SSH server
    Then no SSH server offers a CBC, 3DES, arcfour, none or other deny-listed cipher
