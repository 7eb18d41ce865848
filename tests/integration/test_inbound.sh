#!/bin/bash
# test_inbound.sh - inbound mail is not an account: 200 messages from one
# client address, without AUTH, from remote senders to a domain the relay
# relays for, in enforce mode on a trusted maillog (the lab's Postfix
# maillog_file): every one is delivered, none is held or quarantined, and
# no incident names client:IP (inbound mail counts for no signal).  Then the
# same client relays our own domain's mail without AUTH over the rate cap:
# an incident for client:IP, reported, never acted on.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

lab_test "inbound mail" sentineld sentinelctl
N=200

lab_start enforce
pass "the lab and sentineld start (enforce mode)"
# The relay takes mail for relayed.test from anyone (an MX for a domain
# behind it, delivered by smtp: the lab defers its relay transport); the
# rest still needs AUTH.  The lab's clients are all on 127/8, which the
# maillog engine takes for a content filter's re-injection (reported late);
# XCLIENT makes Postfix log the sending MTA as 198.51.100.7, as on a relay.
CLIENT=198.51.100.7
postconf -c "$DIR/etc" -e 'relay_domains = relayed.test' 'relay_transport = smtp' \
	'smtpd_authorized_xclient_hosts = 127.0.0.0/8' &&
	postfix -c "$DIR/etc" reload >/dev/null 2>&1
sleep 1
check "sentinelctl status: the maillog is trusted and enforce mode acts" python3 -c '
import json, subprocess, sys
r = json.loads(subprocess.run(sys.argv[1:], capture_output=True, text=True).stdout)
t = r["trust"]
sys.exit(0 if t["maillog"] == "trusted" and t["acting"] else 1)' \
	"$BUILD/sentinelctl" -s "$DIR/control.sock" status --json

# One client, one session, N messages from N remote senders (each its
# own domain: the shape that makes "foreign" fire for an account).
python3 - "$LAB_ADDR" "$N" "$CLIENT" > "$DIR/send.out" 2>&1 <<'EOF'
import smtplib, sys
host, n, client = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = smtplib.SMTP(host, 25, local_hostname="mx.remote.example", timeout=30)
s.ehlo()
code, _ = s.docmd("XCLIENT", "ADDR=%s NAME=[UNAVAILABLE]" % client)
if code != 220:
    print("XCLIENT refused", code)
s.ehlo()
ok = 0
for i in range(n):
    frm = "news%d@sender%d.example" % (i, i)
    msg = "From: <%s>\r\nTo: <user%d@relayed.test>\r\nSubject: inbound %d\r\n\r\nhello\r\n" % (frm, i, i)
    try:
        s.sendmail(frm, ["user%d@relayed.test" % i], msg)
        ok += 1
    except smtplib.SMTPException as e:
        print("refused", i, e)
s.quit()
print("sent=%d" % ok)
EOF
check "the relay accepted all $N inbound messages" grep -qx "sent=$N" "$DIR/send.out"

# Delivered: every one reaches the sink, the queue empties.
sink_count() { grep -l 'Subject: inbound ' -r "$DIR/sink" 2>/dev/null | wc -l; }
wait_for 60 sh -c "[ \$(grep -l 'Subject: inbound ' -r '$DIR/sink' 2>/dev/null | wc -l) -ge $N ]"
check "all $N inbound messages reached the sink ($(sink_count))" [ "$(sink_count)" -eq "$N" ]
sleep 2	# let sentineld read the last lines and any request run
check "nothing is left in the queue, held or not" sh -c \
	"[ -z \"\$(postqueue -c '$DIR/etc' -j)\" ]"
check "nothing was quarantined" sh -c "[ -z \"\$(ls -A '$DIR/quarantine' 2>/dev/null)\" ]"
check "no action for a client: identity in the audit log" sh -c \
	"! grep -q '\"identity\":\"client:' '$DIR/state/audit.log' 2>/dev/null"
check "no postsuper, no lock: smtp_sentinel_held_messages and locked_accounts are 0" sh -c "
	curl -sf http://127.0.0.1:${SENTINEL_LAB_METRICS:-19725}/metrics > '$DIR/metrics.txt' &&
	grep -q '^smtp_sentinel_held_messages 0$' '$DIR/metrics.txt' &&
	grep -q '^smtp_sentinel_locked_accounts 0$' '$DIR/metrics.txt'"
# Inbound mail from remote senders is other people's mail: it counts for
# no signal (detect.h), so no incident names the client.
"$BUILD/sentinelctl" -s "$DIR/control.sock" incidents --json > "$DIR/incidents.json"
check "inbound mail from remote senders opens no incident for client:$CLIENT" sh -c \
	"! grep -q '\"client:$CLIENT\"' '$DIR/incidents.json'"

# A host relaying our own domain's mail without AUTH (a web server in
# mynetworks) does count, against the rate cap only: 70 messages in a
# minute from app@lab.test open an incident for client:IP that is
# reported, never acted on, and every message is still delivered.
M=70
python3 - "$LAB_ADDR" "$M" "$CLIENT" > "$DIR/send2.out" 2>&1 <<'EOF2'
import smtplib, sys
host, n, client = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = smtplib.SMTP(host, 25, local_hostname="web.lab.test", timeout=30)
s.ehlo()
s.docmd("XCLIENT", "ADDR=%s NAME=[UNAVAILABLE]" % client)
s.ehlo()
ok = 0
for i in range(n):
    msg = "From: <app@lab.test>\r\nTo: <user%d@relayed.test>\r\nSubject: relayed %d\r\n\r\nhi\r\n" % (i, i)
    try:
        s.sendmail("app@lab.test", ["user%d@relayed.test" % i], msg)
        ok += 1
    except smtplib.SMTPException as e:
        print("refused", i, e)
s.quit()
print("sent=%d" % ok)
EOF2
check "the relay accepted all $M relayed messages" grep -qx "sent=$M" "$DIR/send2.out"
wait_for 60 sh -c "[ \$(grep -l 'Subject: relayed ' -r '$DIR/sink' 2>/dev/null | wc -l) -ge $M ]"
check "all $M relayed messages reached the sink" \
	[ "$(grep -l 'Subject: relayed ' -r "$DIR/sink" 2>/dev/null | wc -l)" -eq "$M" ]
sleep 2
"$BUILD/sentinelctl" -s "$DIR/control.sock" incidents --json > "$DIR/incidents.json"
check "the detector opened an incident for client:$CLIENT" grep -q "\"client:$CLIENT\"" \
	"$DIR/incidents.json"
check "an incident of client:$CLIENT is open, never acted" python3 -c '
import json, sys
incs = json.load(open(sys.argv[1]))["incidents"]
bad = [i for i in incs if i["identity"].startswith("client:") and i["state"] != "open"]
print("# incidents: " + ", ".join("%s %s" % (i["identity"], i["state"]) for i in incs))
sys.exit(1 if bad else 0)' "$DIR/incidents.json"
check "still nothing held, quarantined or acted on for client:" sh -c "
	[ -z \"\$(postqueue -c '$DIR/etc' -j)\" ] &&
	[ -z \"\$(ls -A '$DIR/quarantine' 2>/dev/null)\" ] &&
	! grep -q '\"identity\":\"client:' '$DIR/state/audit.log' 2>/dev/null"
exit "$FAILED"
