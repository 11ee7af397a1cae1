@ssh @host
Feature: Hosts deny inbound traffic by default
  Read over the SSH target's audit login with read-only commands: the nftables ruleset as JSON
  (`nft -j list ruleset`, through `sudo -n` or a root login — read, never changed) and the
  listening ports (`ss -H -tuln`), listed with the verdict. Debian and Ubuntu hosts; any other
  system is an error, never a pass. A host filtering with iptables-legacy shows no nftables rule
  and is judged open: Vigil reads nftables only.

  @check:host.firewall @id:host.firewall @soc2:CC6.6 @hipaa:164.312(e)(1)
  Scenario: Inbound IPv4 and IPv6 traffic is dropped unless a rule lets it through
    Given every SSH server
    Then inbound traffic is denied by default for IPv4 and IPv6, and the listening ports are listed
