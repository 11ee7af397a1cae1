@aws
Feature: RDS databases refuse connections without TLS
  The parameter group of every database forces TLS: rds.force_ssl = 1 for PostgreSQL, Aurora
  PostgreSQL and SQL Server, require_secure_transport = ON for MySQL, MariaDB and Aurora MySQL (for
  a cluster, in its DB cluster parameter group). An engine with no known forcing parameter is
  reported as an error naming the engine, never as a pass.

  @check:aws.rds.tls @id:aws.rds.tls @soc2:CC6.7 @hipaa:164.312(e)(1) @hipaa:164.312(e)(2)(ii)
  Scenario: Every RDS instance and cluster forces TLS
    Given every AWS account
    Then every RDS database and cluster forces TLS in its parameter group
