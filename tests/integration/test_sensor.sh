#!/bin/bash
# test_sensor.sh - sentineld with real BPF counts exact connects per caller.
#
# As root: start sentineld (the ASan/UBSan build) on a test config, make a
# child cgroup and a network namespace, and run flowgen in them: exact
# numbers of connects to a listener on 127.0.0.1:25, to 127.0.0.2:25 where
# nothing listens, to an unwatched port and to [::1]:25, under a hostile
# process name and a non-root uid.  Then scrape /metrics and assert every
# count under the right labels, run promtool on the scrape, and check that
# SIGTERM detaches the programs.  Cleans up its cgroup, netns and daemon.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

DAEMON=${SENTINELD:-build/san/sentineld}
FLOWGEN=build/flowgen
TAG=sentinel-test-$$
WORK=$(mktemp -d)
chmod 0755 "$WORK"
PID=

if [ "$(id -u)" -ne 0 ]; then
	skip "sensor integration" "needs root (CI runs as root)"
	exit 0
fi
CGMOUNT=$(cgroup2_mount)
if [ -z "$CGMOUNT" ]; then
	skip "sensor integration" "no cgroup v2 file system mounted"
	exit 0
fi
CG=$CGMOUNT/$TAG
NETNS=$TAG

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NETNS" 2>/dev/null
	rmdir "$CG" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(free_port)
cat > "$WORK/sentinel.conf" <<CONF
# integration test configuration
[sensor]
ports = 25, 465
cgroup_root = auto
[metrics]
listen = 127.0.0.1:$PORT
max_series = 100
[maillog]
path = none
[daemon]
state_dir = $WORK/state
CONF

scrape() { curl -fsS "http://127.0.0.1:$PORT/metrics"; }
has() { grep -Fxq -- "$1" "$2"; }

# --- configuration errors come first: they need no BPF ----------------------
printf '[sensor]\nports = 25\n\n[metrics]\nlisten = 127.0.0.1:99999\n' > "$WORK/bad.conf"
out=$("$DAEMON" -c "$WORK/bad.conf" 2>&1); rc=$?
check "a bad value exits 2" [ "$rc" -eq 2 ]
check "a bad value is reported as FILE:LINE: key: reason" \
	[ "$out" = "$WORK/bad.conf:5: listen: '127.0.0.1:99999': port must be in 1..65535" ]
out=$("$DAEMON" -c "$WORK/sentinel.conf" --check-config 2>&1); rc=$?
check "--check-config accepts the test config" [ "$rc" -eq 0 ]

# --- without privileges the cause is named -----------------------------------
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$DAEMON" -c "$WORK/sentinel.conf" 2>&1); rc=$?
check "without root sentineld exits 1" [ "$rc" -eq 1 ]
if echo "$out" | grep -q "needs root"; then pass "without root the message names the cause"
else fail "without root the message names the cause" "$out"; fi

# --- the real thing ----------------------------------------------------------
mkdir "$CG" || { fail "create cgroup $CG"; exit 1; }
ip netns add "$NETNS" && ip -n "$NETNS" link set lo up || { fail "create netns"; exit 1; }

"$DAEMON" -c "$WORK/sentinel.conf" > "$WORK/daemon.log" 2>&1 &
PID=$!
if ! wait_for 20 scrape > /dev/null; then
	fail "sentineld starts and serves /metrics" "$(cat "$WORK/daemon.log")"
	exit 1
fi
pass "sentineld starts and serves /metrics"

# A process name with a quote, a backslash and a newline.
EVIL=$'e"v\\l\nx'
EVIL_LABEL='e\"v\\l\nx'
out=$("$FLOWGEN" -g "$CG" -n "/run/netns/$NETNS" -N "$EVIL" -u 4242 \
	-l 127.0.0.1,25 -l ::1,25 -l 127.0.0.1,2525 \
	-c 127.0.0.1,25,7 -c 127.0.0.2,25,5 -c 127.0.0.1,2525,4 -c ::1,25,3)
check "flowgen made the connects it was asked to" [ "$out" = "127.0.0.1 25 established=7 failed=0
127.0.0.2 25 established=0 failed=5
127.0.0.1 2525 established=4 failed=0
::1 25 established=3 failed=0" ]
# A second caller in the same cgroup: root, another name, the other port.
"$FLOWGEN" -g "$CG" -n "/run/netns/$NETNS" -N smtp -l 127.0.0.1,465 -c 127.0.0.1,465,2 > /dev/null

scrape > "$WORK/m1" || fail "scrape"
L="cgroup=\"/$TAG\",comm=\"$EVIL_LABEL\",uid=\"4242\",port=\"25\""
check "attempts are exact for the caller (7 + 5 + 3)" \
	has "smtp_sentinel_connect_attempts_total{$L} 15" "$WORK/m1"
check "established are exact for the caller (IPv4 and IPv6)" \
	has "smtp_sentinel_connect_results_total{$L,result=\"established\"} 10" "$WORK/m1"
check "failed are exact for the caller (refused)" \
	has "smtp_sentinel_connect_results_total{$L,result=\"failed\"} 5" "$WORK/m1"
L2="cgroup=\"/$TAG\",comm=\"smtp\",uid=\"0\",port=\"465\""
check "a second caller has series of its own" \
	has "smtp_sentinel_connect_attempts_total{$L2} 2" "$WORK/m1"
check "the second caller's connects are established" \
	has "smtp_sentinel_connect_results_total{$L2,result=\"established\"} 2" "$WORK/m1"
if grep -q 'port="2525"' "$WORK/m1"; then fail "an unwatched port is absent"
else pass "an unwatched port is absent"; fi
check "flow events arrived for every settled flow (15 + 2)" \
	has "smtp_sentinel_flow_events_total 17" "$WORK/m1"
check "no flow event was dropped" has "smtp_sentinel_flow_events_dropped_total 0" "$WORK/m1"
check "build_info carries the version" \
	has "smtp_sentinel_build_info{version=\"$("$DAEMON" -V | cut -d' ' -f2)\"} 1" "$WORK/m1"
if promtool check metrics < "$WORK/m1" > "$WORK/promtool.out" 2>&1; then
	pass "promtool accepts the scrape"
else
	fail "promtool accepts the scrape" "$(cat "$WORK/promtool.out")"
fi

# Counters only grow: two more attempts add exactly two.
"$FLOWGEN" -g "$CG" -n "/run/netns/$NETNS" -N "$EVIL" -u 4242 -l 127.0.0.1,25 \
	-c 127.0.0.1,25,2 > /dev/null
scrape > "$WORK/m2"
check "a later scrape adds exactly the new attempts" \
	has "smtp_sentinel_connect_attempts_total{$L} 17" "$WORK/m2"

# A session that stays open while more flows than the kernel has slots for
# (65536) come and go keeps its slot: its outcome is counted when it ends.
# And a socket that connects again after a refusal counts both attempts.
out=$("$FLOWGEN" -g "$CG" -n "/run/netns/$NETNS" -N longlived -l 127.0.0.1,25 -l 127.0.0.3,25 \
	-k 127.0.0.3,25 -r 127.0.0.2,25 -c 127.0.0.1,25,70000)
check "flowgen kept a session open across 70000 connects, and reconnected" \
	[ "$out" = "reconnect failed=1 established=1
127.0.0.1 25 established=70000 failed=0
kept 127.0.0.3 25 established=1" ]
scrape > "$WORK/m3"
L3="cgroup=\"/$TAG\",comm=\"longlived\",uid=\"0\",port=\"25\""
check "attempts: the kept session, the reconnect's two, the 70000" \
	has "smtp_sentinel_connect_attempts_total{$L3} 70003" "$WORK/m3"
check "established: the kept session's outcome survived 70000 later flows" \
	has "smtp_sentinel_connect_results_total{$L3,result=\"established\"} 70002" "$WORK/m3"
check "failed: the reconnecting socket's first attempt" \
	has "smtp_sentinel_connect_results_total{$L3,result=\"failed\"} 1" "$WORK/m3"
check "no flow went untracked" has "smtp_sentinel_flows_untracked_total 0" "$WORK/m3"

# --- SIGTERM: exit 0, programs detached --------------------------------------
kill -TERM "$PID"
wait "$PID"; rc=$?
PID=
check "SIGTERM stops sentineld with status 0" [ "$rc" -eq 0 ]
if bpftool cgroup show "$CGMOUNT" 2>/dev/null | grep -q sentinel_; then
	fail "SIGTERM detaches the programs" "$(bpftool cgroup show "$CGMOUNT")"
else
	pass "SIGTERM detaches the programs"
fi
if grep -q 'ERROR: \(Address\|Undefined\)Sanitizer\|runtime error:' "$WORK/daemon.log"; then
	fail "no sanitizer report from sentineld" "$(cat "$WORK/daemon.log")"
else
	pass "no sanitizer report from sentineld"
fi
exit $((FAILED > 0))
