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
