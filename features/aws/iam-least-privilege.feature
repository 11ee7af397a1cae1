@aws
Feature: Nobody holds more privilege than their job needs
  No user, group or role is an administrator, has full access to a sensitive service, or can grant
  itself more; users get permissions through groups and roles only.

  @check:aws.iam.admin-privileges @id:aws.iam.admin-privileges @soc2:CC6.3 @soc2:CC1.3 @hipaa:164.308(a)(4)(i) @hipaa:164.308(a)(4)(ii)(B) @hipaa:164.312(a)(1)
  Scenario: No principal effectively holds every action on every resource
    Given every AWS account
    Then no IAM principal effectively holds every action on every resource

  @check:aws.iam.service-wildcards @id:aws.iam.service-wildcards @soc2:CC3.3 @soc2:CC6.3 @hipaa:164.312(a)(2)(iv)
  Scenario: No principal has full access to IAM, KMS, S3, STS or CloudTrail
    Given every AWS account
    Then no IAM principal has full access to "iam, kms, s3, sts, cloudtrail"

  @check:aws.iam.privilege-escalation @id:aws.iam.privilege-escalation @soc2:CC3.3 @soc2:CC6.3 @hipaa:164.308(a)(4)(ii)(B)
  Scenario: No principal can escalate its own privileges
    Given every AWS account
    Then no IAM principal holds a known privilege-escalation path

  @check:aws.iam.direct-user-policies @id:aws.iam.direct-user-policies @soc2:CC1.3 @soc2:CC6.3 @hipaa:164.308(a)(4)(i)
  Scenario: Users hold policies only through groups or roles
    Given every AWS account
    Then no IAM user holds a policy directly
