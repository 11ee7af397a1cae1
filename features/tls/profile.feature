@tls
Feature: TLS endpoints follow Mozilla's server-side TLS guidelines
  Mozilla's intermediate profile (version 6.0) is the widely reviewed baseline: TLS 1.2 and 1.3,
  ECDHE with AEAD suites, and the X25519, P-256 and P-384 groups.

  @check:tls.profile @id:tls.profile @soc2:CC6.7 @hipaa:164.312(e)(1)
  Scenario: Nothing outside the Mozilla intermediate profile is accepted
    Given every TLS endpoint
    Then nothing outside the Mozilla "intermediate" TLS profile is accepted
