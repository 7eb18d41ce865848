#!/bin/bash
# test_logrotate.sh - the shipped logrotate snippet rotates incidents.log and
# audit.log under a running sentineld, and the next lines go to the new files.
#
# As root (sentineld needs BPF to start): a maillog in a temporary directory
# where a SASL account sends past max_messages_per_minute (observe mode: an
# incident, its steps recorded as "observed" in audit.log).  Then the real
# logrotate(8) runs scripts/logrotate/smtp-sentinel (paths pointed at the
# temporary state directory) with -f; a second account's incident must be
# the first line of the new incidents.log and audit.log, the rotated files
# keep the first one's, and no line is lost or doubled.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

if [ "$(id -u)" -ne 0 ]; then
	skip "logrotate" "needs root (CI runs as root)"
	exit 0
fi
if ! command -v logrotate > /dev/null; then
	skip "logrotate" "logrotate is not installed (scripts/deps.sh installs it)"
	exit 0
fi
daemon_work
LOG=$WORK/mail.log
STATE=$WORK/state
daemon_conf > "$WORK/sentinel.conf" <<CONF
[maillog]
path = $LOG
start = beginning
local_domains = example.org
[detect]
max_messages_per_minute = 5
CONF

# spam USER N: N messages of USER, logged now (RFC 3339, as journald and
# rsyslog's high-precision format write it).
spam() {
	local t i qid
	t=$(date -u +%Y-%m-%dT%H:%M:%S.000000+00:00)
	for i in $(seq 1 "$2"); do
		qid=$(printf '%s%05X' "$3" "$i")
		echo "$t mx1 postfix/submission/smtpd[2201]: $qid: client=unknown[203.0.113.7], sasl_method=LOGIN, sasl_username=$1"
		echo "$t mx1 postfix/qmgr[880]: $qid: from=<$1@example.org>, size=900, nrcpt=1 (queue active)"
	done >> "$LOG"
}
opened() {	# opened FILE IDENTITY: the number of "opened" lines for IDENTITY
	[ -f "$1" ] || { echo 0; return; }
	grep -c "\"event\":\"opened\".*\"identity\":\"$2\"" "$1" 2>/dev/null
}
audited() {	# audited FILE IDENTITY: audit lines for IDENTITY
	[ -f "$1" ] || { echo 0; return; }
	grep -c "\"identity\":\"$2\"" "$1" 2>/dev/null
}
has_opened() { [ "$(opened "$1" "$2")" -ge 1 ]; }
has_audit() { [ "$(audited "$1" "$2")" -ge 1 ]; }

: > "$LOG"
daemon_start

spam alice 12 4A0
wait_for 15 has_opened "$STATE/incidents.log" sasl:alice
check "alice's incident is in incidents.log" has_opened "$STATE/incidents.log" sasl:alice
wait_for 15 has_audit "$STATE/audit.log" sasl:alice
check "alice's observed steps are in audit.log" has_audit "$STATE/audit.log" sasl:alice
sleep 1	# let her steps finish: their audit lines belong to the old file
alice_audit=$(audited "$STATE/audit.log" sasl:alice)

# The shipped snippet, pointed at this state directory.
sed "s|/var/lib/smtp-sentinel/|$STATE/|g" scripts/logrotate/smtp-sentinel > "$WORK/logrotate.conf"
check "the snippet names both logs" grep -q "^$STATE/incidents.log $STATE/audit.log {" \
	"$WORK/logrotate.conf"
logrotate -f -s "$WORK/logrotate.status" "$WORK/logrotate.conf" > "$WORK/logrotate.out" 2>&1
check "logrotate accepts the snippet and rotates (-f)" \
	test -s "$STATE/incidents.log.1" -a -s "$STATE/audit.log.1" -a ! -e "$STATE/incidents.log"

spam bob 12 5B0
wait_for 15 has_opened "$STATE/incidents.log" sasl:bob
check "after rotation, the next incident goes to a new incidents.log" \
	has_opened "$STATE/incidents.log" sasl:bob
check "the new incidents.log starts with it" \
	sh -c "head -n 1 '$STATE/incidents.log' 2> /dev/null | grep -q '\"identity\":\"sasl:bob\"'"
check "the rotated incidents.log keeps alice's, and not bob's" \
	sh -c "[ $(opened "$STATE/incidents.log.1" sasl:alice) = 1 ] && [ $(opened "$STATE/incidents.log.1" sasl:bob) = 0 ]"
wait_for 15 has_audit "$STATE/audit.log" sasl:bob
check "audit.log is created again for the next step" has_audit "$STATE/audit.log" sasl:bob
check "no audit line was lost or doubled" \
	test "$(audited "$STATE/audit.log.1" sasl:alice)" = "$alice_audit" -a \
	     "$(audited "$STATE/audit.log" sasl:alice)" = 0
check "the daemon's modes: incidents.log 0640, audit.log 0600" \
	test "$(stat -c %a "$STATE/incidents.log" "$STATE/audit.log" 2> /dev/null | tr '\n' ' ')" = "640 600 "

# A second rotation, with compression of the first (delaycompress).
logrotate -f -s "$WORK/logrotate.status" "$WORK/logrotate.conf" >> "$WORK/logrotate.out" 2>&1
spam carol 12 6C0
wait_for 15 has_opened "$STATE/incidents.log" sasl:carol
check "a second rotation: carol's incident in the third file" \
	sh -c "[ $(opened "$STATE/incidents.log" sasl:carol) = 1 ] && [ $(opened "$STATE/incidents.log" sasl:bob) = 0 ]"
check "the oldest is compressed, the newer one not yet" \
	test -s "$STATE/incidents.log.2.gz" -a -s "$STATE/incidents.log.1"

daemon_stop
no_sanitizer_report
[ "$FAILED" -eq 0 ] || { echo "--- daemon.log"; tail -n 30 "$WORK/daemon.log"; cat "$WORK/logrotate.out"; }
exit $((FAILED > 0))
