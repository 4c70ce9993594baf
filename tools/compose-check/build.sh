#!/usr/bin/env bash
# Builds compose-check once per version of its source and prints the binary's path. The cache is keyed by
# the hash of go.mod + go.sum + main.go, so a changed tool gets a fresh binary and an unchanged one costs
# a hash. Needs Go and the Go module proxy (the first build downloads compose-go and its dependencies).
#   tools/compose-check/build.sh            → /var/tmp/cpb-tools/compose-check/<hash>/compose-check
#   COMPOSE_CHECK_CACHE=/some/dir build.sh  → another cache directory
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
cache=${COMPOSE_CHECK_CACHE:-/var/tmp/cpb-tools/compose-check}
key=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)
bin="$cache/$key/compose-check"

if [ ! -x "$bin" ]; then
  # Go may be installed but not on PATH (e.g. a non-login shell).
  command -v go >/dev/null || PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null || { echo "compose-check: Go is not installed (https://go.dev/dl)" >&2; exit 1; }
  # Go keeps its module and build caches under $HOME; without one (a bare CI env), keep them here.
  [ -n "${HOME:-}" ] || export GOPATH="$cache/gopath" GOCACHE="$cache/gocache"
  mkdir -p "$cache/$key"
  tmp=$(mktemp "$cache/$key/.build.XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  # -buildvcs=false: the tool needs no VCS stamp, and stamping fails where git is missing.
  # -mod=readonly: go.sum is committed; a build must not rewrite it.
  (cd "$src" && go build -buildvcs=false -mod=readonly -trimpath -o "$tmp" .) >&2
  # Rename into place so a concurrent or interrupted build never leaves a half-written binary.
  mv -f "$tmp" "$bin"
fi
echo "$bin"
