@ssh @host
Feature: Hosts keep their clocks synchronised
  Read over the SSH target's audit login with read-only commands, no root needed: chrony's tracking
  (`chronyc -c tracking`: synchronised or not, and the system clock's offset), else systemd's view
  (`timedatectl show`: synchronised or not, no offset, so never a pass). No time service answering
  fails. Debian and Ubuntu hosts; any other system is an error.

  @check:host.time-sync @id:host.time-sync @soc2:CC7.2 @hipaa:164.312(b)
  Scenario: A time service reports the clock synchronised, at most 100 ms off
    Given every SSH server
    Then a time service keeps the clock synchronised to within 100 ms
