@aws
Feature: S3 access is logged
  Server access logs record who read or changed data.

  @check:aws.s3.access-logging @id:aws.s3.access-logging @soc2:CC7.2 @soc2:CC7.3 @hipaa:164.312(b) @hipaa:164.308(a)(1)(ii)(D)
  Scenario: Every bucket records server access logs
    Given every AWS account
    Then every S3 bucket records server access logs
