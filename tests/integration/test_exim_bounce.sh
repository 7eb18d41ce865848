#!/bin/bash
# test_exim_bounce.sh - an Exim bounce storm is the account's: sentineld
# reading an Exim mainlog links each of Exim's own bounces to the message it
# reports on, as it links Postfix's (test_bounce_storm.sh).
#
# mallory (SMTP AUTH) sends 12 messages to dead addresses; each bounces
# ("**"), Exim bounces it back from <> ("NEWID <= <> R=ID U=Debian-exim
# P=local", as Debian's Exim 4.96 logs it) to her forged sender, where the
# bounce fails too.  12 bounced deliveries alone are under bounce_min (20):
# with the 12 bounced notifications they make 24, and a BOUNCES incident
# names sasl:mallory.  The notifications count in
# smtp_sentinel_bounce_notifications_total under her, none in her
# messages.  www-data's mail from <> naming one of her messages (-E and
# -f <> are open to every user) is www-data's, never hers.  Exim writes no
# line of its own for a delay warning: it is told from the message's
# deferrals (the unit tests cover it, tests/unit/test_exim.c).
# As root (sentineld needs BPF to start); no Exim runs: the lines are
# written as Exim writes them.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

if [ "$(id -u)" -ne 0 ]; then
	skip "exim bounce storm" "needs root (sentineld needs BPF)"
	exit 0
fi
getent passwd www-data > /dev/null || { skip "exim bounce storm" "no user www-data"; exit 0; }
daemon_work
LOG=$WORK/mainlog
daemon_conf > "$WORK/sentinel.conf" <<CONF
[maillog]
path = $LOG
format = exim
start = beginning
local_domains = forged.example
CONF

N=12
T=$(date -u +%s)
at() { date -u -d "@$((T + $1))" '+%F %T +0000'; }
{
	for i in $(seq 10 $((N + 9))); do
		echo "$(at 0) 1abcDE-0001$i-AB <= ceo@forged.example H=(pc) [203.0.113.66]:41000 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:mallory S=2201 id=$i@forged.example"
		echo "$(at 1) 1abcDE-0001$i-AB ** x$i@dead.example R=dnslookup T=remote_smtp H=mx.dead.example [198.51.100.9]: SMTP error from remote mail server after RCPT TO:<x$i@dead.example>: 550 5.1.1 no such user"
		echo "$(at 1) 1abcDF-0001$i-AB <= <> R=1abcDE-0001$i-AB U=Debian-exim P=local S=3520 T=\"Mail delivery failed: returning message to sender\" for ceo@forged.example"
		echo "$(at 1) 1abcDE-0001$i-AB Completed"
		echo "$(at 2) 1abcDF-0001$i-AB ** ceo@forged.example R=dnslookup T=remote_smtp H=mx.forged.example [192.0.2.25]: SMTP error from remote mail server after RCPT TO:<ceo@forged.example>: 550 5.1.1 no such user"
		echo "$(at 2) 1abcDF-0001$i-AB Frozen (delivery error message)"
	done
	echo "$(at 3) 1abcDG-000199-AB <= <> R=1abcDE-000110-AB U=www-data P=local S=900"
	echo "$(at 3) 1abcDG-000199-AB => victim@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.25] C=\"250 2.0.0 Ok\""
} > "$LOG"

daemon_start
ID='identity="sasl:mallory"'
WWW="uid:$(id -u www-data)"
wait_for 20 sh -c "curl -fsS http://127.0.0.1:$PORT/metrics |
	grep -q '^smtp_sentinel_bounce_notifications_total{$ID,kind=\"non_delivery\"} $N\$'"
check "each of Exim's $N bounces is a non-delivery notification of mallory's" \
	test "$(metric "smtp_sentinel_bounce_notifications_total{$ID,kind=\"non_delivery\"}")" = "$N"
check "and none is unlinked" \
	test "$(metric smtp_sentinel_bounce_notifications_unlinked_total)" = 0
check "mallory's messages are her $N spams, not their bounces" \
	test "$(metric "smtp_sentinel_messages_total{$ID}")" = "$N"
check "the notifications' deliveries are not hers either" \
	test "$(metric "smtp_sentinel_deliveries_total{$ID,status=\"bounced\"}")" = "$N"
check "www-data's mail from <> naming mallory's message is www-data's" \
	test "$(metric "smtp_sentinel_messages_total{identity=\"$WWW\"}")" = 1
check "a BOUNCES incident names sasl:mallory" wait_for 10 sh -c \
	"grep '\"event\":\"opened\"' '$WORK/state/incidents.log' | grep '\"identity\":\"sasl:mallory\"' |
	 grep -q '\"bounces\"'"
check "no incident for <> or the Exim user" sh -c \
	"! grep -q '\"identity\":\"\\(uid:[0-9]*\\|client:[^\"]*\\)\"' '$WORK/state/incidents.log'"
daemon_stop
check "sentineld exits 0" test $? -eq 0
no_sanitizer_report
exit "$FAILED"
