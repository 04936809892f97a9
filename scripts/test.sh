#!/usr/bin/env bash
# Runs every test gonetify has, the way CI does: lint, Go unit tests with
# -race, and the end-to-end suite driven by the official dotnetify client.
# It installs what it needs (Go tools from the module proxy, npm packages).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "missing $1: $2" >&2
  exit 1
}
need go "install Go 1.26 (https://go.dev/dl) and put it on PATH"
need node "install Node.js 20 and npm (apt-get install nodejs npm)"
need npm "install npm (apt-get install npm)"

step "services: redis-server"
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server (Debian package)…"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq redis-server >/dev/null \
    || { echo "could not install redis-server: install it (apt-get install redis-server) and re-run" >&2; exit 1; }
fi
REDIS_PORT=${GONETIFY_TEST_REDIS_PORT:-6399}
REDIS_DIR=$(mktemp -d)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --databases 32 --dir "$REDIS_DIR" \
  --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
# shellcheck source=scripts/redis-ha.sh
source scripts/redis-ha.sh
trap 'kill "$(cat "$REDIS_DIR/redis.pid" 2>/dev/null)" 2>/dev/null || true; redis_ha_stop "$REDIS_DIR/cluster"; redis_ha_stop "$REDIS_DIR/sentinel"; rm -rf "$REDIS_DIR"' EXIT
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$REDIS_PORT" ping >/dev/null || { echo "redis-server did not start on port $REDIS_PORT: see $REDIS_DIR/redis.log" >&2; exit 1; }
export GONETIFY_TEST_REDIS="redis://127.0.0.1:$REDIS_PORT/0"
echo "redis-server on $GONETIFY_TEST_REDIS"

step "services: a 3-master Redis Cluster and a Sentinel group (master, replica, 3 sentinels)"
# Ports: cluster masters PORT..PORT+2 (bus ports +10000); Sentinel master
# PORT and replica PORT+1, sentinels SPORT..SPORT+2.
ha=$(redis_ha_cluster "$REDIS_DIR/cluster" "${GONETIFY_TEST_REDIS_CLUSTER_PORT:-6401}")
eval "$ha"
echo "Redis Cluster on $GONETIFY_TEST_REDIS_CLUSTER"
ha=$(redis_ha_sentinel "$REDIS_DIR/sentinel" "${GONETIFY_TEST_REDIS_SENTINEL_PORT:-6404}" "${GONETIFY_TEST_SENTINEL_PORT:-26401}")
eval "$ha"
echo "Sentinel group $GONETIFY_TEST_REDIS_SENTINEL"

step "lint: gofmt, go vet, staticcheck, golangci-lint"
make --no-print-directory lint

step "lint: cfn-lint on every CloudFormation template we ship"
bash scripts/cfn-lint.sh

step "Go unit tests (-race)"
go test -race -count=1 ./...

step "fuzzing: every target for ${FUZZTIME:=5s}"
bash scripts/fuzz.sh "$FUZZTIME"

step "end-to-end: official dotnetify@5.4.0 client against gonetify serve"
make --no-print-directory e2e

step "end-to-end: the Redis suites on the Redis Cluster and on Sentinel (a master failover mid-run)"
make --no-print-directory e2e-redis-ha

step "demo app: the committed build matches web/, and it works in Chromium"
make --no-print-directory web-check
make --no-print-directory browser

step "benchmarks: every gonetify bench scenario briefly (proves they run; no timing asserted)"
GONETIFY=bin/gonetify bash scripts/bench-smoke.sh

step "all tests passed"
