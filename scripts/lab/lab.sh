#!/bin/bash
# lab.sh - a self-contained Postfix relay lab on loopback, for smtp-sentinel.
#
#   scripts/lab/lab.sh start   DIR
#   scripts/lab/lab.sh adduser DIR USER PASSWORD
#   scripts/lab/lab.sh send    DIR USER PASSWORD FROM TO [COUNT] [PORT]
#   scripts/lab/lab.sh status  DIR
#   scripts/lab/lab.sh stop    DIR
#
# Run as root.  Needs Debian's postfix (3.x), sasl2-bin (saslpasswd2),
# libsasl2-modules (PLAIN, LOGIN) and swaks (scripts/deps.sh installs them).
# It never reads or writes /etc/postfix's main.cf and never starts Debian's
# default instance: everything lives under DIR.
#
# What `start DIR` builds and runs
# --------------------------------
#   DIR/etc/main.cf       the instance's config_directory (postfix -c DIR/etc)
#   DIR/etc/master.cf     its services; every one with chroot = n (so nothing
#                         has to be copied into a chroot jail)
#   DIR/etc/sasl/smtpd.conf
#                         Cyrus SASL config for smtpd: Postfix finds it through
#                         cyrus_sasl_config_path = DIR/etc/sasl and the
#                         application name smtpd_sasl_path = smtpd
#                         (auxprop sasldb, sasldb_path DIR/sasldb2, PLAIN LOGIN)
#   DIR/etc/sasl_access[.db]
#                         the check_sasl_access map (hash:, empty at start) of
#                         smtpd_recipient_restrictions: smtp-sentinel's lock
#                         step writes "LOGIN REJECT ..." lines there
#   DIR/sasldb2           the SASL users (saslpasswd2 -f), root:postfix 0640 so
#                         that smtpd (running as user postfix) can read it
#   DIR/spool/            queue_directory (root 0755; post-install creates the
#                         queue subdirectories with Postfix's own owners/modes
#                         on the first `postfix start`)
#   DIR/data/             data_directory (postfix 0700)
#   DIR/maillog           every Postfix log line: maillog_file, written by the
#                         postlogd daemon (the `postlog` unix-dgram service in
#                         master.cf); maillog_file_prefixes = DIR allows the path
#   DIR/sink/             one file per mail transaction received by smtp-sink
#   DIR/sink.pid, DIR/sink.log
#                         smtp-sink's pid and its stdout/stderr
#   DIR/lab.conf          the addresses this lab was started with (KEY=VALUE,
#                         read back by the other commands; never sourced)
#
# start exits with status 3 when an address is already in use (so a caller
# can retry with other LAB_ADDR / LAB_SINK).  Concurrent starts are
# serialised with flock on /run/lock/smtp-sentinel-lab.lock; note that
# Postfix and smtp-sink listen with SO_REUSEPORT, so a second listener on
# the same address would not fail to bind: start checks before and after.
#
# Processes (all on loopback, nothing ever leaves the machine):
#   master (postfix -c DIR/etc start) and its children, each with
#   MAIL_CONFIG=DIR/etc in its environment:
#     smtpd            LAB_ADDR:25  (syslog name postfix/smtpd)
#     smtpd            LAB_ADDR:587 (postfix/submission/smtpd)
#                      both offer AUTH PLAIN/LOGIN without TLS (lab only) and
#                      relay only for authenticated clients
#     cleanup, qmgr, trivial-rewrite, smtp, bounce, ...  as in any Postfix
#   smtp-sink on LAB_SINK (default 127.0.0.2:25), running as user postfix,
#   accepting everything and dumping each message into DIR/sink/.
#
# Mail routing: mydestination is empty and local delivery is switched off
# (local_transport = error), so every recipient domain is remote, and
# relayhost = [LAB_SINK] sends all of it to smtp-sink.  DNS is not used
# (smtp_dns_support_level = disabled, smtpd_peername_lookup = no: clients
# are logged as unknown[127.0.0.1]).  Mail to any address @defer.invalid
# goes to the relay transport, which is in defer_transports: it stays in
# the queue until a flush (postqueue -f), so that a test has queued mail.
#
# Environment for `start` (defaults in brackets; addresses must be 127.x):
#   LAB_ADDR [127.0.0.1]         where smtpd listens (any 127.x address: on
#                                Linux all of 127/8 is local; Postfix's own
#                                source address stays 127.0.0.1)
#   LAB_SMTP_PORT [25]           smtpd port
#   LAB_SUBMISSION_PORT [587]    submission port
#   LAB_SINK [127.0.0.2:25]      smtp-sink address:port (the relayhost;
#                                not on 127.0.0.1)
#   LAB_DOMAIN [lab.test]        mydomain, and the SASL realm of the users
# For `send`: LAB_AUTH [LOGIN] (or PLAIN) is the AUTH mechanism swaks uses.
#
# Reading the results:
#   postqueue -c DIR/etc -p      the queue ("Mail queue is empty" when done)
#   DIR/maillog                  smtpd client=... sasl_username=..., smtp
#                                to=<...>, relay=127.0.0.2[127.0.0.2]:25,
#                                status=sent, SASL ... authentication failed
#   ls DIR/sink | wc -l          messages the sink received
#
# `stop DIR` stops master (postfix stop), then waits for, and if need be
# kills, every process whose environment names this instance
# (MAIL_CONFIG=DIR/etc), then smtp-sink (by its recorded pid, after checking
# that the pid is still smtp-sink).  It is safe to call more than once, on a
# half-started lab, or on a DIR that does not exist (for trap handlers).
#
# No user-supplied string is ever evaluated as shell code: every value goes
# to a program as its own argv element, and the values written into main.cf
# and master.cf are checked against a strict pattern first.
set -u

PROG=lab.sh
die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*"; }

usage() {
	sed -n '3,7p' "$0" | sed 's/^# *//' >&2
	exit 2
}

# A value that goes into main.cf / master.cf must not carry spaces,
# commas, newlines or $ (Postfix would split or expand it).
is_ipv4_loopback() {
	[[ $1 =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || return 1
	local o
	for o in "${BASH_REMATCH[@]:1}"; do
		[ "$((10#$o))" -le 255 ] || return 1
	done
}
is_port() { [[ $1 =~ ^[0-9]{1,5}$ ]] && [ "$((10#$1))" -ge 1 ] && [ "$((10#$1))" -le 65535 ]; }
is_domain() { [[ $1 =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,200}[A-Za-z0-9])?$ ]]; }

# The lab directory as an absolute path with only safe characters.
lab_dir() {
	local d
	[ -n "${1:-}" ] || usage
	d=$(realpath -m -- "$1") || die "bad directory: $1"
	[[ $d =~ ^/[A-Za-z0-9/._+-]*$ ]] ||
		die "directory path must be made of [A-Za-z0-9/._+-]: $d"
	[ "$d" != / ] || die "refusing / as lab directory"
	printf '%s\n' "$d"
}

# conf_get DIR KEY: a value from DIR/lab.conf (KEY=VALUE lines).
conf_get() {
	local k v
	[ -r "$1/lab.conf" ] || return 1
	while IFS='=' read -r k v; do
		[ "$k" = "$2" ] && { printf '%s\n' "$v"; return 0; }
	done < "$1/lab.conf"
	return 1
}

# listeners ADDR PORT: how many sockets listen on ADDR:PORT or its wildcard
# (Postfix and smtp-sink set SO_REUSEPORT: two labs could share a port).
listeners() {
	ss -Htln | awk -v a="$1" -v p="$2" '
		{ n = split($4, f, ":"); port = f[n]; addr = substr($4, 1, length($4) - length(port) - 1) }
		port == p && (addr == a || addr == "0.0.0.0" || addr == "*" || addr == "[::]") { found++ }
		END { print found + 0 }'
}
listening() { [ "$(listeners "$1" "$2")" -gt 0 ]; }

# The pids of this instance's Postfix processes (master and children):
# Postfix programs whose working directory is this instance's
# queue_directory (every Postfix daemon chdirs there).
instance_pids() {
	local want="$1/spool" d p
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$(readlink "$d/cwd" 2>/dev/null)" = "$want" ] || continue
		case $(readlink "$d/exe" 2>/dev/null) in
		/usr/lib/postfix/sbin/*|/usr/sbin/post*) echo "$p" ;;
		esac
	done
}

sink_pid() {	# the recorded smtp-sink pid, if that process is still smtp-sink
	local p
	[ -r "$1/sink.pid" ] || return 1
	read -r p < "$1/sink.pid" || return 1
	[[ $p =~ ^[0-9]+$ ]] || return 1
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = /usr/sbin/smtp-sink ] || return 1
	echo "$p"
}

master_running() {
	[ -f "$1/etc/main.cf" ] && postfix -c "$1/etc" status >/dev/null 2>&1
}

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root"; }

cmd_start() {
	need_root
	local dir addr smtp_port sub_port sink sink_addr sink_port domain t0 p
	dir=$(lab_dir "${1:-}") || exit 1
	addr=${LAB_ADDR:-127.0.0.1}
	smtp_port=${LAB_SMTP_PORT:-25}
	sub_port=${LAB_SUBMISSION_PORT:-587}
	sink=${LAB_SINK:-127.0.0.2:25}
	domain=${LAB_DOMAIN:-lab.test}
	sink_addr=${sink%:*}
	sink_port=${sink##*:}
	[ "$sink_addr" != "$sink" ] || die "LAB_SINK must be ADDRESS:PORT: $sink"
	is_ipv4_loopback "$addr" || die "LAB_ADDR must be a 127.x.y.z address: $addr"
	is_ipv4_loopback "$sink_addr" || die "LAB_SINK must be on a 127.x.y.z address: $sink"
	is_port "$smtp_port" && is_port "$sub_port" && is_port "$sink_port" ||
		die "bad port in LAB_SMTP_PORT, LAB_SUBMISSION_PORT or LAB_SINK"
	[ "$smtp_port" != "$sub_port" ] || die "LAB_SMTP_PORT and LAB_SUBMISSION_PORT are equal"
	[ "$addr:$smtp_port" != "$sink" ] && [ "$addr:$sub_port" != "$sink" ] ||
		die "LAB_SINK must differ from the smtpd addresses"
	is_domain "$domain" || die "bad LAB_DOMAIN: $domain"
	# Postfix's own address (inet_interfaces = loopback-only): mail sent
	# there would "loop back to myself".
	[ "$sink_addr" != 127.0.0.1 ] || die "LAB_SINK cannot be on 127.0.0.1"
	for p in postfix postconf postqueue smtp-sink saslpasswd2 swaks ss; do
		command -v "$p" >/dev/null || die "$p not found (run scripts/deps.sh)"
	done
	id postfix >/dev/null 2>&1 && getent group postdrop >/dev/null ||
		die "user postfix / group postdrop missing (is Debian's postfix installed?)"

	if master_running "$dir" || sink_pid "$dir" >/dev/null; then
		die "a lab is already running in $dir (lab.sh stop $dir)"
	fi
	# Labs starting at the same time take turns from the check that the
	# ports are free until their listeners are up (fd 9, closed in every
	# process that outlives us so the lock dies with this script).
	local lock=/run/lock
	[ -d "$lock" ] && [ -w "$lock" ] || lock=/tmp
	exec 9> "$lock/smtp-sentinel-lab.lock" || die "cannot open $lock/smtp-sentinel-lab.lock"
	flock -w 60 9 || die "another lab.sh start holds $lock/smtp-sentinel-lab.lock"
	for p in "$addr $smtp_port" "$addr $sub_port" "$sink_addr $sink_port"; do
		# shellcheck disable=SC2086 # two words: address and port
		if listening $p; then
			echo "$PROG: ${p% *}:${p#* } is already in use (choose LAB_ADDR / LAB_SINK)" >&2
			exit 3
		fi
	done

	t0=$(date +%s.%N)
	mkdir -p "$dir" || die "cannot create $dir"
	chmod 0755 "$dir"
	# Postfix's daemons run as postfix and must reach DIR's files.
	runuser -u postfix -- test -x "$dir" ||
		die "user postfix cannot reach $dir (a parent directory is not searchable)"
	# A fresh instance every time: the previous run's queue, log and sink go.
	rm -rf "${dir:?}/etc" "$dir/spool" "$dir/data" "$dir/sink" "$dir/maillog" \
	       "$dir/sink.pid" "$dir/sink.log" "$dir/lab.conf"
	mkdir -p "$dir/etc/sasl" "$dir/spool" "$dir/data" "$dir/sink" || exit 1
	chmod 0755 "$dir/etc" "$dir/etc/sasl" "$dir/spool"
	chown postfix: "$dir/data" "$dir/sink"
	chmod 0700 "$dir/data"
	chmod 0755 "$dir/sink"
	# DIR/sasldb2 (the users) survives a restart; adduser creates it.
	if [ -e "$dir/sasldb2" ]; then
		chown root:postfix "$dir/sasldb2"
		chmod 0640 "$dir/sasldb2"
	fi

	printf '%s\n' "ADDR=$addr" "SMTP_PORT=$smtp_port" "SUBMISSION_PORT=$sub_port" \
		"SINK=$sink" "DOMAIN=$domain" > "$dir/lab.conf"

	cat > "$dir/etc/main.cf" <<EOF
# Postfix lab instance, written by scripts/lab/lab.sh: see the comments there.
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop

myhostname = mx.$domain
mydomain = $domain
myorigin = \$mydomain
# smtpd binds LAB_ADDR in master.cf; inet_interfaces must name addresses
# configured on an interface (127.0.0.1 on lo), and sets the smtp client's
# source address.
inet_interfaces = loopback-only
inet_protocols = ipv4
# No local delivery; relaying needs SMTP AUTH (mynetworks is not in the
# relay restrictions: it only exempts the lab's clients from anvil limits).
mydestination =
relay_domains =
local_recipient_maps =
local_transport = error:5.1.1 local delivery is disabled in the lab
alias_maps =
alias_database =
mynetworks = $addr/32
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_sasl_access hash:$dir/etc/sasl_access
# Mail to @defer.invalid stays in the queue (the relay transport is
# deferred until a postqueue -f).
transport_maps = inline:{ defer.invalid=relay: }
defer_transports = relay
# Everything goes to smtp-sink, never anywhere else.
relayhost = [$sink_addr]:$sink_port
default_transport = smtp
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_tls_security_level = none
smtpd_peername_lookup = no
# SMTP AUTH through Cyrus SASL, sasldb in DIR, plaintext on loopback (lab only).
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $dir/etc/sasl
smtpd_sasl_local_domain = $domain
smtpd_sasl_security_options = noanonymous
broken_sasl_auth_clients = yes
smtpd_tls_security_level = none
smtpd_tls_auth_only = no
# Postfix's own log file, written by postlogd.
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
# Quick and quiet.
biff = no
append_dot_mydomain = no
smtputf8_enable = no
readme_directory = no
smtpd_banner = \$myhostname ESMTP lab
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 30s
smtp_connect_timeout = 5s
EOF

	cat > "$dir/etc/master.cf" <<EOF
# Postfix lab instance, written by scripts/lab/lab.sh.  chroot = n everywhere.
# service  type  private unpriv chroot wakeup maxproc command + args
$addr:$smtp_port inet n - n - - smtpd
$addr:$sub_port inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup     unix  n - n 60   1 pickup
cleanup    unix  n - n -    0 cleanup
qmgr       unix  n - n 300  1 qmgr
rewrite    unix  - - n -    - trivial-rewrite
bounce     unix  - - n -    0 bounce
defer      unix  - - n -    0 bounce
trace      unix  - - n -    0 bounce
verify     unix  - - n -    1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -    - proxymap
proxywrite unix  - - n -    1 proxymap
smtp       unix  - - n -    - smtp
relay      unix  - - n -    - smtp
  -o syslog_name=postfix/\$service_name
showq      unix  n - n -    - showq
error      unix  - - n -    - error
retry      unix  - - n -    - error
discard    unix  - - n -    - discard
anvil      unix  - - n -    1 anvil
scache     unix  - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF

	cat > "$dir/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $dir/sasldb2
mech_list: PLAIN LOGIN
EOF
	: > "$dir/etc/sasl_access"
	postmap -c "$dir/etc" "hash:$dir/etc/sasl_access" || die "postmap $dir/etc/sasl_access failed"

	# Postfix reads a table file (main.cf included) only once its mtime is
	# a couple of seconds old (it might still be being written), sleeping
	# 300 ms at a time until then: date the files back, saving ~2 s per start.
	touch -d "@$(($(date +%s) - 10))" "$dir/etc/main.cf" "$dir/etc/master.cf" \
		"$dir/etc/sasl/smtpd.conf"

	local out
	out=$(postfix -c "$dir/etc" check 2>&1) ||
		die "postfix -c $dir/etc check failed: ${out:-Postfix logs the reason to syslog (maillog_file is not open before start)}"
	[ -z "$out" ] || echo "$out" >&2

	# smtp-sink: accept everything on the sink address, dump each mail
	# transaction into DIR/sink/ (one file each; the name is the template
	# expanded by strftime plus a random hex suffix), drop privileges to
	# postfix.  Backgrounded with no tie to our stdio (a caller reading our
	# output through a pipe must not wait for the sink).
	smtp-sink -u postfix -h "sink.$domain" -d "$dir/sink/%Y%m%d%H%M%S." \
		"$sink_addr:$sink_port" 256 < /dev/null > "$dir/sink.log" 2>&1 9>&- &
	echo "$!" > "$dir/sink.pid"

	if ! out=$(postfix -c "$dir/etc" start 2>&1 9>&-); then
		echo "$out" >&2
		cmd_stop "$dir" >&2
		die "postfix start failed (see $dir/maillog)"
	fi
	# Ready when smtpd's two sockets (master opens them at start) and the
	# sink listen.
	local i
	for i in $(seq 1 100); do
		listening "$addr" "$smtp_port" && listening "$addr" "$sub_port" &&
			listening "$sink_addr" "$sink_port" && break
		sink_pid "$dir" >/dev/null || break
		sleep 0.1
	done
	if ! { listening "$addr" "$smtp_port" && listening "$addr" "$sub_port" &&
	       listening "$sink_addr" "$sink_port"; }; then
		cat "$dir/sink.log" >&2 2>/dev/null
		cmd_stop "$dir" >&2
		die "the lab did not come up (see $dir/maillog, $dir/sink.log)"
	fi
	# Exactly one listener each: ours (a foreign SO_REUSEPORT listener that
	# bound between the check and now would share the connections).
	for p in "$addr $smtp_port" "$addr $sub_port" "$sink_addr $sink_port"; do
		# shellcheck disable=SC2086
		if [ "$(listeners $p)" -ne 1 ]; then
			cmd_stop "$dir" >&2
			echo "$PROG: ${p% *}:${p#* } is shared with another listener" >&2
			exit 3
		fi
	done
	exec 9>&-
	say "started in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s: smtpd $addr:$smtp_port, submission $addr:$sub_port, sink $sink, log $dir/maillog"
}

cmd_adduser() {
	need_root
	local dir domain user pw
	dir=$(lab_dir "${1:-}") || exit 1
	[ $# -eq 3 ] || usage
	user=$2 pw=$3
	[ -f "$dir/lab.conf" ] || die "no lab in $dir (lab.sh start $dir)"
	domain=$(conf_get "$dir" DOMAIN) || die "$dir/lab.conf has no DOMAIN"
	[[ $user =~ ^[A-Za-z0-9._+-]+$ && $user != -* ]] ||
		die "user name must be made of [A-Za-z0-9._+-] and not start with -"
	[ -n "$pw" ] || die "empty password"
	# -p: read the password from stdin (no prompt), -c: create the user,
	# -u: its realm (smtpd_sasl_local_domain), -f: the lab's sasldb.
	printf '%s' "$pw" | saslpasswd2 -p -c -f "$dir/sasldb2" -u "$domain" -- "$user" ||
		die "saslpasswd2 failed"
	chown root:postfix "$dir/sasldb2"
	chmod 0640 "$dir/sasldb2"
	say "user $user@$domain added"
}

cmd_send() {
	local dir user pw from to count port addr auth i ok=0 out
	dir=$(lab_dir "${1:-}") || exit 1
	[ $# -ge 5 ] && [ $# -le 7 ] || usage
	user=$2 pw=$3 from=$4 to=$5 count=${6:-1}
	[ -f "$dir/lab.conf" ] || die "no lab in $dir"
	addr=$(conf_get "$dir" ADDR) || die "$dir/lab.conf has no ADDR"
	port=${7:-$(conf_get "$dir" SUBMISSION_PORT)}
	auth=${LAB_AUTH:-LOGIN}
	[[ $count =~ ^[0-9]+$ ]] || die "COUNT must be a number: $count"
	is_port "$port" || die "bad PORT: $port"
	case $auth in LOGIN|PLAIN) ;; *) die "LAB_AUTH must be LOGIN or PLAIN" ;; esac
	for ((i = 1; i <= count; i++)); do
		if out=$(swaks --server "$addr" --port "$port" --helo client.lab.test \
			--auth "$auth" --auth-user "$user" --auth-password "$pw" \
			--from "$from" --to "$to" --timeout 20 \
			--header "Subject: lab message $i of $count" \
			--body "smtp-sentinel lab message $i of $count" 2>&1); then
			ok=$((ok + 1))
		else
			printf '%s\n' "$out" | tail -n 5 >&2
		fi
	done
	say "sent $ok of $count as $user via $addr:$port"
	[ "$ok" -eq "$count" ]
}

cmd_status() {
	local dir sp q n
	dir=$(lab_dir "${1:-}") || exit 1
	[ -f "$dir/lab.conf" ] || { say "no lab in $dir"; return 1; }
	local rc=0
	if master_running "$dir"; then
		say "postfix: running (master pid $(head -n 1 "$dir/spool/pid/master.pid" 2>/dev/null | tr -d ' '))"
		q=$(postqueue -c "$dir/etc" -p 2>/dev/null | tail -n 1)
		say "queue: ${q:-?}"
	else
		say "postfix: not running"; rc=1
	fi
	if sp=$(sink_pid "$dir"); then
		say "smtp-sink: running (pid $sp) on $(conf_get "$dir" SINK)"
	else
		say "smtp-sink: not running"; rc=1
	fi
	n=$(find "$dir/sink" -maxdepth 1 -type f 2>/dev/null | wc -l)
	say "sink received: $n message(s) in $dir/sink"
	say "maillog: $dir/maillog ($(wc -l < "$dir/maillog" 2>/dev/null || echo 0) lines)"
	return $rc
}

cmd_stop() {
	local dir p pids mp i sp
	dir=$(lab_dir "${1:-}") || exit 1
	pids=$(instance_pids "$dir")
	if [ -n "$pids" ]; then
		# What `postfix stop` does, without its 1 s polling: SIGTERM to
		# master, which passes it on to its children (its process group).
		mp=
		[ -r "$dir/spool/pid/master.pid" ] && read -r mp < "$dir/spool/pid/master.pid"
		mp=${mp//[[:space:]]/}
		if [[ $mp =~ ^[0-9]+$ ]] && printf '%s\n' "$pids" | grep -Fxq -- "$mp"; then
			kill -TERM "$mp" 2>/dev/null
		else
			postfix -c "$dir/etc" stop >/dev/null 2>&1
		fi
		# Children may outlive master for a moment; anything left after
		# 10 s is killed by pid (only this instance's processes).
		for i in $(seq 1 100); do
			pids=$(instance_pids "$dir")
			[ -z "$pids" ] && break
			sleep 0.1
		done
		if [ -n "$pids" ]; then
			echo "$PROG: killing leftover Postfix processes:" "$pids" >&2
			for p in $pids; do kill -KILL "$p" 2>/dev/null; done
			for i in $(seq 1 20); do
				[ -z "$(instance_pids "$dir")" ] && break
				sleep 0.1
			done
		fi
	fi
	if sp=$(sink_pid "$dir"); then
		kill -TERM "$sp" 2>/dev/null
		for i in $(seq 1 50); do
			sink_pid "$dir" >/dev/null || break
			sleep 0.1
		done
		sink_pid "$dir" >/dev/null && kill -KILL "$sp" 2>/dev/null
	fi
	rm -f "$dir/sink.pid"
	say "stopped $dir"
	return 0
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start)   [ $# -eq 1 ] || usage; cmd_start "$@" ;;
adduser) cmd_adduser "$@" ;;
send)    cmd_send "$@" ;;
status)  [ $# -eq 1 ] || usage; cmd_status "$@" ;;
stop)    [ $# -eq 1 ] || usage; cmd_stop "$@" ;;
*)       usage ;;
esac
