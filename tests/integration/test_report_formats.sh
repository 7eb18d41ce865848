#!/bin/sh
# test_report_formats.sh - sentinel-report on Sendmail, Exim and current
# Postfix logs.
#
# Needs no root.  tests/data/sendmail.log and tests/data/exim.log hold real
# lines from public fixtures and hostile ones (see tests/data/README.md);
# sentinel-report must give exactly the per-identity counts listed there,
# with --format auto and with the format forced, must read nothing of one
# MTA's log when forced to the other's format, must take no identity from
# a login name written into a sender, message-id or subject, must count
# the authentication failures per client address, and must refuse an
# unknown --format with exit status 2.  tests/data/postfix.log holds the
# lines of a current Postfix (3.10's reject tail with the login, 3.11's
# tls=, lmtp to Dovecot, milter-reject, postscreen, smtp errors, expiry,
# postsuper): its deliveries must count, --explain must give each line its
# kind and Postfix's field names, and no login forged in an address is
# taken.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

REPORT=build/sentinel-report
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export TZ=UTC

if [ ! -x "$REPORT" ]; then
	fail "report formats" "build $REPORT first (make all)"
	exit 1
fi

# "IDENTITY MESSAGES SENT DEFERRED BOUNCED" per row of the identity table
rows() {
	awk 'NR == 1 { next } NF == 0 { exit } { print $NF, $1, $3, $4, $5 }' | LC_ALL=C sort
}

# "IP FAILURES" per row of the auth failure table
failures() {
	awk '/^auth failures by client ip/ { on = 1; getline; next }
	     on && NF == 0 { exit } on && $1 ~ /^[0-9]+$/ { print $2, $1 }' | LC_ALL=C sort
}

LC_ALL=C sort > "$WORK/want.sendmail" <<'EOF'
client:127.0.0.1 1 1 0 0
client:198.51.100.66 1 0 0 1
client:203.0.113.5 2 1 0 1
sasl:alice@example.org 3 3 1 0
sasl:bob 1 2 0 0
EOF
LC_ALL=C sort > "$WORK/want.exim" <<'EOF'
client:192.0.2.4 1 0 1 1
client:203.0.113.9 1 1 0 0
sasl:dave 3 2 0 1
sasl:erin 1 2 0 0
sasl:frank 1 1 0 0
EOF
printf '192.0.2.3 1\n192.0.2.4 2\n' > "$WORK/fail.sendmail"
printf '24.106.174.74 1\n85.214.85.40 2\n' > "$WORK/fail.exim"

for mta in sendmail exim; do
	for fmt in auto "$mta"; do
		"$REPORT" --format "$fmt" "tests/data/$mta.log" > "$WORK/$mta.$fmt.txt"
		check "$mta log, --format $fmt: exits 0" test $? -eq 0
		rows < "$WORK/$mta.$fmt.txt" > "$WORK/got.$mta.$fmt"
		if cmp -s "$WORK/want.$mta" "$WORK/got.$mta.$fmt"; then
			pass "$mta log, --format $fmt: exact per-identity counts"
		else
			fail "$mta log, --format $fmt: exact per-identity counts" \
				"$(diff "$WORK/want.$mta" "$WORK/got.$mta.$fmt" | tr '\n' ' ')"
		fi
		failures < "$WORK/$mta.$fmt.txt" > "$WORK/gotfail.$mta.$fmt"
		check "$mta log, --format $fmt: auth failures per client ip" \
			cmp -s "$WORK/fail.$mta" "$WORK/gotfail.$mta.$fmt"
	done
	check "$mta log: no sasl:ceo, whatever the sender, message-id or subject says" \
		sh -c "! grep -q 'ceo' '$WORK/$mta.auto.txt'"
done

# Exim's bounce of dave's message (<= <> R=ID U=Debian-exim) is a notice of
# dave's, not mail of its own: "NOTICES IDENTITY" of each row that has one
awk 'NR == 1 { next } NF == 0 { exit } $6 > 0 { print $6, $NF }' "$WORK/exim.auto.txt" \
	> "$WORK/notices.exim"
check "exim log: Exim's own bounce is a notice of the account whose message bounced" \
	test "$(cat "$WORK/notices.exim")" = "1 sasl:dave"

check "sendmail log: the failed login name keeps the injected relay as text" \
	grep -q 'criminal, relay=\[192.0.2.100\]' "$WORK/sendmail.auto.txt"

# one MTA's log read as the other's: nothing of it is a record
"$REPORT" --format exim tests/data/sendmail.log > "$WORK/cross1.txt"
check "sendmail log read as exim: no identity" grep -q '^(no identities)' "$WORK/cross1.txt"
"$REPORT" --format sendmail tests/data/exim.log > "$WORK/cross2.txt"
check "exim log read as sendmail: no identity" grep -q '^(no identities)' "$WORK/cross2.txt"
"$REPORT" --format postfix tests/data/exim.log > "$WORK/cross3.txt"
check "exim log read as postfix: its mainlog lines are unparsed" \
	grep -q '^lines read 31, parsed 0, ignored 3, unparsed 28 ' "$WORK/cross3.txt"

# all three MTAs in one run: the counts add up
"$REPORT" tests/data/sendmail.log tests/data/exim.log > "$WORK/both.txt"
rows < "$WORK/both.txt" > "$WORK/got.both"
LC_ALL=C sort "$WORK/want.sendmail" "$WORK/want.exim" > "$WORK/want.both"
check "both logs in one run: the union of the counts" cmp -s "$WORK/want.both" "$WORK/got.both"

# a current Postfix: tls= deliveries count, unknown fields are skipped
printf '%s\n' 'sasl:alice@example.org 2 3 1 0' 'sasl:mallory 1 0 0 1' > "$WORK/want.postfix"
"$REPORT" tests/data/postfix.log > "$WORK/postfix.txt"
rows < "$WORK/postfix.txt" > "$WORK/got.postfix"
check "postfix 3.10/3.11 log: exact per-identity counts" cmp -s "$WORK/want.postfix" "$WORK/got.postfix"
check "postfix 3.10/3.11 log: only the forged reject tail is unparsed" \
	grep -q '^lines read 24, parsed 23, ignored 0, unparsed 1 ' "$WORK/postfix.txt"

if command -v python3 >/dev/null 2>&1; then
	"$REPORT" --explain tests/data/postfix.log > "$WORK/postfix.explain"
	check "--explain on a current Postfix log: every kind, Postfix's field names" \
		sh -c "python3 -c '
import json, sys
l = [json.loads(x) for x in open(sys.argv[1])]
kinds = [x[\"kind\"] for x in l]
assert kinds == [\"connect\", \"client\", \"message_id\", \"queued\"] + [\"delivery\"] * 3 + \\
	[\"removed\", \"client\", \"queued\", \"smtp_error\", \"delivery\", \"reject\"] + \\
	[\"milter_reject\"] * 2 + [\"reject\", \"client\", \"queued\", \"delivery\", \"removed\"] + \\
	[\"unparsed\", \"expired\", \"removed\", \"summary\"], kinds
assert l[0][\"client_port\"] == 40022 and l[0][\"client_ip\"] == \"203.0.113.7\", l[0]
d = l[5]
assert (d[\"tls\"], d[\"conn_use\"], d[\"relay_host\"], d[\"relay_ip\"], d[\"relay_port\"],
	d[\"dsn\"], d[\"status\"], d[\"delays\"]) == (\"dane/requiretls\", 2, \"mx.example.net\",
	\"198.51.100.5\", 25, \"2.0.0\", \"sent\", \"0.04/0/0.6/0.56\"), d
assert l[6][\"orig_to\"] == \"team@example.org\" and l[6][\"relay_ip\"] == \"private/dovecot-lmtp\"
assert l[10][\"relay_ip\"] == \"192.0.2.25\" and l[10][\"queue_id\"] == \"5A6B7C8D9E\"
r = l[12]
assert (r[\"stage\"], r[\"sasl_method\"], r[\"sasl_username\"], r[\"helo\"], r[\"to\"]) == \\
	(\"RCPT\", \"PLAIN\", \"alice@example.org\", \"pc.example\", \"x@example.com\"), r
assert l[14][\"stage\"] == \"END-OF-MESSAGE\" and l[14][\"queue_id\"] == \"6B7C8D9E0F\"
assert \"client_host\" not in l[15] and l[15][\"client_ip\"] == \"192.0.2.66\"
m = l[18]
assert (m[\"to\"], m[\"status\"], m[\"identity\"]) == (\"\\\"y, status=sent, x_new=1\\\"@evil.test\",
	\"bounced\", \"sasl:mallory\"), m
assert l[21][\"status\"] == \"expired\" and l[23][\"count\"] == 1 and l[23][\"status\"] == \"Deleted\"
assert not any(x.get(\"sasl_username\") == \"alice@example.org>\" for x in l)
' '$WORK/postfix.explain'"
	"$REPORT" --json tests/data/exim.log > "$WORK/exim.json"
	check "--json on an Exim log: sasl:erin has 2 sent deliveries" sh -c "python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
i = [x for x in d[\"identities\"] if x[\"identity\"] == \"sasl:erin\"][0]
assert i[\"messages\"] == 1 and i[\"deliveries\"][\"sent\"] == 2, i
i = [x for x in d[\"identities\"] if x[\"identity\"] == \"sasl:dave\"][0]
assert i[\"notifications\"][\"non_delivery\"] == 1 and i[\"deliveries\"][\"sent\"] == 2, i
assert d[\"messages\"][\"notifications_linked\"] == 1, d[\"messages\"]
' '$WORK/exim.json'"
	"$REPORT" --explain tests/data/exim.log > "$WORK/exim.explain"
	check "--explain on an Exim log: its bounce names the message it reports, and its account" \
		sh -c "python3 -c '
import json, sys
b = [x for x in map(json.loads, open(sys.argv[1])) if x.get(\"orig_queue_id\")]
assert len(b) == 1, b
b = b[0]
assert (b[\"queue_id\"], b[\"from\"], b[\"orig_queue_id\"], b[\"notification_of\"],
	b[\"identity\"]) == (\"1vXyZi-000abc-Ab\", \"\", \"1vXyZh-000abc-Ab\",
	\"1vXyZh-000abc-Ab\", \"sasl:dave\"), b
' '$WORK/exim.explain'"
	"$REPORT" --explain tests/data/sendmail.log > "$WORK/explain.txt"
	check "--explain on a Sendmail log: one JSON object per line, logins and identities" \
		sh -c "python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 29, len(lines)
kinds = [l[\"kind\"] for l in lines]
assert kinds.count(\"login\") == 2 and kinds.count(\"queued\") == 9, kinds
assert any(l.get(\"identity\") == \"sasl:bob\" for l in lines)
' '$WORK/explain.txt'"
	# an Exim local submission: U= names the login, this host's uid of it
	printf '%s\n' '2026-11-27 10:00:00 1abcDE-000123-AB <= x@example.com U=root P=local S=123 id=1@x' \
		'2026-11-27 10:00:01 1abcDF-000124-AB <= U=root@evil.test U=nosuchuser P=local S=1 id=2@x' |
		"$REPORT" --format exim --explain - > "$WORK/local.txt"
	check "--explain on Exim local submissions: local_user, and uid:0 for root only" \
		sh -c "python3 -c '
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1])]
assert a[\"local_user\"] == \"root\" and a[\"identity\"] == \"uid:0\", a
assert b[\"from\"] == \"U=root@evil.test\" and b[\"local_user\"] == \"nosuchuser\", b
assert \"identity\" not in b, b
' '$WORK/local.txt'"
else
	skip "--json and --explain on Sendmail and Exim logs" "no python3 to check them"
fi

# the same logs as relays and collectors write them: "<PRI>" before the
# RFC 3164 header, and RFC 5424 (rsyslog's RSYSLOG_SyslogProtocol23Format,
# "- -  MSG", with structured data on every other line): the same records
to5424() {
	awk 'BEGIN { split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " ")
		     for (i = 1; i <= 12; i++) mon[m[i]] = i }
	     { tag = $5; rest = substr($0, index($0, " " tag " ") + length(tag) + 2)
	       prog = tag; sub(/:$/, "", prog); pid = "-"
	       if (match(prog, /\[[0-9]+\]$/)) {
		       pid = substr(prog, RSTART + 1, RLENGTH - 2); prog = substr(prog, 1, RSTART - 1) }
	       sd = NR % 2 ? "-" : "[meta sequenceId=\"" NR "\" x=\"a\\]b\\\"\"]"
	       printf "<22>1 2026-%02d-%02dT%s.%06d+00:00 %s %s %s - %s  %s\n",
		      mon[$1], $2, $3, NR, $4, prog, pid, sd, rest }'
}
for log in postfix sendmail; do
	"$REPORT" "tests/data/$log.log" > "$WORK/$log.plain.txt"
	sed 's/^/<22>/' "tests/data/$log.log" > "$WORK/$log.pri.log"
	to5424 < "tests/data/$log.log" > "$WORK/$log.5424.log"
	for form in pri 5424; do
		"$REPORT" "$WORK/$log.$form.log" > "$WORK/$log.$form.txt"
		check "$log log with $form headers: exits 0" test $? -eq 0
		# "<PRI>" changes nothing at all; 5424 names its year itself
		[ "$form" = pri ] && check "$log log with pri headers: the same report" \
			cmp -s "$WORK/$log.plain.txt" "$WORK/$log.$form.txt"
		grep '^lines read' "$WORK/$log.plain.txt" > "$WORK/$log.plain.lines"
		grep '^lines read' "$WORK/$log.$form.txt" > "$WORK/$log.$form.lines"
		check "$log log with $form headers: every line read as before" \
			cmp -s "$WORK/$log.plain.lines" "$WORK/$log.$form.lines"
		rows < "$WORK/$log.$form.txt" > "$WORK/got.$log.$form"
		rows < "$WORK/$log.plain.txt" > "$WORK/want.$log.$form"
		check "$log log with $form headers: exact per-identity counts" \
			cmp -s "$WORK/want.$log.$form" "$WORK/got.$log.$form"
	done
done

"$REPORT" --format qmail tests/data/exim.log > /dev/null 2>&1
check "unknown --format exits 2" test $? -eq 2

[ "$FAILED" -eq 0 ]
