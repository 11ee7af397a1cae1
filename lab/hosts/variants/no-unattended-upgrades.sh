# no-unattended-upgrades: the unattended-upgrades package is purged
unattended_upgrades() { dpkg --purge unattended-upgrades >/dev/null; }
