@aws
Feature: S3 buckets are reachable only over TLS
  A bucket policy denies every request made without TLS, so data never crosses the network in clear.

  @check:aws.s3.secure-transport @id:aws.s3.secure-transport @soc2:CC6.7 @hipaa:164.312(e)(1) @hipaa:164.312(e)(2)(i) @hipaa:164.312(a)(2)(iv)
  Scenario: Every bucket policy denies requests without TLS
    Given every AWS account
    Then every S3 bucket policy denies requests without TLS, with any TLS floor at 1.2 or above
