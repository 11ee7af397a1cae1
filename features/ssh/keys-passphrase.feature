@ssh
Feature: Private SSH keys are protected by a passphrase
  A private key without a passphrase is a credential anyone with a copy of the file can use.
  Keys are found by their content on servers (under keyPaths) and in key folders.

  @check:ssh.keys.passphrase @id:ssh.keys.passphrase @soc2:CC6.1 @hipaa:164.312(a)(1) @hipaa:164.308(a)(5)(ii)(D)
  Scenario: Every private key on servers and in key folders has a passphrase
    Given every SSH server
    And every key folder
    Then every private key is protected by a passphrase
