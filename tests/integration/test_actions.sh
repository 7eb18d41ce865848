#!/bin/bash
# test_actions.sh - the action engine against a real Postfix.
#
# As root: a lab (scripts/lab/lab.sh: Postfix with SASL on 127.x, mail to
# @defer.invalid stays queued, check_sasl_access hash:DIR/etc/sasl_access),
# driven through build/actions_driver (the real engine, runner and
# commands).  It proves, with Postfix's own tools as the judge:
#   - observe mode touches nothing: queue, map, hooks, quarantine, reloads
#   - hold puts a queued message on hold (postqueue -j), release undoes it
#   - lock: the login's AUTH session is refused at RCPT with 5.7.1, another
#     login still sends; the admin's lines of the map stay byte for byte
#   - two locks in a row, with an smtpd left idle between them holding the
#     first map: the second lock holds too
#   - unlock: the login sends again; the map is the admin's file again
#   - cut: a live authenticated session is reset (SOCK_DESTROY) while its
#     smtpd and every other session live on
#   - respond (hold ALL, lock, lock_hook, quarantine, release, action_hook
#     after each step): the identity's messages are copied out and gone from
#     the queue, the others' are released, an admin's hold stays
#   - respond with hold_scope = identity: the lock (postfix reload) first,
#     then the hold, whose postqueue -j follows the reload: nothing retried
#   - an unfinished request resumes after a restart
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh

LAB=scripts/lab/lab.sh
DRIVER=${ACTIONS_DRIVER:-build/actions_driver}
NAME="actions"

if [ "$(id -u)" -ne 0 ]; then
	skip "$NAME" "needs root (CI runs as root)"
	exit 0
fi
for p in postfix postqueue postsuper postmap postcat smtp-sink saslpasswd2 swaks ss base64; do
	if ! command -v "$p" >/dev/null; then
		skip "$NAME" "$p is not installed (scripts/deps.sh)"
		exit 0
	fi
done
if [ ! -x "$DRIVER" ]; then
	skip "$NAME" "$DRIVER is not built (make $DRIVER)"
	exit 0
fi

DIR=$(mktemp -d /tmp/sentinel-actions.XXXXXX)
chmod 0755 "$DIR"
ST=$DIR/state
MAP=$DIR/etc/sasl_access
cleanup() {
	exec 3>&- 4>&-
	"$LAB" stop "$DIR" >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! lab_start_free "$DIR"; then
	fail "the lab starts" "$LAB_OUT"
	exit 1
fi
pass "the lab starts (smtpd $ADDR)"
for u in alice bob carol dave; do
	"$LAB" adduser "$DIR" "$u" "pw-$u" >/dev/null || fail "adduser $u"
done

# --- helpers -------------------------------------------------------------

# "QID QUEUE SENDER" per queued message, from postqueue -j (one JSON
# object per line; Postfix writes the fields in this order).
queue() {
	postqueue -c "$DIR/etc" -j | sed -n \
		's/^{"queue_name": "\([a-z]*\)", "queue_id": "\([0-9A-Za-z]*\)",.*"sender": "\([^"]*\)".*/\2 \1 \3/p' | sort
}
queue_of() { queue | awk -v q="$1" '$1 == q { print $2 }'; }
qids_of() { queue | awk -v s="$1" '$3 == s { print $1 }'; }

# send_deferred USER N: N messages that stay in the queue.
send_deferred() {
	local before n
	before=$(qids_of "$1@lab.test" | wc -l)
	"$LAB" send "$DIR" "$1" "pw-$1" "$1@lab.test" "x@defer.invalid" "$2" 587 >/dev/null ||
		fail "$1 sends $2 messages"
	for _ in $(seq 1 50); do
		n=$(qids_of "$1@lab.test" | wc -l)
		[ "$n" -ge $((before + $2)) ] && return 0
		sleep 0.1
	done
	fail "$1's $2 messages reach the queue"
}

# try_send USER: 0 when the relay accepts a message; swaks's output in $SENT.
try_send() {
	SENT=$(swaks --server "$ADDR" --port 587 --helo client.lab.test --auth PLAIN \
		--auth-user "$1" --auth-password "pw-$1" --from "$1@lab.test" \
		--to "rcpt@example.net" --timeout 20 2>&1)
}

# drv ARGS...: the driver on this lab; its output in $OUT (and on ours).
drv() {
	OUT=$("$DRIVER" --state "$ST" --postfix-config "$DIR/etc" \
		--daemon-dir "$(postconf -c "$DIR/etc" -h daemon_directory)" "$@" 2>&1)
	DRV_RC=$?
	printf '%s\n' "$OUT" | sed 's/^/# /'
}
has_event() { printf '%s\n' "$OUT" | grep -q "^event $1 $2 "; }
event_field() {	# ACTION RESULT FIELD: its value in the first such event
	printf '%s\n' "$OUT" | awk -v a="$1" -v r="$2" -v f="$3=" '
		$1 == "event" && $2 == a && $3 == r {
			for (i = 4; i <= NF; i++) if (index($i, f) == 1) { print substr($i, length(f) + 1); exit }
		}'
}
reloads() { grep -c 'postfix/master\[[0-9]*\]: reload' "$DIR/maillog"; }

# session FD USER: an authenticated SMTP session on fd FD, left open.
session() {
	local fd=$1 l auth
	eval "exec $fd<>/dev/tcp/$ADDR/587" || return 1
	IFS= read -r -t 5 -u "$fd" l || return 1
	printf 'EHLO client.lab.test\r\n' >&"$fd"
	while IFS= read -r -t 5 -u "$fd" l; do [[ $l == "250 "* ]] && break; done
	auth=$(printf '\0%s\0%s' "$2" "pw-$2" | base64 -w0)
	printf 'AUTH PLAIN %s\r\n' "$auth" >&"$fd"
	IFS= read -r -t 5 -u "$fd" l || return 1
	[[ $l == "235 "* ]]
}
# alive FD: the session answers NOOP.
alive() {
	local l
	{ printf 'NOOP\r\n' >&"$1"; } 2>/dev/null || return 1
	IFS= read -r -t 3 -u "$1" l && [[ $l == "250 "* ]]
}
# local address:port of our fd FD, and the smtpd pid on the other end.
client_addr() {
	ss -Htnp state established | awk -v p="pid=$$,fd=$1)" 'index($0, p) { print $3; exit }'
}
smtpd_of() {
	ss -Htnp state established "( sport = :587 and dport = :${1##*:} )" |
		sed -n 's/.*"smtpd",pid=\([0-9]*\),.*/\1/p' | head -n 1
}
master_pid() { tr -d ' ' < "$DIR/spool/pid/master.pid"; }

# The admin's own map, which must survive every lock and unlock.
cat > "$MAP" <<'EOF'
# sasl_access: the admin's own entries
admin-blocked@lab.test REJECT 5.7.1 blocked by the admin
  (a continuation line)

old-account@lab.test REJECT 5.7.1 retired
EOF
postmap -c "$DIR/etc" "hash:$MAP" || fail "postmap of the admin's map"
cp "$MAP" "$DIR/map.admin"

# --- observe mode ----------------------------------------------------------

send_deferred alice 2
mapfile -t A < <(qids_of alice@lab.test)
cat > "$DIR/hook" <<'EOF'
#!/bin/sh
# an admin's hook: what it was called with, and the incident on stdin
{ echo "args: $*"; echo "stdin: $(cat)"; } >> "$0.log"
EOF
chmod 0755 "$DIR/hook"
q0=$(queue) map0=$(md5sum "$MAP" "$MAP.db") r0=$(reloads)
drv --hold-all --spam quarantine --quarantine "$DIR/quarantine" --map "$MAP" \
	--lock-hook "$DIR/hook" --action-hook "$DIR/hook" \
	respond sasl:alice@lab.test --incident obs-1 --qid "${A[0]}" --qid "${A[1]}" \
	--session 4242:127.0.0.1
n_obs=$(printf '%s\n' "$OUT" | grep -c '^event [a-z]* observed ')
n_all=$(printf '%s\n' "$OUT" | grep -c '^event ')
if [ "$DRV_RC" -eq 0 ] && [ "$n_obs" -eq 6 ] && [ "$n_all" -eq 6 ]; then
	pass "observe: hold, lock, cut, lock_hook, quarantine, release are all 'observed'"
else
	fail "observe: every step is 'observed'" "$OUT"
fi
check "observe: the queue is untouched" [ "$(queue)" = "$q0" ]
check "observe: the map and its database are untouched" [ "$(md5sum "$MAP" "$MAP.db")" = "$map0" ]
check "observe: no postfix reload" [ "$(reloads)" = "$r0" ]
check "observe: no hook ran" [ ! -e "$DIR/hook.log" ]
check "observe: nothing was quarantined" [ ! -e "$DIR/quarantine" ]
check "observe: six audit lines, all observed" \
	[ "$(grep -c '"result":"observed"' "$ST/audit.log")" -eq 6 ]

# --- hold and release ------------------------------------------------------

drv --enforce hold sasl:alice@lab.test --qid "${A[0]}"
if has_event hold ok && [ "$(event_field hold ok count)" = 1 ] &&
   [ "$(queue_of "${A[0]}")" = hold ] && [ "$(queue_of "${A[1]}")" = deferred ]; then
	pass "hold: postqueue -j shows the message in the hold queue, the other still deferred"
else
	fail "hold: the message is in the hold queue" "$(queue)"
fi
echo "# hold took $(event_field hold ok ms) ms"
drv --enforce release sasl:alice@lab.test --qid "${A[0]}"
if has_event release ok && [ "$(queue_of "${A[0]}")" = deferred ]; then
	pass "release: the message is back in the deferred queue"
else
	fail "release: the message is back in the deferred queue" "$(queue)"
fi

# --- framed queue ids, an untrusted maillog, the cost of the check ----------

# A forged "QID: client=..., sasl_username=mallory" line names alice's
# queue id: her queue file says alice, so it is never held as mallory's.
drv --enforce --spam delete hold sasl:mallory@lab.test --qid "${A[0]}" --qid "${A[1]}"
if has_event hold skipped && [ "$(queue_of "${A[0]}")" = deferred ] &&
   [ "$(queue_of "${A[1]}")" = deferred ]; then
	pass "framed: alice's messages named as mallory's are not held (their queue files say alice)"
else
	fail "framed: alice's messages are not held as mallory's" "$OUT $(queue)"
fi
drv --enforce --untrusted --map "$MAP" respond sasl:alice@lab.test --incident untr-1 \
	--qid "${A[0]}"
n_untr=$(printf '%s\n' "$OUT" | grep -c '^event [a-z]* untrusted ')
if [ "$n_untr" -ge 2 ] && [ "$(queue_of "${A[0]}")" = deferred ] &&
   ! grep -q '^alice@lab.test' "$MAP"; then
	pass "untrusted: enforce mode records every step as untrusted, holds and locks nothing"
else
	fail "untrusted: nothing is done" "$OUT"
fi
send_deferred dave 100
mapfile -t D < <(qids_of dave@lab.test)
args=()
for q in "${D[@]}"; do args+=(--qid "$q"); done
drv --enforce hold sasl:dave@lab.test "${args[@]}"
check "hold of 100 messages: each confirmed by its queue file, all held" \
	[ "$(event_field hold ok count)" = 100 ]
echo "# hold of 100 messages, with their queue files checked (postqueue -j, 100 x postcat -e): $(event_field hold ok ms) ms"
printf '%s\n' "${D[@]}" | postsuper -c "$DIR/etc" -d - >/dev/null 2>&1

# --- lock, a second lock, unlock ------------------------------------------

if try_send alice; then
	pass "before the lock, alice sends"
else
	fail "before the lock, alice sends" "$SENT"
fi
drv --enforce --map "$MAP" lock sasl:alice@lab.test --incident lock-1
check "lock: the step succeeds (postmap, rename, postfix reload)" has_event lock ok
echo "# lock took $(event_field lock ok ms) ms (postmap + rename + postfix reload)"
if ! try_send alice && printf '%s\n' "$SENT" | grep -q '^<\*\* *554 5\.7\.1 .*account locked by smtp-sentinel (lock-1)'; then
	pass "lock: alice's AUTH session is refused at RCPT with 5.7.1"
else
	fail "lock: alice's AUTH session is refused at RCPT with 5.7.1" "$(printf '%s\n' "$SENT" | tail -n 8)"
fi
if try_send bob; then
	pass "lock: bob still sends"
else
	fail "lock: bob still sends" "$(printf '%s\n' "$SENT" | tail -n 8)"
fi
check "lock: the admin's lines are untouched" \
	[ "$(grep -v 'account locked by smtp-sentinel' "$MAP")" = "$(cat "$DIR/map.admin")" ]
check "lock: one entry of ours, before the admin's first entry" \
	[ "$(sed -n 2p "$MAP")" = "alice@lab.test REJECT 5.7.1 account locked by smtp-sentinel (lock-1)" ]

# An smtpd that served carol after dave's lock stays idle with that map;
# carol's lock right after must still hold on the next connection.
drv --enforce --map "$MAP" lock sasl:dave@lab.test
m1=$(stat -c %Y "$MAP.db")
try_send carol
carol_before=$?
drv --enforce --map "$MAP" lock sasl:carol@lab.test
m2=$(stat -c %Y "$MAP.db")
echo "# the two map databases' mtimes: $m1 then $m2"
if [ "$carol_before" -eq 0 ] && ! try_send carol &&
   printf '%s\n' "$SENT" | grep -q '^<\*\* *554 5\.7\.1'; then
	pass "two locks in a row: the second holds although an smtpd served carol in between"
else
	fail "two locks in a row: the second holds" "before: $carol_before; $(printf '%s\n' "$SENT" | tail -n 5)"
fi
check "the database's mtime moves on with each lock" [ "$m2" -gt "$m1" ]

drv --enforce --map "$MAP" unlock sasl:alice@lab.test
check "unlock: the step succeeds" has_event unlock ok
echo "# unlock took $(event_field unlock ok ms) ms"
if try_send alice; then
	pass "unlock: alice sends again"
else
	fail "unlock: alice sends again" "$(printf '%s\n' "$SENT" | tail -n 8)"
fi
check "unlock: carol and dave stay locked" \
	[ "$(grep -c 'account locked by smtp-sentinel' "$MAP")" -eq 2 ]
drv --enforce --map "$MAP" unlock sasl:carol@lab.test
drv --enforce --map "$MAP" unlock sasl:dave@lab.test
check "after the last unlock the map is the admin's file, byte for byte" cmp -s "$MAP" "$DIR/map.admin"
check "the driver lists no lock any more" eval '! printf "%s\n" "$OUT" | grep -q "^locked "'

# --- cut a live session ----------------------------------------------------

if session 3 bob && session 4 carol; then
	pass "cut: two authenticated sessions are open (bob, carol)"
else
	fail "cut: two authenticated sessions are open"
fi
bob_addr=$(client_addr 3)
bob_smtpd=$(smtpd_of "$bob_addr")
carol_addr=$(client_addr 4)
carol_smtpd=$(smtpd_of "$carol_addr")
master0=$(master_pid)
echo "# bob's session $bob_addr is served by smtpd $bob_smtpd, carol's by $carol_smtpd"
# No map: the lock step is skipped (no reload), so only the cut acts.
drv --enforce lock sasl:bob@lab.test --session "$bob_smtpd:${bob_addr%:*}"
if has_event cut ok && [ "$(event_field cut ok count)" = 1 ]; then
	pass "cut: one socket destroyed"
else
	fail "cut: one socket destroyed" "$OUT"
fi
echo "# cut took $(event_field cut ok ms) ms"
if alive 3; then
	fail "cut: bob's client sees its connection reset"
else
	pass "cut: bob's client sees its connection reset"
fi
check "cut: carol's session is still served" alive 4
sleep 0.3
check "cut: bob's smtpd is still alive (it was not killed)" \
	[ "$(cat "/proc/$bob_smtpd/comm" 2>/dev/null)" = smtpd ]
check "cut: master is the same process" [ "$(master_pid)" = "$master0" ]
check "cut: no Postfix process was killed by a signal" \
	eval '! grep -q "killed by signal" "$DIR/maillog"'
# With the map: lock, reload, then the cut of carol's live session.
drv --enforce --map "$MAP" lock sasl:carol@lab.test --session "$carol_smtpd:${carol_addr%:*}"
if has_event lock ok && has_event cut ok && ! alive 4; then
	pass "lock with a session: the map changes and carol's live session is reset"
else
	fail "lock with a session: the map changes and carol's live session is reset" "$OUT"
fi
exec 3>&- 4>&-
drv --enforce --map "$MAP" unlock sasl:carol@lab.test

# --- respond: the whole runbook --------------------------------------------

postsuper -c "$DIR/etc" -d ALL 2>/dev/null
send_deferred alice 2
send_deferred bob 2
mapfile -t A < <(qids_of alice@lab.test)
mapfile -t B < <(qids_of bob@lab.test)
postsuper -c "$DIR/etc" -h "${B[1]}" 2>/dev/null	# the admin's own hold
rm -f "$DIR/hook.log"
json='{"id":"inc-42","identity":"sasl:alice@lab.test"}'
drv --enforce --hold-all --spam quarantine --quarantine "$DIR/quarantine" --map "$MAP" \
	--lock-hook "$DIR/hook" --action-hook "$DIR/hook" \
	respond sasl:alice@lab.test --incident inc-42 --json "$json" \
	--qid "${A[0]}" --qid "${A[1]}"
steps=$(printf '%s\n' "$OUT" | awk '$1 == "event" { printf "%s:%s ", $2, $3 }')
want="hold:ok hook:ok lock:ok hook:ok hook:ok quarantine:ok hook:ok release:ok hook:ok "
if [ "$steps" = "$want" ]; then
	pass "respond: hold, lock, lock_hook, quarantine, release, each followed by action_hook"
else
	fail "respond: the steps in order" "got: $steps"
fi
check "respond: hold ALL held the 3 messages not held yet" [ "$(event_field hold ok count)" = 3 ]
q=$DIR/quarantine/inc-42
ok=1
for id in "${A[@]}"; do
	[ -f "$q/$id" ] && [ "$(stat -c %a "$q/$id")" = 600 ] &&
		grep -q '^Subject: lab message' "$q/$id" &&
		grep -q 'sasl_username=alice@lab.test' "$q/$id" || ok=0
	[ -z "$(queue_of "$id")" ] || ok=0
done
if [ "$ok" -eq 1 ] && [ "$(stat -c %a "$q")" = 700 ]; then
	pass "respond: alice's 2 messages are in quarantine/inc-42 (0600, envelope and content) and gone from the queue"
else
	fail "respond: alice's messages are quarantined and gone" "$(ls -la "$q" 2>&1) $(queue)"
fi
if [ "$(queue_of "${B[0]}")" = deferred ] && [ "$(queue_of "${B[1]}")" = hold ]; then
	pass "respond: bob's message held by the request is released, the admin's hold stays"
else
	fail "respond: only what the request held is released" "$(queue)"
fi
check "respond: release counted 1 message" [ "$(event_field release ok count)" = 1 ]
if ! try_send alice && printf '%s\n' "$SENT" | grep -q '554 5\.7\.1 .*(inc-42)'; then
	pass "respond: alice is locked"
else
	fail "respond: alice is locked" "$(printf '%s\n' "$SENT" | tail -n 5)"
fi
if grep -qx "args: lock -- alice@lab.test" "$DIR/hook.log" &&
   grep -qx "args: hold ok sasl:alice@lab.test inc-42" "$DIR/hook.log" &&
   grep -qx "args: quarantine ok sasl:alice@lab.test inc-42" "$DIR/hook.log" &&
   grep -qx "args: release ok sasl:alice@lab.test inc-42" "$DIR/hook.log" &&
   [ "$(grep -cx "stdin: $json" "$DIR/hook.log")" -eq 5 ]; then
	pass "respond: the hooks got their arguments and the incident JSON on stdin"
else
	fail "respond: the hooks' arguments and stdin" "$(cat "$DIR/hook.log")"
fi
n=$(grep '"incident":"inc-42"' "$ST/audit.log" | grep -c '"commands":\[{"argv":\["')
check "respond: audit.log has the commands of every step that ran one ($n lines)" [ "$n" -ge 9 ]
drv --enforce --map "$MAP" unlock sasl:alice@lab.test

# --- respond, hold_scope = identity: the lock first, then the hold ---------
# The lock's postfix reload returns before the master has restarted its
# services; the hold's postqueue -j comes right after it, and waits that
# out (run again inside the step if it fails): no retry, no failure.

send_deferred bob 2
mapfile -t B2 < <(comm -13 <(printf '%s\n' "${B[@]}" | sort) <(qids_of bob@lab.test | sort))
r0=$(reloads)
drv --enforce --spam keep --map "$MAP" \
	respond sasl:bob@lab.test --incident inc-43 --qid "${B2[0]}" --qid "${B2[1]}"
steps=$(printf '%s\n' "$OUT" | awk '$1 == "event" { printf "%s:%s ", $2, $3 }')
check "respond (identity): lock, then hold; nothing retried or failed (got: $steps)" \
	[ "$steps" = "lock:ok hold:ok " ]
check "respond (identity): the lock reloaded Postfix before the hold" [ "$(reloads)" -gt "$r0" ]
if [ "${#B2[@]}" -eq 2 ] && [ "$(queue_of "${B2[0]}")" = hold ] &&
   [ "$(queue_of "${B2[1]}")" = hold ]; then
	pass "respond (identity): bob's 2 new messages are on hold"
else
	fail "respond (identity): bob's new messages are on hold" "$(queue)"
fi
echo "# the hold's listing after the reload: $(printf '%s\n' "$OUT" |
	grep -o 'postqueue -j run again [0-9]* times\?' || echo 'first time right')"
drv --enforce --map "$MAP" unlock sasl:bob@lab.test
printf '%s\n' "${B2[@]}" | postsuper -c "$DIR/etc" -d - >/dev/null 2>&1

# --- resume after a restart ------------------------------------------------

send_deferred alice 1
r1=$(qids_of alice@lab.test | head -n 1)
drv --enforce hold sasl:alice@lab.test --qid "$r1" --abandon
check "abandoned: the request stays in actions.state" grep -q "\"qids\":\[\"$r1\"\]" "$ST/actions.state"
drv --enforce resume
if has_event hold ok && [ "$(queue_of "$r1")" = hold ] &&
   ! grep -q "\"qids\":\[\"$r1\"\]" "$ST/actions.state"; then
	pass "resume: the unfinished hold completes after a restart"
else
	fail "resume: the unfinished hold completes after a restart" "$OUT $(queue)"
fi

if [ "$FAILED" -gt 0 ]; then
	echo "# --- audit.log"
	sed 's/^/# /' "$ST/audit.log"
	echo "# --- maillog (tail)"
	tail -n 40 "$DIR/maillog" | sed 's/^/# /'
fi
exit $((FAILED > 0))
