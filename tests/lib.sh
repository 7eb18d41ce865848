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

# lab_start MODE [EXTRA-CONFIG]: the lab and sentineld (sentinel_lab_start),
# or the test fails and exits.
lab_start() {
	sentinel_lab_start "$DIR" "$@" || { fail "the lab and sentineld start"; exit 1; }
}

# --- Postfix in a container ------------------------------------------------------
# lab_postfix_script [POSTCONF-SETTING...]: on stdout, a shell script (set -e)
# to run inside a Debian container (tests/integration/nspawn.sh) that sets up
# its Postfix as scripts/lab/lab.sh sets up the lab: no local delivery, SASL
# submission on 587 (Cyrus, sasldb users alice/alice-pw and bob/bob-pw of
# lab.test), every service out of chroot, short retry times, and smtp-sink
# on 127.0.0.2:25 (a transient unit, one file per message in /srv/sink).
# The test's own settings (where Postfix listens and logs, its transports,
# its restrictions) are the arguments, given to the same postconf -e; the
# caller starts or restarts Postfix.
lab_postfix_script() {
	local common=(
		'myhostname = mx.lab.test' 'mydomain = lab.test' 'myorigin = $mydomain'
		'inet_protocols = ipv4' 'mydestination =' 'relay_domains =' 'local_recipient_maps ='
		'local_transport = error:5.1.1 local delivery is disabled'
		'alias_maps =' 'alias_database =' 'mynetworks = 127.0.0.1/32'
		'smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination'
		'smtp_dns_support_level = disabled' 'smtp_host_lookup = native'
		'smtpd_peername_lookup = no' 'smtpd_tls_security_level = none'
		'smtpd_sasl_auth_enable = yes' 'smtpd_sasl_type = cyrus' 'smtpd_sasl_path = smtpd'
		'cyrus_sasl_config_path = /etc/postfix/sasl' 'smtpd_sasl_local_domain = lab.test'
		'smtpd_sasl_security_options = noanonymous' 'broken_sasl_auth_clients = yes'
		'smtputf8_enable = no'
		'queue_run_delay = 5s' 'minimal_backoff_time = 5s' 'maximal_backoff_time = 30s'
		'smtp_connect_timeout = 5s'
	)
	printf 'set -e\npostconf -e'
	printf ' \\\n\t%q' "${common[@]}" "$@"
	printf '\n'
	cat <<'SCRIPT'
postconf -M 'submission/inet=submission inet n - n - - smtpd'
postconf -P 'submission/inet/syslog_name=postfix/submission' \
	'submission/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject'
postconf -F '*/*/chroot = n'
mkdir -p /etc/postfix/sasl /srv/sink
printf '%s\n' 'pwcheck_method: auxprop' 'auxprop_plugin: sasldb' \
	'sasldb_path: /etc/sasldb2' 'mech_list: PLAIN LOGIN' > /etc/postfix/sasl/smtpd.conf
printf alice-pw | saslpasswd2 -p -c -f /etc/sasldb2 -u lab.test alice
printf bob-pw | saslpasswd2 -p -c -f /etc/sasldb2 -u lab.test bob
chown root:postfix /etc/sasldb2
chmod 0640 /etc/sasldb2
chown postfix /srv/sink
# the sink: everything relayed to 127.0.0.2:25 ends here, one file per message
systemd-run --quiet --unit=smtp-sink /usr/sbin/smtp-sink -u postfix -h sink.lab.test \
	-d '/srv/sink/%Y%m%d%H%M%S.' 127.0.0.2:25 256
SCRIPT
}
