@tls
Feature: Certificate keys are strong enough
  Short RSA keys can be factored; the minimum is 2048-bit RSA or DSA and 256-bit elliptic curves.

  @check:tls.cert.key-strength @id:tls.cert.key-strength @soc2:CC6.1 @soc2:CC6.7 @hipaa:164.312(e)(2)(ii)
  Scenario: Every served certificate key is at least 2048-bit RSA or 256-bit EC
    Given every TLS endpoint
    Then every certificate key is at least 2048-bit RSA or 256-bit EC
