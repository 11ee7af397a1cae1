@aws
Feature: Evidence buckets cannot be altered
  Buckets holding audit evidence lock every object for a default retention period.

  @check:aws.s3.object-lock @id:aws.s3.object-lock @soc2:PI1.5 @hipaa:164.312(c)(1)
  Scenario: Evidence buckets lock objects for at least a year
    Given every AWS account
    Then every S3 bucket named like "*evidence*" locks objects for at least 365 days
