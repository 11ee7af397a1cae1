# unencrypted-disk: lsblk shows a plain disk holding / (a real VM's lsblk -J, no crypt device)
disk_encryption() { stand_in lsblk disk-encryption/debian12-vm-plain.lsblk.json lsblk.json; }
