#!/bin/bash
# test_incident.sh - the demo's scenario, asserted: a spam run from a stolen
# account is detected, the account locked, its spam quarantined, and the
# legitimate user untouched.  Real Postfix (the lab), real BPF, enforce mode.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

lab_test "incident scenario" sentineld sentinelctl smtpsend

DEMO_RATE=50 DEMO_SPAM=200 DEMO_LEGIT=5 scripts/lab/demo.sh --keep "$DIR" > "$DIR.demo.out" 2>&1
rc=$?
cat "$DIR.demo.out"
rm -f "$DIR.demo.out"
check "the demo scenario runs to its end" test "$rc" = 0
[ -f "$DIR/result" ] || { fail "the demo wrote its result"; exit 1; }
# shellcheck disable=SC1091
eval "$(tr ' ' '\n' < "$DIR/result" | grep -E '^[a-z_]+=[0-9]+$')"
CTL() { sentinelctl_lab "$DIR" "$@"; }

# The incident names mallory, with the evidence.  (Another process on this
# host making port-25 connects at a high rate opens a flows:global incident
# of its own: that one is not about accounts, so it is left out here.)
CTL incidents --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
r["incidents"] = [i for i in r["incidents"] if i["identity"] != "flows:global"]
json.dump(r, sys.stdout)' > "$DIR/incidents.json"
check "one account incident, and it names sasl:mallory@lab.test" python3 -c '
import json, sys
incs = json.load(open(sys.argv[1]))["incidents"]
sys.exit(0 if [i["identity"] for i in incs] == ["sasl:mallory@lab.test"] else 1)' "$DIR/incidents.json"
check "the incident carries its signals, queue ids and log lines" python3 -c '
import json, sys
i = json.load(open(sys.argv[1]))["incidents"][0]
# Which signal fires first depends on timing: at 50 messages/s the
# deferred half of the recipients (bounces) can fire after 3-4 messages,
# before the rate or foreign counts reach their minimums.
ok = i["signals"] and i["qids"] and i["lines"] and i["messages"] >= 3
ok = ok and set(i["signals"]) <= {"rate", "foreign", "recipients", "bounces", "spike",
                                  "new_domains", "volume"}
ok = ok and any("from=<ceo@bank" in l for l in i["lines"])
if not ok:
    print(json.dumps(i, indent=1))
sys.exit(0 if ok else 1)' "$DIR/incidents.json"
check "the incident was acted on" python3 -c '
import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["incidents"][0]["state"] == "acted" else 1)' \
	"$DIR/incidents.json"

id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["incidents"][0]["id"])' \
	"$DIR/incidents.json")
check "sentinelctl show prints the incident's evidence" sh -c \
	"'$BUILD/sentinelctl' -s '$DIR/control.sock' show '$id' | grep -q 'mallory@lab.test'"
"$BUILD/sentinelctl" -s "$DIR/control.sock" show 19700101T000000-0001 > "$DIR/show.out" 2>&1
show_rc=$?
check "sentinelctl show of an unknown incident fails with the daemon's reason" sh -c \
	"[ '$show_rc' -ne 0 ] && grep -q 'no incident' '$DIR/show.out'"
check "sentinelctl top --json lists mallory's rate and the smtp processes" python3 -c '
import json, subprocess, sys
r = json.loads(subprocess.run(sys.argv[1:], capture_output=True, text=True).stdout)
ids = [i["identity"] for i in r["identities"]]
procs = [p["comm"] for p in r["processes"]]
sys.exit(0 if r["ok"] and "sasl:mallory@lab.test" in ids and "smtp" in procs else 1)' \
	"$BUILD/sentinelctl" -s "$DIR/control.sock" top --json

# mallory is locked: a new authenticated message is refused with 5.7.1.
build/smtpsend -s "$SENTINEL_LAB_SUBMIT" -u mallory@lab.test -p 123456 -f mallory@lab.test \
	-t someone@remote.example -q > "$DIR/mallory-after.out" 2>&1
check "a new message from the locked account is refused (5.7.1)" \
	grep -q 'sent=0 rejected=1 .*first_reject_reply="554 5.7.1' "$DIR/mallory-after.out"
check "the account is in the check_sasl_access map" grep -q '^mallory@lab.test[[:space:]]' \
	"$DIR/etc/sasl_access"
check "sentinelctl status lists the lock" sh -c \
	"'$BUILD/sentinelctl' -s '$DIR/control.sock' status --json | grep -q '\"mallory@lab.test\"'"
check "the spammer was refused during the run" test "${spam_rejected:-0}" -gt 0

# alice is not: all her mail was accepted and delivered, none held.
check "alice's $((5 + 1)) messages were all accepted" test "${alice_sent:-0}" -eq 6
check "alice's messages all reached the sink" test "${sink_alice:-0}" -eq 6
build/smtpsend -s "$SENTINEL_LAB_SUBMIT" -u alice@lab.test -p alice-pw -f alice@lab.test \
	-t friend@remote.example -q > "$DIR/alice-last.out" 2>&1
check "alice can still send" grep -q '^sent=1 rejected=0' "$DIR/alice-last.out"
check "nothing of alice's is held" sh -c \
	"! postqueue -c '$DIR/etc' -j | grep -q '\"sender\": *\"alice@lab.test\"'"

# The spam left in the queue was quarantined: copies on disk, none in the queue.
check "spam was quarantined" test "${quarantined:-0}" -gt 0
check "a quarantined file is the spam message itself" sh -c \
	"grep -l 'From: <ceo@bank' -r '$DIR/quarantine' | head -1 | grep -q ."
check "no spam is left in the queue" sh -c \
	"! postqueue -c '$DIR/etc' -j | grep -q '\"sender\": *\"ceo@bank'"
accepted=$(grep -c 'sasl_username=mallory@lab.test' "$DIR/maillog")
check "the demo counted the spam that reached the sink" test -n "${sink_spam:-}"
check "no spam reached the sink that Postfix had not accepted before the lock" \
	test "${sink_spam:--1}" -ge 0 -a "${sink_spam:-0}" -le "$accepted"

# Every step is in the audit log, with its result.
for a in hold lock quarantine; do
	check "audit log has a successful $a" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if any(r.get("action") == sys.argv[2] and r.get("result") == "ok" for r in rows) else 1)
' "$DIR/state/audit.log" "$a"
done

# The metrics say so, and promtool accepts them.
curl -sf "http://127.0.0.1:${SENTINEL_LAB_METRICS:-19725}/metrics" > "$DIR/metrics.txt"
check "promtool accepts the metrics" sh -c "promtool check metrics < '$DIR/metrics.txt'"
check "smtp_sentinel_locked_accounts is 1" grep -q '^smtp_sentinel_locked_accounts 1$' \
	"$DIR/metrics.txt"
check "the latency histogram counted the incident" \
	grep -q '^smtp_sentinel_detection_latency_seconds_count [1-9]' "$DIR/metrics.txt"
check "actions_total counts the lock" \
	grep -q '^smtp_sentinel_actions_total{action="lock",result="ok"} 1$' "$DIR/metrics.txt"

# unlock: mallory may send again, and the incident is resolved.
CTL unlock mallory@lab.test > /dev/null
wait_for 10 sh -c "! grep -q '^mallory@lab.test[[:space:]]' '$DIR/etc/sasl_access'"
sleep 1.2	# Postfix notices a map change by its whole-second mtime
build/smtpsend -s "$SENTINEL_LAB_SUBMIT" -u mallory@lab.test -p 123456 -f mallory@lab.test \
	-t someone@remote.example -q > "$DIR/mallory-unlocked.out" 2>&1
check "after unlock the account can send again" grep -q '^sent=1 rejected=0' \
	"$DIR/mallory-unlocked.out"

exit "$FAILED"
