@tls
Feature: TLS endpoints accept only current protocol versions
  SSL 2.0, SSL 3.0, TLS 1.0 and TLS 1.1 are deprecated (RFC 7568, RFC 8996) and carry known attacks.
  Endpoints must refuse them and speak TLS 1.2 or TLS 1.3.

  @check:tls.protocols @id:tls.protocols @soc2:CC6.7 @hipaa:164.312(e)(1) @hipaa:164.312(e)(2)(ii)
  Scenario: Only TLS 1.2 and TLS 1.3 are accepted
    Given every TLS endpoint
    Then only TLS 1.2 or TLS 1.3 is accepted
