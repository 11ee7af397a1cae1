@aws
Feature: IAM user credentials are strong, fresh and used
  Console users have MFA; keys are rotated; credentials nobody uses are removed.

  @check:aws.iam.user-mfa @id:aws.iam.user-mfa @soc2:CC6.1 @soc2:CC6.6 @hipaa:164.312(d) @hipaa:164.312(a)(1) @hipaa:164.308(a)(3)(ii)(A)
  Scenario: Every console user has MFA
    Given every AWS account
    Then every IAM user with a console password has MFA

  @check:aws.iam.access-key-rotation @id:aws.iam.access-key-rotation @soc2:CC6.1 @hipaa:164.308(a)(3)(ii)(C) @hipaa:164.308(a)(5)(ii)(D)
  Scenario: Active access keys are at most 90 days old
    Given every AWS account
    Then no active access key is older than 90 days

  @check:aws.iam.unused-credentials @id:aws.iam.unused-credentials @soc2:CC1.3 @soc2:CC6.2 @hipaa:164.308(a)(3)(ii)(B) @hipaa:164.308(a)(4)(ii)(C)
  Scenario: No password or access key sits unused for 45 days
    Given every AWS account
    Then no password or active access key has been unused for more than 45 days

  @check:aws.iam.password-policy @id:aws.iam.password-policy @soc2:CC6.1 @hipaa:164.308(a)(5)(ii)(D) @hipaa:164.312(d)
  Scenario: The password policy requires 14 characters, every class and no reuse of the last 24
    Given every AWS account
    Then the IAM password policy requires at least 14 characters, all character classes and prevents reuse of the last 24
