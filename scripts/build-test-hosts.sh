#!/usr/bin/env bash
# Builds the Debian bookworm root filesystem the host-hardening tests boot their test hosts from
# (lab/hosts/test-hosts.ts): one read-only overlay lower dir shared by every host, with OpenSSH,
# sudo, nftables, unattended-upgrades and auditd, a `vigil` login user (ed25519 key generated here,
# NOPASSWD sudo), and a local apt archive labelled like Debian's security archive that offers
# vigil-probe-demo 1.1 while 1.0 is installed. `apt-get update` runs here, from that file: source
# only, so the hosts never need a network to answer "is a security update pending?".
#
# Output, in .cache/test-hosts/ (or $VIGIL_TEST_HOSTS_CACHE):
#   lower/             the unpacked root filesystem (the overlay's lower dir; never written to)
#   client_key(.pub)   the vigil user's key (0600)
#   host-keys/         the hosts' public host keys, for pinning (every host shares them)
#   stamp              hash of this script and the variant list; a changed script rebuilds
# Idempotent: a no-op when the stamp matches. Needs root (mmdebstrap --mode=root, chroot); installs
# mmdebstrap, apt-utils and openssh-client with apt when missing. Debian mirror: $VIGIL_DEBIAN_MIRROR.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "build-test-hosts: must run as root (mmdebstrap --mode=root and chroot need it); run it with sudo" >&2
  exit 1
fi
started=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"; }

CACHE=${VIGIL_TEST_HOSTS_CACHE:-$PWD/.cache/test-hosts}
MIRROR=${VIGIL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# the variants are applied when a host starts, not here; their names are in the stamp so that adding
# or removing one (which may need something new in the base) rebuilds it
stamp=$( { cat "$0"; (cd lab/hosts/variants && ls -1 -- *.sh); } | sha256sum | cut -d' ' -f1)

mkdir -p "$CACHE"
# two test runs starting at once build the base once
exec 9>"$CACHE/.lock"
flock 9
if [ -f "$CACHE/stamp" ] && [ "$(cat "$CACHE/stamp")" = "$stamp" ] && [ -x "$CACHE/lower/usr/sbin/sshd" ]; then
  echo "build-test-hosts: up to date in $CACHE ($(elapsed))"
  exit 0
fi

missing=()
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v apt-ftparchive >/dev/null || missing+=(apt-utils)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-test-hosts: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# everything is made in a staging folder and moved into place at the end: an interrupted build
# leaves the previous base (or none), never a half-made one
STAGE="$CACHE/build.tmp"
# a build killed inside mmdebstrap may leave its /proc, /sys or /dev mounts in the staging root:
# unmount them, and never let rm cross into a mount
{ findmnt -rn -o TARGET | grep -F "$STAGE/" || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
rm -rf --one-file-system "$STAGE"
mkdir -p "$STAGE/pkg" "$STAGE/archive/pool/main" "$STAGE/archive/dists/bookworm-security/main/binary-amd64" "$STAGE/host-keys"
export STAGE

ssh-keygen -q -t ed25519 -N '' -C vigil-test-hosts -f "$STAGE/client_key"
chmod 600 "$STAGE/client_key"

# vigil-probe-demo 1.0 (installed in the base) and 1.1 (the pending "security update")
for v in 1.0 1.1; do
  d="$STAGE/pkg/vigil-probe-demo_$v"
  mkdir -p "$d/DEBIAN" "$d/usr/share/doc/vigil-probe-demo"
  printf '%s\n' "Package: vigil-probe-demo" "Version: $v" "Architecture: all" \
    "Maintainer: Vigil tests <tests@invalid>" "Section: misc" "Priority: optional" \
    "Description: Vigil fixture package ($v)" \
    " Trivial package the host-hardening tests use to simulate a pending security update." > "$d/DEBIAN/control"
  echo "vigil-probe-demo $v" > "$d/usr/share/doc/vigil-probe-demo/VERSION"
  dpkg-deb --root-owner-group --build "$d" "$STAGE/pkg/" >/dev/null
done
cp "$STAGE/pkg/vigil-probe-demo_1.1_all.deb" "$STAGE/archive/pool/main/"
(
  cd "$STAGE/archive"
  apt-ftparchive packages pool/main > dists/bookworm-security/main/binary-amd64/Packages
  gzip -9kf dists/bookworm-security/main/binary-amd64/Packages
  # the Release fields of Debian's own security archive since trixie's release (bookworm is
  # oldstable): unattended-upgrades' default Allowed-Origins match on origin, label and codename.
  # Generated outside dists/, else the Release file would list itself.
  apt-ftparchive \
    -o APT::FTPArchive::Release::Origin=Debian -o APT::FTPArchive::Release::Label=Debian-Security \
    -o APT::FTPArchive::Release::Suite=oldstable-security -o APT::FTPArchive::Release::Version=12 \
    -o APT::FTPArchive::Release::Codename=bookworm-security \
    -o APT::FTPArchive::Release::Architectures=amd64 -o APT::FTPArchive::Release::Components=main \
    release dists/bookworm-security > "$STAGE/Release"
  mv "$STAGE/Release" dists/bookworm-security/Release
)

echo "build-test-hosts: mmdebstrap bookworm from $MIRROR"
# hooks run with "$1" = the new root; $STAGE comes from the environment
nice -n 10 mmdebstrap --mode=root --variant=apt --skip=cleanup/apt/lists --quiet \
  --include=openssh-server,sudo,nftables,unattended-upgrades,auditd,iproute2,systemd \
  --customize-hook='cp "$STAGE/pkg/vigil-probe-demo_1.0_all.deb" "$1/tmp/" && chroot "$1" dpkg -i /tmp/vigil-probe-demo_1.0_all.deb >/dev/null && rm "$1/tmp/vigil-probe-demo_1.0_all.deb"' \
  --customize-hook='cp -a "$STAGE/archive" "$1/srv/archive"' \
  --customize-hook='echo "deb [trusted=yes] file:/srv/archive bookworm-security main" > "$1/etc/apt/sources.list.d/local-security.list"' \
  --customize-hook=': > "$1/etc/apt/sources.list" && rm -rf "$1/var/lib/apt/lists/"*_* && chroot "$1" apt-get update -q >/dev/null' \
  --customize-hook='chroot "$1" useradd -m -s /bin/bash -G sudo vigil' \
  --customize-hook='install -d -m 700 "$1/home/vigil/.ssh" && install -m 600 "$STAGE/client_key.pub" "$1/home/vigil/.ssh/authorized_keys" && chroot "$1" chown -R vigil:vigil /home/vigil/.ssh' \
  --customize-hook='echo "vigil ALL=(ALL) NOPASSWD: ALL" > "$1/etc/sudoers.d/vigil" && chmod 440 "$1/etc/sudoers.d/vigil"' \
  --customize-hook='mkdir -p "$1/run/sshd"' \
  bookworm "$STAGE/lower" "$MIRROR"

# the archive must read as a pending security update to apt and to unattended-upgrades alike
chroot "$STAGE/lower" apt-get -s upgrade 2>/dev/null | grep -q '^Inst vigil-probe-demo \[1\.0\] (1\.1 Debian-Security:' ||
  { echo "build-test-hosts: apt-get -s upgrade in the new base does not offer vigil-probe-demo 1.1 from Debian-Security" >&2; exit 1; }
chroot "$STAGE/lower" unattended-upgrade --dry-run -d 2>&1 | grep -q 'Packages that will be upgraded: vigil-probe-demo' ||
  { echo "build-test-hosts: unattended-upgrades does not treat the local archive as a security origin" >&2; exit 1; }
rm -rf "$STAGE/lower/var/log/unattended-upgrades/"*

cp "$STAGE/lower/etc/ssh/"ssh_host_*_key.pub "$STAGE/host-keys/"
rm -rf "$STAGE/pkg" "$STAGE/archive"

rm -f "$CACHE/stamp"
rm -rf --one-file-system "$CACHE/lower" "$CACHE/host-keys" "$CACHE/client_key" "$CACHE/client_key.pub"
mv "$STAGE/lower" "$STAGE/host-keys" "$STAGE/client_key" "$STAGE/client_key.pub" "$CACHE/"
rmdir "$STAGE"
echo "$stamp" > "$CACHE/stamp"
echo "build-test-hosts: built $CACHE in $(elapsed)"
