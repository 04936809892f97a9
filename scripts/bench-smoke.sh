#!/bin/sh
# bench-smoke.sh: run every `gonetify bench` scenario very briefly (100
# clients, 2s, with --baseline) to prove they work. No timed assertions:
# each run must exit 0 and print its summary line.
#
#   scripts/bench-smoke.sh            # builds bin/gonetify first
#   GONETIFY=/path/to/gonetify scripts/bench-smoke.sh
set -eu
cd "$(dirname "$0")/.."
if [ -z "${GONETIFY:-}" ]; then
	go build -o bin/gonetify ./cmd/gonetify
	GONETIFY=bin/gonetify
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail=0
check() {
	scenario=$1
	shift
	echo "--- gonetify bench $scenario $*"
	if ! "$GONETIFY" bench "$scenario" "$@" >"$out" 2>"$out.err"; then
		echo "FAIL: gonetify bench $scenario exited non-zero"
		tail -n 20 "$out.err"
		fail=1
	elif ! grep -q "^$scenario .*clients=.*_per_s=.*p50_ms=.*p99_ms=" "$out" || [ "$(wc -l <"$out")" -ne 1 ]; then
		echo "FAIL: gonetify bench $scenario printed no summary line:"
		cat "$out"
		fail=1
	else
		cat "$out"
	fi
	rm -f "$out.err"
}
common="--clients 100 --duration 2s --warmup 500ms --baseline"
check connect $common
check push $common --interval 100ms
check fanout $common --rate 10
check roundtrip $common
check gateway $common --mode fanout --rate 10
check gateway $common --mode roundtrip
check gateway --clients 100 --mode connections
# --redis (state in Redis, as serve --redis), interleaved with the same
# server in memory: when a test Redis is given (scripts/test.sh sets it).
if [ -n "${GONETIFY_TEST_REDIS:-}" ]; then
	redis=$(echo "$GONETIFY_TEST_REDIS" | sed 's#/[0-9]*$##')/14
	durable="--clients 20 --duration 1s --warmup 300ms --redis $redis --compare-memory --rounds 2"
	check roundtrip $durable
	check gateway $durable --mode roundtrip
	# connections: the restart and the restore from Redis (its own
	# database: the restore counts every connection stored there).
	check gateway --clients 100 --mode connections --redis "$(echo "$GONETIFY_TEST_REDIS" | sed 's#/[0-9]*$##')/12"
	"$GONETIFY" bench roundtrip $durable >"$out" 2>/dev/null
	grep -q '^roundtrip state=redis rounds=2 .*server_cpu_us_per_roundtrip=.*redis_cpu_cores=.*memory_roundtrips_per_s=.*redis_vs_memory=' "$out" \
		|| { echo "FAIL: --redis --compare-memory --rounds"; cat "$out"; fail=1; }
else
	echo "--- GONETIFY_TEST_REDIS is not set: gonetify bench --redis not exercised"
fi
# --baseline-lib: the baselines on gobwas, nbio and coder, from the
# gonetify-baselines binary (the nested module internal/bench/baselines),
# built here next to $GONETIFY unless GONETIFY_BASELINES names one.
if [ -z "${GONETIFY_BASELINES:-}" ]; then
	GONETIFY_BASELINES=$(cd "$(dirname "$GONETIFY")" && pwd)/gonetify-baselines
	(cd internal/bench/baselines && go build -o "$GONETIFY_BASELINES" .)
fi
export GONETIFY_BASELINES
for lib in gobwas nbio coder; do
	check roundtrip --clients 20 --duration 1s --warmup 300ms --baseline-lib $lib
done
# --json prints one JSON object instead.
"$GONETIFY" bench roundtrip --clients 10 --duration 1s --warmup 0s --json >"$out" 2>/dev/null
grep -q '^{"scenario":"roundtrip",.*"roundtrips_per_s":' "$out" || { echo "FAIL: --json"; cat "$out"; fail=1; }
exit $fail
