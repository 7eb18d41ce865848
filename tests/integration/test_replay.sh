#!/bin/bash
# test_replay.sh - the shipped defaults on a day of a relay: an incident for
# each stolen account and for no one else.
#
# build/genrelay writes a day of a relay's maillog (3000 ordinary users,
# as much inbound mail, four stolen accounts of different kinds: forged
# foreign senders, a spray from the account's own address to new domains,
# a bounce storm, a dormant login; see tests/bench/genrelay.c) and the
# list of the stolen ones.  sentineld reads it from the beginning with
# scripts/sentinel.conf as shipped (local_domains = auto, observe mode;
# only the paths, the ports, `start` and `source = file` are changed), and its
# incidents.log must name exactly the stolen accounts, the spray within
# two minutes of its first message.  Then a restart on the same state
# reads the histories back.  As root (sentineld needs BPF to start).
# SHIPPED=FILE replays another configuration the same way; REPLAY_SEED and
# REPLAY_USERS change the generated day.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

DAEMON=${SENTINELD:-build/san/sentineld}
USERS=${REPLAY_USERS:-3000}
SEED=${REPLAY_SEED:-1}
WORK=$(mktemp -d /tmp/test_replay.XXXXXX)
chmod 0755 "$WORK"
PID=

if [ "$(id -u)" -ne 0 ]; then
	skip "replay of a relay's day" "needs root (sentineld needs BPF)"
	exit 0
fi
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

build/genrelay -s "$SEED" -u "$USERS" -a "$WORK/stolen" > "$WORK/mail.log" 2> "$WORK/genrelay.out" ||
	{ fail "genrelay writes the log" "$(cat "$WORK/genrelay.out")"; exit 1; }
LINES=$(wc -l < "$WORK/mail.log")
BYTES=$(stat -c %s "$WORK/mail.log")

# The shipped configuration, with only paths, ports and start changed.
PORT=$(free_port)
python3 tests/shipped_conf.py ${SHIPPED:-scripts/sentinel.conf} "$WORK/sentinel.conf" "$WORK" "$PORT"
check "the shipped config sets no local domain by hand" \
	grep -q '^local_domains = auto$' "$WORK/sentinel.conf"

lines_read() {
	curl -fsS "http://127.0.0.1:$PORT/metrics" |
		awk '$1 ~ /^smtp_sentinel_maillog_lines_total/ { n += $2 } END { print n + 0 }'
}
start() {
	"$DAEMON" -c "$WORK/sentinel.conf" >> "$WORK/daemon.log" 2>&1 &
	PID=$!
	wait_for 30 curl -fsS -o /dev/null "http://127.0.0.1:$PORT/metrics" ||
		{ fail "sentineld starts" "$(cat "$WORK/daemon.log")"; exit 1; }
}

T0=$(date +%s.%N)
start
wait_for 900 sh -c "[ \"\$(curl -fsS http://127.0.0.1:$PORT/metrics |
	awk '\$1 ~ /^smtp_sentinel_maillog_lines_total/ { n += \$2 } END { print n + 0 }')\" -ge $LINES ]"
T1=$(date +%s.%N)
check "sentineld reads every line of the log" test "$(lines_read)" -ge "$LINES"
sleep 2
curl -fsS "http://127.0.0.1:$PORT/metrics" > "$WORK/metrics.txt"
kill -TERM "$PID"; wait "$PID"; PID=

python3 - "$WORK/state/incidents.log" "$WORK/stolen" "$USERS" "$LINES" "$BYTES" \
	"$(echo "$T1 - $T0" | bc)" > "$WORK/result" <<'EOF'
import json, sys
log, stolen_path, users, lines, size, secs = sys.argv[1:]
stolen = {}
for l in open(stolen_path):
	ident, kind, start, end = l.split()
	stolen[ident] = (kind, int(start), int(end))
opened = {}
for l in open(log):
	e = json.loads(l)
	if e["event"] == "opened":
		inc = e["incident"]
		opened.setdefault(inc["identity"], inc)
found = sorted(i for i in opened if i in stolen)
wrong = sorted(i for i in opened if i not in stolen)
print("replay: %s users, %s lines, %.1f MB, read in %.1f s; stolen %d, found %d, "
      "wrongly flagged %d" % (users, lines, int(size) / 1e6, float(secs), len(stolen),
			       len(found), len(wrong)))
for i in sorted(opened):
	inc = opened[i]
	kind = stolen.get(i, ("NOT STOLEN",))[0]
	after = inc["updated"] - stolen[i][1] if i in stolen else 0
	print("  %-36s %-10s %6.1f s after its first message: %s" % (
		i, kind, after, ", ".join(sorted(inc["signals"]))))
print("missed=%d" % (len(stolen) - len(found)))
print("wrong=%d" % len(wrong))
spray = [i for i in found if stolen[i][0] == "spray"]
print("spray_ok=%d" % (1 if spray and opened[spray[0]]["updated"] - stolen[spray[0]][1] <= 120
			else 0))
EOF
cat "$WORK/result" | grep -v '=' | sed 's/^/# /'
check "every stolen account has an incident" grep -qx 'missed=0' "$WORK/result"
check "no one else has an incident" grep -qx 'wrong=0' "$WORK/result"
check "the own-address spray is flagged within two minutes" grep -qx 'spray_ok=1' "$WORK/result"
check "what was learned is counted" sh -c \
	"grep -q '^smtp_sentinel_detect_learned_domains [1-9]' '$WORK/metrics.txt' &&
	 grep -q '^smtp_sentinel_detect_histories [1-9]' '$WORK/metrics.txt'"

# A restart reads the histories back, and --check-config shows them.
check "the histories were saved at exit" test -s "$WORK/state/detect.history"
"$DAEMON" --check-config -c "$WORK/sentinel.conf" > "$WORK/check.out" 2>&1
sed 's/^/# /' "$WORK/check.out" | head -8
check "--check-config says what was learned" \
	grep -q 'learned from the traffic (.*detect.history): [1-9][0-9]* sender domains, [1-9][0-9]* identities' \
	"$WORK/check.out"
start
check "a restart reads the histories back" wait_for 10 sh -c \
	"grep -q 'detect.history: [1-9][0-9]* identities' '$WORK/daemon.log'"
kill -TERM "$PID"; wait "$PID"; PID=
exit "$FAILED"
