@tls
Feature: Certificates are signed with collision-resistant hashes
  SHA-1 and MD5 signatures can be forged by chosen-prefix collisions. Every certificate below the
  root must be signed with SHA-256 or better.

  @check:tls.cert.signature @id:tls.cert.signature @soc2:CC6.1 @soc2:CC6.7 @hipaa:164.312(c)(1) @hipaa:164.312(e)(2)(ii)
  Scenario: No certificate below the root is signed with SHA-1 or MD5
    Given every TLS endpoint
    Then no certificate below the root is signed with SHA-1 or MD5
