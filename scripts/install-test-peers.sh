#!/usr/bin/env bash
# Installs the real peers Vigil's tests and lab start on 127.0.0.1: OpenSSH's sshd, putty-tools
# (puttygen for the key corpus), sslscan (benchmark comparison), Chromium (report.html is checked in
# a real headless browser), dnsmasq (a real DNS server for the name-resolution tests), moto in
# server mode, and actionlint (the example workflows are linted with it; built from source through
# the Go module proxy by scripts/install-actionlint.sh, with Debian's golang-go when there is no Go). Idempotent;
# Also libfaketime: tests play other days and nights (Vigil itself has no flag that sets its clock).
# Installs only what is missing. Debian packages need root; moto goes into a project-local .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v openssl >/dev/null || missing+=(openssl)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v puttygen >/dev/null || missing+=(putty-tools)
command -v sslscan >/dev/null || missing+=(sslscan)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
command -v faketime >/dev/null || missing+=(faketime)
# STARTTLS peers (issue 15): a real server per upgrade, started by the tests on 127.0.0.1 with their
# own configuration in a temp folder (the packages' own services are never started), and testssl.sh
# for the STARTTLS benchmark comparison
[ -x /usr/sbin/postfix ] || missing+=(postfix)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd dovecot-pop3d)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
[ -x /usr/sbin/slapd ] || missing+=(slapd ldap-utils)
[ -x /usr/sbin/vsftpd ] || missing+=(vsftpd)
[ -x /usr/bin/prosody ] || missing+=(prosody)
command -v testssl >/dev/null || missing+=(testssl.sh)
if ! command -v moto_server >/dev/null && [ ! -x .venv/bin/moto_server ]; then
  command -v python3 >/dev/null || missing+=(python3)
  python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
fi
# actionlint is built with Go; Debian's golang-go when the machine has none (see install-actionlint.sh)
if [ ! -x .tools/bin/actionlint ] && ! command -v go >/dev/null && [ ! -x /usr/local/go/bin/go ]; then
  missing+=(golang-go)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-test-peers: need root to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # postfix asks what kind of mail system this is: none; the tests write their own main.cf
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
  # the tests start their own sshd processes; keep the package from starting a system one on :22
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[ "$(id -u)" != 0 ] || mkdir -p /run/sshd

# moto in server mode: the machine's when present, else a project-local virtualenv from PyPI
if ! command -v moto_server >/dev/null && [ ! -x .venv/bin/moto_server ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q 'moto[server]>=5.2,<6'
fi

# actionlint, pinned, into the project-local .tools/bin (a no-op when that version is there)
bash scripts/install-actionlint.sh

# Debian test hosts for the host checks (issue 20): a bookworm root filesystem built once per machine
# with mmdebstrap into .cache/test-hosts/ (only a stamp check when up to date); root only, as the hosts
if [ "$(id -u)" = 0 ]; then bash scripts/build-test-hosts.sh; fi
