@ssh
Feature: SSH servers offer only strong message authentication
  MD5 and SHA-1 MACs, truncated 96-bit MACs and 64-bit UMAC are weak; encrypt-and-MAC modes leak
  more than encrypt-then-MAC.

  @check:ssh.server.macs @id:ssh.server.macs @soc2:CC6.7 @hipaa:164.312(c)(1) @hipaa:164.312(e)(2)(i)
  Scenario: Every SSH server offers only encrypt-then-MAC SHA-2 MACs
    Given every SSH server
    Then no SSH server offers an MD5, SHA-1, 96-bit, umac-64 or non-ETM MAC
