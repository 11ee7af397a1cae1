@aws
Feature: Secrets in SSM Parameter Store are encrypted
  A parameter named like a password, secret, token or key is stored as a SecureString.

  @check:aws.ssm.secure-parameters @id:aws.ssm.secure-parameters @soc2:CC6.1 @hipaa:164.312(a)(2)(iv)
  Scenario: Secret-looking parameters are SecureString
    Given every AWS account
    Then every SSM parameter named like a secret is a SecureString
