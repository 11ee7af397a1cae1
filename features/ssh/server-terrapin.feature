@ssh
Feature: SSH servers are not exposed to the Terrapin attack
  CVE-2023-48795 lets a man in the middle drop messages at the start of the channel when
  chacha20-poly1305 or encrypt-then-MAC is used without strict key exchange.

  @check:ssh.server.terrapin @id:ssh.server.terrapin @soc2:CC6.7 @soc2:CC7.1 @hipaa:164.312(e)(1) @hipaa:164.312(c)(1)
  Scenario: Servers offering chacha20-poly1305 or ETM MACs enforce strict key exchange
    Given every SSH server
    Then no SSH server offers chacha20-poly1305 or an ETM MAC without strict key exchange
