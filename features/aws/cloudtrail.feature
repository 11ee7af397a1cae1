@aws
Feature: The account keeps an audit trail
  A multi-region CloudTrail trail records every management action, and its logs are validated,
  encrypted and kept where they cannot be read by outsiders or silently rewritten.

  @check:aws.cloudtrail.enabled @id:aws.cloudtrail.enabled @soc2:CC7.2 @hipaa:164.312(b)
  Scenario: A multi-region trail logs read and write management events
    Given every AWS account
    Then a multi-region CloudTrail trail is logging read and write management events

  @check:aws.cloudtrail.integrity @id:aws.cloudtrail.integrity @soc2:CC7.2 @hipaa:164.312(b) @hipaa:164.312(c)(1)
  Scenario: Trail logs are validated, encrypted and kept in a protected bucket
    Given every AWS account
    Then every multi-region CloudTrail trail validates, encrypts and protects its logs
