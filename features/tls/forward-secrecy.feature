@tls
Feature: Public TLS endpoints offer only forward-secret cipher suites
  With static RSA key exchange, anyone who later obtains the server's private key can decrypt
  every recorded session. Ephemeral (EC)DHE key exchange protects past sessions.

  @check:tls.forward-secrecy @id:tls.forward-secrecy @soc2:CC6.7 @hipaa:164.312(e)(1) @hipaa:164.312(e)(2)(ii)
  Scenario: Every accepted cipher suite uses ephemeral key exchange
    Given every TLS endpoint
    Then every accepted cipher suite uses ephemeral key exchange
