#!/bin/bash
# test_completion.sh - the bash completions of sentinelctl and sentinel-report
# complete what the programs accept.
#
# Needs no root and no daemon.  bash-completion's own library is sourced,
# then scripts/completion/*; each case sets COMP_WORDS as bash would and
# calls the completion function.  sentinelctl's commands must be exactly
# those its --help lists; with no daemon, show and unlock offer nothing and
# return at once (not after sentinelctl's 10 s timeout).
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
