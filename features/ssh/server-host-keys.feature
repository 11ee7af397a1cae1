@ssh
Feature: SSH host keys are strong
  The host key proves the server's identity. DSA keys, short RSA keys and SHA-1 `ssh-rsa`
  signatures make that proof forgeable.

  @check:ssh.server.host-keys @id:ssh.server.host-keys @soc2:CC6.1 @soc2:CC6.7 @hipaa:164.312(d) @hipaa:164.312(e)(1)
  Scenario: Host keys are at least 3072-bit RSA or 256-bit EC, never DSA or SHA-1 signed
    Given every SSH server
    Then every SSH host key is at least 3072-bit RSA or 256-bit EC, and no DSA or ssh-rsa signature is offered
