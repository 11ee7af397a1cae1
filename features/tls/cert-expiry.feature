@tls
Feature: Certificates on TLS endpoints stay valid
  An expired certificate takes a service down or trains users to click through warnings.
  Every certificate an endpoint serves — leaf and intermediates — must be valid now and for
  at least the next 30 days, so renewal happens before anyone notices.

  @check:tls.cert.expiry @id:tls.cert.expiry @soc2:CC6.7 @soc2:CC7.1 @hipaa:164.312(e)(1)
  Scenario: No certificate in a served chain expires within 30 days
    Given every TLS endpoint
    Then no certificate in the served chain expires within 30 days
