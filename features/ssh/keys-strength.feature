@ssh
Feature: SSH keys are strong
  DSA, short RSA and small-curve keys can be broken. This covers private keys, public keys and
  every authorized_keys entry.

  @check:ssh.keys.strength @id:ssh.keys.strength @soc2:CC6.1 @soc2:CC6.7 @hipaa:164.312(d) @hipaa:164.312(a)(1)
  Scenario: Every key is at least 3072-bit RSA or 256-bit EC, and none is DSA
    Given every SSH server
    And every key folder
    Then every SSH key is at least 3072-bit RSA or 256-bit EC, and none is DSA
