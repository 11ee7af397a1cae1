# empty-password: the account alice has an empty password field in /etc/shadow
passwords() { useradd -m alice && passwd -d alice >/dev/null; }
