#!/bin/sh
# test_sentinelctl.sh - sentinelctl's behaviour without a daemon.
#
# Needs no root (one check runs as nobody when it is).  Against no daemon,
# a stale socket file and a socket it may not open, sentinelctl must say
# which socket and why, and exit 1; usage errors exit 2 before any
# connection is tried; --help and --version exit 0.  The commands against
# a running sentineld are checked once sentineld serves the socket.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

CTL=build/sentinelctl
WORK=$(mktemp -d)
unset SENTINEL_CONTROL_SOCKET
trap 'rm -rf "$WORK"' EXIT

if [ ! -x "$CTL" ]; then
	fail "sentinelctl integration" "build $CTL first (make all)"
	exit 1
fi

# run ARGS...: status in $rc, output in $WORK/out and $WORK/err
run() {
	"$CTL" "$@" > "$WORK/out" 2> "$WORK/err"
	rc=$?
}

# no daemon
run -s "$WORK/none.sock" status
check "no daemon: exit 1" test "$rc" -eq 1
check "no daemon: says which socket, why, and asks if sentineld runs" \
	grep -qF "sentinelctl: cannot connect to $WORK/none.sock: No such file or directory — is sentineld running?" "$WORK/err"
check "no daemon: nothing on stdout" test ! -s "$WORK/out"

for cmd in incidents "show 20261127T072501-0001" "lock bob" "unlock bob" \
	"hold bob" "hold --all" "release --all" top "--json status"; do
	# shellcheck disable=SC2086
	run -s "$WORK/none.sock" $cmd
	check "no daemon: '$cmd' exits 1 with the reason" \
		sh -c "[ $rc -eq 1 ] && grep -q 'cannot connect to' '$WORK/err'"
done

SENTINEL_CONTROL_SOCKET="$WORK/env.sock" "$CTL" status > "$WORK/out" 2> "$WORK/err"
rc=$?
check "SENTINEL_CONTROL_SOCKET names the socket" \
	sh -c "[ $rc -eq 1 ] && grep -qF 'cannot connect to $WORK/env.sock:' '$WORK/err'"
SENTINEL_CONTROL_SOCKET="$WORK/env.sock" "$CTL" -s "$WORK/opt.sock" status 2> "$WORK/err"
check "-s wins over SENTINEL_CONTROL_SOCKET" grep -qF "cannot connect to $WORK/opt.sock:" "$WORK/err"
if [ -e /run/smtp-sentinel/control.sock ]; then
	skip "default socket" "/run/smtp-sentinel/control.sock exists (a sentineld runs here)"
else
	SENTINEL_CONTROL_SOCKET='' "$CTL" status 2> "$WORK/err"
	check "the default socket is /run/smtp-sentinel/control.sock" \
		grep -qF "cannot connect to /run/smtp-sentinel/control.sock:" "$WORK/err"
fi

long=$WORK/$(printf '%0120d' 0).sock
run -s "$long" status
check "a socket path too long for sun_path: exit 1, said so" \
	sh -c "[ $rc -eq 1 ] && grep -q 'File name too long' '$WORK/err'"

# A socket file nobody listens on: what a crashed daemon leaves behind.
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$WORK/stale.sock"
	run -s "$WORK/stale.sock" status
	check "stale socket: exit 1, connection refused, is sentineld running?" \
		sh -c "[ $rc -eq 1 ] && grep -qF 'cannot connect to $WORK/stale.sock: Connection refused — is sentineld running?' '$WORK/err'"
else
	skip "stale socket" "no python3 to bind a socket"
fi

# A socket the caller may not open: the hint is about permissions.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && [ -e "$WORK/stale.sock" ]; then
	chmod 0755 "$WORK"
	chmod 0600 "$WORK/stale.sock"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CTL" -s "$WORK/stale.sock" status > "$WORK/out" 2> "$WORK/err"
	rc=$?
	check "no permission: exit 1, asks about root or the socket's group" \
		sh -c "[ $rc -eq 1 ] && grep -qF 'Permission denied — are you root or in the socket' '$WORK/err'"
else
	skip "socket permission" "needs root, setpriv and python3"
fi

# usage errors: exit 2, before connecting (so never the connect message)
usage_error() {
	what=$1	# not "name": check() sets that
	shift
	run -s "$WORK/none.sock" "$@"
	check "usage: $what exits 2" test "$rc" -eq 2
	check "usage: $what is found before connecting" \
		sh -c "! grep -q 'cannot connect' '$WORK/err' && grep -q '^sentinelctl: ' '$WORK/err'"
}
usage_error "no command"
usage_error "an unknown command" frobnicate
usage_error "an unknown option" -x status
usage_error "an unknown long option" --frob status
usage_error "-s without a socket" -s
usage_error "show without an id" show
usage_error "lock without a user" lock
usage_error "lock with two users" lock alice bob
usage_error "lock --all" lock --all
usage_error "hold with a user and --all" hold bob --all
usage_error "release without a user or --all" release
usage_error "status with an argument" status now
usage_error "an empty user" lock ""
usage_error "a user that is not UTF-8" lock "$(printf 'b\377b')"
usage_error "a user longer than a request line" lock "$(printf '%05000d' 0)"

run -s "$WORK/none.sock" frobnicate
check "an unknown command is named" grep -q 'unknown command frobnicate' "$WORK/err"
run -s "$WORK/none.sock" "$(printf 'evil\033]0;pwned\007')"
check "an unknown command is printed escaped" \
	sh -c "grep -qF 'evil\\x1b]0;pwned\\x07' '$WORK/err' && ! grep -q \"\$(printf '\\033')\" '$WORK/err'"

run -s "$WORK/none.sock" lock -- -dash
check "-- lets a user start with a dash (then it connects)" \
	sh -c "[ $rc -eq 1 ] && grep -q 'cannot connect' '$WORK/err'"
run -s "$WORK/none.sock" incidents --json
check "--json may follow the command" \
	sh -c "[ $rc -eq 1 ] && grep -q 'cannot connect' '$WORK/err'"

# help and version
run --help
check "--help: exit 0, usage on stdout" \
	sh -c "[ $rc -eq 0 ] && grep -q '^usage: sentinelctl' '$WORK/out' && [ ! -s '$WORK/err' ]"
for c in status incidents show resolve dismiss lock unlock hold release top; do
	check "--help lists $c" grep -q "^  $c" "$WORK/out"
done
run -h
check "-h is --help" sh -c "[ $rc -eq 0 ] && grep -q '^usage: sentinelctl' '$WORK/out'"
version=$(sed -n 's/^VERSION := //p' Makefile)
run -V
check "-V prints sentinelctl $version" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$WORK/out')\" = 'sentinelctl $version' ]"
run --version
check "--version is -V" grep -qx "sentinelctl $version" "$WORK/out"

# the manual page
if command -v groff >/dev/null 2>&1; then
	groff -man -ww -z tools/sentinelctl.1 > "$WORK/groff" 2>&1
	check "the manual page formats without warnings" test ! -s "$WORK/groff"
else
	skip "manual page" "no groff"
fi
for c in status incidents show resolve dismiss lock unlock hold release top SENTINEL_CONTROL_SOCKET; do
	check "the manual page documents $c" grep -q "$c" tools/sentinelctl.1
done

[ "$FAILED" -eq 0 ]
