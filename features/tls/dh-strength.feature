@tls
Feature: Key exchange groups are strong enough
  A 1024-bit Diffie-Hellman group (Logjam) or a small elliptic curve lets an attacker recover
  session keys.

  @check:tls.dh-strength @id:tls.dh-strength @soc2:CC6.7 @hipaa:164.312(e)(2)(ii)
  Scenario: DHE groups are at least 2048 bits and ECDHE curves at least 256 bits
    Given every TLS endpoint
    Then DHE groups are at least 2048 bits and ECDHE curves at least 256 bits
