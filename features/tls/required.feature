@tls
Feature: Services that can speak TLS require it
  Mail, directory and database services often start in plain text and upgrade to TLS on request
  (STARTTLS for SMTP, IMAP and XMPP, STLS for POP3, AUTH TLS for FTP, the StartTLS operation for
  LDAP, SSLRequest for PostgreSQL, the SSL capability for MySQL). A service that does not offer the
  upgrade, or refuses it, carries its data and the passwords that log into it in clear text.
  An endpoint without `starttls:` in the inventory must speak TLS from the first byte.

  @check:tls.required @id:tls.required @soc2:CC6.7 @hipaa:164.312(e)(1) @hipaa:164.312(e)(2)(ii)
  Scenario: The service offers TLS and accepts it
    Given every TLS endpoint
    Then the service offers TLS and accepts it
