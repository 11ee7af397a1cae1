@tls
Feature: TLS certificates name the host they serve
  A certificate issued for another name lets any holder of that certificate impersonate the
  service, and real clients refuse it.

  @check:tls.cert.hostname @id:tls.cert.hostname @soc2:CC6.1 @soc2:CC6.7 @hipaa:164.312(d) @hipaa:164.312(e)(1)
  Scenario: Every leaf certificate is valid for the endpoint's host name
    Given every TLS endpoint
    Then the leaf certificate is valid for the endpoint's host name
