# lib.sh - helpers for the shell test scripts (sourced).
#
# Each check prints one line, PASS/FAIL/SKIP and its name; tests/run.sh
# counts them.  A script exits non-zero if any check failed.

FAILED=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; FAILED=$((FAILED + 1)); }
skip() { echo "SKIP: $1: $2"; }

# check NAME COMMAND...: PASS if the command succeeds.
check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# The cgroup v2 mount, from /proc/mounts (never hard-coded).
cgroup2_mount() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts
}

# wait_for SECONDS COMMAND...: retry every 0.1 s until it succeeds.
wait_for() {
	deadline=$(($(date +%s) + $1))
	shift
	until "$@" 2>/dev/null; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# A free TCP port on 127.0.0.1 in 20000..29999.
free_port() {
	while :; do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 10000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}

# --- sentineld on a scratch directory ------------------------------------------
# daemon_work: the test's WORK (a fresh directory, mode 0755, removed at exit
# unless KEEP is set), DAEMON (SENTINELD, else build/san/sentineld), PORT (a
# free metrics port), PID (the daemon's, once started), and the exit trap that
# stops the daemon.  Call it once the test knows it will run (after its skips).
daemon_work() {
	DAEMON=${SENTINELD:-build/san/sentineld}
	WORK=$(mktemp -d)
	chmod 0755 "$WORK"
	PORT=$(free_port)
	PID=
	trap daemon_cleanup EXIT
}
daemon_cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}

# daemon_conf < SECTIONS: a configuration on stdout: metrics on
# 127.0.0.1:PORT, state in WORK/state, the control socket WORK/control.sock,
# then the test's own sections (a repeated section adds to, or overrides, the
# keys above).
daemon_conf() {
	printf '[metrics]\nlisten = 127.0.0.1:%s\n' "$PORT"
	printf '[daemon]\nstate_dir = %s/state\n' "$WORK"
	printf '[control]\nsocket = %s/control.sock\n' "$WORK"
	cat
}

# daemon_start [CURL-ARGS... URL]: DAEMON on WORK/sentinel.conf, its log
# appended to WORK/daemon.log; returns once it serves URL (default: its
# metrics over http), else fails the test with the log and exits.
daemon_start() {
	[ "$#" -gt 0 ] || set -- "http://127.0.0.1:$PORT/metrics"
	"$DAEMON" -c "$WORK/sentinel.conf" >> "$WORK/daemon.log" 2>&1 &
	PID=$!
	wait_for 20 curl -fsS -o /dev/null "$@" ||
		{ fail "sentineld starts" "$(cat "$WORK/daemon.log")"; exit 1; }
}

# daemon_stop: SIGTERM, and the daemon's exit status.
daemon_stop() {
	local rc
	kill -TERM "$PID"
	wait "$PID"
	rc=$?
	PID=
	return "$rc"
}

# no_sanitizer_report: a check that WORK/daemon.log holds no ASan or UBSan
# report (build/san/sentineld).
no_sanitizer_report() {
	if grep -q 'ERROR: \(Address\|Undefined\)Sanitizer\|runtime error:' "$WORK/daemon.log"; then
		fail "no sanitizer report from sentineld" "$(cat "$WORK/daemon.log")"
	else
		pass "no sanitizer report from sentineld"
	fi
}

# metric NAME: the value of a sample (NAME with its labels) on the http metrics.
metric() {
	curl -fsS "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}

# --- the Postfix lab ---------------------------------------------------------------
# lab_test WHAT [PROGRAM...]: the start of a test on the lab with sentineld
# (scripts/lab/sentinel-lab.sh, sourced here): skips (exit 0) unless root,
# fails (exit 1) unless each build/PROGRAM is built; DIR, a fresh
# /tmp/SCRIPT.XXXXXX (mode 0755), where the lab and sentineld run, stopped and
# removed at exit.
lab_test() {
	local what=$1 b
	shift
	if [ "$(id -u)" != 0 ]; then
		skip "$what" "needs root (BPF, Postfix)"
		exit 0
	fi
	for b in "$@"; do
		[ -x "build/$b" ] || { fail "build/$b exists"; exit 1; }
	done
	DIR=$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")
	chmod 0755 "$DIR"
	. scripts/lab/sentinel-lab.sh
	trap 'sentinel_lab_stop "$DIR"; rm -rf "$DIR" "$DIR.lab.log"' EXIT
}

# lab_start_free DIR: scripts/lab/lab.sh start DIR, its smtpd on 127.0.0.1
# (:25 and :587) and its sink on 127.0.0.2:25 unless another lab has them
# (lab.sh exits 3), then on random 127.0.X.Y addresses (X in 10..249), five
# tries in all; each try that found them taken is shown as a "# " line.
# Sets ADDR, SINK_ADDR and LAB_OUT (what lab.sh said last); returns lab.sh's
# status.
lab_start_free() {
	local rc
	ADDR=127.0.0.1 SINK_ADDR=127.0.0.2
	for _ in 1 2 3 4 5; do
		LAB_OUT=$(LAB_ADDR=$ADDR LAB_SINK=$SINK_ADDR:25 scripts/lab/lab.sh start "$1" 2>&1)
		rc=$?
		[ "$rc" -eq 3 ] || return "$rc"
		echo "# $LAB_OUT"
		ADDR=$(rand_loopback)
		SINK_ADDR=$(rand_loopback)
		[ "$SINK_ADDR" != "$ADDR" ] || SINK_ADDR=127.0.0.2
	done
	return "$rc"
}

rand_loopback() {	# 127.0.X.Y with X in 10..249
	echo "127.0.$((10 + $(od -An -N2 -tu2 /dev/urandom) % 240)).$((2 + $(od -An -N1 -tu1 /dev/urandom) % 250))"
}

# lab_start MODE [EXTRA-CONFIG]: the lab and sentineld (sentinel_lab_start),
# or the test fails and exits.
lab_start() {
	sentinel_lab_start "$DIR" "$@" || { fail "the lab and sentineld start"; exit 1; }
}
