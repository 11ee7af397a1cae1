@aws
Feature: S3 buckets are encrypted with a key we control
  Every bucket that may hold PHI declares its default encryption explicitly; relying on the implicit
  SSE-S3 default is reported as such.

  @check:aws.s3.encryption @id:aws.s3.encryption @soc2:PI1.4 @soc2:CC6.1 @hipaa:164.312(a)(2)(iv) @hipaa:164.312(e)(2)(ii) @hipaa:164.312(c)(1)
  Scenario: Every bucket has a default encryption configuration
    Given every AWS account
    Then every S3 bucket has a default encryption configuration
