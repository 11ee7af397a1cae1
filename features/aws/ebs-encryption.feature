@aws
Feature: EBS volumes are encrypted
  Block storage is encrypted at rest, and new volumes are encrypted without anyone having to ask.

  @check:aws.ec2.ebs-encryption @id:aws.ec2.ebs-encryption @soc2:CC6.1 @hipaa:164.312(a)(2)(iv)
  Scenario: EBS encryption by default is on and every volume is encrypted
    Given every AWS account
    Then EBS encryption by default is on and every EBS volume is encrypted
