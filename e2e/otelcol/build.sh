#!/usr/bin/env bash
# Builds the e2e's OpenTelemetry Collector (main.go) from the Go module proxy once per machine and
# prints the binary's path. The cache key is the module's sources, so a change rebuilds it.
# Cold: minutes (module downloads + compile); warm: instant.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
key=$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)
cache="${CPB_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/create-polyglot-backend}/otelcol-$key"
bin="$cache/otelcol"
if [ ! -x "$bin" ]; then
  mkdir -p "$cache"
  # Built beside the final path and renamed, so an interrupted build never leaves a half binary.
  (cd "$here" && GOFLAGS=-mod=mod go build -trimpath -o "$bin.partial" .) >&2
  mv "$bin.partial" "$bin"
fi
echo "$bin"
