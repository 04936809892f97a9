#!/usr/bin/env bash
# Starts the Redis deployments the tests run against besides one server:
# a 3-master Redis Cluster and a Sentinel group (a master, a replica and
# three sentinels), all from Debian's redis-server package, on 127.0.0.1.
#
# Sourced by scripts/test.sh, or run by hand:
#
#   bash scripts/redis-ha.sh cluster DIR PORT      # masters on PORT..PORT+2 (bus: +10000)
#   bash scripts/redis-ha.sh sentinel DIR PORT SPORT  # master PORT, replica PORT+1, sentinels SPORT..SPORT+2
#   bash scripts/redis-ha.sh stop DIR               # stops every redis started with DIR
#
# Each prints the export line of its address (GONETIFY_TEST_REDIS_CLUSTER,
# GONETIFY_TEST_REDIS_SENTINEL) on standard output; logs stay in DIR.
set -euo pipefail

# The Sentinel group's master name.
REDIS_HA_MASTER=${REDIS_HA_MASTER:-gonetify}

redis_ha_wait() { # port what dir
  for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "$2 did not start on port $1: see the logs in $3" >&2
  return 1
}

redis_ha_server() { # dir port extra args…
  local dir=$1 port=$2
  shift 2
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" "$@"
  redis_ha_wait "$port" "redis-server" "$dir"
}

# redis_ha_cluster DIR PORT: three masters, no replicas, all 16384 slots.
redis_ha_cluster() {
  local dir=$1 port=$2 p
  mkdir -p "$dir"
  if [ $((port + 2 + 10000)) -gt 65535 ]; then
    echo "cluster port $port too high: its bus port is port+10000, keep ports <= 55533" >&2
    return 1
  fi
  for p in "$port" $((port + 1)) $((port + 2)); do
    redis_ha_server "$dir" "$p" --cluster-enabled yes --cluster-config-file "$dir/nodes-$p.conf" --cluster-node-timeout 2000
  done
  redis-cli --cluster create "127.0.0.1:$port" "127.0.0.1:$((port + 1))" "127.0.0.1:$((port + 2))" \
    --cluster-replicas 0 --cluster-yes >"$dir/cluster-create.log" 2>&1 \
    || { echo "redis-cli --cluster create failed: see $dir/cluster-create.log" >&2; return 1; }
  for p in "$port" $((port + 1)) $((port + 2)); do
    for _ in $(seq 100); do
      redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      sleep 0.1
    done
    redis-cli -p "$p" cluster info | grep -q '^cluster_state:ok' \
      || { echo "the Redis Cluster on $port..$((port + 2)) is not ok: see $dir" >&2; return 1; }
  done
  echo "export GONETIFY_TEST_REDIS_CLUSTER=127.0.0.1:$port,127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"
}

# redis_ha_sentinel DIR PORT SPORT: master on PORT, its replica on PORT+1,
# sentinels on SPORT..SPORT+2 (quorum 2) watching it as $REDIS_HA_MASTER.
# The master refuses writes while no replica is in sync
# (min-replicas-to-write 1): a deposed master refuses them as soon as its
# replica is promoted, so what it acknowledged is on the new master too.
# Replicas sync without the 5 s diskless delay, and the sentinels poll
# every 250 ms (SENTINEL DEBUG, Redis 7) instead of every 1-10 s, so a
# failover completes in about 2 s instead of 10-15 s: CI time only.
redis_ha_sentinel() {
  local dir=$1 port=$2 sport=$3 s
  mkdir -p "$dir"
  local safe=(--databases 32 --min-replicas-to-write 1 --min-replicas-max-lag 10 --repl-diskless-sync-delay 0)
  redis_ha_server "$dir" "$port" "${safe[@]}"
  redis_ha_server "$dir" $((port + 1)) --replicaof 127.0.0.1 "$port" "${safe[@]}"
  for _ in $(seq 100); do
    redis-cli -p "$port" info replication | grep -q 'state=online' && break
    sleep 0.1
  done
  for s in "$sport" $((sport + 1)) $((sport + 2)); do
    cat >"$dir/sentinel-$s.conf" <<EOF
port $s
bind 127.0.0.1
daemonize yes
pidfile $dir/redis-$s.pid
logfile $dir/redis-$s.log
dir $dir
sentinel monitor $REDIS_HA_MASTER 127.0.0.1 $port 2
sentinel down-after-milliseconds $REDIS_HA_MASTER 2000
sentinel failover-timeout $REDIS_HA_MASTER 10000
sentinel parallel-syncs $REDIS_HA_MASTER 1
EOF
    if command -v redis-sentinel >/dev/null 2>&1; then
      redis-sentinel "$dir/sentinel-$s.conf"
    else
      redis-server "$dir/sentinel-$s.conf" --sentinel # the same binary
    fi
    redis_ha_wait "$s" "redis-sentinel" "$dir"
    redis-cli -p "$s" sentinel debug info-period 250 publish-period 250 ask-period 250 ping-period 250 >/dev/null 2>&1 || true
  done
  # Sentinels know the replica once they have asked the master (INFO, every 10 s at first).
  for _ in $(seq 150); do
    [ "$(redis-cli -p "$sport" sentinel replicas "$REDIS_HA_MASTER" 2>/dev/null | grep -c '^flags$')" -ge 1 ] && break
    sleep 0.1
  done
  echo "export GONETIFY_TEST_REDIS_SENTINEL=$REDIS_HA_MASTER@127.0.0.1:$sport,127.0.0.1:$((sport + 1)),127.0.0.1:$((sport + 2))"
}

# redis_ha_stop DIR: stops every redis-server and sentinel started in DIR.
redis_ha_stop() {
  local dir=$1 f
  [ -d "$dir" ] || return 0
  for f in "$dir"/redis-*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 0.2
  rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
  cluster) redis_ha_cluster "$2" "$3" ;;
  sentinel) redis_ha_sentinel "$2" "$3" "$4" ;;
  stop) redis_ha_stop "$2" ;;
  *)
    echo "usage: $0 cluster DIR PORT | sentinel DIR PORT SENTINEL_PORT | stop DIR" >&2
    exit 2
    ;;
  esac
fi
