#!/bin/bash
# test_postfix_lab.sh - the Postfix lab (scripts/lab/lab.sh) relays
# authenticated mail to its smtp-sink, and logs it, exactly.
#
# As root: a lab in a temporary directory (Debian's Postfix, SASL via
# sasldb, maillog_file, smtp-sink on a 127.0.0.x address: nothing leaves
# the machine).  Users alice and bob; 3 messages from alice on submission
# (AUTH LOGIN), 5 from bob on port 25 (AUTH PLAIN), one AUTH LOGIN with a
# wrong password, one unauthenticated relay attempt.  Then, from
# DIR/maillog, parsed by field position (never by substring):
#   - 8 smtpd `QID: client=..., sasl_method=M, sasl_username=U` lines:
#     3 alice@lab.test (LOGIN, submission), 5 bob@lab.test (PLAIN, smtpd)
#   - 8 smtp deliveries, status=sent, relay=SINK[SINK]:25, for exactly the
#     same queue ids, and no delivery anywhere else or with another status
#   - exactly 1 `SASL LOGIN authentication failed` warning, for alice
# and from the sink's dump files: 8 messages, carrying those queue ids in
# Postfix's Received header.  sentinel-report on DIR/maillog must give
# exactly alice 3 and bob 5 messages sent and alice's failed login;
# sentineld (real BPF, following DIR/maillog live) 8 SASL logins, 1
# failure, Postfix's own connects to the sink under comm="smtp" (one per
# delivery without conn_use=), each attributed to its delivery, swaks's 6
# connects to port 25 (not attributed), messages and deliveries per identity.
# Finally the lab stops without leftovers.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh

LAB=scripts/lab/lab.sh
NAME="postfix lab"

if [ "$(id -u)" -ne 0 ]; then
	skip "$NAME" "needs root (CI runs as root)"
	exit 0
fi
for p in postfix postqueue smtp-sink saslpasswd2 swaks ss; do
	if ! command -v "$p" >/dev/null; then
		skip "$NAME" "$p is not installed (scripts/deps.sh installs postfix, sasl2-bin, libsasl2-modules, swaks)"
		exit 0
	fi
done
for m in libsasldb liblogin libplain; do
	if ! compgen -G "/usr/lib/*/sasl2/$m.so*" >/dev/null; then
		skip "$NAME" "Cyrus SASL plugin $m is not installed (libsasl2-modules, libsasl2-modules-db)"
		exit 0
	fi
done

DIR=$(mktemp -d /tmp/sentinel-lab.XXXXXX)
chmod 0755 "$DIR"
SD_PID=
SD_DIR=$(mktemp -d /tmp/sentinel-lab-sd.XXXXXX)
chmod 0755 "$SD_DIR"
cleanup() {
	[ -n "$SD_PID" ] && kill "$SD_PID" 2>/dev/null && wait "$SD_PID" 2>/dev/null
	"$LAB" stop "$DIR" >/dev/null 2>&1
	rm -rf "$DIR" "$SD_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The defaults (127.0.0.1:25/587, sink 127.0.0.2:25) unless taken, e.g. by
# another lab running at the same time: then random 127.0.x.y addresses.
export LAB_DOMAIN=lab.test
t0=$(date +%s%N)
lab_start_free "$DIR"
rc=$?
echo "$LAB_OUT"
if [ "$rc" -ne 0 ]; then
	fail "the lab starts" "$(tail -n 20 "$DIR/maillog" "$DIR/sink.log" 2>/dev/null)"
	exit 1
fi
export LAB_ADDR=$ADDR LAB_SINK=$SINK_ADDR:25
pass "the lab starts"
echo "# start took $(( ($(date +%s%N) - t0) / 1000000 )) ms (smtpd $ADDR:25 and :587, sink $SINK_ADDR:25)"

# sentineld watches it all: the kernel sees every connect to port 25 (swaks
# to the lab, Postfix's smtp client to the sink), the maillog is followed.
SD_PORT=$(free_port)
cat > "$SD_DIR/sentinel.conf" <<CONF
[sensor]
ports = 25
[metrics]
listen = 127.0.0.1:$SD_PORT
[maillog]
path = $DIR/maillog
start = beginning
[daemon]
state_dir = $SD_DIR/state
CONF
"${SENTINELD:-build/san/sentineld}" -c "$SD_DIR/sentinel.conf" > "$SD_DIR/daemon.log" 2>&1 &
SD_PID=$!
if wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$SD_PORT/metrics"; then
	pass "sentineld starts on the lab's maillog"
else
	fail "sentineld starts on the lab's maillog" "$(cat "$SD_DIR/daemon.log")"
fi

check "adduser alice" "$LAB" adduser "$DIR" alice 'alice pw 1'
check "adduser bob" "$LAB" adduser "$DIR" bob 'b0b-secret'

t0=$(date +%s%N)
check "alice sends 3 messages on submission with AUTH LOGIN" \
	env LAB_AUTH=LOGIN "$LAB" send "$DIR" alice 'alice pw 1' alice@lab.test rcpt-a@example.net 3 587
check "bob sends 5 messages on port 25 with AUTH PLAIN" \
	env LAB_AUTH=PLAIN "$LAB" send "$DIR" bob 'b0b-secret' bob@lab.test rcpt-b@example.net 5 25
if env LAB_AUTH=LOGIN "$LAB" send "$DIR" alice 'wrong' alice@lab.test rcpt-a@example.net 1 587 2>/dev/null; then
	fail "a wrong password is refused"
else
	pass "a wrong password is refused"
fi
if swaks --server "$ADDR" --port 25 --helo client.lab.test --from x@lab.test \
	--to open-relay@example.net --timeout 20 >/dev/null 2>&1; then
	fail "an unauthenticated client cannot relay"
else
	pass "an unauthenticated client cannot relay"
fi
echo "# sending took $(( ($(date +%s%N) - t0) / 1000000 )) ms"

LOG=$DIR/maillog
# The lines of the lab's Postfix programs: "Mon DD HH:MM:SS host prog[pid]: ..."
# count_sent: status=sent deliveries of postfix/smtp.
count_sent() {
	awk '$5 ~ /^postfix\/smtp\[[0-9]+\]:$/ && $6 ~ /^[0-9A-F]+:$/ && $12 == "status=sent" { n++ } END { print n + 0 }' "$LOG"
}
count_removed() {
	awk '$5 ~ /^postfix\/qmgr\[[0-9]+\]:$/ && $6 ~ /^[0-9A-F]+:$/ && $7 == "removed" && NF == 7 { n++ } END { print n + 0 }' "$LOG"
}
drained() {
	[ "$(postqueue -c "$DIR/etc" -p 2>/dev/null | tail -n 1)" = "Mail queue is empty" ] &&
		[ "$(count_sent)" -ge 8 ] && [ "$(count_removed)" -ge 8 ]
}
t0=$(date +%s%N)
if wait_for 30 drained; then
	pass "the queue drains"
else
	fail "the queue drains" "$(postqueue -c "$DIR/etc" -p 2>&1 | tail -n 5)"
fi
echo "# draining took $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# Messages accepted from authenticated clients: "QID: client=unknown[IP],
# sasl_method=M, sasl_username=U" and nothing else on the line.
logins=$(awk '
	$5 ~ /^postfix\/(submission\/)?smtpd\[[0-9]+\]:$/ && $6 ~ /^[0-9A-F]+:$/ &&
	$7 ~ /^client=unknown\[127\.[0-9.]+\],$/ && $8 ~ /^sasl_method=[A-Z]+,$/ &&
	$9 ~ /^sasl_username=/ && NF == 9 {
		split($5, p, "["); m = substr($8, 13, length($8) - 13); u = substr($9, 15)
		n[u " " p[1] " " m]++
	}
	END { for (k in n) print k, n[k] }' "$LOG" | sort | tr '\n' ';')
want="alice@lab.test postfix/submission/smtpd LOGIN 3;bob@lab.test postfix/smtpd PLAIN 5;"
if [ "$logins" = "$want" ]; then
	pass "8 client= lines with sasl_username: 3 alice (submission, LOGIN), 5 bob (smtpd, PLAIN)"
else
	fail "8 client= lines with sasl_username: 3 alice (submission, LOGIN), 5 bob (smtpd, PLAIN)" "got: $logins"
fi

accepted=$(awk '$5 ~ /^postfix\/(submission\/)?smtpd\[[0-9]+\]:$/ && $6 ~ /^[0-9A-F]+:$/ &&
	$7 ~ /^client=/ { print substr($6, 1, length($6) - 1) }' "$LOG" | sort)
# Deliveries: "QID: to=<R>, relay=H[A]:P, delay=, delays=, dsn=, status=S (...)"
delivered=$(awk -v relay="relay=${SINK_ADDR}[${SINK_ADDR}]:25," '
	$5 ~ /^postfix\/smtp\[[0-9]+\]:$/ && $6 ~ /^[0-9A-F]+:$/ && $7 ~ /^to=<rcpt-[ab]@example\.net>,$/ &&
	$8 == relay && $11 == "dsn=2.0.0," && $12 == "status=sent" { print substr($6, 1, length($6) - 1) }' "$LOG" | sort)
others=$(awk -v relay="relay=${SINK_ADDR}[${SINK_ADDR}]:25," '
	$5 ~ /^postfix\/[a-z\/]*(smtp|lmtp|local|virtual|pipe|error|discard)\[[0-9]+\]:$/ &&
	$6 ~ /^[0-9A-F]+:$/ && $7 ~ /^to=/ && !($8 == relay && $12 == "status=sent")' "$LOG")
if [ "$(echo "$delivered" | grep -c .)" -eq 8 ]; then
	pass "8 deliveries with status=sent relayed to the sink $SINK_ADDR:25"
else
	fail "8 deliveries with status=sent relayed to the sink $SINK_ADDR:25" "got $(echo "$delivered" | grep -c .)"
fi
if [ -n "$accepted" ] && [ "$accepted" = "$delivered" ]; then
	pass "the delivered queue ids are exactly the authenticated ones"
else
	fail "the delivered queue ids are exactly the authenticated ones" "accepted: $(echo "$accepted" | tr '\n' ' ') delivered: $(echo "$delivered" | tr '\n' ' ')"
fi
if [ -z "$others" ]; then
	pass "no delivery elsewhere or with another status"
else
	fail "no delivery elsewhere or with another status" "$others"
fi

# "warning: unknown[IP]: SASL LOGIN authentication failed: REASON, sasl_username=U"
failures=$(awk '
	$5 ~ /^postfix\/(submission\/)?smtpd\[[0-9]+\]:$/ && $6 == "warning:" && $7 ~ /^unknown\[127\.[0-9.]+\]:$/ &&
	$8 == "SASL" && $10 == "authentication" && $11 == "failed:" {
		split($5, p, "["); print p[1], $9, $NF
	}' "$LOG")
if [ "$failures" = "postfix/submission/smtpd LOGIN sasl_username=alice@lab.test" ]; then
	pass "exactly one SASL LOGIN authentication failure, alice's on submission"
else
	fail "exactly one SASL LOGIN authentication failure, alice's on submission" "got: $failures"
fi

# The sink: one dump file per mail transaction; Postfix's Received header
# ("by mx.lab.test (Postfix) with ESMTPA id QID") names the queue id.
nsink=$(find "$DIR/sink" -maxdepth 1 -type f | wc -l)
if [ "$nsink" -eq 8 ]; then
	pass "the sink received 8 messages"
else
	fail "the sink received 8 messages" "got $nsink"
fi
sinkids=$(for f in "$DIR"/sink/*; do
	[ -f "$f" ] || continue
	awk '$1 == "by" && $2 == "mx.lab.test" && $3 == "(Postfix)" && $4 == "with" &&
	     $5 == "ESMTPA" && $6 == "id" { print $7; exit }' "$f"
done | sort)
if [ -n "$sinkids" ] && [ "$sinkids" = "$delivered" ]; then
	pass "the sink's messages are the 8 delivered ones (ESMTPA, by queue id)"
else
	fail "the sink's messages are the 8 delivered ones (ESMTPA, by queue id)" "sink: $(echo "$sinkids" | tr '\n' ' ')"
fi

# sentinel-report on the real maillog: the runbook's steps 2 and 3.
report=$(build/sentinel-report "$LOG" 2>&1)
# the per-identity table: 11 columns, the identity last
rows() { echo "$report" | awk 'NF == 12 && $1 ~ /^[0-9]+$/ && $NF ~ /^(sasl|client|uid):/'; }
row() { rows | awk -v id="$1" '$NF == id { print $1, $3, $4, $5 }'; }
if [ "$(row sasl:alice@lab.test)" = "3 3 0 0" ] && [ "$(row sasl:bob@lab.test)" = "5 5 0 0" ]; then
	pass "sentinel-report: alice 3 messages sent, bob 5, nothing deferred or bounced"
else
	fail "sentinel-report: alice 3 messages sent, bob 5, nothing deferred or bounced" "$report"
fi
if [ "$(rows | wc -l)" -eq 2 ]; then
	pass "sentinel-report: no other identity sent mail"
else
	fail "sentinel-report: no other identity sent mail" "$report"
fi
if echo "$report" | awk '/^auth failures by client ip/ { f = 1; next }
	f && $1 == 1 && $3 == "alice@lab.test" { ok = 1 } END { exit !ok }'; then
	pass "sentinel-report: one auth failure, trying alice@lab.test"
else
	fail "sentinel-report: one auth failure, trying alice@lab.test" "$report"
fi

# sentineld: the same from the live maillog, and the kernel's view.
metric() {
	curl -fsS "http://127.0.0.1:$SD_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
for _ in $(seq 1 30); do
	[ "$(metric smtp_sentinel_sasl_logins_total)" = 8 ] && break
	sleep 0.1
done
check "sentineld counts 8 SASL logins from the live maillog" \
	[ "$(metric smtp_sentinel_sasl_logins_total)" = 8 ]
check "sentineld counts 1 SASL failure" [ "$(metric smtp_sentinel_sasl_auth_failures_total)" = 1 ]
# Postfix reuses cached connections (conn_use=N on the reusing deliveries),
# so its connects are the deliveries without conn_use.
conns=$(awk -v relay="relay=$SINK_ADDR[$SINK_ADDR]:25," '$5 ~ /^postfix\/smtp\[[0-9]+\]:$/ && $7 ~ /^to=/ {
		ours = 0; reuse = 0
		for (i = 8; i <= NF; i++) {
			if ($i == relay) ours = 1
			if ($i ~ /^conn_use=/) reuse = 1
		}
		if (ours && !reuse) n++
	} END { print n + 0 }' "$LOG")
smtp=$(curl -fsS "http://127.0.0.1:$SD_PORT/metrics" | awk '
	/^smtp_sentinel_connect_attempts_total\{/ && /comm="smtp"/ && /port="25"/ { a += $NF }
	/^smtp_sentinel_connect_results_total\{/ && /comm="smtp"/ && /port="25"/ && /result="established"/ { e += $NF }
	END { print a + 0, e + 0 }')
if [ "$conns" -ge 1 ] && [ "$smtp" = "$conns $conns" ]; then
	pass "the kernel counts Postfix's $conns connects to the sink, all established, under comm=smtp"
else
	fail "the kernel counts Postfix's connects to the sink under comm=smtp" "maillog: $conns connections; metrics attempts/established: $smtp"
fi
swaks=$(curl -fsS "http://127.0.0.1:$SD_PORT/metrics" | awk '
	/^smtp_sentinel_connect_attempts_total\{/ && /comm="swaks"/ && /port="25"/ { a += $NF }
	END { print a + 0 }')
check "the kernel counts the 6 swaks connects to port 25 (bob's 5, the relay attempt)" \
	[ "$swaks" = 6 ]
check "messages per identity: alice 3" \
	[ "$(metric 'smtp_sentinel_messages_total{identity="sasl:alice@lab.test"}')" = 3 ]
check "messages per identity: bob 5" \
	[ "$(metric 'smtp_sentinel_messages_total{identity="sasl:bob@lab.test"}')" = 5 ]
check "deliveries per identity: alice 3 sent" \
	[ "$(metric 'smtp_sentinel_deliveries_total{identity="sasl:alice@lab.test",status="sent"}')" = 3 ]
check "deliveries per identity: bob 5 sent" \
	[ "$(metric 'smtp_sentinel_deliveries_total{identity="sasl:bob@lab.test",status="sent"}')" = 5 ]
# Each of Postfix's connects to the sink is joined to its first delivery:
# same pid, relay address and port.  swaks's connects are nobody's delivery.
check "every Postfix flow to the sink is attributed ($conns)" \
	[ "$(metric smtp_sentinel_flows_attributed_total)" = "$conns" ]
check "swaks's 6 flows wait unattributed" [ "$(metric smtp_sentinel_flows_pending)" = 6 ]
curl -fsS "http://127.0.0.1:$SD_PORT/metrics" > "$SD_DIR/scrape"
if promtool check metrics < "$SD_DIR/scrape" > "$SD_DIR/promtool" 2>&1; then
	pass "promtool accepts sentineld's scrape with identities"
else
	fail "promtool accepts sentineld's scrape with identities" "$(cat "$SD_DIR/promtool")"
fi
kill -TERM "$SD_PID"; wait "$SD_PID"; SD_PID=
if grep -q 'ERROR: \(Address\|Undefined\)Sanitizer\|runtime error:' "$SD_DIR/daemon.log"; then
	fail "no sanitizer report from sentineld" "$(cat "$SD_DIR/daemon.log")"
fi

# Stop, and nothing of the lab is left running (zombies waiting for init
# to reap them do not count: they hold nothing).
sinkpid=$(cat "$DIR/sink.pid" 2>/dev/null)
t0=$(date +%s%N)
check "the lab stops" "$LAB" stop "$DIR"
echo "# stop took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
left=
for d in /proc/[0-9]*; do
	[ "$(readlink "$d/cwd" 2>/dev/null)" = "$DIR/spool" ] || continue
	st=$(awk '{ print $3 }' "$d/stat" 2>/dev/null)
	[ "$st" = Z ] || [ -z "$st" ] || left="$left ${d#/proc/}"
done
if [ -n "$sinkpid" ] && [ -e "/proc/$sinkpid" ] &&
   [ "$(awk '{ print $3 }' "/proc/$sinkpid/stat" 2>/dev/null)" != Z ] &&
   [ "$(readlink "/proc/$sinkpid/exe" 2>/dev/null)" = /usr/sbin/smtp-sink ]; then
	left="$left $sinkpid(smtp-sink)"
fi
if [ -z "$left" ]; then
	pass "no Postfix or smtp-sink process of the lab is left"
else
	fail "no Postfix or smtp-sink process of the lab is left" "$left"
fi
if [ "$FAILED" -gt 0 ]; then
	echo "# --- $LOG"
	cat "$LOG"
fi
exit $((FAILED > 0))
