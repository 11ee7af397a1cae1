@aws
Feature: DynamoDB tables are encrypted with a key we control
  DynamoDB encrypts every table at rest. By default it uses a key AWS owns, which the account can
  neither restrict, audit per use nor revoke; the AWS-managed key alias/aws/dynamodb can be audited
  but not restricted. Here a table must name a customer-managed KMS key, so the AWS-owned default and
  alias/aws/dynamodb are offenders. Without that requirement (the phrase "every DynamoDB table is
  encrypted at rest") all three keys pass.

  @check:aws.dynamodb.encryption @id:aws.dynamodb.encryption @soc2:CC6.1 @hipaa:164.312(a)(2)(iv)
  Scenario: Every DynamoDB table is encrypted with a customer-managed key
    Given every AWS account
    Then every DynamoDB table is encrypted with a customer-managed KMS key
