#!/bin/bash
# test_dashboard.sh - the Grafana dashboard queries what sentineld exports,
# and the maillog's health is visible: a start-up warning for a maillog that
# does not exist, and the log time of the last line read.
#
# Without root: scripts/grafana/smtp-sentinel.json is valid JSON, every
# PromQL expression in it parses (promtool check rules, Grafana's variables
# replaced), and it covers what an operator needs (connects per cgroup and
# comm, messages per identity, incidents, actions, detection latency,
# maillog lines by result, the last line's age).
# As root (BPF): sentineld starts on a maillog path that does not exist and
# says so; the file appears and is read; a refused connect to port 25 and a
# SASL message fill the per-process and per-identity series; then every
# metric name the dashboard queries must be in that real scrape.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

DASH=${DASHBOARD:-scripts/grafana/smtp-sentinel.json}
daemon_work

# ---- the dashboard file ----------------------------------------------------
valid_json() { jq -e . "$DASH" > /dev/null; }
check "the dashboard is valid JSON" valid_json
# every PromQL expression: panel targets and annotations
jq -r '[.. | objects | select(has("expr")) | .expr] | .[]' "$DASH" > "$WORK/exprs"
# the metric names: in the expressions and in the variables' queries
{
	cat "$WORK/exprs"
	jq -r '.templating.list[] | .definition // empty' "$DASH"
} | grep -o 'smtp_sentinel_[a-zA-Z0-9_:]*' | sort -u > "$WORK/names"
check "the dashboard has expressions ($(wc -l < "$WORK/exprs")) and metric names ($(wc -l < "$WORK/names"))" \
	test "$(wc -l < "$WORK/exprs")" -ge 20 -a "$(wc -l < "$WORK/names")" -ge 20

# PromQL syntax: each expression as a recording rule, Grafana's variables
# given values, through promtool's parser.
{
	echo "groups:"
	echo "  - name: dashboard"
	echo "    rules:"
	n=0
	while IFS= read -r e; do
		n=$((n + 1))
		e=${e//\$__rate_interval/5m}
		e=${e//\$instance/.*}
		printf '      - record: dashboard:expr_%d\n        expr: %s\n' "$n" \
			"$(jq -Rn --arg e "$e" '$e')"
	done < "$WORK/exprs"
} > "$WORK/exprs.rules.yml"
if promtool check rules "$WORK/exprs.rules.yml" > "$WORK/promtool.out" 2>&1; then
	pass "every dashboard expression is valid PromQL"
else
	fail "every dashboard expression is valid PromQL" "$(cat "$WORK/promtool.out")"
fi

# What the operator needs, by expression.
covers() {	# covers WHAT REGEX
	check "the dashboard shows $1" grep -qE "$2" "$WORK/exprs"
}
covers "connect rates per cgroup and comm" \
	'by \(cgroup, comm\) \(rate\(smtp_sentinel_connect_attempts_total'
covers "message rates per identity" 'by \(identity\) \(rate\(smtp_sentinel_messages_total'
covers "incidents by signal" 'by \(signal\) \(increase\(smtp_sentinel_incidents_total'
covers "actions by action and result" \
	'by \(action, result\) \(increase\(smtp_sentinel_actions_total'
covers "the detection latency quantiles" \
	'histogram_quantile\(0\.99, .*smtp_sentinel_detection_latency_seconds_bucket'
covers "maillog lines by result" 'by \(result\) \(rate\(smtp_sentinel_maillog_lines_total'
covers "the age of the last maillog line" \
	'time\(\) - .*smtp_sentinel_maillog_last_line_timestamp_seconds'

# ---- a real scrape ---------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "dashboard against a real scrape" "needs root (CI runs as root)"
	exit $((FAILED > 0))
fi

LOG=$WORK/log/mail.log	# its directory does not exist either
daemon_conf > "$WORK/sentinel.conf" <<CONF
[maillog]
path = $LOG
start = beginning
local_domains = example.org
CONF
daemon_start

check "a maillog that does not exist is a warning at start" \
	grep -q "$LOG cannot be read: nothing is read from it until it appears.*No such file" \
	"$WORK/daemon.log"
check "no line read yet: the last line's timestamp is 0" \
	test "$(metric smtp_sentinel_maillog_last_line_timestamp_seconds)" = 0

mkdir "$WORK/log"
now=$(date +%s)
ts=$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%S.250000+00:00)
{
	echo "$ts mx1 postfix/submission/smtpd[2201]: 4F3A21C0B2: client=unknown[203.0.113.7], sasl_method=LOGIN, sasl_username=alice"
	echo "$ts mx1 postfix/qmgr[880]: 4F3A21C0B2: from=<alice@example.org>, size=900, nrcpt=1 (queue active)"
	echo "$ts mx1 postfix/smtp[3001]: 4F3A21C0B2: to=<bob@example.net>, relay=mx.example.net[198.51.100.5]:25, delay=1.2, delays=0.1/0.01/0.5/0.59, dsn=2.0.0, status=sent (250 2.0.0 Ok)"
	echo "this line has no time"
} > "$LOG"
read_it() { [ "$(metric smtp_sentinel_maillog_last_line_timestamp_seconds)" = "$now" ]; }
wait_for 15 read_it
check "the maillog, once it appears, is read: the last line's log time is exported" read_it
check "and its appearance is logged" grep -q "$LOG appeared: reading it from its start" \
	"$WORK/daemon.log"

# a refused connect to port 25 (nothing listens on 127.0.0.2 while the lock is held)
timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.2/25' 2> /dev/null
has_flows() { curl -fsS "http://127.0.0.1:$PORT/metrics" | grep -q '^smtp_sentinel_connect_attempts_total{'; }
wait_for 15 has_flows
curl -fsS "http://127.0.0.1:$PORT/metrics" > "$WORK/scrape"
check "the scrape has per-process and per-identity series" sh -c \
	"grep -q '^smtp_sentinel_connect_attempts_total{' '$WORK/scrape' &&
	 grep -q '^smtp_sentinel_messages_total{identity=\"sasl:alice\"} 1' '$WORK/scrape'"
missing=""
while read -r name; do
	grep -qE "^${name}[{ ]" "$WORK/scrape" || missing="$missing $name"
done < "$WORK/names"
if [ -z "$missing" ]; then
	pass "every metric the dashboard queries ($(wc -l < "$WORK/names")) is in a real scrape"
else
	fail "every metric the dashboard queries is in a real scrape" "missing:$missing"
fi

daemon_stop
no_sanitizer_report
exit $((FAILED > 0))
