#!/bin/bash
# demo.sh - a stolen password, a spam run, and smtp-sentinel stopping it.
#
#   scripts/lab/demo.sh [--keep] [DIR]        (root; `make demo` runs it)
#
# Starts the Postfix lab (lab.sh) in DIR (default: a new temporary
# directory) on loopback addresses of its own, and sentineld in enforce
# mode on it; then one user (alice) sends legitimate mail while another
# (mallory, whose password "leaked") sends a spam run: forged senders from
# random foreign domains, many recipients each, as fast as DEMO_RATE per
# second.  Half of each spam message's recipients are at @defer.invalid,
# which the lab defers (as greylisting or a slow remote MX would): those
# copies stay in the queue for the hold and the quarantine to find.  It prints the timeline (spam start, incident, lock, hold,
# quarantine, release), how many spam messages reached the sink before the
# lock, and what became of alice's mail; then tears everything down.
# --keep leaves the lab and the daemon running (the integration test uses
# it, then calls `demo.sh stop DIR`).  Nothing leaves 127.0.0.0/8.
#
# Environment: DEMO_RATE [50] spam messages per second, DEMO_SPAM [300]
# spam messages, DEMO_RCPTS [5] recipients per spam message, DEMO_LEGIT [5]
# legitimate messages, DEMO_MODE [enforce] (or observe: the incident, and
# nothing touched), DEMO_CONFIG (more sentinel.conf lines, whole sections,
# e.g. "[actions]\nhold_scope = all"), BUILD [build]; the lab's addresses as in
# sentinel-lab.sh.
set -u
cd "$(dirname "$0")/../.." || exit 1

BUILD=${BUILD:-build}
RATE=${DEMO_RATE:-50}
SPAM=${DEMO_SPAM:-300}
RCPTS=${DEMO_RCPTS:-5}
LEGIT=${DEMO_LEGIT:-5}
MODE=${DEMO_MODE:-enforce}
. scripts/lab/sentinel-lab.sh
SUBMIT=$SENTINEL_LAB_SUBMIT

die() { echo "demo.sh: $*" >&2; exit 1; }

if [ "${1:-}" = stop ]; then
	[ -n "${2:-}" ] || die "usage: demo.sh stop DIR"
	sentinel_lab_stop "$2"
	exit 0
fi
KEEP=0
if [ "${1:-}" = --keep ]; then KEEP=1; shift; fi
[ "$(id -u)" = 0 ] || die "run as root (BPF, Postfix)"
for b in sentineld sentinelctl smtpsend; do
	[ -x "$BUILD/$b" ] || die "$BUILD/$b is missing: run make"
done
DIR=${1:-$(mktemp -d /tmp/smtp-sentinel-demo.XXXXXX)}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ "$KEEP" = 1 ] || trap 'sentinel_lab_stop "$DIR"' EXIT

sentinel_lab_start "$DIR" "$MODE" "${DEMO_CONFIG:-}" || die "the lab or sentineld did not start"
scripts/lab/lab.sh adduser "$DIR" alice alice-pw >/dev/null || die "adduser alice"
scripts/lab/lab.sh adduser "$DIR" mallory 123456 >/dev/null || die "adduser mallory"
CTL() { sentinelctl_lab "$DIR" "$@"; }

echo "== lab: Postfix on $SUBMIT, sink $LAB_SINK, sentineld in $MODE mode (log $DIR/sentineld.log)"
# alice: legitimate, slow, local sender
"$BUILD/smtpsend" -s "$SUBMIT" -u alice@lab.test -p alice-pw -f alice@lab.test \
	-t 'friend{i}@remote.example' -n "$LEGIT" -r 2 -q > "$DIR/alice.out" 2>&1 &
alice=$!
sleep 0.5
# mallory: the spam run
"$BUILD/smtpsend" -s "$SUBMIT" -u mallory@lab.test -p 123456 -f 'ceo@bank{i}.example' \
	-t 'victim{i}@remote.example' -t 'target{i}@defer.invalid' -k "$RCPTS" \
	-n "$SPAM" -r "$RATE" -x 3 -q > "$DIR/spam.out" 2>&1
wait "$alice"
# alice again, after the lock: her account still works
"$BUILD/smtpsend" -s "$SUBMIT" -u alice@lab.test -p alice-pw -f alice@lab.test \
	-t 'late-friend@remote.example' -n 1 -q > "$DIR/alice-after.out" 2>&1
# let deliveries and the last actions finish
for _ in $(seq 50); do
	postqueue -c "$DIR/etc" -j 2>/dev/null | grep -q '"queue_name": *"active"' || break
	sleep 0.1
done
sleep 1

# key=value of smtpsend's last line
val() { tail -n 1 "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
spam_first=$(val "$DIR/spam.out" first_sent)
spam_sent=$(val "$DIR/spam.out" sent)
spam_rejected=$(val "$DIR/spam.out" rejected)
spam_refused_at=$(val "$DIR/spam.out" first_rejected)
sink_spam=$(grep -l '^X-Mail-Args: <ceo@' "$DIR"/sink/* 2>/dev/null | wc -l)
sink_alice=$(grep -l '^X-Mail-Args: <alice@lab.test>' "$DIR"/sink/* 2>/dev/null | wc -l)
alice_sent=$(( $(val "$DIR/alice.out" sent) + $(val "$DIR/alice-after.out" sent) ))
quarantined=$(find "$DIR/quarantine" -type f 2>/dev/null | wc -l)
held_left=$(postqueue -c "$DIR/etc" -j 2>/dev/null | grep -c '"queue_name": *"hold"')

echo
echo "== timeline (seconds after the first spam message was accepted)"
python3 - "$DIR" "$spam_first" "$spam_refused_at" <<'PY'
import json, sys
from datetime import datetime
d, t0, refused = sys.argv[1], float(sys.argv[2] or 0), float(sys.argv[3] or 0)
rows = [(t0, "spam run starts (first message accepted by Postfix)")]
try:
    for line in open(d + "/state/incidents.log"):
        ev = json.loads(line)
        inc = ev["incident"]
        if ev["event"] == "opened":
            sig = ", ".join(f"{k} {v['value']:g}/{v['threshold']:g}"
                            for k, v in inc.get("signals", {}).items())
            rows.append((inc["opened"], f"incident {inc['id']}: {inc['identity']} ({sig})"))
except FileNotFoundError:
    pass
try:
    for line in open(d + "/state/audit.log"):
        a = json.loads(line)
        what = f"{a.get('action')} {a.get('identity', '')}: {a.get('result')}"
        if a.get("count"):
            what += f" ({a['count']})"
        t = datetime.fromisoformat(a["time"].replace("Z", "+00:00")).timestamp()
        rows.append((t, what))
except FileNotFoundError:
    pass
if refused:
    rows.append((refused, "the spammer's next message is refused by Postfix"))
for t, what in sorted(rows):
    print(f"  {t - t0:+8.3f} s  {what}")
PY
echo
echo "== outcome"
echo "  spam: $spam_sent accepted by Postfix, $spam_rejected refused after the lock"
echo "  spam that reached the sink before the lock: $sink_spam"
echo "  spam quarantined: $quarantined (in $DIR/quarantine), still held: $held_left"
echo "  alice: $alice_sent of $((LEGIT + 1)) messages accepted, $sink_alice delivered to the sink"
echo
CTL incidents || true
{
	echo "spam_sent=$spam_sent spam_rejected=$spam_rejected sink_spam=$sink_spam"
	echo "quarantined=$quarantined held_left=$held_left alice_sent=$alice_sent sink_alice=$sink_alice"
} > "$DIR/result"
[ "$KEEP" = 1 ] && echo "demo.sh: left running in $DIR; stop with: scripts/lab/demo.sh stop $DIR"
exit 0
