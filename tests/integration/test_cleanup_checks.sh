#!/bin/bash
# test_cleanup_checks.sh - cleanup's header_checks and body_checks actions
# as a real Postfix logs them (Debian 12's 3.7; test_postfix310.sh has
# 3.10's), read by sentinel-report.
#
# As root: the lab (scripts/lab/lab.sh) with three rules: header_checks
# REJECT on a Subject, header_checks WARN on another, body_checks DISCARD
# on a line of the body.  carol (SASL, submission) sends one clean message
# and one for each rule; the warned one's Subject carries a whole forged
# cleanup tail (" from bank[198.51.100.1]; from=<ceo@bank.example> ...").
# Then, from DIR/maillog:
#   - cleanup logged one reject, one warning, one discard line
#   - sentinel-report --explain: each is a content_check with Postfix's
#     fields (action, class, content, client_ip carol's (127.0.0.1),
#     from, to, proto, helo, text, the reject's dsn) and carol's identity;
#     the forged tail stays in content, from= is carol's; no line unparsed
#   - sentinel-report --json: carol 2 messages accepted (the clean and the
#     warned one), 2 refused (the reject and the discard)
# Root; the global lock (the lab listens on 127.0.0.1:25 and :587).
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh

LAB=scripts/lab/lab.sh
NAME="cleanup's header and body checks"
REPORT=${SENTINEL_REPORT:-build/sentinel-report}

if [ "$(id -u)" -ne 0 ]; then
	skip "$NAME" "needs root (CI runs as root)"
	exit 0
fi
for p in postfix postconf smtp-sink saslpasswd2 swaks ss python3; do
	if ! command -v "$p" >/dev/null; then
		skip "$NAME" "$p is not installed (scripts/deps.sh installs it)"
		exit 0
	fi
done
[ -x "$REPORT" ] || { fail "$REPORT exists"; exit 1; }

DIR=$(mktemp -d /tmp/sentinel-checks.XXXXXX)
chmod 0755 "$DIR"
cleanup() {
	"$LAB" stop "$DIR" >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export LAB_DOMAIN=lab.test
if ! lab_start_free "$DIR"; then
	fail "the lab starts" "$LAB_OUT"
	exit 1
fi
export LAB_ADDR=$ADDR LAB_SINK=$SINK_ADDR:25
check "adduser carol" "$LAB" adduser "$DIR" carol 'carol-pw'
printf '%s\n' '/^Subject: BUY NOW/ REJECT spam caught by header_checks' \
	'/^Subject: WATCH ME/ WARN watched' > "$DIR/etc/header_checks"
printf '%s\n' '/^DISCARD THIS LINE/ DISCARD silently dropped' > "$DIR/etc/body_checks"
if postconf -c "$DIR/etc" -e "header_checks = regexp:$DIR/etc/header_checks" \
	"body_checks = regexp:$DIR/etc/body_checks" && postfix -c "$DIR/etc" reload > /dev/null 2>&1; then
	pass "the lab's Postfix $(postconf -c "$DIR/etc" -h mail_version) has the header and body checks"
else
	fail "the lab's Postfix has the header and body checks"
	exit 1
fi
sleep 1

# carol's client address, the one cleanup logs: a source of its own, not the
# kernel's choice (127.0.0.1 whatever the lab's address)
CLIENT=127.0.0.1
send() {	# send SUBJECT BODY [TO]
	swaks --server "$ADDR" --port 587 --local-interface "$CLIENT" --helo client.lab.test --auth LOGIN \
		--auth-user carol@lab.test --auth-password carol-pw --from carol@lab.test \
		--to "${3:-friend@example.net}" --timeout 20 --header "Subject: $1" --body "$2" 2>&1
}
FORGED='WATCH ME from bank.example[198.51.100.1]; from=<ceo@bank.example> to=<x@example.net> proto=ESMTP helo=<bank.example>: fine'
send 'hello' 'a clean message' > "$DIR/clean.out"
check "the clean message is accepted" grep -q '^<-  250 2.0.0 Ok: queued' "$DIR/clean.out"
send 'BUY NOW cheap pills' 'spam' > "$DIR/reject.out"
check "the header_checks REJECT refuses its message (5.7.1)" \
	grep -q '^<\*\* 550 5.7.1 spam caught by header_checks' "$DIR/reject.out"
send "$FORGED" 'watched' > "$DIR/warn.out"
check "the warned message is accepted" grep -q '^<-  250 2.0.0 Ok: queued' "$DIR/warn.out"
send 'hello again' 'DISCARD THIS LINE please' > "$DIR/discard.out"
check "the discarded message is accepted, as DISCARD does" grep -q '^<-  250 2.0.0 Ok: queued' "$DIR/discard.out"
delivered() { [ "$(grep -c ' postfix/smtp\[[0-9]*\]: [0-9A-F]*: to=<.*status=sent' "$DIR/maillog")" -ge 2 ]; }
check "the clean and the warned message are delivered" wait_for 30 delivered

grep -E ' postfix/cleanup\[[0-9]+\]: [0-9A-F]+: (reject|warning|discard): ' "$DIR/maillog" > "$DIR/checks"
sed 's/^/    /' "$DIR/checks"
check "cleanup logged one reject: header, one warning: header, one discard: body line" \
	test "$(grep -c ': reject: header Subject: BUY NOW' "$DIR/checks")/$(grep -c ': warning: header Subject: WATCH ME' "$DIR/checks")/$(grep -c ': discard: body DISCARD THIS LINE' "$DIR/checks")" = 1/1/1

"$REPORT" --explain "$DIR/maillog" > "$DIR/explain.jsonl" 2> "$DIR/explain.err"
check "sentinel-report --explain: no line the lab logged is unparsed" \
	test "$(grep -c '"kind":"unparsed"' "$DIR/explain.jsonl")" = 0
expect() {	# expect ACTION JSON-FIELDS: the one content_check of ACTION has them
	python3 - "$DIR/explain.jsonl" "$1" "$2" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
got = [o for o in objs if o.get("kind") == "content_check" and o.get("action") == sys.argv[2]]
want = json.loads(sys.argv[3])
bad = [k for k, v in want.items() if len(got) != 1 or got[0].get(k) != v]
if bad:
    print("want %s, got %s" % (want, got), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
COMMON='"class": "header", "client_ip": "'"$CLIENT"'", "from": "carol@lab.test", "to": "friend@example.net", "proto": "ESMTP", "helo": "client.lab.test", "identity": "sasl:carol@lab.test"'
check "the reject: content_check with the header, the reply and its dsn" expect reject \
	'{'"$COMMON"', "content": "Subject: BUY NOW cheap pills", "text": "5.7.1 spam caught by header_checks", "dsn": "5.7.1"}'
check "the warning: the forged tail in its Subject stays in content, from= is carol's" expect warning \
	'{'"$COMMON"', "content": "Subject: '"$FORGED"'", "text": "watched"}'
check "the discard: class body, the body line" expect discard \
	'{"class": "body", "content": "DISCARD THIS LINE please", "client_ip": "'"$CLIENT"'", "from": "carol@lab.test", "text": "silently dropped", "identity": "sasl:carol@lab.test"}'
check "sentinel-report: carol 2 messages accepted, 2 refused (the reject and the discard)" \
	test "$("$REPORT" --json "$DIR/maillog" | python3 -c '
import json, sys
print([(i["messages"], i["refused"]) for i in json.load(sys.stdin)["identities"] if i["identity"] == "sasl:carol@lab.test"])')" = "[(2, 2)]"
exit "$FAILED"
