@ssh
Feature: SSH servers do not accept passwords
  Password logins can be guessed and phished; keys cannot. The server's own answer to a `none`
  authentication request says which methods it accepts — no password is ever sent to ask.

  @check:ssh.server.password-auth @id:ssh.server.password-auth @soc2:CC6.1 @hipaa:164.312(d) @hipaa:164.308(a)(5)(ii)(D)
  Scenario: No SSH server offers password or keyboard-interactive authentication
    Given every SSH server
    Then no SSH server offers password or keyboard-interactive authentication
