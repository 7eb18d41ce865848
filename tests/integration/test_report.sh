#!/bin/sh
# test_report.sh - sentinel-report counts exactly what genlog wrote.
#
# Needs no root.  genlog writes a 20 MiB Postfix log and the exact number
# of messages each SASL user sent (-c); sentinel-report must give the same
# per-identity counts read plain, gzip-compressed and from stdin, must not
# take a forged "sasl_username=" inside a sender address for an identity,
# must print --json as one valid document and --explain as one JSON object
# per input line, must exit 1 on unreadable input and 2 on bad usage, and
# -V/--version prints the version.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

REPORT=build/sentinel-report
GENLOG=build/genlog
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ ! -x "$REPORT" ] || [ ! -x "$GENLOG" ]; then
	fail "report integration" "build $REPORT and $GENLOG first (make all)"
	exit 1
fi

"$GENLOG" -s 7 -c "$WORK/counts" 20M > "$WORK/mail.log" || { fail "genlog"; exit 1; }
LC_ALL=C sort "$WORK/counts" > "$WORK/want"

# "USER COUNT" for every sasl: row of the identity table (up to the first blank line)
sasl_counts() {
	awk 'NF == 0 { exit } $NF ~ /^sasl:/ { u = $NF; sub(/^sasl:/, "", u); print u, $1 }' |
		LC_ALL=C sort
}

"$REPORT" "$WORK/mail.log" > "$WORK/plain.txt"
check "report on a plain file exits 0" test $? -eq 0
sasl_counts < "$WORK/plain.txt" > "$WORK/got.plain"
check "per-identity message counts equal genlog's (plain file)" \
	cmp -s "$WORK/want" "$WORK/got.plain"
check "every user genlog counted has a row" \
	test "$(wc -l < "$WORK/want")" -eq "$(wc -l < "$WORK/got.plain")"

gzip -c "$WORK/mail.log" > "$WORK/mail.log.2.gz"
"$REPORT" "$WORK/mail.log.2.gz" | sasl_counts > "$WORK/got.gz"
check "per-identity message counts equal genlog's (gzip file)" \
	cmp -s "$WORK/want" "$WORK/got.gz"

"$REPORT" - < "$WORK/mail.log" | sasl_counts > "$WORK/got.stdin"
check "per-identity message counts equal genlog's (stdin)" \
	cmp -s "$WORK/want" "$WORK/got.stdin"

# genlog puts "sasl_username=USER" inside a few quoted sender addresses
if grep -q '"x, sasl_username=' "$WORK/mail.log"; then
	check "a forged sasl_username= inside a sender is not an identity" \
		sh -c "! grep -q 'sasl:.*evil\|sasl:\"' '$WORK/plain.txt'"
else
	skip "forged sasl_username in sender" "genlog wrote none with this seed"
fi
{
	echo 'Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 5A1B2C3D4E: client=unknown[198.51.100.9]'
	echo 'Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 5A1B2C3D4E: from=<"x, sasl_username=ceo"@evil.example>, size=900, nrcpt=1 (queue active)'
} > "$WORK/forged.log"
"$REPORT" "$WORK/forged.log" > "$WORK/forged.txt"
check "forged sender: counted for its client ip, no sasl:ceo" \
	sh -c "grep -q ' client:198.51.100.9\$' '$WORK/forged.txt' && ! grep -q 'sasl:' '$WORK/forged.txt'"

# a terminal escape in a login name is printed escaped
printf 'Nov 27 02:05:13 mx1 postfix/smtpd[1]: 6A1B2C3D4E: client=unknown[192.0.2.1], sasl_method=LOGIN, sasl_username=ev\033]0;pwned\007il\n' > "$WORK/esc.log"
printf 'Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 6A1B2C3D4E: from=<a@example.org>, size=9, nrcpt=1 (queue active)\n' >> "$WORK/esc.log"
"$REPORT" "$WORK/esc.log" > "$WORK/esc.txt"
check "control characters from the log are escaped in text output" \
	sh -c "grep -q 'sasl:ev\\\\x1b\]0;pwned\\\\x07il' '$WORK/esc.txt' && ! grep -q \"\$(printf '\\033')\" '$WORK/esc.txt'"

"$REPORT" --json "$WORK/mail.log" > "$WORK/report.json"
check "--json exits 0" test $? -eq 0
if command -v python3 >/dev/null 2>&1; then
	check "--json output is one valid JSON document" \
		python3 -m json.tool "$WORK/report.json" /dev/null
	check "--json identities carry genlog's counts" sh -c "python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for i in d[\"identities\"]:
    if i[\"identity\"].startswith(\"sasl:\"):
        print(i[\"identity\"][5:], i[\"messages\"])
' '$WORK/report.json' | LC_ALL=C sort | cmp -s - '$WORK/want'"
else
	skip "--json output is valid JSON" "no python3 to check it"
fi

# --json on hostile logins: quotes, backslashes, control characters,
# invalid UTF-8, non-ASCII, a character above U+FFFF, a bidi override
hostile() {	# N LOGIN (printf escapes)
	printf "Nov 27 02:05:1$1 mx1 postfix/submission/smtpd[1]: 7A1B2C3D4$1: client=unknown[192.0.2.$1], sasl_method=PLAIN, sasl_username=$2\n"
	printf "Nov 27 02:05:1$1 mx1 postfix/qmgr[1111]: 7A1B2C3D4$1: from=<a@example.org>, size=9, nrcpt=1 (queue active)\n"
	printf "Nov 27 02:05:1$1 mx1 postfix/submission/smtpd[2]: warning: unknown[192.0.2.$1]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=$2\n"
}
{
	hostile 1 'q\042uote'
	hostile 2 'back\134slash'
	hostile 3 'tab\tesc\033[31m\001'
	hostile 4 'bad\377utf\303('
	hostile 5 'caf\303\251'
	hostile 6 'smile\360\237\230\200'
	hostile 7 'bidi\342\200\256evil'
	hostile 8 'del\177/slash'
} > "$WORK/hostile.log"
"$REPORT" --json "$WORK/hostile.log" > "$WORK/hostile.json"
check "--json on hostile logins exits 0" test $? -eq 0
check "--json on hostile logins is ASCII without control characters" \
	sh -c "! LC_ALL=C grep -q '[^ -~]' '$WORK/hostile.json'"
if command -v python3 >/dev/null 2>&1; then
	check "--json on hostile logins is one valid JSON document" \
		python3 -m json.tool "$WORK/hostile.json" /dev/null
	check "--json on hostile logins: every login decodes to what the log said" \
		python3 -c '
import json, sys
want = {"q\"uote", "back\\slash", "tab\tesc\x1b[31m\x01", "bad\ufffdutf\ufffd(",
        "caf\u00e9", "smile\U0001f600", "bidi\u202eevil"}
d = json.load(open(sys.argv[1]))
ids = {i["identity"] for i in d["identities"]}
assert {"sasl:" + w for w in want} <= ids, ids
names = {n for a in d["auth_failures"] for n in a["usernames"]}
assert want | {"del\x7f/slash"} <= names, names
' "$WORK/hostile.json"
fi

head -n 2000 "$WORK/mail.log" > "$WORK/head.log"
"$REPORT" --explain "$WORK/head.log" > "$WORK/explain.txt"
check "--explain prints one line per input line" \
	test "$(wc -l < "$WORK/explain.txt")" -eq 2000
check "--explain lines are JSON objects with line and kind" \
	sh -c "! grep -v '^{\"line\":.*\"kind\":\".*}\$' '$WORK/explain.txt' | grep -q ."
if command -v python3 >/dev/null 2>&1; then
	check "--explain: every line parses as a JSON object" sh -c "python3 -c '
import json, sys
for l in open(sys.argv[1]):
    assert isinstance(json.loads(l), dict)
' '$WORK/explain.txt'"
fi

"$REPORT" "$WORK/missing.log" > /dev/null 2>&1
check "unreadable input exits 1" test $? -eq 1
"$REPORT" --bogus "$WORK/mail.log" > /dev/null 2>&1
check "unknown option exits 2" test $? -eq 2
"$REPORT" > /dev/null 2>&1
check "no file exits 2" test $? -eq 2
"$REPORT" --since yesterday "$WORK/mail.log" > /dev/null 2>&1
check "bad --since exits 2" test $? -eq 2
version=$(sed -n 's/^VERSION := //p' Makefile)
check "-V prints sentinel-report $version and exits 0" \
	sh -c "[ \"\$('$REPORT' -V)\" = 'sentinel-report $version' ]"
check "--version is -V" sh -c "[ \"\$('$REPORT' --version)\" = 'sentinel-report $version' ]"
"$REPORT" --since 2026-11-27T00:10:00Z --until 2026-11-27T00:20:00Z "$WORK/mail.log" |
	sasl_counts > "$WORK/got.window"
check "--since/--until count fewer messages" \
	test "$(awk '{ s += $2 } END { print s + 0 }' "$WORK/got.window")" -lt \
	     "$(awk '{ s += $2 } END { print s + 0 }' "$WORK/want")"

[ "$FAILED" -eq 0 ]
