#!/usr/bin/env bash
# Runs every fuzz target for a bounded time each: scripts/fuzz.sh [duration]
# (default 10s, any `go test -fuzztime` value). New crashers are written to
# the package's testdata/fuzz/<Target>/ directory: commit them, they become
# regression seeds that `go test ./...` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
time="${1:-10s}"
targets=(
  "./hub FuzzDecodeMessage"
  "./hub FuzzReceive"
  "./vm FuzzApply"
  "./transport/apigw FuzzHandler"
  "./gateway FuzzSigV4"
  "./gateway FuzzFrameScanner"
  "./gateway FuzzLoadTemplate"
  "./gateway FuzzRenderTemplate"
  "./gateway FuzzEvalSelectionExpression"
  "./gateway FuzzEscapeJavaScript"
)
for t in "${targets[@]}"; do
  set -- $t
  echo "== fuzz $1 $2 for $time"
  go test "$1" -run '^$' -fuzz "^$2\$" -fuzztime "$time"
done
