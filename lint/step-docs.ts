// What each phrase of Vigil's step library (steps/*.steps.ts) means, for `vigil steps`: a sentence per
// phrase and per parameter. Keyed by the phrase's pattern exactly as written in the step file (a
// Cucumber expression, or a regular expression's source). Examples here are only for phrases the
// shipped feature files do not use; `vigil steps` takes every other example from the library.
// A test fails when a phrase of the library has no entry here, or an entry names no phrase.

export interface StepDoc {
  /** what the phrase requires, in a sentence */
  says: string
  /** each parameter, by the name the step function gives it */
  params?: Record<string, string>
  /** examples for phrases no shipped feature file uses (one per variant, for a table phrase) */
  examples?: { text: string; table?: string[][] }[]
}

const DAYS = 'a number of days'

export const STEP_DOCS: Record<string, StepDoc> = {
  // targets.steps.ts
  '^every (TLS endpoint|SSH server|key folder|AWS account)(?: tagged "([^"]+)")?$': {
    says: 'Selects the targets the scenario judges: every inventory target of one kind, or only those carrying a tag. Several such steps add up (`And every key folder`).',
    params: { kind: 'the kind of target: "TLS endpoint" (targets.tls), "SSH server" (targets.ssh), "key folder" (targets.keyDirs) or "AWS account" (targets.aws)', tag: 'optional: only targets whose `tags:` in vigil.yaml include it' },
  },

  // tls.steps.ts
  'no certificate in the served chain expires within {int} days': {
    says: 'Every certificate the endpoint serves (leaf and intermediates) is valid now and for at least that many more days.',
    params: { days: `${DAYS}: the least validity left on every certificate` },
  },
  'the served certificate chain builds to a trusted root': { says: 'The chain as served builds to a root of the system store or `trust.extraCaFiles`, every element valid now.' },
  "the leaf certificate is valid for the endpoint's host name": { says: "The leaf certificate matches the target's `host` (SANs, RFC 6125 wildcards, IP SANs)." },
  'every certificate key is at least {int}-bit RSA or {int}-bit EC': {
    says: 'Every served certificate has an RSA/DSA key of at least the first size, or an EC key of at least the second.',
    params: { minRsaBits: 'least RSA (and DSA) key size, in bits', minEcBits: 'least EC key size, in bits' },
  },
  'no certificate below the root is signed with SHA-1 or MD5': { says: 'No certificate below the root of the served chain is signed with SHA-1, MD5 or MD2.' },
  'the service offers TLS and accepts it': {
    says: "A `starttls:` service offers its protocol's upgrade to TLS (STARTTLS, STLS, AUTH TLS, LDAP StartTLS, PostgreSQL SSLRequest, MySQL CLIENT_SSL) and accepts it; any other endpoint speaks TLS from the first byte.",
  },
  'only root has UID 0, no account has an empty password and no system account has a login shell': {
    says: 'Over the audit login: no account but root has UID 0, no account has an empty password (only the status of each password is read, with passwd -S), and accounts below UID 1000 (and nobody) have a no-login shell.',
  },
  'unattended-upgrades is installed, runs daily and takes updates from the security suite': {
    says: 'Over the audit login: dpkg shows unattended-upgrades installed; /etc/apt/apt.conf.d/20auto-upgrades and 50unattended-upgrades (only these two files, read as apt reads them: comments ignored, a later setting wins) set APT::Periodic::Update-Package-Lists and ::Unattended-Upgrade to "1" (daily, or more often), and an Unattended-Upgrade::Origins-Pattern entry (or Allowed-Origins on Ubuntu) selects the security suite.',
  },
  'auditd records every change to the identity files, sudoers, the SSH configuration and the login records': {
    says: 'Over the audit login: auditd is installed (dpkg) and enabled (systemctl is-enabled), and an audit rule records writes and attribute changes (`-w <path> -p wa`, or `-a always,exit -F path=/dir= -F perm=wa` with no other filter) of /etc/passwd, /etc/group, /etc/shadow, /etc/gshadow, /etc/sudoers, /etc/sudoers.d, /etc/ssh/sshd_config, /var/log/lastlog, /var/run/faillock (or /var/log/faillog), /var/log/wtmp and /var/log/btmp. Judged on the live rules (auditctl -l through sudo -n) when the kernel lets them be read, else on /etc/audit/rules.d/*.rules (or audit.rules).',
  },
  'the effective sshd configuration enables nothing the SSH checks deny and agrees with what the server offers': {
    says: "Over the audit login: `sshd -T` for the daemon that accepted it (as root or through sudo -n; its configuration files over SFTP when that is not allowed) enables no key-exchange method, cipher, MAC or host-key algorithm on the deny lists the ssh.server.* checks use by default, and neither password nor keyboard-interactive authentication (PermitRootLogin is recorded, not judged); and the server's KEXINIT lists (ext-info and strict-kex markers aside, order ignored) and the methods it answers a `none` request with are what that configuration enables.",
  },
  'every mounted data filesystem is encrypted with dm-crypt or LUKS': {
    says: "Over the audit login (lsblk -J and /proc/mounts, no root): every filesystem mounted from a block device — but /boot, /boot/efi, swap and loop devices — has a crypt (dm-crypt/LUKS) device above it on every path of lsblk's device tree; one mounted from a device lsblk does not show is an error.",
  },
  'a time service keeps the clock synchronised to within {int} ms': {
    says: 'Over the audit login (no root): chrony reports the clock synchronised (chronyc -c tracking: leap status not "Not synchronised") with the system clock at most that far from its estimate of true time; without a chronyd answering, timedatectl show reporting NTPSynchronized=yes is an error (the offset is unknown), and no time service answering fails.',
    params: { maxOffsetMs: 'the greatest offset of the system clock, in milliseconds' },
  },
  'inbound traffic is denied by default for IPv4 and IPv6, and the listening ports are listed': {
    says: 'Over the audit login (nft -j list ruleset through sudo -n, read only): an nftables filter chain on the input hook (family inet, or ip and ip6) drops what its rules do not let through — policy drop, or an unconditional drop or reject with no unconditional accept before it — for IPv4 and for IPv6. The listening ports (ss -H -tuln) are listed with the verdict.',
  },
  'no security update is pending on the host, judged from package lists at most {int} days old': {
    says: "Over the audit login: `apt-get -s dist-upgrade` (never `apt update`) shows no upgrade from a security suite (label Debian-Security, or a suite ending in -security) in the host's own package lists; lists older than that, no lists, or none from a security suite are an error.",
    params: { maxListAgeDays: `${DAYS}: the greatest age of the newest Release file of the host's package lists (its mtime or Date)` },
  },
  'only TLS 1.2 or TLS 1.3 is accepted': { says: 'The endpoint refuses SSLv2, SSLv3, TLS 1.0 and TLS 1.1, and accepts TLS 1.2 or 1.3.' },
  'every accepted cipher suite uses ephemeral key exchange': { says: 'Every accepted cipher suite uses (EC)DHE key exchange: all sessions are forward secret.' },
  'at least one accepted cipher suite uses ephemeral key exchange': {
    says: 'At least one accepted cipher suite uses (EC)DHE key exchange: forward secrecy is offered, static RSA may remain.',
    examples: [{ text: 'at least one accepted cipher suite uses ephemeral key exchange' }],
  },
  'no NULL, EXPORT, anonymous, RC4, DES, 3DES, IDEA or MD5 cipher suite is accepted': { says: 'No accepted cipher suite is NULL, EXPORT, anonymous, RC4, DES, 3DES, IDEA or MD5-based.' },
  'DHE groups are at least {int} bits and ECDHE curves at least {int} bits': {
    says: 'Finite-field DHE groups the endpoint uses are at least the first size, and the ECDHE curves it accepts at least the second.',
    params: { minDhBits: 'least DHE prime size, in bits', minEcBits: 'least ECDHE curve size, in bits' },
  },
  'nothing outside the Mozilla {string} TLS profile is accepted': {
    says: "Every accepted protocol, cipher suite and curve is within the Mozilla server-side TLS profile named (the phrase refuses a profile other than \"intermediate\" or \"modern\").",
    params: { profile: '"intermediate" or "modern"' },
  },
  'the HTTPS response sets Strict-Transport-Security with max-age of at least {int} days': {
    says: 'An HTTPS GET to the endpoint answers with a Strict-Transport-Security header whose max-age is at least that many days.',
    params: { days: `${DAYS}: the least max-age (the check gets it in seconds, as minMaxAge)` },
  },

  // ssh.steps.ts
  '^no SSH server offers any of these (key-exchange methods|ciphers|MACs):$': {
    says: "The server offers none of the algorithms in the table (one name or glob per row), replacing the check's own deny list.",
    params: { kind: '"key-exchange methods" (ssh.server.kex), "ciphers" (ssh.server.ciphers) or "MACs" (ssh.server.macs)', table: 'the deny list: one algorithm name or glob (`*-sha1`) per row' },
    examples: [
      { text: 'no SSH server offers any of these key-exchange methods:', table: [['diffie-hellman-group1-sha1'], ['*-sha1']] },
      { text: 'no SSH server offers any of these ciphers:', table: [['*-cbc'], ['3des-*']] },
      { text: 'no SSH server offers any of these MACs:', table: [['hmac-md5*'], ['*-96']] },
    ],
  },
  '^the SSH (key-exchange methods|ciphers|MACs) offered are (a subset of|exactly) these:$': {
    says: 'Compares what the server offers with the baseline in the table: nothing outside it ("a subset of"), or exactly it in the same order ("exactly").',
    params: { kind: '"key-exchange methods", "ciphers" or "MACs": which list, hence which check', how: '"a subset of" (match subset) or "exactly" (match exact, same order)', table: 'the baseline: one algorithm name or glob per row' },
    examples: [
      { text: 'the SSH key-exchange methods offered are a subset of these:', table: [['curve25519-sha256'], ['sntrup761x25519-sha512@openssh.com']] },
      { text: 'the SSH ciphers offered are exactly these:', table: [['chacha20-poly1305@openssh.com'], ['aes256-gcm@openssh.com']] },
      { text: 'the SSH MACs offered are a subset of these:', table: [['hmac-sha2-256-etm@openssh.com'], ['hmac-sha2-512-etm@openssh.com']] },
    ],
  },
  'no SSH server offers a key-exchange method on the deny list': { says: "The server offers no key-exchange method on the check's deny list (SHA-1 groups, group1, gex-sha1, NIST ECDH without Curve25519, …)." },
  'the SSH key-exchange methods are a subset of the hardened baseline': {
    says: "Every key-exchange method the server offers is in the check's hardened baseline.",
    examples: [{ text: 'the SSH key-exchange methods are a subset of the hardened baseline' }],
  },
  'no SSH server offers a CBC, 3DES, arcfour, none or other deny-listed cipher': { says: "The server offers no cipher on the check's deny list (CBC modes, 3DES, arcfour, none, …) in either direction." },
  'the SSH ciphers are a subset of the hardened baseline': {
    says: "Every cipher the server offers is in the check's hardened baseline.",
    examples: [{ text: 'the SSH ciphers are a subset of the hardened baseline' }],
  },
  'no SSH server offers an MD5, SHA-1, 96-bit, umac-64 or non-ETM MAC': { says: 'The server offers no deny-listed MAC (MD5, SHA-1, 96-bit, umac-64), and every MAC it offers is encrypt-then-MAC.' },
  'every SSH host key is at least {int}-bit RSA or {int}-bit EC, and no DSA or ssh-rsa signature is offered': {
    says: 'Every host key the server presents is RSA of at least the first size or EC of at least the second; no DSA key, no ssh-rsa (SHA-1) signature.',
    params: { minRsaBits: 'least RSA host key size, in bits', minEcBits: 'least EC host key size, in bits' },
  },
  'no SSH server offers chacha20-poly1305 or an ETM MAC without strict key exchange': { says: 'The server is not open to Terrapin (CVE-2023-48795): chacha20-poly1305 or an ETM MAC only with strict key exchange.' },
  'no SSH server offers password or keyboard-interactive authentication': { says: 'Answering a `none` authentication request, the server offers neither password nor keyboard-interactive (nor accepts `none`).' },
  'the effective PermitRootLogin setting is {string}': {
    says: "The daemon's effective PermitRootLogin (sshd -T over the audit login, else its configuration files) is the value named.",
    params: { value: 'the one allowed value, e.g. "no" or "prohibit-password"' },
  },
  'every private key is protected by a passphrase': { says: 'Every private key found under the target\'s keyPaths (over SFTP) or in a key folder is encrypted with a passphrase.' },
  'every SSH key is at least {int}-bit RSA or {int}-bit EC, and none is DSA': {
    says: 'Every private key, public key and authorized_keys entry found is RSA of at least the first size or EC of at least the second, and none is DSA.',
    params: { minRsaBits: 'least RSA key size, in bits', minEcBits: 'least EC key size, in bits' },
  },

  // aws.steps.ts
  'every S3 bucket has a default encryption configuration': { says: 'Every bucket in the account\'s regions has a default encryption configuration (not only the implicit SSE-S3 default).' },
  'every S3 bucket is encrypted with SSE-KMS': {
    says: 'Every bucket encrypts by default with SSE-KMS or DSSE-KMS.',
    examples: [{ text: 'every S3 bucket is encrypted with SSE-KMS' }],
  },
  'every S3 bucket is encrypted with the KMS key {string}': {
    says: 'Every bucket encrypts by default with the customer-managed KMS key named.',
    params: { key: 'the KMS key ARN (or id) every bucket must use' },
    examples: [{ text: 'every S3 bucket is encrypted with the KMS key "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"' }],
  },
  'every S3 bucket policy denies requests without TLS, with any TLS floor at {float} or above': {
    says: 'Every bucket policy denies every S3 action when aws:SecureTransport is false, and any s3:TlsVersion floor it sets is at least the version named.',
    params: { minTlsVersion: 'the least TLS version a floor may name, e.g. 1.2' },
  },
  'every S3 bucket has all four Block Public Access flags on at bucket or account level': { says: 'Each of the four Block Public Access flags is on, at the bucket or the account level.' },
  'no S3 bucket grants access to everyone through its ACL or policy': { says: 'No bucket ACL grants AllUsers or AuthenticatedUsers, and no bucket policy allows `*` without a condition restricting the caller.' },
  'every S3 bucket has versioning enabled': { says: 'Every bucket\'s versioning status is Enabled.' },
  'every S3 bucket records server access logs': { says: 'Every bucket has server access logging on.' },
  'every S3 bucket named like {string} locks objects for at least {int} days': {
    says: 'Every bucket whose name matches the pattern has object lock on with a default retention of at least that many days.',
    params: { pattern: 'bucket name glob selecting the (evidence) buckets, e.g. "*evidence*"', minRetentionDays: `${DAYS}: the least default retention` },
  },
  'the root user has MFA': { says: 'The credential report shows an MFA device for the root user.' },
  'the root user has no active access key': { says: 'The credential report shows no active access key for the root user.' },
  'every IAM user with a console password has MFA': { says: 'Every IAM user with a console password has an MFA device.' },
  'no active access key is older than {int} days': {
    says: 'Every active access key was rotated within that many days.',
    params: { maxAgeDays: `${DAYS}: the oldest an active key may be` },
  },
  'no password or active access key has been unused for more than {int} days': {
    says: 'No console password or active access key has gone unused (or never been used) for longer than that many days.',
    params: { maxUnusedDays: `${DAYS}: the longest a credential may stay unused` },
  },
  'the IAM password policy requires at least {int} characters, all character classes and prevents reuse of the last {int}': {
    says: 'The account has a password policy requiring that length, symbols, numbers, upper- and lower-case letters, and preventing reuse of that many earlier passwords.',
    params: { minLength: 'least password length', reuseCount: 'how many earlier passwords cannot be reused' },
  },
  'no IAM principal effectively holds every action on every resource': { says: 'No user, group or role effectively gets every action on `*` after explicit Deny (a conditional grant fails too).' },
  'no IAM principal has full access to {string}': {
    says: 'No user, group or role effectively gets every action of one of the services named on `*`, after explicit Deny.',
    params: { list: 'service prefixes, separated by commas or spaces, e.g. "iam, kms, s3"' },
  },
  'no IAM principal holds a known privilege-escalation path': { says: 'No user, group or role effectively holds every action of a known privilege-escalation path (PassRole + compute, CreatePolicyVersion, …).' },
  'no IAM user holds a policy directly': { says: 'No IAM user has an inline policy or an attached managed policy of its own.' },
  'every enabled customer-managed KMS key rotates automatically at least every {int} days': {
    says: 'Every enabled customer-managed symmetric KMS key has automatic rotation on, with a rotation period of at most that many days (an unreported period counts as AWS’s default, 365). AWS-managed, asymmetric, HMAC and imported-material keys are not judged; keys pending deletion are listed, not failed.',
    params: { maxRotationPeriodDays: `${DAYS}: the longest acceptable automatic rotation period` },
  },
  'no KMS key policy lets everyone or another account decrypt without a condition': {
    says: 'No customer-managed key policy grants `kms:*`, kms:Decrypt or kms:ReEncrypt* to everyone or to a principal of another account without a condition, after Deny statements.',
  },
  'every Secrets Manager secret has rotation enabled and was rotated within {int} days': {
    says: 'Every Secrets Manager secret has rotation enabled and was last rotated within that many days (never rotated fails). Secret values are never read.',
    params: { maxAgeDays: `${DAYS}: the longest since the last rotation` },
  },
  'every SSM parameter named like a secret is a SecureString': {
    says: 'Every SSM parameter whose name contains password, passwd, secret, token, key or credential (any case) is a SecureString. Parameter values are never read.',
  },
  'every SSM parameter named like a secret is a SecureString under a customer-managed key': {
    says: 'As the SecureString phrase, and the parameter is encrypted with a customer-managed KMS key, not the AWS-managed alias/aws/ssm.',
    examples: [{ text: 'every SSM parameter named like a secret is a SecureString under a customer-managed key' }],
  },
  'a multi-region CloudTrail trail is logging read and write management events': {
    says: 'At least one multi-region trail is logging and records management events, read and write (no selector = AWS’s default, all management events; a selector that excludes event sources does not count). An account with no trail fails with the offender "no trail".',
  },
  'every multi-region CloudTrail trail validates, encrypts and protects its logs': {
    says: 'Every multi-region logging trail has log file validation on and a KMS key, and its S3 bucket is not public and has versioning or object lock; a bucket outside the account or the target’s regions is an error.',
  },
  'EBS encryption by default is on and every EBS volume is encrypted': {
    says: 'In every target region EBS encryption by default is on, and every EBS volume (DescribeVolumes, all pages) is encrypted.',
  },
  'every RDS database, cluster and snapshot has encrypted storage': {
    says: 'Every RDS DB instance, DB cluster, DB snapshot and DB cluster snapshot (manual and automated) has encrypted storage; a member of a cluster is judged through its cluster.',
  },
  'every RDS database, cluster and snapshot is encrypted with a customer-managed KMS key': {
    says: 'As the encrypted-storage phrase, and the KMS key is customer-managed, not the AWS-managed alias/aws/rds (decided by DescribeKey and the account’s alias/aws/… aliases).',
    examples: [{ text: 'every RDS database, cluster and snapshot is encrypted with a customer-managed KMS key' }],
  },
  'every RDS database and cluster forces TLS in its parameter group': {
    says: 'The parameter group of every DB instance outside a cluster, and the DB cluster parameter group of every cluster, sets rds.force_ssl = 1 (PostgreSQL, Aurora PostgreSQL, SQL Server) or require_secure_transport = ON (MySQL, MariaDB, Aurora MySQL); another engine is an error naming it.',
  },
  'every DynamoDB table is encrypted at rest': {
    says: 'Every DynamoDB table is encrypted with a KMS key: the AWS-owned default, the AWS-managed alias/aws/dynamodb or a customer-managed key all pass. Items are never read.',
    examples: [{ text: 'every DynamoDB table is encrypted at rest' }],
  },
  'every DynamoDB table is encrypted with a customer-managed KMS key': {
    says: 'Every DynamoDB table names a customer-managed KMS key: the AWS-owned default encryption and the AWS-managed alias/aws/dynamodb fail. Items are never read.',
  },
}
