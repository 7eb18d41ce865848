# sentinel-lab.sh - the Postfix lab with sentineld watching it (sourced).
#
#   . scripts/lab/sentinel-lab.sh
#   sentinel_lab_start DIR MODE [EXTRA_CONFIG]   lab + sentineld, or return 1
#   sentinel_lab_stop DIR                        both down; safe to repeat
#   sentinelctl_lab DIR ARGS...                  sentinelctl on the lab's socket
#
# Used by scripts/lab/demo.sh, tests/bench/detect_bench.sh and the lab's
# integration tests (through tests/lib.sh: lab_test, lab_start).  The lab (lab.sh) runs on LAB_ADDR
# [127.0.0.3] ports 25 and 587 and relays to smtp-sink on LAB_SINK
# [127.0.0.4:25]: addresses of its own, so a Postfix already on
# 127.0.0.1:25 is not disturbed, and nothing leaves 127.0.0.0/8.  sentineld
# runs with DIR/sentinel.conf: [maillog] path = DIR/maillog, local_domains
# = lab.test, [actions] mode = MODE acting on the lab's instance
# (postfix_config_dir = DIR/etc, its check_sasl_access map
# DIR/etc/sasl_access), quarantine DIR/quarantine, state DIR/state,
# control socket DIR/control.sock, metrics on 127.0.0.1:SENTINEL_LAB_METRICS
# [19725].  EXTRA_CONFIG is appended (later keys win within a section only
# if the section is repeated: write whole sections).  Needs root and the
# built binaries in BUILD [build].

: "${BUILD:=build}"
export LAB_ADDR=${LAB_ADDR:-127.0.0.3} LAB_SINK=${LAB_SINK:-127.0.0.4:25}
export LAB_SMTP_PORT=${LAB_SMTP_PORT:-25} LAB_SUBMISSION_PORT=${LAB_SUBMISSION_PORT:-587}
SENTINEL_LAB_SUBMIT=$LAB_ADDR:$LAB_SUBMISSION_PORT

sentinel_lab_stop() {
	_d=$1
	if [ -f "$_d/sentineld.pid" ]; then
		_pid=$(cat "$_d/sentineld.pid")
		kill -TERM "$_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$_pid" 2>/dev/null
		rm -f "$_d/sentineld.pid"
	fi
	scripts/lab/lab.sh stop "$_d" >/dev/null 2>&1
	return 0
}

sentinel_lab_start() {
	_d=$1 _mode=$2 _extra=${3:-}
	scripts/lab/lab.sh start "$_d" > "$_d.lab.log" 2>&1 ||
		{ cat "$_d.lab.log" >&2; return 1; }
	cat > "$_d/sentinel.conf" <<EOF
[sensor]
ports = 25
[metrics]
listen = 127.0.0.1:${SENTINEL_LAB_METRICS:-19725}
[maillog]
path = $_d/maillog
start = end
local_domains = lab.test
[actions]
mode = $_mode
sasl_access_map = $_d/etc/sasl_access
postfix_config_dir = $_d/etc
quarantine_dir = $_d/quarantine
[control]
socket = $_d/control.sock
[daemon]
state_dir = $_d/state
$_extra
EOF
	"$BUILD/sentineld" -c "$_d/sentinel.conf" > "$_d/sentineld.log" 2>&1 &
	echo $! > "$_d/sentineld.pid"
	for _ in $(seq 100); do
		grep -q ': ready' "$_d/sentineld.log" && return 0
		kill -0 "$(cat "$_d/sentineld.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "sentinel-lab: sentineld did not start:" >&2
	cat "$_d/sentineld.log" >&2
	return 1
}

sentinelctl_lab() {
	_d=$1
	shift
	"$BUILD/sentinelctl" -s "$_d/control.sock" "$@"
}
