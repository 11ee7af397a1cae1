@tls
Feature: TLS endpoints refuse weak cipher suites
  NULL and anonymous suites give no protection; EXPORT, RC4, DES, 3DES (SWEET32), IDEA and MD5
  are broken or too weak for data protected by SOC 2 and HIPAA.

  @check:tls.ciphers.weak @id:tls.ciphers.weak @soc2:CC6.7 @hipaa:164.312(e)(1) @hipaa:164.312(e)(2)(ii)
  Scenario: No weak cipher suite is accepted
    Given every TLS endpoint
    Then no NULL, EXPORT, anonymous, RC4, DES, 3DES, IDEA or MD5 cipher suite is accepted
