@ssh @host
Feature: Hosts have no security update pending
  Read over the SSH target's audit login with read-only commands: what `apt-get -s dist-upgrade`
  would install from the host's own package lists (Vigil never runs `apt update`), and the age of
  those lists from their Release files. Lists too old to tell, no lists, or no security suite
  among them are an error, never a pass. Debian and Ubuntu hosts; any other system is an error.

  @check:host.patches @id:host.patches @soc2:CC7.1 @hipaa:164.308(a)(5)(ii)(B)
  Scenario: No upgrade from a security suite is pending and the package lists are recent
    Given every SSH server
    Then no security update is pending on the host, judged from package lists at most 7 days old
