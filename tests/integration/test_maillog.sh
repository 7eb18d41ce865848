#!/bin/bash
# test_maillog.sh - sentineld follows a maillog: exact line counts through
# rename rotation with a late writer, copytruncate, and restarts; lines
# with a <PRI> or in RFC 5424 are read as their RFC 3164 twins.
#
# As root (sentineld needs BPF to start): a maillog and a state directory in
# a temporary directory; real Postfix 3 lines in Debian's format, hostile
# ones among them; the counts scraped from /metrics must be exact after
# each step.  A restart resumes from the saved position: the new process
# counts exactly the lines written while it was down, none twice.  The
# in-flight messages survive it too: a message accepted before a stop or a
# crash is delivered after it under its identity.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

if [ "$(id -u)" -ne 0 ]; then
	skip "maillog integration" "needs root (CI runs as root)"
	exit 0
fi
daemon_work
LOG=$WORK/mail.log
daemon_conf > "$WORK/sentinel.conf" <<CONF
[maillog]
path = $LOG
start = beginning
local_domains = example.org
CONF

# expect_counts NAME PARSED IGNORED UNPARSED LOGINS FAILURES
counts() {
	echo "$(metric 'smtp_sentinel_maillog_lines_total{result="parsed"}')" \
	     "$(metric 'smtp_sentinel_maillog_lines_total{result="ignored"}')" \
	     "$(metric 'smtp_sentinel_maillog_lines_total{result="unparsed"}')" \
	     "$(metric smtp_sentinel_sasl_logins_total)" \
	     "$(metric smtp_sentinel_sasl_auth_failures_total)"
}
expect_counts() {
	local want="$2 $3 $4 $5 $6" got
	# a scrape reads what is new first; still, let inotify settle, and
	# make sure the count stays there (a line read twice would pass it)
	for _ in $(seq 1 30); do
		got=$(counts)
		[ "$got" = "$want" ] && break
		sleep 0.1
	done
	sleep 1.2
	got=$(counts)
	if [ "$got" = "$want" ]; then pass "$1"; else fail "$1" "parsed ignored unparsed logins failures: want $want, got $got"; fi
}

login() {	# a message accepted from an authenticated client
	echo "Nov 27 02:05:$2 mx1 postfix/submission/smtpd[2201]: $1: client=unknown[203.0.113.7], sasl_method=LOGIN, sasl_username=$3"
}
failure() {
	echo "Nov 27 02:05:$1 mx1 postfix/smtpd[2202]: warning: unknown[198.51.100.4]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=admin"
}
queued() {	# an address that pretends to carry an identity
	echo "Nov 27 02:05:$2 mx1 postfix/qmgr[880]: $1: from=<\"x, sasl_username=ceo\"@evil.test>, size=1201, nrcpt=1 (queue active)"
}
noise() {
	echo "Nov 27 02:05:$1 mx1 dovecot: imap-login: Login: user=<alice>, method=PLAIN, rip=192.0.2.8"
}
delivered() {
	echo "Nov 27 02:05:$2 mx1 postfix/smtp[3001]: $1: to=<bob@example.net>, relay=mx.example.net[198.51.100.5]:25, delay=1.2, delays=0.1/0.01/0.5/0.59, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9C1D2E3F4A)"
}
removed() {
	echo "Nov 27 02:05:$2 mx1 postfix/qmgr[880]: $1: removed"
}
identity_metric() {	# identity_metric NAME IDENTITY [STATUS]
	metric "$1{identity=\"$2\"${3:+,status=\"$3\"}}"
}
# True once maillog.state's position is the end of the maillog: positions
# are saved only with the message table they go with.
saved_to_end() {
	[ "$(awk -v p="$LOG" '$7 == p { print $3 }' "$WORK/state/maillog.state")" = \
	  "$(stat -c %s "$LOG")" ]
}

{
	login 4F3A21C0B2 01 alice
	queued 4F3A21C0B2 01
	login 4F3A21C0B5 01 alice
	echo "Nov 27 02:05:01 mx1 postfix/qmgr[880]: 4F3A21C0B5: from=<alice@Example.ORG>, size=900, nrcpt=1 (queue active)"
	failure 02
	noise 03
	echo "this is not a syslog line"
	echo "Nov 27 02:05:04 mx1 myapp[1]: 4F3A21C0B4: client=x[192.0.2.1], sasl_method=PLAIN, sasl_username=mallory"
} > "$LOG"
daemon_start
expect_counts "lines are counted by result; forged identities are not logins" 5 2 1 2 1
check "alice's two messages are counted under her identity" \
	[ "$(metric 'smtp_sentinel_messages_total{identity="sasl:alice"}')" = 2 ]
check "the one with a sender outside local_domains is foreign" \
	[ "$(metric 'smtp_sentinel_foreign_sender_messages_total{identity="sasl:alice"}')" = 1 ]
# RFC 3164 has no year: the parser takes this one's, or last year's for a
# date ahead of now (a December log read in January).
rfc3164_epoch() {
	local t
	t=$(date -d "$1" +%s)
	[ "$t" -gt $(($(date +%s) + 86400)) ] && t=$(date -d "$(($(date +%Y) - 1))-$2" +%s)
	echo "$t"
}
check "the last line's log time is exported (an unparsed line has none)" \
	[ "$(metric smtp_sentinel_maillog_last_line_timestamp_seconds)" = \
	  "$(rfc3164_epoch 'Nov 27 02:05:04' '11-27 02:05:04')" ]

# Rename rotation while the writer still has the old file open.
exec 3>>"$LOG"
mv "$LOG" "$LOG.1"
login 4F3A21C0C1 10 bob >&3		# late write to the rotated file
: > "$LOG"
login 4F3A21C0C2 11 carol >> "$LOG"
failure 12 >> "$LOG"
exec 3>&-
expect_counts "rename rotation with a late writer loses no line" 8 2 1 4 2
check "the rotation is counted" [ "$(metric smtp_sentinel_maillog_rotations_total)" = 1 ]

# copytruncate
cp "$LOG" "$LOG.2"
: > "$LOG"
login 4F3A21C0D1 20 dave >> "$LOG"
expect_counts "copytruncate: the new lines are read, none twice" 9 2 1 5 2
check "the truncation is counted" [ "$(metric smtp_sentinel_maillog_truncations_total)" = 1 ]

# Restart: lines written while sentineld is down are read once.
daemon_stop
check "SIGTERM saved the position" test -s "$WORK/state/maillog.state"
login 4F3A21C0E1 30 erin >> "$LOG"
noise 31 >> "$LOG"
daemon_start
expect_counts "a restart reads exactly the lines written while it was down" 1 1 0 1 0

# Rotation while down: the rest of the old file, then the new one.
daemon_stop
login 4F3A21C0F1 40 frank >> "$LOG"
mv "$LOG" "$LOG.3"
login 4F3A21C0F2 41 grace > "$LOG"
daemon_start
expect_counts "a restart after a rotation reads the old file's rest and the new file" 2 0 0 2 0

# A crash (SIGKILL) after the position was saved (every second).
sleep 1.5
kill -KILL "$PID"; wait "$PID" 2>/dev/null; PID=
failure 50 >> "$LOG"
daemon_start
expect_counts "after SIGKILL only the lines after the saved position are read" 1 0 0 0 1

# A message accepted before a stop, delivered and removed after it.
login 4F3A21C0A1 52 henry >> "$LOG"
queued 4F3A21C0A1 52 >> "$LOG"
expect_counts "henry's message is accepted" 3 0 0 1 1
check "henry's message is counted" \
	[ "$(identity_metric smtp_sentinel_messages_total sasl:henry)" = 1 ]
daemon_stop
check "SIGTERM saved the message table" test -s "$WORK/state/maillog.messages"
delivered 4F3A21C0A1 53 >> "$LOG"
removed 4F3A21C0A1 53 >> "$LOG"
daemon_start
expect_counts "after a restart, the delivery and removed lines are read once" 2 0 0 0 0
check "a delivery after a restart counts for the identity of its message" \
	[ "$(identity_metric smtp_sentinel_deliveries_total sasl:henry sent)" = 1 ]
check "the message accepted before the restart is not counted again" \
	[ "$(identity_metric smtp_sentinel_messages_total sasl:henry)" = 0 ]

# The same across a crash, once the snapshot holds the message.
login 4F3A21C0A2 55 ivan >> "$LOG"
queued 4F3A21C0A2 55 >> "$LOG"
expect_counts "ivan's message is accepted" 4 0 0 1 0
wait_for 15 saved_to_end || fail "the position reaches the end of the maillog"
kill -KILL "$PID"; wait "$PID" 2>/dev/null; PID=
delivered 4F3A21C0A2 56 >> "$LOG"
removed 4F3A21C0A2 56 >> "$LOG"
daemon_start
expect_counts "after SIGKILL, only the lines after the snapshot are read" 2 0 0 0 0
check "a delivery after a crash counts for the identity of its message" \
	[ "$(identity_metric smtp_sentinel_deliveries_total sasl:ivan sent)" = 1 ]
check "the message accepted before the crash is not counted again" \
	[ "$(identity_metric smtp_sentinel_messages_total sasl:ivan)" = 0 ]

# A damaged table file is refused whole, said so, and the daemon runs on.
login 4F3A21C0A3 57 jack >> "$LOG"
queued 4F3A21C0A3 57 >> "$LOG"
expect_counts "jack's message is accepted" 4 0 0 1 0
daemon_stop
printf '\377' | dd of="$WORK/state/maillog.messages" bs=1 seek=40 conv=notrunc 2>/dev/null
delivered 4F3A21C0A3 58 >> "$LOG"
daemon_start
expect_counts "with a damaged table file, the positions still resume" 1 0 0 0 0
check "the damaged table file is refused, with the reason" \
	grep -q 'maillog.messages refused, not restored: checksum mismatch' "$WORK/daemon.log"
check "and its messages are unknown after the restart" \
	[ -z "$(identity_metric smtp_sentinel_deliveries_total sasl:jack sent)" ]

# Sendmail logs a session's login (AUTH=server) before its message
# (from=): a stop in between must not lose the login.
parsed_is() { [ "$(metric 'smtp_sentinel_maillog_lines_total{result="parsed"}')" = "$1" ]; }
kate_counted() { [ "$(identity_metric smtp_sentinel_messages_total sasl:kate)" = 1 ]; }
echo "Nov 27 02:05:59 mx1 sm-mta[4300]: AUTH=server, relay=[203.0.113.9], authid=kate, mech=PLAIN, bits=0" >> "$LOG"
wait_for 10 parsed_is 2 || fail "the Sendmail login is read" "$(counts)"
daemon_stop
echo "Nov 27 02:06:00 mx1 sm-mta[4300]: qARA0009004300: from=<kate@example.org>, size=900, class=0, nrcpts=1, msgid=<k1@example.org>, proto=ESMTP, daemon=MTA, relay=[203.0.113.9]" >> "$LOG"
daemon_start
wait_for 10 kate_counted
check "a Sendmail login read before a restart names the message after it" kate_counted

# Lines as a relay or collector writes them: "<PRI>" before the RFC 3164
# header, RFC 5424 (structured data; rsyslog's "- -  MSG"); a bad PRI and
# an unclosed structured data element are unparsed.
daemon_stop
{
	echo '<22>1 2026-11-27T02:06:01.000001+00:00 mx1 postfix/submission/smtpd 2203 - [origin ip="192.0.2.1" x="a\]b"] 4F3A21C0B9: client=unknown[203.0.113.8], sasl_method=PLAIN, sasl_username=lena'
	echo '<22>1 2026-11-27T02:06:01.000002+00:00 mx1 postfix/qmgr 880 - -  4F3A21C0B9: from=<lena@example.org>, size=900, nrcpt=1 (queue active)'
	echo "<20>$(failure 02 | sed 's/02:05:02/02:06:02/')"
	echo '<22>1 2026-11-27T02:06:03Z mx1 dovecot 77 - - imap-login: Login: user=<alice>, method=PLAIN, rip=192.0.2.8'
	echo '<999>Nov 27 02:06:04 mx1 postfix/smtpd[2202]: connect from x[192.0.2.1]'
	echo '<22>1 2026-11-27T02:06:05Z mx1 postfix/smtpd 2202 - [x a="b] connect from x[192.0.2.1]'
} >> "$LOG"
daemon_start
expect_counts "<PRI> and RFC 5424 lines are read as their RFC 3164 twins" 3 1 2 1 1
check "lena's message, from RFC 5424 lines, is counted under her identity" \
	[ "$(identity_metric smtp_sentinel_messages_total sasl:lena)" = 1 ]

daemon_stop
no_sanitizer_report
exit $((FAILED > 0))
