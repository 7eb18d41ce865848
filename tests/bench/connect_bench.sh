#!/bin/bash
# connect_bench.sh - what sentineld costs a connect().
#
# connect()+accept()+close() throughput to a listener on 127.0.0.1:25, in a
# network namespace of its own, with and without sentineld's programs (all
# of them, flow events on).  sentineld runs once, attached to a cgroup made
# for the benchmark; one flowgen process moves itself between that cgroup
# ("with") and a sibling that has no programs ("without") every
# BENCH_SECONDS, ABBA, for BENCH_ROUNDS rounds: nothing is restarted and
# both sides share one process, so only the programs differ.  This machine
# is noisy (slices of the same side differ by 30 %), hence many short
# slices and medians of the per-round differences: 400 rounds of 0.05 s
# pair slices closer in time than 100 of 0.2 s, in the same 40 s, and
# halve the spread of the per-round differences (IQR +-9 -> +-5 us wall
# with a compiler running next door).  Prints the median
# throughput ratio and the microseconds added per connect (wall, and CPU:
# the client's user+system time), with the interquartile range, and whether
# the target holds: a ratio of 0.98 or better (<= 0.5 us added).  Needs root.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

ROUNDS=${BENCH_ROUNDS:-400}
SECONDS_PER_RUN=${BENCH_SECONDS:-0.05}
DAEMON=${SENTINELD:-build/sentineld}
TAG=sentinel-bench-$$
WORK=$(mktemp -d)
chmod 0755 "$WORK"
PID=

[ "$(id -u)" -eq 0 ] || { echo "connect_bench: needs root" >&2; exit 1; }
CGMOUNT=$(cgroup2_mount)
[ -n "$CGMOUNT" ] || { echo "connect_bench: no cgroup v2 mount" >&2; exit 1; }
CG=$CGMOUNT/$TAG
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$TAG" 2>/dev/null
	rmdir "$CG/with" "$CG/without" "$CG" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$CG/with" "$CG/without" || exit 1
ip netns add "$TAG" && ip -n "$TAG" link set lo up || exit 1
PORT=$(free_port)
printf '[sensor]\nports = 25\ncgroup_root = %s\n[metrics]\nlisten = 127.0.0.1:%s\n[maillog]\npath = none\n[daemon]\nstate_dir = %s/state\n' \
	"$CG/with" "$PORT" "$WORK" > "$WORK/sentinel.conf"
"$DAEMON" -c "$WORK/sentinel.conf" > "$WORK/daemon.log" 2>&1 &
PID=$!
wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$PORT/metrics" ||
	{ echo "connect_bench: sentineld did not start" >&2; cat "$WORK/daemon.log" >&2; exit 1; }

echo "connect() to 127.0.0.1:25: $ROUNDS rounds x ${SECONDS_PER_RUN}s each way, ABBA"
build/flowgen -g "$CG/without" -G "$CG/with" -R "$ROUNDS" -b "$SECONDS_PER_RUN" \
	-n "/run/netns/$TAG" -l 127.0.0.1,25 -c 127.0.0.1,25,1 > "$WORK/slices" ||
	{ echo "connect_bench: flowgen failed" >&2; exit 1; }
[ -n "${BENCH_SLICES:-}" ] && cp "$WORK/slices" "$BENCH_SLICES"
curl -fsS "http://127.0.0.1:$PORT/metrics" > "$WORK/last.prom"
# With kernel.bpf_stats_enabled=1 (it adds two clock reads per program run,
# so leave it off for the headline numbers), the kernel's own accounting of
# each of our programs: robust to the noise that the wall clock is not.
if [ "$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)" = 1 ]; then
	for id in $(bpftool -j cgroup show "$CG/with" 2>/dev/null | jq -r '.[].id'); do
		bpftool -j prog show id "$id" | jq -r 'select(.run_cnt // 0 > 0) |
			"\(.name) \(.run_cnt) \(.run_time_ns)"'
	done > "$WORK/bpf_stats"
fi

# One line per round: rate_without cpu_without rate_with cpu_with
sed 's/[a-z_]*=//g' "$WORK/slices" | paste - - |
	awk '$1 == "A" { print $2, $3, $5, $6 } $1 == "B" { print $5, $6, $2, $3 }' > "$WORK/pairs"

# quartiles: "p25 median p75" of a column of numbers
quartiles() { sort -g | awk '{ v[NR] = $1 } END { printf "%s %s %s\n", v[int((NR + 3) / 4)], (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[int((3 * NR + 3) / 4)] }'; }
read -r _ rate_a _ < <(awk '{ print $1 }' "$WORK/pairs" | quartiles)
read -r _ rate_b _ < <(awk '{ print $3 }' "$WORK/pairs" | quartiles)
read -r _ cpu_a _ < <(awk '{ print $2 }' "$WORK/pairs" | quartiles)
read -r _ cpu_b _ < <(awk '{ print $4 }' "$WORK/pairs" | quartiles)
read -r ratio_lo ratio ratio_hi < <(awk '{ printf "%.4f\n", $3 / $1 }' "$WORK/pairs" | quartiles)
read -r wall_lo wall_added wall_hi < <(awk '{ printf "%.3f\n", 1e6 / $3 - 1e6 / $1 }' "$WORK/pairs" | quartiles)
read -r cpu_lo cpu_added cpu_hi < <(awk '{ printf "%.3f\n", $4 - $2 }' "$WORK/pairs" | quartiles)
events=$(sed -n 's/^smtp_sentinel_flow_events_total //p' "$WORK/last.prom")
dropped=$(sed -n 's/^smtp_sentinel_flow_events_dropped_total //p' "$WORK/last.prom")
attempts=$(awk '/^smtp_sentinel_connect_attempts_total/ { s += $NF } END { print s + 0 }' "$WORK/last.prom")

echo "without sentineld: $rate_a connects/s, $cpu_a us CPU per connect (medians)"
echo "with sentineld:    $rate_b connects/s, $cpu_b us CPU per connect (medians)"
echo "throughput ratio with/without: $ratio (median of rounds; IQR $ratio_lo .. $ratio_hi)"
echo "added per connect: $wall_added us wall (IQR $wall_lo .. $wall_hi), $cpu_added us CPU (IQR $cpu_lo .. $cpu_hi)"
[ -s "$WORK/bpf_stats" ] && awk -v n="$attempts" '{ t += $3
	printf "bpf_stats: %s: %d runs, %.0f ns per run, %.0f ns per connect\n", $1, $2, $3 / $2, $3 / n }
	END { printf "bpf_stats: all programs: %.0f ns per connect\n", t / n }' "$WORK/bpf_stats"
echo "sentineld counted $attempts attempts and received $events flow events ($dropped dropped)"
# Both halves of the target: the ratio against the baseline of this run,
# and the microseconds (CPU, the steadier of the two) it stands for.
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo missed; fi; }
echo "TARGET: ratio >= 0.98: $(verdict "$ratio >= 0.98") ($ratio); <= 0.5 us added per connect: $(verdict "$cpu_added <= 0.5") ($cpu_added us CPU, $wall_added us wall)"
