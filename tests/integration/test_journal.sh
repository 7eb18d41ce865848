#!/bin/bash
# test_journal.sh - sentineld reads the maillog from a journal ([maillog]
# source = journal, journal_dir): genuine Postfix entries are used, entries
# an unprivileged user wrote under Postfix's name are counted as forged and
# never used, and a restart resumes from the saved cursor.
#
# As root (sentineld needs BPF): the journal is a real journal file that
# systemd-journal-remote writes from an export stream in which the test
# sets the trusted fields (_UID, _COMM, _EXE) as journald would from the
# kernel; no journald runs.  The framing attempt of issue 9 (five failed
# logins from one address, then that address logging in as the victim),
# written as uid 65534 with logger(1), must open no incident; the same
# pattern from Postfix's own smtpd for a real account must open one.
# sentinel-report --journal reads the same journal with the same check, and
# with --root the journal of a container's Postfix (its uid and paths).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

REMOTE=/lib/systemd/systemd-journal-remote

if [ "$(id -u)" -ne 0 ]; then
	skip "journal integration" "needs root (CI runs as root)"
	exit 0
fi
if [ ! -x "$REMOTE" ]; then
	skip "journal integration" "no $REMOTE (Debian: systemd-journal-remote)"
	exit 0
fi
daemon_work

# Postfix's writers as sentineld finds them (postconf, else the defaults)
POSTFIX_UID=$(id -u postfix 2>/dev/null || echo 102)
DAEMON_DIR=$(postconf -h daemon_directory 2>/dev/null || echo /usr/lib/postfix/sbin)
DAEMON_DIR=$(realpath "$DAEMON_DIR")
BOOT=$(tr -d - < /proc/sys/kernel/random/boot_id)
SEQ=0

mkdir "$WORK/journal"
daemon_conf > "$WORK/sentinel.conf" <<CONF
[maillog]
source = journal
journal_dir = $WORK/journal
path = none
local_domains = example.org
CONF

# entry UID COMM EXE PROGRAM PID MESSAGE: one entry of the export format
entry() {
	SEQ=$((SEQ + 1))
	printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=%s\n' \
		"$(date +%s%6N)" "$SEQ" "$BOOT"
	printf '_HOSTNAME=mx1\n_UID=%s\n_GID=%s\n_PID=%s\n_COMM=%s\n_EXE=%s\n' \
		"$1" "$1" "$5" "$2" "$3"
	printf 'SYSLOG_FACILITY=2\nSYSLOG_IDENTIFIER=%s\nSYSLOG_PID=%s\nMESSAGE=%s\n\n' \
		"$4" "$5" "$6"
}
smtpd() {	# smtpd PID MESSAGE: Postfix's own smtpd
	entry "$POSTFIX_UID" smtpd "$DAEMON_DIR/smtpd" postfix/smtpd "$1" "$2"
}
logger_as_nobody() {	# logger_as_nobody PID MESSAGE: `logger -t postfix/smtpd[PID]`
	entry 65534 logger /usr/bin/logger postfix/smtpd "$1" "$2"
}
write_journal() {	# the entries on stdin, appended to the journal
	"$REMOTE" -o "$WORK/journal/test.journal" - 2>> "$WORK/remote.log"
}
failed() {	# failed IP USER
	echo "warning: unknown[$1]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=$2"
}
login() {	# login QID IP USER
	echo "$1: client=unknown[$2], sasl_method=LOGIN, sasl_username=$3"
}

lines() {
	metric "smtp_sentinel_maillog_lines_total{result=\"$1\"}"
}
incident_for() {
	grep -q "\"identity\":\"$1\"" "$WORK/state/incidents.log" 2>/dev/null
}

# a first genuine entry, before the start: start = end skips it
smtpd 2200 "connect from unknown[203.0.113.1]" | write_journal
daemon_start
check "the start-up log says the journal is read and trusted entry by entry" \
	grep -q "journal.*trusted, entry by entry" "$WORK/daemon.log"

# the framing attempt, as an unprivileged user
{
	for _ in 1 2 3 4 5; do logger_as_nobody 3001 "$(failed 198.51.100.9 victim)"; done
	logger_as_nobody 3001 "$(login 5A1B2C3D4E 198.51.100.9 victim)"
} | write_journal
check "the six forged entries are counted as forged" wait_for 10 \
	sh -c "test \"\$(curl -fsS http://127.0.0.1:$PORT/metrics | \
		awk '\$1 == \"smtp_sentinel_maillog_lines_total{result=\\\"forged\\\"}\" { print \$2 }')\" = 6"

# the real thing: Postfix's smtpd logs a guessed password, then the login
{
	for _ in 1 2 3 4 5; do smtpd 3101 "$(failed 203.0.113.66 spammer@example.org)"; done
	smtpd 3101 "$(login 6B1B2C3D4E 203.0.113.66 spammer@example.org)"
} | write_journal
check "the genuine brute force then login opens an incident for the account" \
	wait_for 10 incident_for "sasl:spammer@example.org"
check "the framed victim has no incident" sh -c \
	"! grep -q '\"identity\":\"sasl:victim\"' '$WORK/state/incidents.log'"
check "the genuine entries are parsed (5 failures, 1 login)" \
	test "$(lines parsed)" = 6
check "no forged failure is counted as an authentication failure" \
	test "$(metric smtp_sentinel_sasl_auth_failures_total)" = 5
check "one login: the account's, not the victim's" \
	test "$(metric smtp_sentinel_sasl_logins_total)" = 1
check "the forged count stays at 6" test "$(lines forged)" = 6
check "the forged entries are logged with their writer" \
	grep -q "forged journal entry not used (_UID 65534" "$WORK/daemon.log"

# restart: entries written while stopped are read once, none lost
daemon_stop
check "the cursor is saved in maillog.state" grep -q "^journal s=" "$WORK/state/maillog.state"
{
	smtpd 3102 "connect from unknown[203.0.113.7]"
	smtpd 3102 "$(login 7C1B2C3D4E 203.0.113.7 alice@example.org)"
	logger_as_nobody 3002 "$(login 8D1B2C3D4E 198.51.100.9 victim)"
} | write_journal
daemon_start
all_lines() {
	echo "$(lines parsed) $(lines ignored) $(lines unparsed) $(lines forged)"
}
# a connect line is a record too (parsed): 2 parsed, the forged login 1
for _ in $(seq 1 100); do
	[ "$(all_lines)" = "2 0 0 1" ] && break
	sleep 0.1
done
sleep 1.2	# and it stays there: nothing is read twice
got=$(all_lines)
if [ "$got" = "2 0 0 1" ]; then
	pass "after a restart, exactly the entries written meanwhile are read"
else
	fail "after a restart, exactly the entries written meanwhile are read" \
		"parsed ignored unparsed forged: want 2 0 0 1, got $got"
fi
check "the one forged entry written while stopped is counted after the restart" \
	test "$(lines forged)" = 1
check "the victim still has no incident" sh -c \
	"! grep -q '\"identity\":\"sasl:victim\"' '$WORK/state/incidents.log'"
daemon_stop

# sentinel-report reads the same journal: the forged entries are shown and
# counted, never used
REPORT=${SENTINEL_REPORT:-build/sentinel-report}
"$REPORT" --journal="$WORK/journal" > "$WORK/report.txt" 2> "$WORK/report.err"
check "sentinel-report --journal counts the 7 forged entries" \
	grep -q "forged 7 (not used)" "$WORK/report.txt"
check "sentinel-report --journal lists the genuine failed logins, not the forged ones" sh -c \
	"grep -q '^ *5  203.0.113.66 .*spammer@example.org' '$WORK/report.txt' && \
	 ! grep -q '198.51.100.9' '$WORK/report.txt'"
check "sentinel-report --journal has no trace of the framed victim" sh -c \
	"! grep -q 'victim' '$WORK/report.txt'"
"$REPORT" --explain --journal="$WORK/journal" > "$WORK/explain.json" 2>> "$WORK/report.err"
check "--explain shows each forged entry with its writer" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
forged = [r for r in rows if r["kind"] == "forged"]
ok = len(forged) == 7 and all(r["writer"]["uid"] == 65534 and r["writer"]["comm"] == "logger"
                              and "_UID 65534" in r["forged"] and "identity" not in r for r in forged)
ok = ok and len(rows) == 16
sys.exit(0 if ok else 1)' "$WORK/explain.json"

# A Postfix in a container: its journal names the container's uid and paths.
# A root of its own (no container needs to run: the writers are read from
# its files): mail_owner postfix is uid 4242 in its etc/passwd, its
# daemon_directory /usr/libexec/postfix (Fedora's), and its journal
# in ROOT/var/log/journal.
CROOT=$WORK/croot
mkdir -p "$CROOT/etc/postfix" "$CROOT/usr/libexec/postfix" "$CROOT/usr/sbin" \
	"$CROOT/var/log/journal"
printf 'root:x:0:0:root:/root:/bin/sh\npostfix:x:4242:4242::/var/spool/postfix:/usr/sbin/nologin\n' \
	> "$CROOT/etc/passwd"
# Its main.cf is an absolute link to WORK/shared.cf: inside the root that
# is CROOT/WORK/shared.cf; this host has a file of that name too, whose
# values (mail_owner nobody) must not leak in: no process of the
# container runs, so sentinel-report reads main.cf inside CROOT.
mkdir -p "$CROOT$WORK"
printf 'mail_owner = postfix\ndaemon_directory = /usr/libexec/postfix\ncommand_directory = /usr/sbin\n' \
	> "$CROOT$WORK/shared.cf"
printf 'mail_owner = nobody\ndaemon_directory = /usr/lib/postfix/sbin\n' > "$WORK/shared.cf"
ln -s "$WORK/shared.cf" "$CROOT/etc/postfix/main.cf"
csmtpd() {	# csmtpd PID MESSAGE: the container's smtpd, as its journald names it
	entry 4242 smtpd /usr/libexec/postfix/smtpd postfix/smtpd "$1" "$2"
}
{
	for _ in 1 2 3; do csmtpd 4101 "$(failed 203.0.113.77 carol@example.org)"; done
	csmtpd 4101 "$(login 7C1B2C3D4E 203.0.113.77 carol@example.org)"
	logger_as_nobody 4102 "$(failed 198.51.100.10 dave@example.org)"
} | "$REMOTE" -o "$CROOT/var/log/journal/test.journal" - 2>> "$WORK/remote.log"
"$REPORT" --journal="$CROOT/var/log/journal" > "$WORK/creport-host.txt" 2>&1
check "the container's entries read with the host's writers are all forged" \
	grep -q "forged 5 (not used)" "$WORK/creport-host.txt"
"$REPORT" --root "$CROOT" --journal > "$WORK/creport.txt" 2> "$WORK/creport.err"
check "sentinel-report --root ROOT --journal reads ROOT/var/log/journal with the container's writers" \
	sh -c "grep -q 'forged 1 (not used)' '$WORK/creport.txt' && \
	       grep -q '^ *3  203.0.113.77 .*carol@example.org' '$WORK/creport.txt' && \
	       ! grep -q '198.51.100.10' '$WORK/creport.txt'"
check "sentinel-report --root: main.cf read inside ROOT (no process of it runs), said in a warning" \
	grep -q "Postfix's parameters: the container's postconf cannot run (no process of the container at $CROOT runs (none has that root)): read from $CROOT/etc/postfix/main.cf instead, inside the container's root" \
	"$WORK/creport.err"
check "--root without --journal is a usage error (exit 2)" sh -c \
	"'$REPORT' --root '$CROOT' '$WORK/creport.txt' > /dev/null 2> '$WORK/rootusage.err'; \
	 test \$? -eq 2 && grep -q 'only with --journal' '$WORK/rootusage.err'"
exit "$FAILED"
