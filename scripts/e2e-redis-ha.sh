#!/usr/bin/env bash
# Runs the Redis end-to-end suites — resiliency (app server SIGKILLed and
# restored), scale-out through the gateway and scale-out in direct
# WebSocket mode — unchanged against a Redis Cluster and against a Sentinel
# group, and sentinel-failover.test.js. On Sentinel each file gets a
# master failover mid-run (`redis-cli -p SENTINEL_PORT sentinel failover
# MASTER`, E2E_REDIS_FAILOVER_MS after its first server starts), and the
# step fails if the master did not change.
#
# Needs GONETIFY_BIN, GONETIFY_TEST_REDIS (the suites take their database
# numbers from it; Sentinel keeps them), GONETIFY_TEST_REDIS_CLUSTER and
# GONETIFY_TEST_REDIS_SENTINEL: scripts/test.sh starts the deployments
# (scripts/redis-ha.sh) and sets them. Each deployment is flushed before
# each file (a Redis Cluster has database 0 only).
set -euo pipefail
cd "$(dirname "$0")/../test/e2e"

for v in GONETIFY_BIN GONETIFY_TEST_REDIS GONETIFY_TEST_REDIS_CLUSTER GONETIFY_TEST_REDIS_SENTINEL; do
  if [ -z "${!v:-}" ]; then
    echo "$v is not set: run scripts/test.sh, which starts redis-server, a Redis Cluster and a Sentinel group and sets it" >&2
    exit 1
  fi
done
[ -d node_modules ] || npm ci --no-audit --no-fund

# file:failover delay (ms after the file's first server starts).
FILES=(resiliency:50 scaleout:1500 scaleout-ws:1500)

MASTER=${GONETIFY_TEST_REDIS_SENTINEL%%@*}
SENTINEL=${GONETIFY_TEST_REDIS_SENTINEL#*@}
SENTINEL=${SENTINEL%%,*}
SENTINEL=${SENTINEL%%/*}
SPORT=${SENTINEL##*:}

cli() { # host:port args…
  local a=$1
  shift
  redis-cli -h "${a%:*}" -p "${a##*:}" "$@"
}

master() { redis-cli -p "$SPORT" sentinel get-master-addr-by-name "$MASTER" | paste -sd: -; }

flush_cluster() {
  local a
  for a in ${GONETIFY_TEST_REDIS_CLUSTER//,/ }; do
    cli "$a" role | head -1 | grep -q master && cli "$a" flushall >/dev/null
  done
}

# settle: the sentinels see a replica of the master that is in sync (flags
# "slave", link ok), so the next failover has one to promote and writes are
# accepted (min-replicas-to-write).
settle() {
  for _ in $(seq 300); do
    redis-cli -p "$SPORT" sentinel replicas "$MASTER" 2>/dev/null |
      awk 'k == "flags" { f = $0 } k == "master-link-status" { if (f == "slave" && $0 == "ok") ok = 1 } { k = $0 } END { exit !ok }' &&
      cli "$(master)" info replication 2>/dev/null | grep -q 'state=online' && return 0
    sleep 0.1
  done
  echo "the Sentinel group's master $(master) has no replica in sync, as the sentinels see it, 30 s after a failover" >&2
  return 1
}

run() { node --test --test-concurrency=1 --test-reporter=spec "$@"; }

echo "== Redis Cluster ($GONETIFY_TEST_REDIS_CLUSTER)"
for f in "${FILES[@]}"; do
  flush_cluster
  E2E_REDIS=cluster run "tests/${f%%:*}.test.js"
done

echo "== Sentinel ($GONETIFY_TEST_REDIS_SENTINEL), a master failover in each file"
for f in "${FILES[@]}"; do
  settle
  cli "$(master)" flushall >/dev/null
  before=$(master)
  E2E_REDIS=sentinel E2E_REDIS_FAILOVER_MS=${f##*:} run "tests/${f%%:*}.test.js"
  after=$(master)
  if [ "$before" = "$after" ]; then
    echo "no failover happened during ${f%%:*}.test.js (the master is still $before): see its [failover] lines" >&2
    exit 1
  fi
  echo "-- ${f%%:*}: master $before -> $after mid-run"
done
settle
E2E_REDIS=sentinel run tests/sentinel-failover.test.js
settle
