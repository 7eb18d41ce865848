#!/bin/bash
# test_reload.sh - a reload (SIGHUP, sentinelctl reload) changes thresholds
# and allow-lists in place, and refuses a bad file or one that changes what
# is read only at start-up, keeping the configuration in force whole.
#
# As root (real BPF): sentineld on a maillog of its own with current
# timestamps and a low-ish max_messages_per_minute; flowgen makes connects
# to a port of the test's before and after each reload, and the counter
# must keep counting from where it was (the programs stay attached, the
# maps are not reset).  An identity under the old limit opens an incident
# on its next line once SIGHUP lowered the limit (its window was kept);
# a file with a syntax error, and one that changes [metrics] listen, are
# refused (daemon log, sentinelctl's exit status and message) and the
# lowered limit still applies; sentinelctl reload raises it and allow-lists
# an identity, and both apply to the next lines.  Postfix's parameters are
# read in one postconf call at start-up and one per reload put in force
# (postfix_bin_dir holds a postconf that counts its calls, then runs the
# real one).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

CTL=build/sentinelctl
FLOWGEN=build/flowgen

if [ "$(id -u)" -ne 0 ]; then
	skip "reload integration" "needs root (CI runs as root)"
	exit 0
fi
daemon_work
LOG=$WORK/mail.log
for b in "$DAEMON" "$CTL" "$FLOWGEN"; do
	[ -x "$b" ] || { fail "$b exists (make all build/san/sentineld)"; exit 1; }
done

FPORT=$(free_port)
# conf LIMIT [EXTRA LINES...]: the configuration file, rewritten
conf() {
	local limit=$1
	shift
	{
		printf '[sensor]\nports = 25, %s\n' "$FPORT"
		printf '[maillog]\npath = %s\nstart = beginning\n' "$LOG"
		printf '[actions]\npostfix_bin_dir = %s/bin\n' "$WORK"
		printf '[detect]\nmax_messages_per_minute = %s\n' "$limit"
		# one message per identity, one recipient: no other signal fires
		printf 'foreign_ratio = 1\nforeign_min = 1000\n'
		for l in "$@"; do printf '%s\n' "$l"; done
	} | daemon_conf > "$WORK/sentinel.conf.new"
	mv "$WORK/sentinel.conf.new" "$WORK/sentinel.conf"
}

scrape() { curl -fsS "http://127.0.0.1:$PORT/metrics"; }
# the connects flowgen made, under its name and the test's port
connects() {
	scrape | awk -v c="comm=\"reloadgen\"" -v p="port=\"$FPORT\"" \
		'index($1, "smtp_sentinel_connect_attempts_total{") == 1 &&
		 index($1, c) && index($1, p) { n += $2 } END { print n + 0 }'
}
flows() {
	"$FLOWGEN" -N reloadgen -l "127.0.0.1,$FPORT" -c "127.0.0.1,$FPORT,$1" > /dev/null
}
lines() { scrape | awk '$1 == "smtp_sentinel_maillog_lines_total{result=\"parsed\"}" { print $2 }'; }
qn=0
# send IDENTITY N: N messages accepted from sasl:IDENTITY, logged now
send() {
	local now
	now=$(LC_ALL=C date '+%b %e %H:%M:%S')
	for _ in $(seq 1 "$2"); do
		qn=$((qn + 1))
		q=$(printf '4F%08X' "$qn")
		echo "$now mx1 postfix/submission/smtpd[2201]: $q: client=unknown[203.0.113.7], sasl_method=LOGIN, sasl_username=$1"
		echo "$now mx1 postfix/qmgr[880]: $q: from=<$1@example.org>, size=900, nrcpt=1 (queue active)"
	done >> "$LOG"
}
# every line of the maillog is a record the daemon uses
written() { grep -c 'sasl_username=\|from=<' "$LOG"; }
all_read() { [ "$(lines)" = "$(written)" ]; }
# wait until the daemon has read the whole maillog
read_all() { wait_for 10 all_read; }
incident_for() {
	"$CTL" -s "$WORK/control.sock" incidents --json |
		python3 -c 'import json, sys
r = json.load(sys.stdin)
sys.exit(0 if any(i["identity"] == sys.argv[1] for i in r["incidents"]) else 1)' "sasl:$1"
}
no_incident_for() { ! incident_for "$1"; }
scrape_ok() { scrape > /dev/null; }
logged() { grep -qF -- "$1" "$WORK/daemon.log"; }
# hup TEXT: SIGHUP, and wait for TEXT in the daemon's log
hup() {
	kill -HUP "$PID"
	wait_for 10 logged "$1"
}

mkdir "$WORK/bin"
printf '#!/bin/sh\necho "$*" >> %s/postconf.calls\nexec /usr/sbin/postconf "$@"\n' "$WORK" \
	> "$WORK/bin/postconf"
chmod 0755 "$WORK/bin/postconf"
postconf_calls() { wc -l < "$WORK/postconf.calls"; }

: > "$LOG"
conf 20
daemon_start
wait_for 10 test -S "$WORK/control.sock" || { fail "the control socket is up"; exit 1; }

check "start-up reads Postfix's parameters in one postconf call" [ "$(postconf_calls)" = 1 ]
flows 7
check "the BPF counters count before any reload (7 connects)" [ "$(connects)" = 7 ]

# --- SIGHUP lowers the limit: the next line of an identity under it fires ---
send bob 8
read_all
check "8 messages a minute are under the limit of 20: no incident" no_incident_for bob
conf 5
check "SIGHUP: the changed key is logged with its old and new value" \
	hup "reload: [detect] max_messages_per_minute: '20' -> '5'"
flows 5
check "after the reload the BPF counter kept counting (7 + 5)" [ "$(connects)" = 12 ]
send bob 1
read_all
check "the next message over the lowered limit opens bob's incident (his window was kept)" \
	wait_for 5 incident_for bob

# --- a bad file is refused; the old configuration stays whole ---------------
conf 100 'max_recipients_per_minute = 1' '[detect'
check "SIGHUP with a bad file: refused with FILE:LINE, the old one stays" \
	hup "reload refused, the configuration in force stays: $WORK/sentinel.conf:19: syntax error"
check "the daemon is still up after a refused reload" kill -0 "$PID"
check "the refusal is in the metrics (last reload not successful, 1 refused, 1 ok)" [ \
	"$(metric smtp_sentinel_config_last_reload_successful)/$(metric 'smtp_sentinel_config_reloads_total{result="refused"}')/$(metric 'smtp_sentinel_config_reloads_total{result="ok"}')" = 0/1/1 ]
send carol 6
read_all
check "the lowered limit still applies after a refused reload (carol: 6 > 5)" \
	wait_for 5 incident_for carol

# --- sentinelctl reload: a key read at start-up refuses the whole file ------
conf 1000
sed -i "s/^listen = .*/listen = 127.0.0.1:$(free_port)/" "$WORK/sentinel.conf"
"$CTL" -s "$WORK/control.sock" reload > "$WORK/ctl.out" 2>&1
rc=$?
check "sentinelctl reload of a changed listen address fails (exit 1)" [ "$rc" = 1 ]
check "and names the key and says to restart" grep -qF \
	"[metrics] listen cannot change at run time (restart sentineld to apply it)" "$WORK/ctl.out"
check "the metrics are still served on the old address" scrape_ok
send dave 6
read_all
check "the lowered limit still applies (dave: 6 > 5)" wait_for 5 incident_for dave

# --- sentinelctl reload: a good file, its changes listed ---------------------
conf 50 'allow_identities = sasl:erin'
"$CTL" -s "$WORK/control.sock" reload > "$WORK/ctl.out" 2>&1
rc=$?
check "sentinelctl reload of a good file succeeds" [ "$rc" = 0 ]
check "and lists what changed" sh -c "grep -qxF 'reloaded' '$WORK/ctl.out' &&
	grep -qxF \"  [detect] max_messages_per_minute: '5' -> '50'\" '$WORK/ctl.out' &&
	grep -qxF \"  [detect] allow_identities: '' -> 'sasl:erin'\" '$WORK/ctl.out' &&
	! grep -q 'foreign' '$WORK/ctl.out'"
"$CTL" -s "$WORK/control.sock" --json reload > "$WORK/ctl.json"
check "a reload with nothing changed says so" grep -qF '"changes":["no change"]' "$WORK/ctl.json"
check "the metrics count every reload (last successful, 2 refused, 3 ok)" [ \
	"$(metric smtp_sentinel_config_last_reload_successful)/$(metric 'smtp_sentinel_config_reloads_total{result="refused"}')/$(metric 'smtp_sentinel_config_reloads_total{result="ok"}')" = 1/2/3 ]
send frank 6
send erin 80
read_all
check "the raised limit applies to the next lines (frank: 6 < 50, no incident)" \
	no_incident_for frank
check "the new allow-list applies (erin: 80 messages, no incident)" no_incident_for erin
for who in bob carol dave; do
	check "$who's incident, opened before the reload, is still there" incident_for "$who"
done
flows 3
check "the BPF counter kept counting across every reload (7 + 5 + 3)" [ "$(connects)" = 15 ]
check "postconf ran once more per reload put in force, never for a refused one (1 + 2)" \
	[ "$(postconf_calls)" = 3 ]
check "the maillog position was kept: every line parsed once" all_read

daemon_stop
rc=$?
check "sentineld exits 0 after the reloads (no leak or error under ASan)" [ "$rc" = 0 ]
if [ "$FAILED" -ne 0 ]; then
	echo "--- daemon log"
	cat "$WORK/daemon.log"
fi
exit "$FAILED"
