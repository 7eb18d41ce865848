#!/bin/bash
# test_exact_login.sh - logins that the maillog does not hold exactly, with
# the real Postfix lab in enforce mode:
#   - a 300-byte login (sentineld's copy keeps 255 bytes) that sends spam:
#     the incident says why the login is not exact, nothing is written to
#     the map, lock_hook gets the 300 bytes as logged, and its spam is still
#     held and quarantined (each queue file's sasl_username is compared
#     with the login as logged, byte for byte);
#   - a login with a byte that is not UTF-8, which Postfix logs (and keeps
#     in the queue file) as '?', next to an account whose name has a real
#     '?': the spammer's incident acts on neither name nor mail.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

lab_test "inexact logins" sentineld sentinelctl smtpsend
SUBMIT=$SENTINEL_LAB_SUBMIT

# The hook keeps its arguments NUL-separated: the bytes, nothing else.
cat > "$DIR/lock-hook" <<'EOF'
#!/bin/sh
printf '%s\0' "$@" > "$0.args.$$"
mv "$0.args.$$" "$0.args.$(date +%s%N)"
EOF
chmod 0755 "$DIR/lock-hook"
lab_start enforce "$(printf '[actions]\nlock_hook = %s\n' "$DIR/lock-hook")"

LONG=$(printf 'l%.0s' $(seq 300))@lab.test	# 309 bytes
ODD=$(printf 'c\376c')			# Postfix logs it as c?c
QMARK='c?c'				# and this one too
adduser() {
	printf '%s' "$2" | saslpasswd2 -p -c -f "$DIR/sasldb2" -u lab.test -- "$1"
}
adduser "${LONG%@lab.test}" long-pw && adduser "$ODD" odd-pw && adduser "$QMARK" q-pw ||
	{ fail "saslpasswd2 adds the users"; exit 1; }
chown root:postfix "$DIR/sasldb2"
chmod 0640 "$DIR/sasldb2"

hook_args() {	# the argument lists the hook got, one per line, in hex
	for f in "$DIR"/lock-hook.args.*; do
		[ -e "$f" ] && od -An -tx1 -v "$f" | tr -d ' \n' && echo
	done
}
hex() { printf '%s\0' "$@" | od -An -tx1 -v | tr -d ' \n'; }
CTL() { sentinelctl_lab "$DIR" "$@"; }
incident_of() {	# the whole JSON (show) of the incident of a login (an identity prefix)
	_id=$(CTL incidents --json | python3 -c '
import json, sys
for i in json.load(sys.stdin)["incidents"]:
    if i["identity"].startswith(sys.argv[1]):
        print(i["id"])
        break' "$1")
	[ -n "$_id" ] && CTL --json show "$_id" | python3 -c '
import json, sys
print(json.dumps(json.load(sys.stdin)["incident"]))'
}

# --- the long login sends spam ------------------------------------------------
build/smtpsend -q -s "$SUBMIT" -u "$LONG" -p long-pw -f 'ceo@bank{i}.example' \
	-t 'victim{i}@remote.example' -t 'target{i}@defer.invalid' -n 40 -r 20 \
	> "$DIR/long.out" 2>&1
check "the long login sent its messages (the lock cannot stop it)" \
	grep -q '^sent=40 ' "$DIR/long.out"
check "Postfix logs the whole 309-byte login" \
	grep -qF "sasl_username=$LONG" "$DIR/maillog"
wait_for 15 sh -c "[ -n \"\$(ls '$DIR'/lock-hook.args.* 2>/dev/null)\" ]"
wait_for 15 sh -c "find '$DIR/quarantine' -type f | grep -q ."
sleep 1
inc=$(incident_of "sasl:lllll")
check "an incident for the long login" test -n "$inc"
check "the incident says the login may have been cut and was not locked by map key" \
	python3 -c '
import json, sys
l = json.loads(sys.argv[1]).get("login", {})
ok = l.get("exact") is False and l.get("locked_by_map") is False and "cut" in l.get("why", "")
ok = ok and l.get("exact_bytes_known") is True
ok = ok and l.get("as_logged_hex") == [sys.argv[2].encode().hex()]
sys.exit(0 if ok else print(json.dumps(l)))' "$inc" "$LONG"
if [ "$(hook_args | head -1)" = "$(hex lock -- "$LONG")" ]; then
	pass "lock_hook got 'lock -- LOGIN' with the 309 bytes as logged"
else
	fail "lock_hook got 'lock -- LOGIN' with the 309 bytes as logged" "$(hook_args | head -1 | cut -c1-80)"
fi
check "lock_hook ran once for that lock" test "$(hook_args | wc -l)" = 1
check "nothing was written to the map" sh -c "! grep -q REJECT '$DIR/etc/sasl_access' 2>/dev/null"
quarantined=$(find "$DIR/quarantine" -type f | wc -l)
check "its spam was held and quarantined (confirmed by the login as logged): $quarantined" \
	test "$quarantined" -gt 0
check "every quarantined message is the long login's" sh -c \
	"! grep -L -F 'sasl_username=$LONG' -r '$DIR/quarantine' | grep -q ."
grep -a '"action":"lock"' "$DIR/state/audit.log" | grep -q 'not locked by map key' &&
	pass "the audit line of the lock says why it failed" ||
	fail "the audit line of the lock says why it failed"
CTL show "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$inc")" \
	> "$DIR/show.out" 2>&1
check "sentinelctl show says the login is not exact" \
	grep -q "^login .*not exact, not locked by map key" "$DIR/show.out"

# --- two accounts Postfix logs alike: a literal 'c?c' and 'c\376c' -----------
# Postfix writes '?' for the byte it does not print, in the log and in the
# queue file: nothing tells the two apart, so the spammer's incident acts on
# neither name nor mail.
build/smtpsend -q -s "$SUBMIT" -u "$QMARK@lab.test" -p q-pw -f "$QMARK@lab.test" \
	-t 'friend{i}@defer.invalid' -n 3 > /dev/null 2>&1
build/smtpsend -q -s "$SUBMIT" -u "$ODD@lab.test" -p odd-pw -f 'ceo@bank{i}.example' \
	-t 'victim{i}@remote.example' -t 'target{i}@defer.invalid' -n 40 -r 20 \
	> "$DIR/odd.out" 2>&1
check "Postfix logs the second login with '?' for the byte" \
	wait_for 10 grep -q 'sasl_username=c?c@lab.test' "$DIR/maillog"
wait_for 15 sh -c "grep -q 'c?c@lab.test' '$DIR/state/audit.log'"
sleep 2
inc=$(incident_of "sasl:c?c@lab.test")
check "an incident for the shared name, saying its bytes are not known for sure" python3 -c '
import json, sys
i = json.loads(sys.argv[1])
l = i.get("login", {})
ok = l.get("exact") is False and "?" in l.get("why", "") and l.get("exact_bytes_known") is False
ok = ok and "exactly that name" in l.get("unknown_why", "")
sys.exit(0 if ok else print(json.dumps(i)))' "${inc:-null}"
check "lock_hook did not run for it" test "$(hook_args | wc -l)" = 1
grep -a '"hook":"lock_hook"' "$DIR/state/audit.log" | grep -a 'c?c@lab.test' | grep -q 'not run' &&
	pass "the audit line says why the hook did not run" ||
	fail "the audit line says why the hook did not run"
qid_dir=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "${inc:-{\"id\":\"none\"\}}")
check "none of its mail was quarantined" sh -c "! find '$DIR/quarantine/$qid_dir' -type f 2>/dev/null | grep -q ."
innocent=$(postqueue -c "$DIR/etc" -j | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    m = json.loads(line)
    if m["sender"] == "c?c@lab.test" and m["queue_name"] == "deferred":
        n += 1
print(n)')
check "the literal c?c account's 3 deferred messages are still queued, not held: $innocent" \
	test "$innocent" = 3
check "still nothing in the map" sh -c "! grep -q REJECT '$DIR/etc/sasl_access' 2>/dev/null"
exit $((FAILED > 0))
