@aws
Feature: KMS keys rotate automatically
  Customer-managed encryption keys get new key material on a schedule, so no single key version
  protects data forever.

  @check:aws.kms.rotation @id:aws.kms.rotation @soc2:CC6.1 @hipaa:164.312(a)(2)(iv) @hipaa:164.312(e)(2)(ii)
  Scenario: Every enabled customer-managed symmetric key rotates at least yearly
    Given every AWS account
    Then every enabled customer-managed KMS key rotates automatically at least every 365 days
