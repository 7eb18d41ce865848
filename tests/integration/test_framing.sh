#!/bin/bash
# test_framing.sh - forged log lines must never make sentineld lock the
# wrong account or touch someone else's mail (issue #9).  Real Postfix (the
# lab), real BPF, enforce mode.
#
#   A  the maillog is a syslog-style file that an unprivileged user (nobody)
#      appends to, as `logger` lets any user do: the two framing attacks
#      (brute force then "success" for a victim; a forged client= line
#      naming the queue id of someone else's real queued message) open an
#      incident, which is reported; nothing is locked, held or deleted.
#   A2 the same file with trust_syslog_file = yes (the operator's opt-in):
#      the victim is locked (the documented risk), but a queue id framed
#      onto the victim is refused (a second client= line: forged) or left
#      alone (its queue file names bob, not the victim).
#   B  Postfix's own maillog_file, which no user can write to: a genuine
#      stolen account spamming is locked within 2 s, and forged client=
#      lines for bob's queue ids (written as root: the one way into that
#      file) are refused by the queue-id rule and the queue-file check.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

command -v setpriv >/dev/null || { skip "framing" "needs setpriv (util-linux)"; exit 0; }
lab_test "framing" sentineld sentinelctl smtpsend
METRICS=127.0.0.1:${SENTINEL_LAB_METRICS:-19725}
CTL() { "$BUILD/sentinelctl" -s "$DIR/control.sock" "$@"; }
LAB=scripts/lab/lab.sh

# The lab, with sentineld started by start_sentineld MAILLOG STATE [ACTIONS...]
scripts/lab/lab.sh start "$DIR" > "$DIR.lab.log" 2>&1 || { cat "$DIR.lab.log"; fail "the lab starts"; exit 1; }
for u in alice bob carol; do
	"$LAB" adduser "$DIR" "$u" "pw-$u" >/dev/null || fail "adduser $u"
done
"$LAB" adduser "$DIR" mallory 123456 >/dev/null || fail "adduser mallory"

stop_sentineld() {
	[ -f "$DIR/sentineld.pid" ] || return 0
	kill -TERM "$(cat "$DIR/sentineld.pid")" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$(cat "$DIR/sentineld.pid")" 2>/dev/null || break; sleep 0.1; done
	rm -f "$DIR/sentineld.pid"
}
start_sentineld() {
	local maillog=$1 state=$2
	shift 2
	stop_sentineld
	{
		printf '[sensor]\nports = 25\n[metrics]\nlisten = %s\n' "$METRICS"
		printf '[maillog]\nsource = file\npath = %s\nstart = end\nlocal_domains = lab.test\n' "$maillog"
		printf '[actions]\nmode = enforce\nsasl_access_map = %s\n' "$DIR/etc/sasl_access"
		printf 'postfix_config_dir = %s\nquarantine_dir = %s\n' "$DIR/etc" "$DIR/quarantine"
		printf 'cooldown = 0\n'
		for kv in "$@"; do printf '%s\n' "$kv"; done
		printf '[control]\nsocket = %s\n[daemon]\nstate_dir = %s\n' "$DIR/control.sock" "$state"
	} > "$DIR/sentinel.conf"
	: > "$DIR/sentineld.log"
	"$BUILD/sentineld" -c "$DIR/sentinel.conf" >> "$DIR/sentineld.log" 2>&1 &
	echo $! > "$DIR/sentineld.pid"
	wait_for 10 grep -q ': ready' "$DIR/sentineld.log" || {
		cat "$DIR/sentineld.log"
		return 1
	}
}

# "QID QUEUE SENDER" per queued message.
queue() {
	postqueue -c "$DIR/etc" -j | sed -n \
		's/^{"queue_name": "\([a-z]*\)", "queue_id": "\([0-9A-Za-z]*\)",.*"sender": "\([^"]*\)".*/\2 \1 \3/p' | sort
}
queue_of() { queue | awk -v q="$1" '$1 == q { print $2 }'; }
# bob_queues: a message of bob's that stays in the queue (deferred); its qid.
bob_queues() {
	local before after
	before=$(queue | awk '$3 == "bob@lab.test" { print $1 }')
	"$LAB" send "$DIR" bob pw-bob bob@lab.test "x@defer.invalid" 1 587 >/dev/null ||
		fail "bob sends"
	for _ in $(seq 50); do
		after=$(queue | awk '$3 == "bob@lab.test" { print $1 }' | grep -vxF -e "${before:-none}" | head -n 1)
		[ -n "$after" ] && { echo "$after"; return 0; }
		sleep 0.1
	done
	return 1
}
metric() {	# NAME{LABELS} : its value, 0 when absent
	curl -sf "http://$METRICS/metrics" | awk -v m="$1" '$1 == m { print $2; f = 1 } END { if (!f) print 0 }'
}
stamp() { date '+%b %d %H:%M:%S'; }

# Lines as any user writes them: as nobody, appended to the file.
forge() {	# FILE LINE...: each line with a syslog header, appended as nobody
	local f=$1 l
	shift
	for l in "$@"; do printf '%s mx %s\n' "$(stamp)" "$l"; done |
		setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c "cat >> '$f'"
}
# brute force then "success" for VICTIM from IP (a made-up queue id SQID),
# with a queue id QID (someone else's) framed onto the victim before it.
framing_lines() {	# VICTIM IP QID SQID
	local i
	echo "postfix/smtpd[4243]: $3: client=unknown[$2], sasl_method=LOGIN, sasl_username=$1"
	echo "postfix/qmgr[1111]: $3: from=<$1>, size=500, nrcpt=1 (queue active)"
	for i in 1 2 3 4 5; do
		echo "postfix/smtpd[4242]: warning: unknown[$2]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
	done
	echo "postfix/smtpd[4242]: $4: client=unknown[$2], sasl_method=LOGIN, sasl_username=$1"
	echo "postfix/qmgr[1111]: $4: from=<$1>, size=300, nrcpt=1 (queue active)"
}

# ---- A: an untrusted syslog file --------------------------------------------

SYSLOG=$DIR/mail.log
: > "$SYSLOG"
chown nobody "$SYSLOG"
chmod 0644 "$SYSLOG"
QB=$(bob_queues) || fail "bob's message is queued"
echo "# bob's queued message: $QB"
start_sentineld "$SYSLOG" "$DIR/state" || { fail "sentineld starts on the syslog file"; exit 1; }
check "A: the start-up log says enforce mode does not act on the syslog file, and why" \
	grep -q 'enforce mode reports but does not act.*not Postfix.s maillog_file' "$DIR/sentineld.log"
check "A: sentinelctl status: untrusted, not acting" sh -c \
	"'$BUILD/sentinelctl' -s '$DIR/control.sock' status | grep -q '^trust  *untrusted (enforce mode reports, does not act'"
mapfile -t L < <(framing_lines alice@lab.test 192.0.2.66 "$QB" 1A2B3C4D5E)
forge "$SYSLOG" "${L[@]}"
echo "# forged as nobody into $SYSLOG: ${#L[@]} lines"
wait_for 10 sh -c "grep -q '\"result\":\"untrusted\"' '$DIR/state/audit.log'"
sleep 1
CTL incidents --json > "$DIR/incidents.json"
check "A: the forged brute force is reported: an incident for sasl:alice@lab.test, observed, not acted" python3 -c '
import json, sys
incs = json.load(open(sys.argv[1]))["incidents"]
sys.exit(0 if any(i["identity"] == "sasl:alice@lab.test" and i["state"] == "observed" for i in incs) else 1)' \
	"$DIR/incidents.json"
check "A: every step is recorded as untrusted, none as ok" sh -c "
	grep -q '\"action\":\"lock\".*\"result\":\"untrusted\"' '$DIR/state/audit.log' &&
	! grep -q '\"result\":\"ok\"' '$DIR/state/audit.log'"
check "A: alice is not in the map" sh -c "! grep -q '^alice@lab.test' '$DIR/etc/sasl_access'"
check "A: bob's framed message is still deferred (not held, not deleted)" \
	[ "$(queue_of "$QB")" = deferred ]
check "A: nothing quarantined" sh -c "[ -z \"\$(ls -A '$DIR/quarantine' 2>/dev/null)\" ]"
check "A: alice still sends" sh -c "build/smtpsend -s '$LAB_ADDR:587' -u alice@lab.test -p pw-alice \
	-f alice@lab.test -t friend@remote.example -q | grep -q '^sent=1 rejected=0'"
check "A: smtp_sentinel_actions_total counts the lock as untrusted" \
	[ "$(metric 'smtp_sentinel_actions_total{action="lock",result="untrusted"}')" -ge 1 ]

# ---- A2: the operator trusts the syslog file ----------------------------------

QB2=$(bob_queues) || fail "bob's second message is queued"
start_sentineld "$SYSLOG" "$DIR/state" 'trust_syslog_file = yes' ||
	{ fail "sentineld restarts with trust_syslog_file = yes"; exit 1; }
check "A2: the start-up log warns that it acts on an untrusted maillog" \
	grep -q 'enforce mode acts on an untrusted maillog (trust_syslog_file = yes)' "$DIR/sentineld.log"
# QB is known as alice's since A: a client= line naming carol is forged.
# QB2 is new to the table: it is framed onto carol, and its queue file says bob.
mapfile -t L < <(
	echo "postfix/smtpd[4244]: $QB: client=unknown[192.0.2.67], sasl_method=LOGIN, sasl_username=carol@lab.test"
	framing_lines carol@lab.test 192.0.2.67 "$QB2" 1A2B3C4D5F)
forge "$SYSLOG" "${L[@]}"
wait_for 15 grep -q '^carol@lab.test' "$DIR/etc/sasl_access"
sleep 1
check "A2: carol is locked (the risk trust_syslog_file = yes takes)" \
	grep -q '^carol@lab.test' "$DIR/etc/sasl_access"
check "A2: bob's messages are still deferred, neither held nor deleted" sh -c \
	"[ '$(queue_of "$QB")' = deferred ] && [ '$(queue_of "$QB2")' = deferred ]"
check "A2: none of bob's messages is in the quarantine" sh -c \
	"! grep -rqs 'bob@lab.test' '$DIR/quarantine'"
check "A2: the second client= line for a queue id in flight is counted as forged" \
	[ "$(metric 'smtp_sentinel_maillog_lines_total{result="forged"}')" -ge 1 ]
check "A2: the framed message is counted as unconfirmed by its queue file" \
	[ "$(metric smtp_sentinel_action_messages_unconfirmed_total)" -ge 1 ]
CTL unlock carol@lab.test > /dev/null

# ---- B: Postfix's own maillog_file ------------------------------------------------

check "B: a user cannot append to Postfix's maillog_file" sh -c \
	"! setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c 'echo x >> \"$DIR/maillog\"' 2>/dev/null"
QB3=$(bob_queues) || fail "bob's third message is queued"	# before: the table never sees it
start_sentineld "$DIR/maillog" "$DIR/state-b" || { fail "sentineld starts on the maillog_file"; exit 1; }
check "B: status: trusted, acting" sh -c \
	"'$BUILD/sentinelctl' -s '$DIR/control.sock' status | grep -q '^trust  *trusted (enforce mode acts)'"
QB4=$(bob_queues) || fail "bob's fourth message is queued"	# after: known as bob's
wait_for 5 sh -c "grep -q '$QB4: client=' '$DIR/maillog'"
sleep 0.5
# What no user can write here, written as root: QB4 is known (rule: never
# reassigned); QB3 is not (rule: its queue file must name mallory).
{
	printf '%s mx postfix/smtpd[4245]: %s: client=unknown[127.0.0.1], sasl_method=PLAIN, sasl_username=mallory@lab.test\n' "$(stamp)" "$QB4"
	printf '%s mx postfix/smtpd[4245]: %s: client=unknown[127.0.0.1], sasl_method=PLAIN, sasl_username=mallory@lab.test\n' "$(stamp)" "$QB3"
	printf '%s mx postfix/qmgr[1111]: %s: from=<bob@lab.test>, size=500, nrcpt=1 (queue active)\n' "$(stamp)" "$QB3"
} >> "$DIR/maillog"
sleep 0.5
# mallory's stolen password, the demo's spam run.
"$BUILD/smtpsend" -s "$LAB_ADDR:587" -u mallory@lab.test -p 123456 -f 'ceo@bank{i}.example' \
	-t 'victim{i}@remote.example' -t 'target{i}@defer.invalid' -n 200 -r 50 -x 3 -q \
	> "$DIR/spam.out" 2>&1
wait_for 10 grep -q 'mallory@lab.test locked' "$DIR/sentineld.log"
sleep 2
# From the first spam message sent (smtpsend's clock) to the lock's audit
# line (the log's own times have whole seconds).
lat=$(python3 -c '
import datetime, json, re, sys
sent = float(re.search(r"first_sent=([0-9.]+)", open(sys.argv[1]).read()).group(1))
for l in open(sys.argv[2]):
    r = json.loads(l)
    if r.get("action") == "lock" and r.get("result") == "ok" and r.get("identity") == "sasl:mallory@lab.test":
        t = datetime.datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        print("%.3f" % (t.timestamp() - sent))
        break' "$DIR/spam.out" "$DIR/state-b/audit.log" 2>/dev/null)
echo "# mallory locked ${lat:-never} s after the first spam message was sent;" \
	"sentineld says: $(grep -o 'locked [0-9.]* s after its first message' "$DIR/sentineld.log" | head -n 1) (log time)"
check "B: the genuine stolen account is locked within 2 s" \
	awk -v l="${lat:-99}" 'BEGIN { exit !(l <= 2.0) }'
check "B: the spammer's next message was refused" grep -q 'first_reject_reply="554 5.7.1' "$DIR/spam.out"
check "B: the forged client= line for bob's known queue id is counted as forged" \
	[ "$(metric 'smtp_sentinel_maillog_lines_total{result="forged"}')" -ge 1 ]
check "B: bob's messages are still deferred, neither held nor deleted" sh -c \
	"[ '$(queue_of "$QB3")' = deferred ] && [ '$(queue_of "$QB4")' = deferred ]"
check "B: the message framed onto mallory is counted as unconfirmed" \
	[ "$(metric smtp_sentinel_action_messages_unconfirmed_total)" -ge 1 ]
check "B: mallory's own spam was quarantined" sh -c \
	"grep -rlqs 'From: <ceo@bank' '$DIR/quarantine'"
check "B: none of bob's messages is in the quarantine" sh -c \
	"! grep -rqs 'sender: bob@lab.test' '$DIR/quarantine'"

exit "$FAILED"
