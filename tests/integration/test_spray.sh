#!/bin/bash
# test_spray.sh - a stolen account that sends from its own address, 45
# messages a minute, each to a domain it never wrote to: an incident within
# two minutes, with local_domains = auto and no domain list by hand, while
# a colleague's ordinary mail raises none.  Real Postfix (the lab), real
# BPF, observe mode; sentineld also reads Postfix's own domains (mydomain
# lab.test) through postconf, and says so in --check-config.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

lab_test "own-address spray"
SUBMIT=$SENTINEL_LAB_SUBMIT

# the lab's config says local_domains = lab.test: the repeated section
# puts the default back
lab_start observe "$(printf '[maillog]\nlocal_domains = auto\n')"
check "sentineld read Postfix's domains at start-up" \
	grep -q "local_domains = auto: Postfix's and listed: lab.test" "$DIR/sentineld.log"
build/sentineld --check-config -c "$DIR/sentinel.conf" > "$DIR/check.out" 2>&1
check "--check-config names Postfix's domain" \
	grep -q "Postfix's and listed: lab.test" "$DIR/check.out"
scripts/lab/lab.sh adduser "$DIR" eve eve-pw > /dev/null
scripts/lab/lab.sh adduser "$DIR" alice alice-pw > /dev/null

# Before: eve's and alice's ordinary mail, to a few correspondents.
for i in 1 2 3; do
	build/smtpsend -q -s "$SUBMIT" -u eve@lab.test -p eve-pw -f eve@lab.test \
		-t "friend$i@partner$i.example" > /dev/null
done
build/smtpsend -q -s "$SUBMIT" -u alice@lab.test -p alice-pw -f alice@lab.test \
	-t "bob@partner1.example" -t "carol@lab.test" -n 10 -r 0.5 > /dev/null &
ALICE=$!

# The spray: 45 a minute for up to 3 minutes, each to a new domain.
START=$(date +%s.%N)
build/smtpsend -q -s "$SUBMIT" -u eve@lab.test -p eve-pw -f eve@lab.test \
	-t 'info@victim{i}.example' -n 135 -r 0.75 > "$DIR/spray.out" &
SPRAY=$!
incident() {
	sentinelctl_lab "$DIR" incidents --json 2>/dev/null | python3 -c '
import json, sys
for i in json.load(sys.stdin)["incidents"]:
	if i["identity"] == sys.argv[1]:
		print(" ".join(sorted(i["signals"])))
		sys.exit(0)
sys.exit(1)' "$1"
}
wait_for 150 incident sasl:eve@lab.test > /dev/null
FOUND=$(date +%s.%N)
SIGNALS=$(incident sasl:eve@lab.test)
kill "$SPRAY" 2>/dev/null
wait "$SPRAY" 2>/dev/null
wait "$ALICE" 2>/dev/null
AFTER=$(echo "$FOUND - $START" | bc)
echo "# spray flagged after ${AFTER} s: ${SIGNALS:-no incident}"
check "the spray opens an incident" test -n "$SIGNALS"
check "... on new recipient domains" sh -c "echo '$SIGNALS' | grep -qw new_domains"
check "... within two minutes" sh -c "[ \"\$(echo '$AFTER < 120' | bc)\" = 1 ]"
ALICE_INC=$(incident sasl:alice@lab.test)
COUNT=$(sentinelctl_lab "$DIR" incidents --json |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)["incidents"]))')
check "the colleague's ordinary mail raises none" test -z "$ALICE_INC"
check "no other incident" test "$COUNT" = 1
exit "$FAILED"
