#!/bin/bash
# test_completion.sh - the bash completions of sentinelctl and sentinel-report
# complete what the programs accept.
#
# Needs no root and no daemon.  bash-completion's own library is sourced,
# then scripts/completion/*; each case sets COMP_WORDS as bash would and
# calls the completion function.  sentinelctl's commands must be exactly
# those its --help lists; with no daemon, show and unlock offer nothing and
# return at once (not after sentinelctl's 10 s timeout); with a stand-in
# daemon they offer its incident ids and locked logins, and nothing a log
# line could have put there.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ]; then
	skip "bash completion" "bash-completion is not installed (scripts/deps.sh installs it)"
	exit 0
fi
for b in build/sentinelctl build/sentinel-report; do
	[ -x "$b" ] || { fail "bash completion" "build $b first (make all)"; exit 1; }
done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/logs"
: > "$WORK/logs/mail.log"
: > "$WORK/logs/mail.log.2.gz"

# complete FUNCTION WORD...: the candidates for the last word, sorted, one line
complete_words() {
	bash --norc --noprofile -c '
		. "$1"; . scripts/completion/sentinelctl; . scripts/completion/sentinel-report
		PATH=$PWD/build:$PATH
		compopt() { :; }	# a builtin that works only in a real completion
		fn=$2; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | tr "\n" " "' \
		_ "$BC" "$@" 2>&1 | sed 's/ $//'
}
expect() {	# expect NAME WANT FUNCTION WORD...
	local name=$1 want=$2 got
	shift 2
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "want '$want', got '$got'"; fi
}

cmds=$(build/sentinelctl --help | awk '/^  [a-z]+( |$)/ { print $1 }' | LC_ALL=C sort | tr '\n' ' ')
check "sentinelctl --help lists its commands" test -n "$cmds"
expect "sentinelctl completes the commands its --help lists" "${cmds% }" \
	_sentinelctl sentinelctl ""
expect "sentinelctl completes a command's prefix" "unlock" _sentinelctl sentinelctl un
expect "sentinelctl completes after its options" "hold" \
	_sentinelctl sentinelctl -s /nowhere.sock --json ho
long_opts() {	# the long options a --help lists
	"$1" --help | grep -- '^  -' | grep -o -- '--[a-z-]*' | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//'
}
expect "sentinelctl's options are those its --help lists" "$(long_opts build/sentinelctl)" \
	_sentinelctl sentinelctl --
expect "hold and release take --all" "--all" _sentinelctl sentinelctl release --
expect "a command takes one argument" "" _sentinelctl sentinelctl lock bob ""
start=$(date +%s)
expect "show offers no id when no daemon answers" "" \
	_sentinelctl sentinelctl -s "$WORK/nowhere.sock" show ""
check "and returns at once (under 3 s)" test $(($(date +%s) - start)) -le 3
# A stand-in daemon on a socket of its own: control.h's replies, with
# hostile text where a log line may put it.
python3 - "$WORK/ctl.sock" "$WORK/pwned" <<'PY' &
import json, os, socket, sys
replies = {
    "incidents": {"ok": True, "incidents": [
        {"id": "20261207T150520-0002", "identity": "sasl:bob",
         "lines": ["x \"id\":\"FORGED\" y"], "qids": ["postfix/4F3A21C0B2"]},
        {"id": "20261207T150520-0001", "identity": "sasl:alice", "lines": []}]},
    "status": {"ok": True, "mode": "observe",
               "locked": ["bob", "eve@example.org", "x y", "$(touch %s)" % sys.argv[2]]},
}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(8)
for _ in range(4):
    c, _ = s.accept()
    f = c.makefile("rwb")
    for line in f:
        cmd = json.loads(line)["cmd"]
        f.write((json.dumps(replies.get(cmd, {"ok": False, "error": "unknown"}), separators=(",", ":")) + "\n").encode())
        f.flush()
    c.close()
PY
FAKE=$!
wait_for 5 test -S "$WORK/ctl.sock"
expect "show offers the daemon's incident ids, not text inside them" \
	"20261207T150520-0001 20261207T150520-0002" _sentinelctl sentinelctl -s "$WORK/ctl.sock" show ""
expect "unlock offers the locked logins of plain characters only" "bob eve@example.org" \
	_sentinelctl sentinelctl --socket "$WORK/ctl.sock" unlock ""
check "a login is never expanded by the shell (compgen -W would run \$(...))" \
	test ! -e "$WORK/pwned"
kill "$FAKE" 2> /dev/null
wait "$FAKE" 2> /dev/null

expect "-s completes file names" "$WORK/logs" _sentinelctl sentinelctl -s "$WORK/lo"

expect "sentinel-report --format offers the formats" "auto exim postfix sendmail" \
	_sentinel_report sentinel-report --format ""
expect "sentinel-report completes --ver to --version" "--version" \
	_sentinel_report sentinel-report --ver
got=$(complete_words _sentinel_report sentinel-report -- | sed 's/=//g')
want=$(long_opts build/sentinel-report)
if [ "$got" = "$want" ]; then pass "sentinel-report's options are those its --help lists"
else fail "sentinel-report's options are those its --help lists" "want '$want', got '$got'"; fi
expect "sentinel-report completes file names, .gz too" \
	"$WORK/logs/mail.log $WORK/logs/mail.log.2.gz" _sentinel_report sentinel-report "$WORK/logs/m"
exit $((FAILED > 0))
