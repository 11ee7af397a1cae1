@aws
Feature: The root user is protected and unused
  The root user can do anything; it must have MFA and no access keys.

  @check:aws.iam.root-mfa @id:aws.iam.root-mfa @soc2:CC6.1 @soc2:CC6.6 @hipaa:164.312(d) @hipaa:164.308(a)(3)(ii)(A)
  Scenario: The root user has MFA
    Given every AWS account
    Then the root user has MFA

  @check:aws.iam.root-access-keys @id:aws.iam.root-access-keys @soc2:CC6.1 @hipaa:164.312(a)(2)(i) @hipaa:164.308(a)(3)(i)
  Scenario: The root user has no active access key
    Given every AWS account
    Then the root user has no active access key
