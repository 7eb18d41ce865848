#!/bin/bash
# test_bounce_storm.sh - a stolen account's spam bounces, and the bounce
# storm is the account's: real Postfix (the lab), real BPF, enforce mode.
# mallory sends 12 messages to dead addresses: @bounce.invalid goes to a
# second smtp-sink on REJECT [127.0.0.5:25] that refuses every RCPT with
# 5xx (the lab's sink takes everything else), so each message bounces and
# Postfix's bounce daemon sends a non-delivery notification from <> back to
# the sender, which bounces too (mallory@lab.test is routed to that sink:
# a sender that does not take the notifications, as a forged one would).
# sentineld links each notification to mallory's message by the bounce
# daemon's line ("QID: sender non-delivery notification: NEWQID"): 12
# bounced deliveries alone are under bounce_min (20), the 12 bounced
# notifications make 24 and open a BOUNCES incident for
# sasl:mallory@lab.test; the notifications count in
# smtp_sentinel_bounce_notifications_total under mallory, never as mail
# she sent, and acting on her touches none of them.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

if [ "$(id -u)" != 0 ]; then
	skip "bounce storm" "needs root (BPF, Postfix)"
	exit 0
fi
for b in sentineld sentinelctl sentinel-report smtpsend; do
	[ -x "build/$b" ] || { fail "build/$b exists"; exit 1; }
done
REJECT=${REJECT:-127.0.0.5:25}
if ss -Htln "src ${REJECT%:*} and sport = :${REJECT##*:}" | grep -q .; then
	skip "bounce storm" "$REJECT is in use"
	exit 0
fi
DIR=$(mktemp -d /tmp/test_bounce_storm.XXXXXX)
. scripts/lab/sentinel-lab.sh
REJECT_PID=
stop() {
	[ -n "$REJECT_PID" ] && kill "$REJECT_PID" 2>/dev/null
	sentinel_lab_stop "$DIR"
	rm -rf "$DIR" "$DIR.lab.log"
}
trap stop EXIT
N=12

sentinel_lab_start "$DIR" enforce || { fail "the lab and sentineld start"; exit 1; }
scripts/lab/lab.sh adduser "$DIR" mallory 123456 > /dev/null || { fail "adduser"; exit 1; }
smtp-sink -u postfix -f RCPT "$REJECT" 16 < /dev/null > "$DIR/reject.log" 2>&1 &
REJECT_PID=$!
postconf -c "$DIR/etc" -e \
	"transport_maps = inline:{ defer.invalid=relay:, bounce.invalid=smtp:[${REJECT%:*}]:${REJECT##*:}, mallory@lab.test=smtp:[${REJECT%:*}]:${REJECT##*:} }"
touch -d "@$(($(date +%s) - 10))" "$DIR/etc/main.cf"	# read at once (see lab.sh)
postfix -c "$DIR/etc" reload > /dev/null 2>&1
sleep 1		# master restarts its daemons with the new map
wait_for 10 sh -c "ss -Htln 'src ${REJECT%:*} and sport = :${REJECT##*:}' | grep -q ." ||
	fail "the rejecting sink listens on $REJECT"
CTL() { sentinelctl_lab "$DIR" "$@"; }
METRICS="http://127.0.0.1:${SENTINEL_LAB_METRICS:-19725}/metrics"

build/smtpsend -s "$SENTINEL_LAB_SUBMIT" -u mallory@lab.test -p 123456 -f mallory@lab.test \
	-t 'nobody{i}@bounce.invalid' -n "$N" -q > "$DIR/send.out" 2>&1
check "Postfix accepted the $N messages" grep -q "^sent=$N rejected=0" "$DIR/send.out"

notifications() {
	grep -c 'postfix/bounce\[[0-9]*\]: [0-9A-Za-z]*: sender non-delivery notification: ' \
		"$DIR/maillog"
}
bounced_back() {	# notifications to mallory that bounced
	grep -c 'to=<mallory@lab.test>, .*status=bounced' "$DIR/maillog"
}
wait_for 15 sh -c "[ \$(grep -c 'sender non-delivery notification' '$DIR/maillog') -ge $N ]"
check "Postfix made a non-delivery notification for each message" test "$(notifications)" -eq "$N"
wait_for 15 sh -c "[ \$(grep -c 'to=<mallory@lab.test>, .*status=bounced' '$DIR/maillog') -ge $N ]"
check "every notification was delivered to her address and bounced (none held or deleted)" \
	test "$(bounced_back)" -eq "$N"

metric() {	# metric NAME{LABELS}: its value, or nothing
	curl -sf "$METRICS" | awk -v k="$1" '$1 == k { print $2 }'
}
ID='identity="sasl:mallory@lab.test"'
wait_for 10 sh -c "curl -sf '$METRICS' | grep -q '^smtp_sentinel_bounce_notifications_total{$ID,kind=\"non_delivery\"} $N\$'"
check "the $N notifications are mallory's in the metrics" \
	test "$(metric "smtp_sentinel_bounce_notifications_total{$ID,kind=\"non_delivery\"}")" = "$N"
check "none is counted as a message she sent" \
	test "$(metric "smtp_sentinel_messages_total{$ID}")" = "$N"
check "her deliveries are her $N bounced messages, not the notifications' deliveries" sh -c \
	"[ '$(metric "smtp_sentinel_deliveries_total{$ID,status=\"bounced\"}")' = '$N' ] &&
	 [ '$(metric "smtp_sentinel_deliveries_total{$ID,status=\"sent\"}")' = 0 ]"
check "no notification is left unlinked" \
	test "$(metric smtp_sentinel_bounce_notifications_unlinked_total)" = 0
check "no identity is the null sender" sh -c "! curl -sf '$METRICS' | grep -q 'identity=\"<>\"'"

wait_for 10 sh -c "'$BUILD/sentinelctl' -s '$DIR/control.sock' incidents --json |
	grep -q 'sasl:mallory@lab.test'"
CTL incidents --json > "$DIR/incidents.json"
check "a BOUNCES incident names sasl:mallory@lab.test" python3 -c '
import json, sys
incs = [i for i in json.load(open(sys.argv[1]))["incidents"]
        if i["identity"] == "sasl:mallory@lab.test"]
ok = len(incs) == 1 and "bounces" in incs[0]["signals"]
if not ok:
    print(json.dumps(incs, indent=1))
sys.exit(0 if ok else 1)' "$DIR/incidents.json"
check "no queue file was checked that was not mallory's" \
	test "$(metric smtp_sentinel_action_messages_unconfirmed_total)" = 0

build/sentinel-report --json "$DIR/maillog" > "$DIR/report.json"
check "sentinel-report gives mallory the $N notifications" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
ids = {i["identity"]: i for i in r["identities"]}
m = ids.get("sasl:mallory@lab.test", {})
ok = (list(ids) == ["sasl:mallory@lab.test"] and m["messages"] == int(sys.argv[2])
      and m["notifications"]["non_delivery"] == int(sys.argv[2])
      and m["deliveries"]["sent"] == 0)
if not ok:
    print(json.dumps(r["identities"], indent=1))
sys.exit(0 if ok else 1)' "$DIR/report.json" "$N"

if [ "$FAILED" -gt 0 ]; then
	tail -n 30 "$DIR/maillog"
	tail -n 20 "$DIR/sentineld.log"
fi
exit "$FAILED"
