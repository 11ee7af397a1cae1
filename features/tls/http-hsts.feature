@tls @http
Feature: HTTPS services tell browsers to use HTTPS only
  Without Strict-Transport-Security a user who types the bare host name can be downgraded to
  plain HTTP by anyone on the path. One year is the minimum browsers' preload lists accept.

  @check:http.hsts @id:http.hsts @soc2:CC6.7 @hipaa:164.312(e)(1)
  Scenario: The HTTPS response sets HSTS for at least a year
    Given every TLS endpoint
    Then the HTTPS response sets Strict-Transport-Security with max-age of at least 365 days
