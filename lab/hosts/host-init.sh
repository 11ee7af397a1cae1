#!/bin/sh
# PID 1 of a test host: runs in the host's new mount, PID, network, UTS and IPC namespaces (started
# by lab/hosts/test-hosts.ts through `unshare ... --fork --kill-child`), before the chroot.
#   host-init.sh NAME LOWER HOSTDIR
# HOSTDIR holds upper/ work/ root/ (the overlay), baseline.sh and variant.sh (the host's setup).
# Every mount below exists only in this mount namespace and disappears with it.
# Lifeline: stdin is a pipe from the Node process that started the host. When it closes (stop(), or
# that process exits or crashes) this script exits and the kernel kills everything else in the PID
# namespace, so a host never outlives its test.
set -eu
NAME=$1 LOWER=$2 H=$3 R=$3/root
mount --make-rprivate /
mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$H/upper,workdir=$H/work" "$R"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount -t tmpfs -o mode=755,size=1m,nosuid tmpfs "$R/dev"
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r name major minor <<E
$n
E
  mknod -m 666 "$R/dev/$name" c "$major" "$minor"
done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"; ln -s /proc/self/fd "$R/dev/fd"
mount -t tmpfs -o mode=755,size=8m,nosuid,nodev tmpfs "$R/run"
mkdir -p "$R/run/sshd" "$R/run/lock"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys" 2>/dev/null || true
hostname "$NAME"; echo "$NAME" > "$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$NAME" > "$R/etc/hosts"
ip link set lo up
# the variant's setup, inside the chroot: offline (dpkg, files, nft in this netns)
mkdir -p "$R/tmp/vigil-host"
cp "$H/baseline.sh" "$H/variant.sh" "$R/tmp/vigil-host/"
cp -r "$H/stand-ins" "$R/tmp/vigil-host/"
chroot "$R" /bin/sh -eu /tmp/vigil-host/baseline.sh
rm -rf "$R/tmp/vigil-host"
chroot "$R" /usr/sbin/sshd -D -e -p 22 -o PidFile=none </dev/null &
cat >/dev/null
exit 0
