@tls
Feature: TLS endpoints present a chain that builds to a trusted root
  Clients can only authenticate a server whose certificate chains to a root they trust:
  the system roots, or the organisation's own CA listed in the inventory.

  @check:tls.cert.trust @id:tls.cert.trust @soc2:CC6.1 @soc2:CC6.7 @hipaa:164.312(d) @hipaa:164.312(e)(1)
  Scenario: Every served certificate chain builds to a trusted root
    Given every TLS endpoint
    Then the served certificate chain builds to a trusted root
