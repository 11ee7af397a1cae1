@aws
Feature: RDS databases and their snapshots are encrypted
  Every database instance, cluster and snapshot — manual or automated — keeps its storage encrypted,
  so no copy of the data is readable outside the database. A member of an Aurora or Multi-AZ DB
  cluster is judged through its cluster, whose volume holds its data.

  @check:aws.rds.encryption @id:aws.rds.encryption @soc2:CC6.1 @hipaa:164.312(a)(2)(iv)
  Scenario: Every RDS instance, cluster and snapshot has encrypted storage
    Given every AWS account
    Then every RDS database, cluster and snapshot has encrypted storage
