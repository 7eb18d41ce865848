#!/bin/bash
# test_observe.sh - the demo's spam run with [actions] mode = observe (the
# default): the incident opens with its evidence, every step is decided and
# recorded as "observed", and nothing is touched: the account is not locked,
# no mail is held or quarantined, the map is unchanged.  Real Postfix, real BPF.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

lab_test "observe scenario"

DEMO_MODE=observe DEMO_RATE=50 DEMO_SPAM=40 DEMO_LEGIT=2 scripts/lab/demo.sh --keep "$DIR" \
	> "$DIR.demo.out" 2>&1
rc=$?
cat "$DIR.demo.out"
rm -f "$DIR.demo.out"
check "the demo scenario runs to its end in observe mode" test "$rc" = 0
eval "$(tr ' ' '\n' < "$DIR/result" | grep -E '^[a-z_]+=[0-9]+$')"

sentinelctl_lab "$DIR" incidents --json > "$DIR/incidents.json"
check "the incident opens and names sasl:mallory@lab.test" python3 -c '
import json, sys
incs = [i for i in json.load(open(sys.argv[1]))["incidents"] if i["identity"] != "flows:global"]
sys.exit(0 if [(i["identity"], i["state"]) for i in incs] == [("sasl:mallory@lab.test", "observed")] else 1)' \
	"$DIR/incidents.json"
check "every spam message was accepted (nothing refused)" test "${spam_rejected:-1}" -eq 0
check "all 40 spam messages were accepted" test "${spam_sent:-0}" -eq 40
check "the map is still empty" test ! -s "$DIR/etc/sasl_access"
check "nothing was quarantined" test "${quarantined:-1}" -eq 0
check "nothing is on hold" test "${held_left:-1}" -eq 0
check "no action was run, none recorded as done" sh -c \
	"! grep -q '\"result\":\"ok\"' '$DIR/state/audit.log' 2>/dev/null"
curl -sf "http://127.0.0.1:${SENTINEL_LAB_METRICS:-19725}/metrics" > "$DIR/metrics.txt"
check "smtp_sentinel_locked_accounts is 0" grep -q '^smtp_sentinel_locked_accounts 0$' \
	"$DIR/metrics.txt"
check "an incident is counted" sh -c \
	"grep '^smtp_sentinel_incidents_total{' '$DIR/metrics.txt' | grep -qv ' 0\$'"
# the admin's command acts in observe mode too
sentinelctl_lab "$DIR" lock mallory@lab.test > /dev/null
check "sentinelctl lock acts in observe mode" wait_for 10 grep -q '^mallory@lab.test[[:space:]]' \
	"$DIR/etc/sasl_access"
exit "$FAILED"
