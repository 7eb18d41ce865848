#!/bin/bash
# test_flood.sh - a flood of Postfix lines cannot blind sentineld, nor make
# it spend its locks, its request queue and Postfix reloads: against the
# real lab, enforce mode, sentineld built with ASan/UBSan (build/san).
#
# Appended to the lab's maillog (what a forger with write access to the
# log, or thousands of real failed logins, would produce):
#   5000 failed logins, one from each of 5000 addresses;
#   from one address 5 failures naming nobody, then 5000 logins under
#     5000 names (one client: at most max_incidents_per_ip incidents);
#   200 addresses with 5 failures and a login each (200 incidents of
#     logins alone: at most 10 automatic locks, 10 postfix reloads).
# Then mallory, whose password leaked, starts a spam run through the real
# Postfix: he is locked all the same.  And sentinelctl resolve and dismiss
# work on the live daemon.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

lab_test "flood" san/sentineld sentinelctl smtpsend

BUILD=build/san lab_start enforce
scripts/lab/lab.sh adduser "$DIR" mallory 123456 >/dev/null || { fail "adduser mallory"; exit 1; }
CTL() { sentinelctl_lab "$DIR" "$@"; }
metric() {
	curl -sf "http://127.0.0.1:${SENTINEL_LAB_METRICS:-19725}/metrics" |
		awk -v m="$1" '$1 == m { print $2 }'
}
metric_is() { [ "$(metric "$1")" = "$2" ]; }

# The flood, in the form of the lab's own lines (its host name and clock).
python3 - "$DIR/maillog" > "$DIR/flood.log" <<'PY'
import sys, time
host = "localhost"
for l in open(sys.argv[1], errors="replace"):
    f = l.split()
    if len(f) > 4 and f[4].startswith("postfix"):
        host = f[3]
        break
stamp = time.strftime("%b %e %H:%M:%S")
q = [0]
def out(prog, text):
    print(f"{stamp} {host} postfix/submission/{prog}: {text}")
def failure(ip):
    out("smtpd[2000]", f"warning: unknown[{ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6")
def login(user, ip):
    q[0] += 1
    out("smtpd[3000]", f"9F{q[0]:08X}: client=unknown[{ip}], sasl_method=PLAIN, sasl_username={user}")
for i in range(5000):
    failure(f"2001:db8:1::{i:x}")
for i in range(5):
    failure("198.51.100.200")
for i in range(5000):
    login(f"nobody{i}@lab.test", "198.51.100.200")
for i in range(200):
    ip = f"2001:db8:2::{i:x}"
    for k in range(5):
        failure(ip)
    login(f"victim{i}@lab.test", ip)
PY
lines=$(wc -l < "$DIR/flood.log")
check "the flood is $lines lines" test "$lines" -eq $((5000 + 5 + 5000 + 200 * 6))
cat "$DIR/flood.log" >> "$DIR/maillog"
wait_for 120 metric_is smtp_sentinel_sasl_auth_failures_total 6005
check "sentineld read the whole flood (6005 failed logins)" \
	test "$(metric smtp_sentinel_sasl_auth_failures_total)" = 6005
wait_for 20 metric_is smtp_sentinel_login_locks_deferred_total 200
wait_for 10 metric_is smtp_sentinel_incidents_ratelimited_total 4990	# at the next tick

limited=$(metric smtp_sentinel_incidents_ratelimited_total)
check "one client opened 10 incidents, not 5000 (ratelimited: ${limited:-none})" \
	test "${limited:-0}" -eq 4990
deferred=$(metric smtp_sentinel_login_locks_deferred_total)
check "10 of the 210 incidents of logins alone were locked, 200 wait (deferred: ${deferred:-none})" \
	test "${deferred:-0}" -eq 200

# Now the real thing: mallory's spam run through Postfix.
build/smtpsend -s "$SENTINEL_LAB_SUBMIT" -u mallory@lab.test -p 123456 -f 'ceo@bank{i}.example' \
	-t 'victim{i}@remote.example' -t 'target{i}@defer.invalid' -k 3 -n 200 -r 50 -x 3 -q \
	> "$DIR/spam.out" 2>&1
wait_for 20 grep -q '^mallory@lab.test[[:space:]]' "$DIR/etc/sasl_access"
check "mallory, after the flood, is locked in the check_sasl_access map" \
	grep -q '^mallory@lab.test[[:space:]]' "$DIR/etc/sasl_access"
sleep 1.2	# Postfix notices a map change by its whole-second mtime
build/smtpsend -s "$SENTINEL_LAB_SUBMIT" -u mallory@lab.test -p 123456 -f mallory@lab.test \
	-t someone@remote.example -q > "$DIR/mallory-after.out" 2>&1
check "a new message from mallory is refused (5.7.1)" \
	grep -q 'sent=0 rejected=1 .*first_reject_reply="554 5.7.1' "$DIR/mallory-after.out"
CTL incidents --json > "$DIR/incidents.json"
check "mallory's incident is open and acted on" python3 -c '
import json, sys
incs = json.load(open(sys.argv[1]))["incidents"]
sys.exit(0 if any(i["identity"] == "sasl:mallory@lab.test" and i["state"] == "acted"
                  for i in incs) else 1)' "$DIR/incidents.json"

# What the flood cost: 10 locks and 10 reloads for it, one each for mallory.
nlocks=$(grep -c '[[:space:]]REJECT' "$DIR/etc/sasl_access")
check "11 logins in the map (10 from the flood, mallory): $nlocks" test "$nlocks" -eq 11
reloads=$(grep -c '"reload"' "$DIR/state/audit.log")
check "at most 11 postfix reloads: $reloads" test "$reloads" -le 11
refused=$(metric smtp_sentinel_actions_refused_total)
check "no action request was refused (queue never full): ${refused:-none}" test "${refused:-x}" = 0
open=$(metric smtp_sentinel_incidents_open)
check "incidents open within the bound: ${open:-none}" test "${open:-99999}" -le 1024

# The life cycle by hand, on the live daemon.
read -r fid1 fid2 < <(python3 -c '
import json, sys
incs = json.load(open(sys.argv[1]))["incidents"]
ids = [i["id"] for i in incs if i["identity"].startswith("sasl:victim") and i["state"] == "open"]
print(ids[0], ids[1])' "$DIR/incidents.json")
check "sentinelctl resolve closes a flood incident" sh -c \
	"'$BUILD/sentinelctl' -s '$DIR/control.sock' resolve '$fid1' | grep -q ': resolved\$'"
check "sentinelctl dismiss --allow 1h closes another and allows its identity" sh -c \
	"'$BUILD/sentinelctl' -s '$DIR/control.sock' dismiss '$fid2' --allow 1h | grep -q 'opens no incident until'"
check "sentinelctl resolve of a resolved incident fails with the reason" sh -c \
	"! '$BUILD/sentinelctl' -s '$DIR/control.sock' resolve '$fid1' 2>'$DIR/err' &&
	 grep -q 'already resolved (resolved)' '$DIR/err'"
check "sentinelctl incidents shows how each ended" sh -c \
	"'$BUILD/sentinelctl' -s '$DIR/control.sock' incidents > '$DIR/incidents.txt' &&
	 grep -q '^$fid1 *resolved (resolved) ' '$DIR/incidents.txt' &&
	 grep -q '^$fid2 *resolved (dismissed) ' '$DIR/incidents.txt'"
check "sentinelctl status lists the allowance" sh -c \
	"'$BUILD/sentinelctl' -s '$DIR/control.sock' status | grep -q '^allowed .*sasl:victim.* until '"
check "the incident log has both, with their resolution" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
got = {(e["event"], e["incident"]["id"], e["incident"].get("resolution")) for e in ev}
sys.exit(0 if (("resolved", sys.argv[2], "resolved") in got and
               ("dismissed", sys.argv[3], "dismissed") in got) else 1)' \
	"$DIR/state/incidents.log" "$fid1" "$fid2"
check "smtp_sentinel_allowed_identities is 1" wait_for 5 metric_is smtp_sentinel_allowed_identities 1

pid=$(cat "$DIR/sentineld.pid")
check "sentineld (ASan/UBSan) is still running" kill -0 "$pid"
check "no sanitizer report" sh -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$DIR/sentineld.log'"

exit "$FAILED"
