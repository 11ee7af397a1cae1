@aws
Feature: KMS keys are not shared with everyone or other accounts
  Whoever may decrypt with a key reads everything encrypted under it; key policies grant that only
  inside the account, or under a condition.

  @check:aws.kms.key-policy @id:aws.kms.key-policy @soc2:CC6.1 @soc2:CC6.3 @hipaa:164.312(a)(1) @hipaa:164.312(a)(2)(iv)
  Scenario: No key policy opens kms:* or decryption to everyone or another account without a condition
    Given every AWS account
    Then no KMS key policy lets everyone or another account decrypt without a condition
