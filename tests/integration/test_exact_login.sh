#!/bin/bash
# test_exact_login.sh - logins that the maillog does not hold exactly, with
# the real Postfix lab in enforce mode:
#   - a 300-byte login (sentineld's copy keeps 255 bytes) that sends spam:
#     the incident says why the login is not exact, nothing is written to
#     the map, lock_hook gets the 300 bytes as logged, and its spam is still
#     held and quarantined (each queue file's sasl_username is compared
#     with the login as logged, byte for byte);
#   - a login with a byte that is not UTF-8, which Postfix logs as '?': a
#     bruteforce incident, no map key, lock_hook gets the login as logged.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

if [ "$(id -u)" != 0 ]; then
	skip "inexact logins" "needs root (BPF, Postfix)"
	exit 0
fi
for b in sentineld sentinelctl smtpsend; do
	[ -x "build/$b" ] || { fail "build/$b exists"; exit 1; }
done
DIR=$(mktemp -d /tmp/test_exact_login.XXXXXX)
. scripts/lab/sentinel-lab.sh
trap 'sentinel_lab_stop "$DIR"; rm -rf "$DIR" "$DIR.lab.log"' EXIT
SUBMIT=$SENTINEL_LAB_SUBMIT

# The hook keeps its arguments NUL-separated: the bytes, nothing else.
cat > "$DIR/lock-hook" <<'EOF'
#!/bin/sh
printf '%s\0' "$@" > "$0.args.$$"
mv "$0.args.$$" "$0.args.$(date +%s%N)"
EOF
chmod 0755 "$DIR/lock-hook"
sentinel_lab_start "$DIR" enforce "$(printf '[actions]\nlock_hook = %s\n' "$DIR/lock-hook")" ||
	{ fail "the lab and sentineld start"; exit 1; }

LONG=$(printf 'l%.0s' $(seq 300))@lab.test	# 309 bytes
ODD=$(printf 'b\377b')			# Postfix logs it as b?b
adduser() {
	printf '%s' "$2" | saslpasswd2 -p -c -f "$DIR/sasldb2" -u lab.test -- "$1"
}
adduser "${LONG%@lab.test}" long-pw && adduser "$ODD" odd-pw ||
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
incident_of() {	# the JSON of the incident of a login (its sasl: identity's prefix)
	CTL incidents --json | python3 -c '
import json, sys
for i in json.load(sys.stdin)["incidents"]:
    if i["identity"].startswith(sys.argv[1]):
        print(json.dumps(i))
        break' "$1"
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
ok = ok and l.get("as_logged_hex") == [sys.argv[2].encode().hex()]
sys.exit(0 if ok else print(json.dumps(l)))' "$inc" "$LONG"
if [ "$(hook_args | head -1)" = "$(hex lock -- "$LONG")" ]; then
	pass "lock_hook got 'lock -- LOGIN' with the 309 bytes as logged"
else
	fail "lock_hook got 'lock -- LOGIN' with the 309 bytes as logged" "$(hook_args | head -1 | cut -c1-80)"
fi
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

# --- a login with a byte that is not UTF-8: five failures, then it -------------
for i in 1 2 3 4 5; do
	build/smtpsend -q -s "$SUBMIT" -u "$ODD@lab.test" -p wrong -f x@lab.test \
		-t a@remote.example > /dev/null 2>&1
done
build/smtpsend -q -s "$SUBMIT" -u "$ODD@lab.test" -p odd-pw -f "$ODD@lab.test" \
	-t a@lab.test > /dev/null 2>&1
check "Postfix logs the login with '?' for the byte" \
	wait_for 10 grep -q 'sasl_username=b?b@lab.test' "$DIR/maillog"
wait_for 15 sh -c "[ \"\$(ls '$DIR'/lock-hook.args.* | wc -l)\" -ge 2 ]"
inc=$(incident_of "sasl:b?b@lab.test")
check "a bruteforce incident for it, saying why the login is not exact" python3 -c '
import json, sys
i = json.loads(sys.argv[1])
l = i.get("login", {})
ok = "bruteforce" in i["signals"] and l.get("exact") is False and "?" in l.get("why", "")
ok = ok and l.get("as_logged_hex") == [b"b?b@lab.test".hex()]
sys.exit(0 if ok else print(json.dumps(i)))' "${inc:-null}"
if hook_args | grep -qx "$(hex lock -- 'b?b@lab.test')"; then
	pass "lock_hook got the login as logged"
else
	fail "lock_hook got the login as logged" "$(hook_args | tail -1)"
fi
check "still nothing in the map" sh -c "! grep -q REJECT '$DIR/etc/sasl_access' 2>/dev/null"
exit $((FAILED > 0))
