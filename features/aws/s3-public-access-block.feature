@aws
Feature: S3 Block Public Access is fully on
  All four Block Public Access flags are on for every bucket, set on the bucket or for the account.

  @check:aws.s3.public-access-block @id:aws.s3.public-access-block @soc2:CC6.1 @soc2:CC6.6 @hipaa:164.308(a)(1)(ii)(B) @hipaa:164.308(a)(3)(i)
  Scenario: Every bucket has all four Block Public Access flags on
    Given every AWS account
    Then every S3 bucket has all four Block Public Access flags on at bucket or account level
