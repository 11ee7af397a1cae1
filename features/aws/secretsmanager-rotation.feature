@aws
Feature: Secrets Manager secrets are rotated
  Stored secrets change on a schedule, so a leaked copy stops working.

  @check:aws.secretsmanager.rotation @id:aws.secretsmanager.rotation @soc2:CC6.1 @hipaa:164.308(a)(5)(ii)(D) @hipaa:164.312(a)(2)(iv)
  Scenario: Every secret is rotated at least every 90 days
    Given every AWS account
    Then every Secrets Manager secret has rotation enabled and was rotated within 90 days
