#!/bin/sh
# bench-libs.sh: measure the bare WebSocket baseline server on each library
# (gonetify bench-baseline --lib LIB), one fresh server process per run, with
# the gonetify bench load generator pointed at it (--server, --server-pid).
# Prints one summary line per run, prefixed with the library.
#
#   scripts/bench-libs.sh                          # every lib, the default scenarios
#   LIBS="gorilla nbio" RUNS=1 scripts/bench-libs.sh
#   scripts/bench-libs.sh "fanout --clients 5000 --rate 30 --duration 10s"
set -eu
cd "$(dirname "$0")/.."
# gorilla's baseline is in gonetify; gobwas, nbio and coder are in
# gonetify-baselines (the nested module internal/bench/baselines), which
# takes the same bench-baseline flags.
if [ -z "${GONETIFY:-}" ]; then
	go build -o bin/gonetify ./cmd/gonetify
	GONETIFY=bin/gonetify
fi
if [ -z "${GONETIFY_BASELINES:-}" ]; then
	GONETIFY_BASELINES=$PWD/bin/gonetify-baselines
	(cd internal/bench/baselines && go build -o "$GONETIFY_BASELINES" .)
fi
BASELINES=$GONETIFY_BASELINES
LIBS=${LIBS:-"gorilla gobwas nbio coder"}
RUNS=${RUNS:-2}
if [ $# -eq 0 ]; then
	set -- "connect --clients 10000" \
		"fanout --clients 5000 --rate 10 --duration 10s" \
		"fanout --clients 5000 --rate 30 --duration 10s" \
		"roundtrip --clients 200 --duration 10s"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for load in "$@"; do
	# The baseline ticks its fan-out at --rate; pass the load's rate on.
	rate=$(echo "$load" | sed -n 's/.*--rate \([0-9.]*\).*/\1/p')
	for run in $(seq "$RUNS"); do
		for lib in $LIBS; do
			rm -f "$tmp/out" # no stale listen line from the previous run
			: >"$tmp/out"
			exe=$BASELINES
			[ "$lib" = gorilla ] && exe=$GONETIFY
			"$exe" bench-baseline --lib "$lib" --rate "${rate:-10}" >>"$tmp/out" 2>"$tmp/err" &
			pid=$!
			addr=
			for _ in $(seq 100); do
				addr=$(sed -n 's/^BENCH_LISTEN //p' "$tmp/out")
				[ -n "$addr" ] && break
				sleep 0.1
			done
			if [ -z "$addr" ]; then
				echo "FAIL: bench-baseline --lib $lib did not listen"; cat "$tmp/err"
				kill "$pid"; exit 1
			fi
			printf 'lib=%s run=%s load=%s\n  ' "$lib" "$run" "$(cat /proc/loadavg | cut -d' ' -f1-3)"
			# shellcheck disable=SC2086
			"$GONETIFY" bench $load --server "$addr" --server-pid "$pid" 2>"$tmp/progress" || { echo "FAIL"; tail -5 "$tmp/progress"; }
			kill "$pid"
			wait "$pid" 2>/dev/null || true
		done
	done
done
