#!/usr/bin/env bash
# bench-outside.sh: measure gonetify from outside with the independent load
# client of shared/bench (probe, its own gorilla/websocket code), beside a
# bare gorilla/websocket server (probe baseline: the ceiling) and Centrifuge
# (shared/bench/peer), on the real example VMs (ChatRoomVM fan-out,
# HelloWorldVM round trips and memory).
#
# Every run gets a fresh server process; the targets take turns within each
# round (interleaved), and the summary gives each figure's median over the
# rounds. A server's CPU is its utime+stime from /proc/PID/stat, before and
# after the probe's run (connections included), so "per_cpu_s" is
# deliveries (or round trips) per server CPU-second.
#
#   scripts/bench-outside.sh                       # fanout, roundtrip and conns, 3 rounds
#   ROUNDS=1 scripts/bench-outside.sh fanout
#   TARGETS="gonetify bare" scripts/bench-outside.sh roundtrip
#
# Environment: BENCH_DIR (the probe and peer sources; default ../shared/bench
# beside the checkout), ROUNDS (3), TARGETS ("gonetify gonetify-gorilla bare
# centrifuge"), FANOUT_CLIENTS (4000), RATE (10), DURATION (8s), RT_CLIENTS
# (200), CONNS (15000; a process may hold 20,000 files here).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-$ROOT/../shared/bench}
ROUNDS=${ROUNDS:-3}
TARGETS=${TARGETS:-"gonetify gonetify-gorilla bare centrifuge"}
FANOUT_CLIENTS=${FANOUT_CLIENTS:-4000}
RATE=${RATE:-10}
DURATION=${DURATION:-8s}
RT_CLIENTS=${RT_CLIENTS:-200}
CONNS=${CONNS:-15000}
SCENARIOS=${*:-"fanout roundtrip conns"}

if [ ! -f "$BENCH_DIR/probe/main.go" ] || [ ! -f "$BENCH_DIR/peer/main.go" ]; then
	echo "bench-outside: no probe/ and peer/ in $BENCH_DIR: set BENCH_DIR to the folder holding them (shared/bench)" >&2
	exit 2
fi
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
echo "building gonetify, probe and peer (Centrifuge from the module proxy) ..." >&2
go build -o "$tmp/gonetify" ./cmd/gonetify
(cd "$BENCH_DIR/probe" && go build -o "$tmp/probe" .)
(cd "$BENCH_DIR/peer" && go build -o "$tmp/peer" .)
ulimit -n 20000 2>/dev/null || true
TICK=$(getconf CLK_TCK)
PORT=18300

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start TARGET: starts a fresh server on a new port; sets pid, url, proto.
start() {
	PORT=$((PORT + 1))
	local addr=127.0.0.1:$PORT
	proto=dotnetify
	case $1 in
	gonetify | gonetify-gorilla)
		local engine=epoll
		[ "$1" = gonetify-gorilla ] && engine=gorilla
		"$tmp/gonetify" serve --addr "$addr" --ws-engine "$engine" --max-conns-per-source 0 \
			--messages-per-second -1 >"$tmp/server.log" 2>&1 &
		url=ws://$addr/ws
		;;
	bare)
		"$tmp/probe" baseline -addr "$addr" >"$tmp/server.log" 2>&1 &
		url=ws://$addr/
		;;
	centrifuge)
		"$tmp/peer" server -addr "$addr" >"$tmp/server.log" 2>&1 &
		url=ws://$addr/connection/websocket
		proto=centrifuge
		;;
	*)
		echo "bench-outside: unknown target $1 (gonetify, gonetify-gorilla, bare, centrifuge)" >&2
		exit 2
		;;
	esac
	pid=$!
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench-outside: $1 did not listen on $addr:" >&2
	cat "$tmp/server.log" >&2
	exit 1
}

stop() {
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

secs() { echo "${1%s}"; }

: >"$tmp/results"
for scenario in $SCENARIOS; do
	for round in $(seq "$ROUNDS"); do
		for target in $TARGETS; do
			# The probe's round trips speak only dotNetify's protocol.
			[ "$scenario" = roundtrip ] && [ "$target" = centrifuge ] && continue
			start "$target"
			before=$(cpu_ticks "$pid")
			load=$(cut -d' ' -f1 /proc/loadavg)
			echo "$scenario round $round/$ROUNDS: $target (load $load) ..." >&2
			case $scenario in
			fanout) out=$("$tmp/probe" fanout -url "$url" -proto "$proto" -clients "$FANOUT_CLIENTS" -rate "$RATE" -duration "$DURATION") ;;
			roundtrip) out=$("$tmp/probe" roundtrip -url "$url" -clients "$RT_CLIENTS" -duration "$DURATION") ;;
			conns) out=$("$tmp/probe" conns -url "$url" -proto "$proto" -clients "$CONNS" -pid "$pid") ;;
			*)
				echo "bench-outside: unknown scenario $scenario (fanout, roundtrip, conns)" >&2
				exit 2
				;;
			esac
			after=$(cpu_ticks "$pid")
			stop
			cpu=$(awk -v a="$before" -v b="$after" -v t="$TICK" 'BEGIN{printf "%.2f", (b - a) / t}')
			line="$out target=$target round=$round load=$load server_cpu_s=$cpu"
			echo "$line"
			echo "$line" >>"$tmp/results"
		done
	done
done

# Medians per scenario and target; the ratios of gonetify's per-CPU-second
# figures to the others'.
python3 - "$tmp/results" "$(secs "$DURATION")" <<'EOF'
import statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    kv = dict(x.split("=", 1) for x in f[1:])
    kv["scenario"] = f[0]
    runs[(f[0], kv["target"])].append(kv)
dur = float(sys.argv[2])
per = {}
print("\nmedians over %d round(s):" % max(len(v) for v in runs.values()))
for (sc, tg), rs in runs.items():
    med = lambda k: statistics.median(float(r[k]) for r in rs)
    cpu = med("server_cpu_s")
    if sc == "fanout":
        work = statistics.median(float(r["delivered_per_s"]) * dur / float(r["server_cpu_s"]) for r in rs)
        per[(sc, tg)] = work
        print(f"fanout    {tg:17s} delivered/s={med('delivered_per_s'):.0f} of {med('expected_per_s'):.0f}  p50={med('p50_ms'):.1f}ms p99={med('p99_ms'):.1f}ms  server_cpu_s={cpu:.2f}  deliveries_per_cpu_s={work:.0f}")
    elif sc == "roundtrip":
        work = statistics.median(float(r["rt_per_s"]) * dur / float(r["server_cpu_s"]) for r in rs)
        per[(sc, tg)] = work
        print(f"roundtrip {tg:17s} rt/s={med('rt_per_s'):.0f}  p50={med('p50_ms'):.1f}ms p99={med('p99_ms'):.1f}ms  server_cpu_s={cpu:.2f}  roundtrips_per_cpu_s={work:.0f}")
    else:
        print(f"conns     {tg:17s} clients={rs[0]['clients']}  kib_per_conn={med('kib_per_conn'):.1f}  rss_after_mib={med('rss_after_mib'):.0f}  connects/s={med('connects_per_s'):.0f}")
for sc in ("fanout", "roundtrip"):
    for ours in ("gonetify", "gonetify-gorilla"):
        if (sc, ours) not in per:
            continue
        for peer in ("bare", "centrifuge"):
            if (sc, peer) in per:
                print(f"ratio {sc} per CPU-second: {ours} / {peer} = {per[(sc, ours)] / per[(sc, peer)]:.2f}")
EOF
