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
# Go 1.26's fuzz coordinator can end a run that found nothing with a bare
# "context deadline exceeded" when -fuzztime expires while a worker is busy
# (go.dev/issue/75804, fixed in Go 1.27). Such a run wrote no failing input:
# it is run once more. Any other failure, or one with a failing input, fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fuzz() { go test "$1" -run '^$' -fuzz "^$2\$" -fuzztime "$time" </dev/null 2>&1 | tee "$log"; return "${PIPESTATUS[0]}"; }
n=0
while read -r pkg target; do
  echo "== fuzz $pkg $target for $time"
  if ! fuzz "$pkg" "$target"; then
    if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written to' "$log"; then
      echo "== $target: the fuzz coordinator's deadline race (go.dev/issue/75804), no failing input: once more"
      fuzz "$pkg" "$target"
    else
      exit 1
    fi
  fi
  n=$((n + 1))
done <<<"$targets"
echo "== $n fuzz targets passed"
