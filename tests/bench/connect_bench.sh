#!/bin/bash
# connect_bench.sh - what sentineld costs a connect().
#
# connect()+accept()+close() throughput to a listener on 127.0.0.1:25, in a
# network namespace of its own, with and without sentineld attached (all
# programs, flow events on), interleaved ABBA for BENCH_ROUNDS rounds of
# BENCH_SECONDS each.  Prints the medians, the median of the per-round
# ratios, the microseconds added per connect, and whether the target holds:
# at most 0.5 us added (a ratio of 0.98 or better).  Needs root.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

ROUNDS=${BENCH_ROUNDS:-10}
SECONDS_PER_RUN=${BENCH_SECONDS:-2}
DAEMON=${SENTINELD:-build/sentineld}
TAG=sentinel-bench-$$
WORK=$(mktemp -d)
chmod 0755 "$WORK"
PID=

[ "$(id -u)" -eq 0 ] || { echo "connect_bench: needs root" >&2; exit 1; }
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$TAG" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(free_port)
printf '[sensor]\nports = 25\n[metrics]\nlisten = 127.0.0.1:%s\n' "$PORT" > "$WORK/sentinel.conf"
ip netns add "$TAG" && ip -n "$TAG" link set lo up || exit 1

run_client() {
	build/flowgen -n "/run/netns/$TAG" -l 127.0.0.1,25 -c 127.0.0.1,25,1 \
		-b "$SECONDS_PER_RUN" | sed -n 's/^connects_per_second=//p'
}
start_daemon() {
	"$DAEMON" -c "$WORK/sentinel.conf" >> "$WORK/daemon.log" 2>&1 &
	PID=$!
	wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$PORT/metrics" ||
		{ echo "connect_bench: sentineld did not start" >&2; cat "$WORK/daemon.log" >&2; exit 1; }
}
stop_daemon() {
	kill "$PID"; wait "$PID"; PID=
}
with() {
	start_daemon
	r=$(run_client)
	curl -fsS "http://127.0.0.1:$PORT/metrics" > "$WORK/last.prom"
	stop_daemon
	echo "$r"
}

echo "connect() to 127.0.0.1:25: $ROUNDS rounds x ${SECONDS_PER_RUN}s, ABBA order"
: > "$WORK/pairs"
for i in $(seq 1 "$ROUNDS"); do
	if [ $((i % 2)) -eq 1 ]; then
		a=$(run_client); b=$(with)
	else
		b=$(with); a=$(run_client)
	fi
	printf '  round %2d: without %8s/s  with %8s/s\n' "$i" "$a" "$b"
	echo "$a $b" >> "$WORK/pairs"
done

events=$(sed -n 's/^smtp_sentinel_flow_events_total //p' "$WORK/last.prom")
dropped=$(sed -n 's/^smtp_sentinel_flow_events_dropped_total //p' "$WORK/last.prom")
attempts=$(awk '/^smtp_sentinel_connect_attempts_total/ { s += $NF } END { print s + 0 }' "$WORK/last.prom")

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
without_med=$(awk '{ print $1 }' "$WORK/pairs" | median)
with_med=$(awk '{ print $2 }' "$WORK/pairs" | median)
ratio_med=$(awk '{ print $2 / $1 }' "$WORK/pairs" | median)
added=$(awk -v a="$without_med" -v b="$with_med" 'BEGIN { printf "%.2f", 1e6 / b - 1e6 / a }')

echo
echo "without sentineld: $without_med connects/s (median)"
echo "with sentineld:    $with_med connects/s (median)"
echo "ratio (median of per-round with/without): $ratio_med"
echo "added per connect: $added us"
echo "last run with sentineld: $attempts attempts counted, $events flow events, $dropped dropped"
if awk -v r="$ratio_med" -v u="$added" 'BEGIN { exit !(r >= 0.98 || u <= 0.5) }'; then
	echo "TARGET: met (ratio >= 0.98 or <= 0.5 us added)"
else
	echo "TARGET: missed (ratio >= 0.98 or <= 0.5 us added)"
fi
