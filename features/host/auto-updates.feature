@ssh @host
Feature: Hosts install security updates by themselves
  Read over the SSH target's audit login with read-only commands: dpkg's status of the
  unattended-upgrades package and the two files it configures, /etc/apt/apt.conf.d/20auto-upgrades
  and 50unattended-upgrades (only these: another file in apt.conf.d could override them).
  Debian and Ubuntu hosts; any other system is an error, never a pass.

  @check:host.auto-updates @id:host.auto-updates @soc2:CC7.1 @soc2:CC8.1 @hipaa:164.308(a)(5)(ii)(B)
  Scenario: unattended-upgrades is installed, enabled daily and set for the security suite
    Given every SSH server
    Then unattended-upgrades is installed, runs daily and takes updates from the security suite
