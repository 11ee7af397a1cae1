#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter the example workflows are tested with) into
# the project-local .tools/bin, built from source through the Go module proxy with `go install`:
# no prebuilt binary is downloaded. Idempotent: does nothing when the pinned version is there.
#
# Which Go builds it:
#   - the machine's (`go` on PATH, else /usr/local/go/bin/go), or $ACTIONLINT_GO when set;
#   - none at all: Debian's golang-go is installed with apt-get (root needed);
#   - one older than actionlint needs (Debian 12's golang-go is Go 1.19; actionlint $ACTIONLINT_VERSION
#     needs Go >= 1.25, and Go before 1.21 cannot fetch a newer toolchain by itself): the pinned Go
#     toolchain is fetched as the Go module golang.org/toolchain from the same module proxy (what
#     Go >= 1.21 does by itself with GOTOOLCHAIN=auto) and that Go builds actionlint.
# Takes about 10 s with a recent Go and a warm module cache, about a minute when the toolchain
# module has to be fetched first.
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_VERSION=v1.7.12
# actionlint v1.7.12's go.mod says `go 1.25.0`
NEEDS_GO_MINOR=25
GO_TOOLCHAIN=go1.25.14
TOOLS=${TOOLS_DIR:-$PWD/.tools}
bin=$TOOLS/bin/actionlint

if [ -x "$bin" ] && [ "$("$bin" -version 2>/dev/null | head -n 1)" = "$ACTIONLINT_VERSION" ]; then
  exit 0
fi

go=${ACTIONLINT_GO:-}
if [ -z "$go" ]; then
  if command -v go >/dev/null; then go=$(command -v go)
  elif [ -x /usr/local/go/bin/go ]; then go=/usr/local/go/bin/go
  fi
fi
if [ -z "$go" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-actionlint: no Go on this machine; need root to apt-get install golang-go" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends golang-go ca-certificates
  go=/usr/bin/go
fi

# go1.19.8 -> 19; go1.25.14 -> 25; devel builds count as new enough
goversion=$("$go" env GOVERSION)
minor=$(printf '%s\n' "$goversion" | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p')
if [ -n "$minor" ] && [ "$minor" -lt "$NEEDS_GO_MINOR" ]; then
  goos=$("$go" env GOOS)
  goarch=$("$go" env GOARCH)
  module="golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.$goos-$goarch"
  echo "install-actionlint: $goversion is too old for actionlint $ACTIONLINT_VERSION; fetching $GO_TOOLCHAIN as the Go module $module" >&2
  # outside any module, so that no go.mod around here is consulted
  dir=$(cd / && GOFLAGS='' "$go" mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  if [ -z "$dir" ] || [ ! -f "$dir/bin/go" ]; then
    echo "install-actionlint: could not fetch $module" >&2
    exit 1
  fi
  # the module cache keeps files without execute bits; Go's own toolchain switch sets them the same way
  chmod a+x "$dir"/bin/* "$dir"/pkg/tool/*/*
  go=$dir/bin/go
fi

mkdir -p "$TOOLS/bin"
echo "install-actionlint: building actionlint $ACTIONLINT_VERSION with $("$go" env GOVERSION) into $TOOLS/bin" >&2
GOTOOLCHAIN=local GOBIN="$TOOLS/bin" GOFLAGS=-buildvcs=false "$go" install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
"$bin" -version | head -n 1
