#!/bin/bash
# test_postfix310.sh - a real Postfix 3.10 in its own PID namespace, watched from the host.
#
# Debian 13 (trixie: Postfix 3.10, systemd 257) boots in systemd-nspawn
# (tests/integration/nspawn.sh, NSPAWN_SUITE=trixie: a cached debootstrap
# root), on a loopback of its own, in a PID namespace of its own, as a
# containerised relay runs (docker-mailserver, mailcow).  Postfix is set up
# as scripts/lab/lab.sh sets up its lab (SASL submission on 587 with
# sasldb users, relaying only to sinks on the container's loopback:
# nothing leaves 127.0.0.0/8) and logs to its own maillog_file
# (/var/log/postfix.log, written by postlogd).  Two sinks: smtp-sink on
# 127.0.0.2:25, which offers no STARTTLS (plain.test), and a second
# Postfix instance (postmulti, syslog_name sink: its lines are not the
# relay's) with a self-signed certificate on 127.0.0.5:25, which does
# (tls.test): the relay's smtp client (smtp_tls_security_level = may)
# delivers in clear to one and over TLS to the other.
#
# sentineld runs ON THE HOST: its sensor at the host's cgroup2 root sees
# the container's smtp processes connect (with host pids); it reads the
# container's maillog (ROOT/var/log/postfix.log, container pids) with
# [maillog] pid_namespace = /proc/LEADER/ns/pid.  build/smtpsend runs in the
# container (nspawn_exec) and sends, authenticated, alice's messages in
# clear and bob's over TLS.  Asserted, from the host: every line Postfix
# logged is read and none is unparsed; every delivery counts under its
# sasl: identity, none under another; each kernel flow of the container's
# smtp client came with the container's pid and namespace (sentineld's
# debug log), and each is claimed by a delivery: flows attributed = the
# connections the deliveries opened, none unattributed or pending.
#
# Then the container's journal (maillog_file off), read from the host with
# [maillog] root = /proc/LEADER/root: the same attribution, none unparsed,
# forged only what logger wrote inside as nobody, postfix and root (and,
# without root, every entry of the postfix user); in enforce mode a
# sentinelctl lock cuts alice's live session in the container.
#
# Then enforce mode on the container's Postfix ([maillog] root = its root
# directory, its own access map): a spam run's mail is held in the
# container's queue, the account written to the container's map, the
# container's Postfix reloaded and refusing it, then released and unlocked
# there; the container restarts, sentineld does not, and a lock, a hold and
# a release land in the new container (each command in the namespaces of
# the container's init, as the audit log says).
#
# Root; the global lock (the sensor is attached at the cgroup2 root).
# Prints SKIP only when this host cannot boot a container; a missing tool
# or a debootstrap that fails is a FAIL.  NSPAWN_KEEP=1 leaves it running.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
NSPAWN_SUITE=trixie
. tests/integration/nspawn.sh

T0=$(date +%s)
PACKAGES="postfix sasl2-bin libsasl2-modules iproute2 procps"
DAEMON=${SENTINELD:-build/sentineld}
N_PLAIN=${N_PLAIN:-6}	# alice's messages, to the sink without TLS
N_TLS=${N_TLS:-6}	# bob's, to the sink with STARTTLS
PID=
SHARED_CF=

if ! why=$(nspawn_usable); then
	skip "Postfix 3.10 in a container" "$why"
	exit 0
fi
if ! why=$(nspawn_tools); then
	fail "the container tools are installed" "$why"
	exit 1
fi
for b in "$DAEMON" build/smtpsend "${SENTINEL_REPORT:-build/sentinel-report}"; do
	[ -x "$b" ] || { fail "$b exists"; exit 1; }
done
command -v openssl > /dev/null || { fail "openssl is installed (the sink's certificate)"; exit 1; }
# shellcheck disable=SC2086
if ! CACHED=$(nspawn_root $PACKAGES); then
	fail "a Debian trixie root with systemd and Postfix (debootstrap)"
	exit 1
fi
DIR=$(mktemp -d /tmp/test_postfix310.XXXXXX)
chmod 0755 "$DIR"
ROOT=$DIR/root
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$SHARED_CF" ] && rm -f "$SHARED_CF"
	if [ "${NSPAWN_KEEP:-0}" = 1 ]; then
		echo "kept: DIR=$DIR NSPAWN_LEADER=$NSPAWN_LEADER (nspawn_stop $DIR)"
	else
		nspawn_stop "$DIR"
		rm -rf --one-file-system "$DIR"
	fi
}
trap cleanup EXIT
nspawn_prepare "$CACHED" "$DIR" || { fail "the container's root is prepared"; exit 1; }
install -m 0755 build/smtpsend "$ROOT/root/smtpsend"
mkdir -p "$ROOT/etc/ssl/sink"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=sink.lab.test \
	-keyout "$ROOT/etc/ssl/sink/key.pem" -out "$ROOT/etc/ssl/sink/cert.pem" \
	> "$DIR/openssl.log" 2>&1 || { cat "$DIR/openssl.log"; fail "a self-signed certificate"; exit 1; }
chmod 0600 "$ROOT/etc/ssl/sink/key.pem"

# The relay: the lab's Postfix (tests/lib.sh), logging to its own maillog_file.
{ lab_postfix_script 'inet_interfaces = 127.0.0.1' \
	'transport_maps = inline:{ plain.test=smtp:[127.0.0.2]:25, tls.test=smtp:[127.0.0.5]:25 }' \
	'default_transport = error:5.1.2 only plain.test and tls.test leave' \
	'smtp_tls_security_level = may' 'smtp_tls_loglevel = 1' \
	'maillog_file = /var/log/postfix.log'
  cat <<'EOF'
# The sink with STARTTLS: a second Postfix instance that discards what
# it accepts.  It logs to the journal as "sink": not the relay's lines.
# Postfix listens only on an address an interface has.
ip addr add 127.0.0.5/32 dev lo
postmulti -e init
postmulti -I postfix-sink -e create
postmulti -i postfix-sink -x postconf -e 'syslog_name = sink' 'maillog_file =' \
	'myhostname = sink.lab.test' 'inet_interfaces = 127.0.0.5' 'inet_protocols = ipv4' \
	'mydestination =' 'relay_domains =' 'mynetworks = 127.0.0.0/8' \
	'smtpd_relay_restrictions = permit_mynetworks, reject' \
	'default_transport = discard:sink' 'relay_transport = discard:sink' \
	'smtpd_peername_lookup = no' 'smtpd_tls_security_level = may' 'smtpd_tls_loglevel = 1' \
	'smtpd_tls_cert_file = /etc/ssl/sink/cert.pem' 'smtpd_tls_key_file = /etc/ssl/sink/key.pem' \
	'alias_maps =' 'alias_database =' 'local_recipient_maps =' 'master_service_disable ='
postmulti -i postfix-sink -x postconf -F '*/*/chroot = n'
postmulti -i postfix-sink -e enable
systemctl restart postfix
systemctl start postfix@sink
EOF
} > "$ROOT/root/setup.sh"

if ! nspawn_boot "$DIR"; then
	if grep -qiE 'operation not permitted|not supported|failed to (mount|clone)' "$DIR/console.log"; then
		skip "Postfix 3.10 in a container" \
			"systemd-nspawn cannot boot here: $(grep -iE 'operation not permitted|not supported|failed to' "$DIR/console.log" | head -n 1)"
		exit 0
	fi
	fail "the trixie container boots (systemd-nspawn -b)"
	exit 1
fi
pass "the container boots $(nspawn_exec systemctl --version | head -n 1 | cut -d' ' -f1-2), $(nspawn_exec postconf -h mail_version | sed 's/^/Postfix /')"
nspawn_exec /bin/bash /root/setup.sh > "$DIR/setup.log" 2>&1 ||
	{ cat "$DIR/setup.log"; fail "Postfix, SASL and the two sinks are set up in the container"; exit 1; }
listening() { nspawn_exec ss -Htln "src $1" | grep -q .; }
if wait_for 20 listening 127.0.0.1:587 && wait_for 10 listening 127.0.0.2:25 &&
	wait_for 20 listening 127.0.0.5:25; then
	pass "Postfix listens on 127.0.0.1:587, the sinks on 127.0.0.2:25 and 127.0.0.5:25 (STARTTLS)"
else
	nspawn_exec ss -Htln
	fail "Postfix and the sinks listen in the container"
	exit 1
fi
MAILLOG=$ROOT/var/log/postfix.log
wait_for 10 test -s "$MAILLOG" || { fail "Postfix writes its maillog_file"; exit 1; }

# --- Postfix's parameters are the container's, from its own postconf
# A parameter only the container's main.cf sets (virtual_alias_domains =
# ctr-only.test), and its main.cf an absolute link to /var/tmp/NAME.cf, a
# path this host has too, with other values (host-leak.test): a host
# postconf reading ROOT/etc/postfix follows the link on the host (the
# control below shows it would); sentineld runs the container's postconf
# in the container, and without one there reads main.cf inside ROOT.
# sentineld --check-config reads them as sentineld does at start-up and
# prints the domains (local_domains = auto) it took from them.
SHARED_CF=/var/tmp/$(basename "$DIR")-main.cf
printf 'mydomain = host-leak.test\nvirtual_alias_domains = host-leak.test\nmydestination = host-leak.test\n' \
	> "$SHARED_CF"
nspawn_exec /bin/sh -c "postconf -e 'virtual_alias_domains = ctr-only.test' &&
	mv /etc/postfix/main.cf '$SHARED_CF' && ln -s '$SHARED_CF' /etc/postfix/main.cf &&
	postfix reload" > "$DIR/linked.log" 2>&1 ||
	{ cat "$DIR/linked.log"; fail "the container's main.cf is a link to $SHARED_CF"; exit 1; }
check_config() {	# check_config NAME ROOT [BIN_DIR]: sentineld --check-config, out in DIR/NAME.check
	mkdir -p "$DIR/$1"
	WORK=$DIR/$1 PORT=$(free_port) daemon_conf > "$DIR/$1/sentinel.conf" <<CONF
[maillog]
source = file
path = $MAILLOG
local_domains = auto
root = $2
[actions]
postfix_bin_dir = ${3:-/usr/sbin}
CONF
	"$DAEMON" --check-config -c "$DIR/$1/sentinel.conf" > "$DIR/$1.check" 2>&1
}
check_config pc-dir "$ROOT"
check_config pc-proc "/proc/$NSPAWN_LEADER/root"
check_config pc-none "$ROOT" /nonexistent
sed 's/^/    /' "$DIR/pc-dir.check"
check "postconf: the control: this host's postconf -c ROOT/etc/postfix follows the container's link to this host's file" \
	sh -c "postconf -c '$ROOT/etc/postfix' -x virtual_alias_domains 2>/dev/null | grep -q host-leak.test"
check "postconf ran in the container (ROOT a directory): its domains, ctr-only.test, and nothing of this host's file" \
	sh -c "grep -q \"Postfix's parameters: /usr/sbin/postconf of the container at $ROOT, in the namespaces of its pid $NSPAWN_LEADER\$\" '$DIR/pc-dir.check' &&
	       grep \"Postfix's and listed:\" '$DIR/pc-dir.check' | grep -q 'lab.test, ctr-only.test' &&
	       ! grep -q host-leak '$DIR/pc-dir.check'"
check "the same with ROOT = /proc/$NSPAWN_LEADER/root" \
	sh -c "grep -q \"Postfix's parameters: /usr/sbin/postconf of the container at /proc/$NSPAWN_LEADER/root, in the namespaces of its pid $NSPAWN_LEADER\$\" '$DIR/pc-proc.check' &&
	       grep \"Postfix's and listed:\" '$DIR/pc-proc.check' | grep -q 'lab.test, ctr-only.test' &&
	       ! grep -q host-leak '$DIR/pc-proc.check'"
sed 's/^/    /' "$DIR/pc-none.check"
check "no postconf in the container at postfix_bin_dir: a warning, and main.cf read inside ROOT (its link too): ctr-only.test, nothing of this host's" \
	sh -c "grep -q \"Postfix's parameters: the container's postconf cannot run (/nonexistent/postconf: not started: execve: No such file or directory): read from $ROOT/etc/postfix/main.cf instead, inside the container's root\" '$DIR/pc-none.check' &&
	       grep \"Postfix's and listed:\" '$DIR/pc-none.check' | grep -q 'lab.test, ctr-only.test' &&
	       ! grep -q host-leak '$DIR/pc-none.check'"

# The container's PID namespace, as the host names it.
PIDNS=$(stat -L -c %i "/proc/$NSPAWN_LEADER/ns/pid")
SELFNS=$(stat -L -c %i /proc/self/ns/pid)
echo "  the container's pid namespace: pid:[$PIDNS] (the host's: pid:[$SELFNS])"
check "the container has a PID namespace of its own" test "$PIDNS" != "$SELFNS"

# sentineld on the host: the sensor at the cgroup2 root, the container's
# maillog with the container's namespace.  A second one, with the default
# pid_namespace = self, reads the same log: the control.
ns_daemon_conf() {	# ns_daemon_conf NAME PORT PID_NAMESPACE (daemon_conf: tests/lib.sh)
	mkdir -p "$DIR/$1"
	WORK=$DIR/$1 PORT=$2 daemon_conf > "$DIR/$1/sentinel.conf" <<CONF
[sensor]
ports = 25
[maillog]
source = file
path = $MAILLOG
start = beginning
local_domains = lab.test
pid_namespace = $3
CONF
}
PORT=$(free_port)
ns_daemon_conf host "$PORT" "/proc/$NSPAWN_LEADER/ns/pid"
"$DAEMON" -d -c "$DIR/host/sentinel.conf" > "$DIR/host/daemon.log" 2>&1 &
PID=$!
SELF_PORT=$(free_port)
while [ "$SELF_PORT" = "$PORT" ]; do SELF_PORT=$(free_port); done
ns_daemon_conf self "$SELF_PORT" self
"$DAEMON" -c "$DIR/self/sentinel.conf" > "$DIR/self/daemon.log" 2>&1 &
SELF_PID=$!
trap 'kill "$SELF_PID" 2>/dev/null; wait "$SELF_PID" 2>/dev/null; cleanup' EXIT
scrape() { curl -fsS "http://127.0.0.1:${1:-$PORT}/metrics"; }
if ! wait_for 30 scrape > /dev/null || ! wait_for 30 scrape "$SELF_PORT" > /dev/null; then
	tail -n 20 "$DIR/host/daemon.log" "$DIR/self/daemon.log"
	fail "sentineld starts on the host"
	exit 1
fi
check "sentineld says which pid namespace the maillog's pids are of" \
	grep -q "maillog pids: pid namespace pid:\[$PIDNS\] (\[maillog\] pid_namespace" "$DIR/host/daemon.log"

# --- the lab's traffic, from inside: alice in clear, bob over TLS
SEND() { nspawn_exec /root/smtpsend -s 127.0.0.1:587 -q "$@"; }
SEND -u alice@lab.test -p alice-pw -f alice@lab.test -t 'friend{i}@plain.test' -n "$N_PLAIN" \
	> "$DIR/alice.out" 2>&1
SEND -u bob@lab.test -p bob-pw -f bob@lab.test -t 'pal{i}@tls.test' -n "$N_TLS" \
	> "$DIR/bob.out" 2>&1
echo "  alice: $(tail -n 1 "$DIR/alice.out" | cut -d' ' -f1-2); bob: $(tail -n 1 "$DIR/bob.out" | cut -d' ' -f1-2)"
WANT=$((N_PLAIN + N_TLS))
delivered() { [ "$(grep -c ' postfix/smtp\[[0-9]*\]: [0-9A-F]*: to=<.*status=sent' "$MAILLOG")" -ge "$WANT" ]; }
check "Postfix delivered all $WANT messages" wait_for 30 delivered
grep ' postfix/smtp\[[0-9]*\]: [0-9A-F]*: to=<' "$MAILLOG" > "$DIR/deliveries"
# A new connection's first delivery logs no conn_use=: one flow each.
CONNS=$(grep -vc 'conn_use=' "$DIR/deliveries")
TLS_CONNS=$(grep -c ' postfix/smtp\[[0-9]*\]: Untrusted TLS connection established to 127\.0\.0\.5\[127\.0\.0\.5\]:25: TLSv' "$MAILLOG")
echo "  deliveries: $(wc -l < "$DIR/deliveries") on $CONNS connections, $TLS_CONNS of them with TLS"
check "bob's deliveries went over TLS (a TLS line per connection to 127.0.0.5), alice's in clear" \
	test "$TLS_CONNS" -ge 1 -a "$TLS_CONNS" = "$(grep -v conn_use= "$DIR/deliveries" | grep -c 'relay=127.0.0.5\[')"
check "alice's went in clear to smtp-sink (no STARTTLS offered)" \
	test "$(grep -c 'relay=127.0.0.2\[127.0.0.2\]:25,.*status=sent' "$DIR/deliveries")" = "$N_PLAIN"

# --- what sentineld on the host made of it
ns_metric() {	# ns_metric NAME{LABELS} [PORT]
	scrape "${2:-$PORT}" | awk -v m="$1" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }'
}
LINES='smtp_sentinel_maillog_lines_total'
all_read() {
	local n=0 r
	for r in parsed ignored unparsed forged; do
		n=$((n + $(ns_metric "$LINES{result=\"$r\"}")))
	done
	[ "$n" = "$(wc -l < "$MAILLOG")" ]
}
flows_settled() {
	[ "$(ns_metric smtp_sentinel_flows_attributed_total)" -ge "$CONNS" ] &&
		[ "$(ns_metric smtp_sentinel_flows_pending)" = 0 ]
}
check "sentineld read every line Postfix logged ($(wc -l < "$MAILLOG"))" wait_for 20 all_read
wait_for 20 flows_settled
scrape > "$DIR/metrics.prom"
scrape "$SELF_PORT" > "$DIR/self.prom"
grep -E "^$LINES|^smtp_sentinel_(deliveries_total|flows_(attributed|unattributed)_total|flows_pending |connect_(attempts|results)_total.*comm=\"smtp\")" \
	"$DIR/metrics.prom" | sed 's/^/    /'
val() { awk -v m="$1" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }' "${2:-$DIR/metrics.prom}"; }
check "no line Postfix 3.10 logged is unparsed" test "$(val "$LINES{result=\"unparsed\"}")" = 0
check "no line is taken for forged" test "$(val "$LINES{result=\"forged\"}")" = 0
check "alice's $N_PLAIN deliveries count under sasl:alice@lab.test" \
	test "$(val 'smtp_sentinel_deliveries_total{identity="sasl:alice@lab.test",status="sent"}')" = "$N_PLAIN"
check "bob's $N_TLS deliveries (over TLS) count under sasl:bob@lab.test" \
	test "$(val 'smtp_sentinel_deliveries_total{identity="sasl:bob@lab.test",status="sent"}')" = "$N_TLS"
check "no delivery counts under any other identity" test "$(awk '
	/^smtp_sentinel_deliveries_total\{/ { n += $2 } END { print n + 0 }' "$DIR/metrics.prom")" = "$WANT"

# The flows: the kernel saw host pids, the log names the container's.
grep -E '^sentineld: debug: flow: smtp pid ' "$DIR/host/daemon.log" > "$DIR/flows"
nflows=$(wc -l < "$DIR/flows")
echo "  the kernel's flows of smtp: $nflows, e.g. $(head -n 1 "$DIR/flows" | sed 's/^sentineld: debug: //')"
check "one flow per connection Postfix opened ($CONNS)" test "$nflows" = "$CONNS"
check "each flow came with the container's namespace and a pid there that is not the host's" \
	awk -v ns="$PIDNS" '{ n++ } $4 == "smtp" && $5 == "pid" && $8 == "in" &&
		$9 == "pid:[" ns "])" && substr($7, 2) + 0 > 0 && substr($7, 2) + 0 != $6 + 0 { ok++ }
		END { exit !(n > 0 && ok == n) }' "$DIR/flows"
check "each flow's container pid is the pid of a postfix/smtp that logged a delivery" sh -c '
	for p in $(awk "{ print substr(\$7, 2) }" "$1"); do
		grep -q " postfix/smtp\[$p\]: " "$2" || exit 1
	done' _ "$DIR/flows" "$DIR/deliveries"
check "every flow of the container's smtp is attributed ($CONNS)" \
	test "$(val smtp_sentinel_flows_attributed_total)" = "$CONNS"
check "no flow is unattributed or pending" \
	test "$(val smtp_sentinel_flows_unattributed_total)/$(val smtp_sentinel_flows_pending)" = 0/0
check "the kernel counted each connect of the container's smtp, established" test "$(awk '
	/^smtp_sentinel_connect_results_total\{.*comm="smtp".*result="established"/ { n += $2 }
	END { print n + 0 }' "$DIR/metrics.prom")" = "$CONNS"
# The control: the same log, read as if its pids were the host's.
echo "  with pid_namespace = self: attributed $(val smtp_sentinel_flows_attributed_total "$DIR/self.prom"), pending $(val smtp_sentinel_flows_pending "$DIR/self.prom")"
check "with pid_namespace = self no flow of the container is claimed (they wait, then count as unattributed)" \
	test "$(val smtp_sentinel_flows_attributed_total "$DIR/self.prom")/$(val smtp_sentinel_flows_pending "$DIR/self.prom")" = "0/$CONNS"


# --- cleanup's header_checks: real reject lines of Postfix 3.10
# A header_checks rule rejects carol's mail by its From: header: cleanup
# refuses each message (5.7.1) and logs "QID: reject: header From: ...
# from unknown[127.0.0.1]; from=<...> to=<...> proto=ESMTP helo=<...>:
# 5.7.1 ..." and 3.10's "QID: removed (canceled)".  sentineld parses them,
# counts the refusals under her login; sentinel-report --explain gives the
# line's fields and her identity (from her smtpd client= line).
N_REFUSED=${N_REFUSED:-3}
nspawn_exec /bin/sh -c "printf '%s\n' '/^From: <carol@lab\.test>/ REJECT spam caught by header_checks' \
	> /etc/postfix/header_checks && printf carol-pw | saslpasswd2 -p -c -f /etc/sasldb2 -u lab.test carol &&
	chown root:postfix /etc/sasldb2 && chmod 0640 /etc/sasldb2 &&
	postconf -e 'header_checks = regexp:/etc/postfix/header_checks' && postfix reload" \
	> "$DIR/header_checks.log" 2>&1 ||
	{ cat "$DIR/header_checks.log"; fail "a header_checks rule in the container"; exit 1; }
sleep 1
SEND -u carol@lab.test -p carol-pw -f carol@lab.test -t 'mark{i}@plain.test' -n "$N_REFUSED" \
	> "$DIR/carol.out" 2>&1
echo "  carol: $(tail -n 1 "$DIR/carol.out" | cut -d' ' -f1-2)"
check "Postfix refused carol's $N_REFUSED messages at the end of DATA" \
	grep -q "^sent=0 rejected=$N_REFUSED " "$DIR/carol.out"
grep ' postfix/cleanup\[[0-9]*\]: [0-9A-F]*: \(reject: header\|removed\)' "$MAILLOG" > "$DIR/refusals"
sed -n 1,2p "$DIR/refusals" | sed 's/^/    /'
check "cleanup logged a reject: header line and a removed (canceled) line for each" \
	test "$(grep -c ': reject: header From: <carol@lab.test>' "$DIR/refusals")/$(grep -c ': removed (canceled)$' "$DIR/refusals")" = "$N_REFUSED/$N_REFUSED"
refused_seen() {
	[ "$(ns_metric 'smtp_sentinel_messages_refused_total{identity="sasl:carol@lab.test"}')" = "$N_REFUSED" ]
}
check "sentineld counts the $N_REFUSED refusals under sasl:carol@lab.test" wait_for 20 refused_seen
check "sentineld read every line again ($(wc -l < "$MAILLOG"))" wait_for 20 all_read
check "none is unparsed" test "$(ns_metric "$LINES{result=\"unparsed\"}")" = 0
${SENTINEL_REPORT:-build/sentinel-report} --explain "$MAILLOG" > "$DIR/explain.jsonl" 2> "$DIR/explain.err"
check "sentinel-report --explain: each reject is a content_check with Postfix's fields and carol's identity" \
	python3 - "$DIR/explain.jsonl" "$N_REFUSED" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
rej = [o for o in lines if o.get("kind") == "content_check"]
want = {"action": "reject", "class": "header", "content": "From: <carol@lab.test>",
        "client_host": "unknown", "client_ip": "127.0.0.1", "from": "carol@lab.test",
        "proto": "ESMTP", "dsn": "5.7.1", "text": "5.7.1 spam caught by header_checks",
        "identity": "sasl:carol@lab.test"}
ok = len(rej) == int(sys.argv[2]) and all(
    all(o.get(k) == v for k, v in want.items()) and o["to"].endswith("@plain.test")
    for o in rej)
removed = [o for o in lines if o.get("kind") == "removed" and o.get("status") == "canceled"]
ok = ok and len(removed) == int(sys.argv[2]) and not [o for o in lines if o["kind"] == "unparsed"]
if not ok:
    print(json.dumps(rej[:1] + removed[:1]), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
check "sentinel-report counts them in carol's refused column" \
	test "$(${SENTINEL_REPORT:-build/sentinel-report} --json "$MAILLOG" | python3 -c '
import json, sys
print([i["refused"] for i in json.load(sys.stdin)["identities"] if i["identity"] == "sasl:carol@lab.test"])')" = "[$N_REFUSED]"


# --- the container's journal, read from the host
# Postfix logs to the journal once maillog_file is off.  The container's
# journald names the writer's uid and program as the container sees them
# (postfix is uid 100 there, 102 on this host; _EXE
# /usr/lib/postfix/sbin/smtpd): with [maillog] root they are checked
# against the container's mail_owner and daemon_directory.  A second
# daemon without root is the control: the host's postfix uid is not the
# writer's, every entry of the postfix user counts as forged.
# The daemon with root is in enforce mode, with neither map nor hook: a
# lock only cuts the login's live sessions, in the container.
JOURNAL=$ROOT/var/log/journal
journal_conf() {	# journal_conf NAME PORT ROOT MODE (daemon_conf: tests/lib.sh)
	mkdir -p "$DIR/$1"
	WORK=$DIR/$1 PORT=$2 daemon_conf > "$DIR/$1/sentinel.conf" <<CONF
[sensor]
ports = 25
[maillog]
source = journal
journal_dir = $JOURNAL
start = beginning
local_domains = lab.test
pid_namespace = /proc/$NSPAWN_LEADER/ns/pid
root = $3
[actions]
mode = $4
sasl_access_map =
CONF
}
J_PORT=$(free_port)
while [ "$J_PORT" = "$PORT" ] || [ "$J_PORT" = "$SELF_PORT" ]; do J_PORT=$(free_port); done
H_PORT=$(free_port)
while [ "$H_PORT" = "$PORT" ] || [ "$H_PORT" = "$SELF_PORT" ] || [ "$H_PORT" = "$J_PORT" ]; do
	H_PORT=$(free_port)
done
journal_conf journal "$J_PORT" "/proc/$NSPAWN_LEADER/root" enforce
journal_conf hostroot "$H_PORT" "" observe
"$DAEMON" -d -c "$DIR/journal/sentinel.conf" > "$DIR/journal/daemon.log" 2>&1 &
J_PID=$!
"$DAEMON" -c "$DIR/hostroot/sentinel.conf" > "$DIR/hostroot/daemon.log" 2>&1 &
H_PID=$!
trap 'kill "$SELF_PID" "$J_PID" "$H_PID" 2>/dev/null; wait "$SELF_PID" "$J_PID" "$H_PID" 2>/dev/null; cleanup' EXIT
if ! wait_for 30 scrape "$J_PORT" > /dev/null || ! wait_for 30 scrape "$H_PORT" > /dev/null; then
	tail -n 20 "$DIR/journal/daemon.log" "$DIR/hostroot/daemon.log"
	fail "sentineld starts on the container's journal"
	exit 1
fi
check "sentineld names the container's writers: mail_owner uid 100 and its daemon_directory" \
	grep -q "Postfix's journal entries are those of _UID 0 or $(awk -F: '$1 == "postfix" { print $3 }' "$ROOT/etc/passwd") and _EXE in /usr/lib/postfix/sbin, as the container at /proc/$NSPAWN_LEADER/root" \
	"$DIR/journal/daemon.log"
check "sentineld on the container's journal took Postfix's parameters from the container's postconf" \
	grep -q "Postfix's parameters: /usr/sbin/postconf of the container at /proc/$NSPAWN_LEADER/root, in the namespaces of its pid $NSPAWN_LEADER\$" \
	"$DIR/journal/daemon.log"
nspawn_exec /bin/sh -c "postconf -e 'maillog_file =' && systemctl restart postfix" > "$DIR/journal/setup.log" 2>&1 ||
	{ cat "$DIR/journal/setup.log"; fail "Postfix logs to the journal"; exit 1; }
wait_for 20 listening 127.0.0.1:587 || { fail "Postfix listens again on 587"; exit 1; }
N_J=${N_J:-4}
SEND -u alice@lab.test -p alice-pw -f alice@lab.test -t 'j{i}@plain.test' -n "$N_J" \
	> "$DIR/alice-j.out" 2>&1
SEND -u bob@lab.test -p bob-pw -f bob@lab.test -t 'jpal{i}@tls.test' -n "$N_J" \
	> "$DIR/bob-j.out" 2>&1
jdeliveries() {
	journalctl --directory "$JOURNAL" -o cat SYSLOG_IDENTIFIER=postfix/smtp | grep ': to=<.*status=sent'
}
jdelivered() { [ "$(jdeliveries | wc -l)" -ge $((2 * N_J)) ]; }
check "Postfix delivered all $((2 * N_J)) messages, logged to the container's journal" wait_for 30 jdelivered
J_CONNS=$(jdeliveries | grep -vc conn_use=)
J_DELIVERIES=$(jdeliveries | wc -l)
# Forged, inside the container: Postfix's names by other writers.  Each
# logger stays alive a second after it wrote (it reads its message from a
# pipe), so that journald reads its _EXE: the record of a writer gone
# before journald looked counts on its _UID alone, and root's and
# postfix's would then be taken.
FORGED_MSG='0123456789: client=unknown[192.0.2.66], sasl_method=PLAIN, sasl_username=alice@lab.test'
forge() {	# forge PROGRAM MESSAGE [setpriv options]: logger in the container
	local prog=$1 msg=$2
	shift 2
	local as=()
	[ $# -gt 0 ] && as=(setpriv "$@")
	nspawn_exec /bin/sh -c 'm=$1; shift; { printf "%s\n" "$m"; sleep 1; } | "$@"' _ "$msg" \
		"${as[@]}" logger -t "$prog"
}
forge postfix/submission/smtpd "$FORGED_MSG" --reuid=nobody --regid=nogroup --clear-groups
forge postfix/smtpd "$FORGED_MSG" --reuid=postfix --regid=postfix --clear-groups
forge postfix/smtp "0123456789: to=<x@plain.test>, relay=127.0.0.2[127.0.0.2]:25, delay=0.1, delays=0/0/0/0, dsn=2.0.0, status=sent (250 ok)"
jforged() { [ "$(ns_metric "$LINES{result=\"forged\"}" "$J_PORT")" -ge 3 ]; }
jflows() { [ "$(ns_metric smtp_sentinel_flows_attributed_total "$J_PORT")" -ge "$J_CONNS" ] &&
		[ "$(ns_metric smtp_sentinel_flows_pending "$J_PORT")" = 0 ]; }
wait_for 20 jforged
wait_for 20 jflows
scrape "$J_PORT" > "$DIR/journal.prom"
scrape "$H_PORT" > "$DIR/hostroot.prom"
grep -E "^$LINES|^smtp_sentinel_(deliveries_total.*sent|flows_(attributed|unattributed)_total|flows_pending )" \
	"$DIR/journal.prom" | sed 's/^/    /'
echo "  deliveries: $J_DELIVERIES on $J_CONNS connections; without root: forged $(val "$LINES{result=\"forged\"}" "$DIR/hostroot.prom"), parsed $(val "$LINES{result=\"parsed\"}" "$DIR/hostroot.prom")"
check "journal: the three forged entries (nobody, postfix's uid with logger, root's logger) and none else count as forged" \
	test "$(val "$LINES{result=\"forged\"}" "$DIR/journal.prom")" = 3
check "journal: no entry is unparsed" test "$(val "$LINES{result=\"unparsed\"}" "$DIR/journal.prom")" = 0
check "journal: alice's $N_J deliveries count under sasl:alice@lab.test" \
	test "$(val 'smtp_sentinel_deliveries_total{identity="sasl:alice@lab.test",status="sent"}' "$DIR/journal.prom")" = "$N_J"
check "journal: bob's $N_J deliveries (over TLS) count under sasl:bob@lab.test" \
	test "$(val 'smtp_sentinel_deliveries_total{identity="sasl:bob@lab.test",status="sent"}' "$DIR/journal.prom")" = "$N_J"
check "journal: no delivery counts under any other identity" test "$(awk '
	/^smtp_sentinel_deliveries_total\{/ { n += $2 } END { print n + 0 }' "$DIR/journal.prom")" = $((2 * N_J))
check "journal: every flow of the container's smtp is attributed ($J_CONNS)" \
	test "$(val smtp_sentinel_flows_attributed_total "$DIR/journal.prom")" = "$J_CONNS"
check "journal: no flow is unattributed or pending" \
	test "$(val smtp_sentinel_flows_unattributed_total "$DIR/journal.prom")/$(val smtp_sentinel_flows_pending "$DIR/journal.prom")" = 0/0
check "journal without [maillog] root: the postfix user's entries count as forged, no delivery is used" \
	test "$(val "$LINES{result=\"forged\"}" "$DIR/hostroot.prom")" -gt 3 -a "$(awk '
		/^smtp_sentinel_deliveries_total\{/ { n += $2 } END { print n + 0 }' "$DIR/hostroot.prom")" = 0

# --- enforce: a lock cuts the login's live session in the container
# alice sends one message a second on one session; once sentineld has
# seen it (a delivery of hers), sentinelctl lock: no map, no hook, the cut
# acts: her smtpd (a container pid, translated to the host's) is found,
# its socket to her destroyed in the container's network namespace.
SEND -u alice@lab.test -p alice-pw -f alice@lab.test -t 'live{i}@plain.test' -n 15 -r 1 \
	> "$DIR/alice-live.out" 2>&1 &
LIVE=$!
alice_seen() {
	[ "$(ns_metric 'smtp_sentinel_deliveries_total{identity="sasl:alice@lab.test",status="sent"}' "$J_PORT")" -ge $((N_J + 2)) ]
}
wait_for 20 alice_seen
build/sentinelctl -s "$DIR/journal/control.sock" lock alice@lab.test > "$DIR/lock.out" 2>&1
cut_logged() { grep -q 'cut sasl:alice@lab.test: .*sockets destroyed' "$DIR/journal/daemon.log"; }
wait_for 20 cut_logged
grep -E 'cut sasl:alice@lab.test' "$DIR/journal/daemon.log" | sed 's/^/    /'
check "enforce: sentinelctl lock cut alice's live session in the container (1 socket destroyed)" \
	grep -q 'cut sasl:alice@lab.test: ok: 1 sockets destroyed' "$DIR/journal/daemon.log"
# The reset reaches smtpd between two of alice's commands: it logs the
# session's end without the QUIT a client that ends it sends (Postfix logs
# "lost connection after ..." only in the middle of a command).
reset_logged() { journalctl --directory "$JOURNAL" -o cat SYSLOG_IDENTIFIER=postfix/submission/smtpd |
	grep -E '^(disconnect from unknown\[127\.0\.0\.1\] ehlo=1 auth=1 |lost connection after )' |
	grep -vq ' quit=1 '; }
if wait_for 10 reset_logged; then
	pass "enforce: the container's smtpd logged her session's end without QUIT"
else
	fail "enforce: the container's smtpd logged her session's end without QUIT" "$(journalctl \
		--directory "$JOURNAL" -o short-precise SYSLOG_IDENTIFIER=postfix/submission/smtpd |
		tail -n 12)"
fi
wait "$LIVE"
tail -n 1 "$DIR/alice-live.out" | cut -d' ' -f1-3 | sed 's/^/  alice, live: /'
check "enforce: alice's client saw its session reset and logged in again" \
	grep -q 'reconnects=[1-9]' "$DIR/alice-live.out"

# --- enforce: the actions act on the container's Postfix
# The daemons above stop (the journal one is in enforce mode too).  One
# sentineld on the host, [maillog] root = the container's root DIRECTORY
# (it follows a restart), enforce, the container's access map
# (/etc/postfix/sasl_access as the container names it), spam = keep (held,
# not quarantined: the hold is checked in the container's queue).  A
# stolen account, mallory, spams to defer.test (the relay transport is
# deferred: her mail waits in the queue): asserted in the container
# (postqueue -j, its map, its journal, its smtpd's answers) that her mail
# is held in ITS queue, she is in ITS map, ITS Postfix reloaded and refuses
# her, and that a release and an unlock undo it there; the host's Postfix
# files are untouched.  Then the container restarts (a new master, new
# namespaces) while sentineld runs on: a lock and a hold made then land
# in the new container.
kill "$SELF_PID" "$J_PID" "$H_PID" "$PID" 2>/dev/null
wait "$SELF_PID" "$J_PID" "$H_PID" "$PID" 2>/dev/null
PID=
cat > "$ROOT/root/enforce.sh" <<'EOF'
set -e
printf 123456 | saslpasswd2 -p -c -f /etc/sasldb2 -u lab.test mallory
postconf -e 'smtpd_recipient_restrictions = check_sasl_access hash:/etc/postfix/sasl_access' \
	'transport_maps = inline:{ plain.test=smtp:[127.0.0.2]:25, tls.test=smtp:[127.0.0.5]:25, defer.test=relay:[127.0.0.2]:25 }' \
	'defer_transports = relay'
: > /etc/postfix/sasl_access
postmap hash:/etc/postfix/sasl_access
postfix reload
EOF
nspawn_exec /bin/bash /root/enforce.sh > "$DIR/enforce.log" 2>&1 ||
	{ cat "$DIR/enforce.log"; fail "the container's Postfix gets a check_sasl_access map and mallory"; exit 1; }
host_files() {	# the host's own Postfix files that an action could touch
	sha256sum /etc/postfix/sasl_access /etc/postfix/sasl_access.db 2>/dev/null
	[ -x /usr/sbin/postqueue ] && /usr/sbin/postqueue -j 2>/dev/null | grep -c '"queue_name": *"hold"'
}
HOST_BEFORE=$(host_files)
E_PORT=$(free_port)
mkdir -p "$DIR/enforce"
WORK=$DIR/enforce PORT=$E_PORT daemon_conf > "$DIR/enforce/sentinel.conf" <<CONF
[sensor]
ports = 25
[maillog]
source = journal
journal_dir = $JOURNAL
start = end
local_domains = lab.test
pid_namespace = /proc/$NSPAWN_LEADER/ns/pid
root = $ROOT
[actions]
mode = enforce
sasl_access_map = /etc/postfix/sasl_access
spam = keep
CONF
"$DAEMON" -d -c "$DIR/enforce/sentinel.conf" > "$DIR/enforce/daemon.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; cleanup' EXIT
wait_for 30 scrape "$E_PORT" > /dev/null ||
	{ tail -n 20 "$DIR/enforce/daemon.log"; fail "sentineld starts in enforce mode on the container"; exit 1; }
CTL() { build/sentinelctl -s "$DIR/enforce/control.sock" "$@"; }
AUDIT=$DIR/enforce/state/audit.log
# The container's master as the host numbers it: a "master" whose root is ROOT.
master_pid() {
	local p want
	want=$(stat -L -c %d:%i "$ROOT")
	for p in $(pgrep -x master); do
		[ "$(stat -L -c %d:%i "/proc/$p/root" 2>/dev/null)" = "$want" ] && { echo "$p"; return 0; }
	done
	return 1
}
audit_row() {	# audit_row ACTION IDENTITY [MIN_COUNT]: the first ok row, as JSON
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("action") == sys.argv[2] and r.get("result") == "ok" and \
       r.get("identity") == sys.argv[3] and int(r.get("count") or 0) >= int(sys.argv[4]):
        print(json.dumps(r))
        sys.exit(0)
sys.exit(1)' "$AUDIT" "$1" "$2" "${3:-0}"
}
row_in() {	# row_in ROW PID: each command of the row ran in the namespaces of PID
	python3 -c '
import json, sys
r = json.loads(sys.argv[1])
cmds = r.get("commands") or []
sys.exit(0 if cmds and all(c.get("container_pid") == int(sys.argv[2]) for c in cmds) else 1)' "$1" "$2"
}
row_time() {	# row_time ROW: its time, epoch seconds
	python3 -c '
import json, sys, datetime
t = datetime.datetime.strptime(json.loads(sys.argv[1])["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
print("%.3f" % t.replace(tzinfo=datetime.timezone.utc).timestamp())' "$1"
}
in_queue() {	# in_queue SENDER_PREFIX: "QID QUEUE" of each such message in the container
	nspawn_exec postqueue -j | python3 -c '
import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("sender", "").startswith(sys.argv[1]):
        print(m["queue_id"], m["queue_name"])' "$1"
}
MASTER=$(master_pid)
INIT=$NSPAWN_LEADER
echo "  the container's init: host pid $INIT; its Postfix master: host pid ${MASTER:-none}"
reloads() { journalctl --directory "$JOURNAL" -o cat SYSLOG_IDENTIFIER=postfix/master | grep -c '^reload '; }
RELOADS=$(reloads)

SEND -u mallory@lab.test -p 123456 -f 'ceo@bank{i}.example' -t 'victim{i}@defer.test' \
	-k 5 -n 100 -r 50 -x 3 > "$DIR/spam.out" 2>&1
echo "  mallory: $(tail -n 1 "$DIR/spam.out" | cut -d' ' -f1-5)"
sval() { tail -n 1 "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
wait_for 20 audit_row lock sasl:mallory@lab.test > /dev/null
HOLD=$(audit_row hold sasl:mallory@lab.test 1)
LOCK=$(audit_row lock sasl:mallory@lab.test)
FIRST=$(sval "$DIR/spam.out" first_sent)
if [ -n "$HOLD" ] && [ -n "$LOCK" ]; then
	echo "  first spam sent to: hold in the container's queue $(python3 -c "print('%.3f' % ($(row_time "$HOLD") - $FIRST))") s, lock (map, postfix reload) $(python3 -c "print('%.3f' % ($(row_time "$LOCK") - $FIRST))") s"
fi
check "enforce in the container: a hold of mallory's mail succeeded" test -n "$HOLD"
check "the hold's commands (postqueue -j, postcat -e, postsuper -h) ran in the namespaces of the container's init ($INIT)" \
	row_in "$HOLD" "$INIT"
held_all() { ! in_queue ceo@bank | grep -qv ' hold$' && in_queue ceo@bank | grep -q ' hold$'; }
wait_for 15 held_all
in_queue ceo@bank > "$DIR/queue-held"
echo "  mallory's messages in the container's queue: $(wc -l < "$DIR/queue-held"), on hold: $(grep -c ' hold$' "$DIR/queue-held")"
check "every message of mallory's is on hold in the CONTAINER's queue (postqueue -j inside)" held_all
check "enforce in the container: the lock succeeded" test -n "$LOCK"
check "the lock's postmap and postfix reload ran in the container's namespaces" row_in "$LOCK" "$INIT"
check "mallory is in the container's map (ROOT/etc/postfix/sasl_access) and its .db is rebuilt" sh -c "
	grep -q '^mallory@lab.test[[:space:]]*REJECT 5.7.1 account locked by smtp-sentinel' '$ROOT/etc/postfix/sasl_access' &&
	test '$ROOT/etc/postfix/sasl_access.db' -nt '$ROOT/etc/postfix/main.cf' &&
	test ! -e '$ROOT/etc/postfix/sasl_access.sentinel-new'"
map_says() { nspawn_exec postmap -q "$1" hash:/etc/postfix/sasl_access | grep -q 'locked by smtp-sentinel'; }
check "the container's postmap reads the lock (postmap -q inside)" map_says mallory@lab.test
check "the container's master logged a reload after the lock" test "$(reloads)" -gt "$RELOADS"
SEND -u mallory@lab.test -p 123456 -f mallory@lab.test -t someone@plain.test > "$DIR/mallory-after.out" 2>&1
check "the container's smtpd refuses mallory now (554 5.7.1, account locked)" \
	grep -q 'sent=0 rejected=1 .*554 5.7.1 .*locked by smtp-sentinel' "$DIR/mallory-after.out"
check "the host's Postfix files and hold queue are untouched" test "$(host_files)" = "$HOST_BEFORE"

# Undo, by hand: release her mail, unlock her.
CTL release mallory@lab.test > "$DIR/release.out" 2>&1
released() { [ -s "$DIR/queue-held" ] && ! in_queue ceo@bank | grep -q ' hold$'; }
check "sentinelctl release: none of her messages is on hold in the container any more" wait_for 15 released
CTL unlock mallory@lab.test > "$DIR/unlock.out" 2>&1
unlocked() { ! grep -q '^mallory@lab.test[[:space:]]' "$ROOT/etc/postfix/sasl_access" &&
	audit_row unlock sasl:mallory@lab.test > /dev/null; }
check "sentinelctl unlock: mallory is out of the container's map" wait_for 15 unlocked
SEND -u mallory@lab.test -p 123456 -f mallory@lab.test -t again@plain.test > "$DIR/mallory-unlocked.out" 2>&1
check "the container's smtpd accepts mallory again" grep -q '^sent=1 rejected=0' "$DIR/mallory-unlocked.out"

# --- the container restarts; sentineld does not
OLD_LEADER=$NSPAWN_LEADER
# The old PID namespace held open (closed below): the new container's gets
# an inode number of its own, as it does when namespaces were made between.
exec 8< "/proc/$OLD_LEADER/ns/pid"
nspawn_halt "$DIR"
if ! nspawn_boot "$DIR"; then
	fail "the container boots again"
	exit 1
fi
wait_for 30 listening 127.0.0.1:587 || { fail "the restarted container's Postfix listens on 587"; exit 1; }
# The sink instance needs its address, gone with the boot: postfix reload
# reloads every instance and fails on one that is not running.
nspawn_exec /bin/sh -c 'ip addr add 127.0.0.5/32 dev lo && systemctl restart postfix@sink' ||
	fail "the sink instance runs again in the restarted container"
wait_for 20 listening 127.0.0.5:25
NEW_MASTER=$(master_pid)
echo "  after the restart: master ${NEW_MASTER:-none} (was $MASTER), init $NSPAWN_LEADER (was $OLD_LEADER); sentineld pid $PID still"
check "the restarted container has a new init and a new master (the old ones are gone); sentineld runs on" \
	test -n "$NEW_MASTER" -a ! -d "/proc/$MASTER" -a ! -d "/proc/$OLD_LEADER" -a -d "/proc/$PID"
CTL lock bob@lab.test > "$DIR/lock-bob.out" 2>&1
wait_for 15 audit_row lock sasl:bob@lab.test > /dev/null
BOBLOCK=$(audit_row lock sasl:bob@lab.test)
check "after the restart: sentinelctl lock bob succeeded" test -n "$BOBLOCK"
check "its postmap and postfix reload ran in the NEW container's namespaces (its init $NSPAWN_LEADER)" \
	row_in "$BOBLOCK" "$NSPAWN_LEADER"
SEND -u bob@lab.test -p bob-pw -f bob@lab.test -t pal@plain.test > "$DIR/bob-locked.out" 2>&1
check "the new container's smtpd refuses bob (554 5.7.1)" \
	grep -q 'sent=0 rejected=1 .*554 5.7.1 .*locked by smtp-sentinel' "$DIR/bob-locked.out"
# A live session in the new container: the cut follows its new PID
# namespace ([maillog] pid_namespace named the old one's init's).
SEND -u alice@lab.test -p alice-pw -f alice@lab.test -t 'again{i}@plain.test' -n 15 -r 1 \
	> "$DIR/alice-again.out" 2>&1 &
LIVE=$!
alice_back() { grep -q 'sasl_username=alice@lab.test' <(journalctl --directory "$JOURNAL" -o cat \
	--boot 0 SYSLOG_IDENTIFIER=postfix/submission/smtpd) &&
	[ "$(ns_metric 'smtp_sentinel_deliveries_total{identity="sasl:alice@lab.test",status="sent"}' "$E_PORT")" -ge 1 ]; }
wait_for 20 alice_back
CTL lock alice@lab.test > "$DIR/lock-alice.out" 2>&1
alice_cut() { grep -q 'cut sasl:alice@lab.test: ok: 1 sockets destroyed' "$DIR/enforce/daemon.log"; }
check "after the restart: a lock cuts alice's live session in the new container (its new PID namespace)" \
	wait_for 20 alice_cut
grep -E 'PID namespace is now|cut sasl:alice' "$DIR/enforce/daemon.log" | sed 's/^/    /'
wait "$LIVE"
CTL unlock alice@lab.test > /dev/null 2>&1
# Flows of the new container: its smtp connects from its new PID namespace
# (the old one is held open above, so the new one cannot take its inode
# number); sentineld, not restarted, follows the new init's namespace for
# the flows too and attributes them as before the restart.  alice, unlocked,
# sends to the STARTTLS sink (restarted above; smtp-sink on 127.0.0.2 was a
# transient unit of the old boot).
NEW_PIDNS=$(stat -L -c %i "/proc/$NSPAWN_LEADER/ns/pid")
exec 8<&-
wait_for 15 audit_row unlock sasl:alice@lab.test > /dev/null
SEND -u alice@lab.test -p alice-pw -f alice@lab.test -t 'after{i}@tls.test' -n 3 \
	> "$DIR/alice-after.out" 2>&1
after_sent() { [ "$(journalctl --directory "$JOURNAL" -o cat --boot 0 SYSLOG_IDENTIFIER=postfix/smtp |
	grep -c '^[0-9A-F]*: to=<after[0-9]*@tls.test>, relay=127.0.0.5\[127.0.0.5\]:25, .*status=sent')" = 3 ]; }
check "after the restart: alice's 3 messages reached the STARTTLS sink" wait_for 30 after_sent
smtp_flows() {	# smtp_flows [PIDNS]: established flows of smtp in the enforce daemon's debug log
	grep -cE "^sentineld: debug: flow: smtp pid [0-9]+ \([0-9]+ in pid:\[${1:-[0-9]+}\]\) .*: established" \
		"$DIR/enforce/daemon.log"
}
e_flows_settled() {
	[ "$(smtp_flows "$NEW_PIDNS")" -ge 1 ] &&
		[ "$(ns_metric smtp_sentinel_flows_pending "$E_PORT")" = 0 ] &&
		[ "$(ns_metric smtp_sentinel_flows_attributed_total "$E_PORT")" -ge "$(smtp_flows)" ]
}
wait_for 30 e_flows_settled
echo "  after the restart: $(smtp_flows "$NEW_PIDNS") flows of smtp in pid:[$NEW_PIDNS] (was pid:[$PIDNS]), $(smtp_flows) in all; attributed $(ns_metric smtp_sentinel_flows_attributed_total "$E_PORT"), unattributed $(ns_metric smtp_sentinel_flows_unattributed_total "$E_PORT"), pending $(ns_metric smtp_sentinel_flows_pending "$E_PORT")"
grep 'maillog pids: the container' "$DIR/enforce/daemon.log" | sed 's/^/    /'
check "the new container has a new PID namespace, and sentineld followed it for the flows without a restart" \
	sh -c "test '$NEW_PIDNS' != '$PIDNS' &&
	       grep -q 'maillog pids: the container at $ROOT restarted: its PID namespace is now pid:\[$NEW_PIDNS\] (was pid:\[$PIDNS\])' '$DIR/enforce/daemon.log'"
check "after the restart: every flow of the new container's smtp ($(smtp_flows "$NEW_PIDNS")) is attributed, none unattributed or pending" \
	test "$(smtp_flows "$NEW_PIDNS")" -ge 1 -a \
	"$(ns_metric smtp_sentinel_flows_attributed_total "$E_PORT")" = "$(smtp_flows)" -a \
	"$(ns_metric smtp_sentinel_flows_unattributed_total "$E_PORT")/$(ns_metric smtp_sentinel_flows_pending "$E_PORT")" = 0/0
CTL hold --all > "$DIR/hold-all.out" 2>&1
held_again() { in_queue ceo@bank | grep -q ' hold$'; }
check "after the restart: sentinelctl hold --all holds the new container's queue" wait_for 15 held_again
CTL release --all > "$DIR/release-all.out" 2>&1
check "and release --all releases it" wait_for 15 released
CTL unlock bob@lab.test > "$DIR/unlock-bob.out" 2>&1
bob_unlocked() { ! grep -q '^bob@lab.test[[:space:]]' "$ROOT/etc/postfix/sasl_access"; }
check "and unlock bob takes him out of its map" wait_for 15 bob_unlocked
# A queue listing right after the daemon's own postfix reload may meet the
# master restarting showq: it is run again inside its step (sentineld(8)).
echo "  steps whose queue listing was run again after a postfix reload: $(grep -c 'postqueue -j run again' "$AUDIT")"
if grep -q '"result":"\(failed\|retry\)"' "$AUDIT"; then
	fail "no action of this daemon failed or was retried" "$(grep '"result":"\(failed\|retry\)"' "$AUDIT" | head -n 3)"
else
	pass "no action of this daemon failed or was retried"
fi
check "the host's Postfix files and hold queue are still untouched" test "$(host_files)" = "$HOST_BEFORE"

echo "  $(($(date +%s) - T0)) s in all"
exit "$FAILED"
