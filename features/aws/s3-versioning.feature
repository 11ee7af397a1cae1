@aws
Feature: S3 buckets keep every object version
  Versioning lets deleted or overwritten data be recovered.

  @check:aws.s3.versioning @id:aws.s3.versioning @soc2:CC7.4 @soc2:A1.2 @soc2:PI1.5 @hipaa:164.308(a)(7)(ii)(A) @hipaa:164.312(c)(1)
  Scenario: Every bucket has versioning enabled
    Given every AWS account
    Then every S3 bucket has versioning enabled
