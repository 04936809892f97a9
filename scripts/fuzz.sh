#!/usr/bin/env bash
# Runs every fuzz target for a bounded time each: scripts/fuzz.sh [duration]
# (default 10s, any `go test -fuzztime` value). The targets are found in the
# code (`go test -list '^Fuzz' ./...`), so a new one is fuzzed without
# editing this script. New crashers are written to the package's
# testdata/fuzz/<Target>/ directory: commit them, they become regression
# seeds that `go test ./...` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
time="${1:-10s}"
# `go test -list` prints a package's matching names, then "ok  PKG …".
targets=$(go test -list '^Fuzz' ./... | awk '/^Fuzz/ { t[n++] = $1; next } /^ok/ { for (i = 0; i < n; i++) print $2, t[i]; n = 0 }')
[ -n "$targets" ] || { echo "no fuzz targets found" >&2; exit 1; }
n=0
while read -r pkg target; do
  echo "== fuzz $pkg $target for $time"
  go test "$pkg" -run '^$' -fuzz "^$target\$" -fuzztime "$time" </dev/null
  n=$((n + 1))
done <<<"$targets"
echo "== $n fuzz targets passed"
