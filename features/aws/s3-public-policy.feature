@aws
Feature: No S3 bucket is open to everyone
  Neither an ACL nor a bucket policy grants access to anonymous or any-AWS-account callers.

  @check:aws.s3.public-policy @id:aws.s3.public-policy @soc2:CC6.1 @hipaa:164.308(a)(3)(i) @hipaa:164.312(a)(1) @hipaa:164.312(a)(2)(i)
  Scenario: No bucket grants access to everyone
    Given every AWS account
    Then no S3 bucket grants access to everyone through its ACL or policy
