# nspawn.sh - a real systemd in a container, for the system tests (sourced).
#
#   . tests/integration/nspawn.sh
#   nspawn_usable                 0, or prints why this host cannot run one
#   nspawn_tools                  0, or prints which program is missing
#   nspawn_root PACKAGES...       prints a cached Debian root with them
#   nspawn_prepare CACHED DIR     DIR/root: a writable copy-on-write view
#   nspawn_boot DIR               boots it (systemd-nspawn -b), sets NSPAWN_LEADER
#   nspawn_exec CMD...            runs CMD inside (all namespaces of the leader)
#   nspawn_halt DIR               powers it off, its root stays (boot it again)
#   nspawn_stop DIR               powers it off, unmounts; safe to repeat
#   lab_postfix_script [SETTING...] a script that sets up the lab's Postfix inside
#
# The root is `debootstrap --variant=minbase --include=systemd,systemd-sysv,
# dbus,PACKAGES SUITE` from the Debian mirror apt already uses (the first
# deb.debian.org-style URI of /etc/apt/sources.list*, or NSPAWN_MIRROR);
# SUITE is NSPAWN_SUITE [bookworm], set before sourcing or before
# nspawn_root (trixie: Debian 13, Postfix 3.10, systemd 257).  It takes
# about a minute, so it is cached under NSPAWN_CACHE
# [/var/cache/smtp-sentinel-test], one root per suite and package list
# (SUITE-sha256 of both as the name), built once per machine under a
# lock; a test never writes to it:
# nspawn_prepare mounts an overlay (the cache below, DIR/upper above) at
# DIR/root, or copies it where overlayfs is not available.
#
# nspawn_boot runs systemd-nspawn -b with its own network namespace (only
# a loopback: nothing can leave it, and nothing on the host's 127.0.0.1
# collides with it), the journal kept inside (DIR/root/var/log/journal,
# read from outside with journalctl --directory), and what a BPF daemon
# needs from this kernel: --capability=CAP_BPF,CAP_PERFMON,CAP_NET_ADMIN
# --system-call-filter='bpf perf_event_open'.  --register=no --keep-unit:
# no systemd-machined on the host is needed.  Its console goes to
# DIR/console.log.  It returns when the container's systemd reports the
# boot finished (systemctl is-system-running: running or degraded), or 1.

: "${NSPAWN_CACHE:=/var/cache/smtp-sentinel-test}"
: "${NSPAWN_SUITE:=bookworm}"
NSPAWN_LEADER=

nspawn_usable() {
	[ "$(id -u)" = 0 ] || { echo "needs root"; return 1; }
	awk '$3 == "cgroup2" { found = 1 } END { exit !found }' /proc/mounts ||
		{ echo "no cgroup v2 mount (nspawn and the sensor need one)"; return 1; }
	# Whether the kernel lets nspawn boot here is known only by trying:
	# nspawn_boot's caller reads DIR/console.log.
	return 0
}

nspawn_tools() {
	local p
	for p in systemd-nspawn debootstrap nsenter journalctl; do
		command -v "$p" >/dev/null ||
			{ echo "$p is not installed (scripts/deps.sh: systemd-container, debootstrap)"; return 1; }
	done
}

nspawn_mirror() {
	local m
	if [ -n "${NSPAWN_MIRROR:-}" ]; then echo "$NSPAWN_MIRROR"; return; fi
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v '^[[:space:]]*#' | grep -oE '(https?|file)://[^ ]+' |
		grep -v -- '-security' | grep -E '/debian/?$' | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}

nspawn_root() {
	local include key root tmp mirror
	include=$(printf '%s\n' systemd systemd-sysv dbus "$@" | sort -u | paste -sd, -)
	key=$(printf '%s %s minbase %s\n' "$NSPAWN_SUITE" "$(dpkg --print-architecture)" "$include" |
		sha256sum | cut -c1-16)
	root=$NSPAWN_CACHE/$NSPAWN_SUITE-$key
	mkdir -p "$NSPAWN_CACHE" || return 1
	(
		flock -w 900 9 || { echo "nspawn.sh: $NSPAWN_CACHE/lock is held" >&2; exit 1; }
		[ -f "$root/.complete" ] && exit 0
		tmp=$root.tmp.$$
		rm -rf "$root" "$tmp"
		mirror=$(nspawn_mirror)
		echo "nspawn.sh: debootstrap $NSPAWN_SUITE into $root (once per machine; $mirror)" >&2
		if ! debootstrap --variant=minbase --include="$include" "$NSPAWN_SUITE" "$tmp" \
			"$mirror" > "$tmp.log" 2>&1; then
			tail -n 20 "$tmp.log" >&2
			rm -rf "$tmp"
			exit 1
		fi
		rm -f "$tmp.log"
		# Nothing starts at boot that the tests did not ask for, apt
		# stays quiet, and each boot gets a machine id of its own.
		rm -f "$tmp"/var/cache/apt/archives/*.deb
		: > "$tmp/etc/machine-id"
		printf '%s\n' "$include" > "$tmp/.packages"
		touch "$tmp/.complete"
		mv "$tmp" "$root"
	) 9> "$NSPAWN_CACHE/lock" || return 1
	echo "$root"
}

nspawn_prepare() {
	local cached=$1 dir=$2
	mkdir -p "$dir/root" "$dir/upper" "$dir/work" || return 1
	if ! mount -t overlay overlay -o "lowerdir=$cached,upperdir=$dir/upper,workdir=$dir/work" \
		"$dir/root" 2>/dev/null; then
		echo "nspawn.sh: no overlayfs here: copying the root" >&2
		cp -a "$cached/." "$dir/root/" || return 1
	fi
	# A fresh machine id for each boot (journal files are named by it).
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$dir/root/etc/machine-id"
	echo >> "$dir/root/etc/machine-id"
}

# The container's PID 1, as the host numbers it: the child of
# systemd-nspawn whose pid in its own namespace is 1.
nspawn_find_leader() {
	local nspawn=$1 p c
	for p in $(pgrep -P "$nspawn") $(for c in $(pgrep -P "$nspawn"); do pgrep -P "$c"; done); do
		if awk '/^NSpid:/ { exit !($NF == 1 && NF > 2) }' "/proc/$p/status" 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

nspawn_boot() {
	local dir=$1 _ state
	# shellcheck disable=SC2086 # NSPAWN_EXTRA_ARGS: more options, split on spaces
	systemd-nspawn -b -D "$dir/root" -M "sentinel-test-$$" \
		--private-network --link-journal=no \
		--capability=CAP_BPF,CAP_PERFMON,CAP_NET_ADMIN \
		--system-call-filter='bpf perf_event_open' \
		--register=no --keep-unit --console=pipe \
		${NSPAWN_EXTRA_ARGS:-} \
		< /dev/null > "$dir/console.log" 2>&1 &
	echo $! > "$dir/nspawn.pid"
	for _ in $(seq 100); do
		NSPAWN_LEADER=$(nspawn_find_leader "$(cat "$dir/nspawn.pid")") && break
		kill -0 "$(cat "$dir/nspawn.pid")" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$NSPAWN_LEADER" ]; then
		echo "nspawn.sh: the container did not start:" >&2
		tail -n 20 "$dir/console.log" >&2
		return 1
	fi
	echo "$NSPAWN_LEADER" > "$dir/leader.pid"
	# "degraded" is a finished boot with a failed unit: the test says which.
	for _ in $(seq 300); do
		state=$(nspawn_exec systemctl is-system-running 2>/dev/null)
		case $state in running|degraded) return 0 ;; esac
		kill -0 "$NSPAWN_LEADER" 2>/dev/null || break
		sleep 0.1
	done
	echo "nspawn.sh: the container's systemd did not finish booting (${state:-no answer}):" >&2
	tail -n 20 "$dir/console.log" >&2
	return 1
}

# A clean environment inside: the container's own PATH, no host variables.
nspawn_exec() {
	nsenter -t "$NSPAWN_LEADER" -a -- /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

nspawn_halt() {
	local dir=$1 pid _
	if [ -f "$dir/nspawn.pid" ]; then
		pid=$(cat "$dir/nspawn.pid")
		if kill -0 "$pid" 2>/dev/null; then
			# The container's own poweroff; SIGTERM to nspawn if it
			# hangs (nspawn passes it on as a halt request).
			[ -n "$NSPAWN_LEADER" ] && nspawn_exec systemctl poweroff --no-block >/dev/null 2>&1
			for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -TERM "$pid" 2>/dev/null
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$pid" 2>/dev/null
		fi
		rm -f "$dir/nspawn.pid"
	fi
	NSPAWN_LEADER=
	return 0
}

nspawn_stop() {
	local dir=$1
	nspawn_halt "$dir"
	mountpoint -q "$dir/root" 2>/dev/null && umount "$dir/root"
	return 0
}

# --- Postfix in a container ------------------------------------------------------
# (here, not in tests/lib.sh: bash, and lib.sh is sourced by sh tests too)
# lab_postfix_script [POSTCONF-SETTING...]: on stdout, a shell script (set -e)
# to run inside a Debian container (nspawn_boot) that sets up
# its Postfix as scripts/lab/lab.sh sets up the lab: no local delivery, SASL
# submission on 587 (Cyrus, sasldb users alice/alice-pw and bob/bob-pw of
# lab.test), every service out of chroot, short retry times, and smtp-sink
# on 127.0.0.2:25 (a transient unit, one file per message in /srv/sink).
# The test's own settings (where Postfix listens and logs, its transports,
# its restrictions) are the arguments, given to the same postconf -e; the
# caller starts or restarts Postfix.
lab_postfix_script() {
	local common=(
		'myhostname = mx.lab.test' 'mydomain = lab.test' 'myorigin = $mydomain'
		'inet_protocols = ipv4' 'mydestination =' 'relay_domains =' 'local_recipient_maps ='
		'local_transport = error:5.1.1 local delivery is disabled'
		'alias_maps =' 'alias_database =' 'mynetworks = 127.0.0.1/32'
		'smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination'
		'smtp_dns_support_level = disabled' 'smtp_host_lookup = native'
		'smtpd_peername_lookup = no' 'smtpd_tls_security_level = none'
		'smtpd_sasl_auth_enable = yes' 'smtpd_sasl_type = cyrus' 'smtpd_sasl_path = smtpd'
		'cyrus_sasl_config_path = /etc/postfix/sasl' 'smtpd_sasl_local_domain = lab.test'
		'smtpd_sasl_security_options = noanonymous' 'broken_sasl_auth_clients = yes'
		'smtputf8_enable = no'
		'queue_run_delay = 5s' 'minimal_backoff_time = 5s' 'maximal_backoff_time = 30s'
		'smtp_connect_timeout = 5s'
	)
	printf 'set -e\npostconf -e'
	printf ' \\\n\t%q' "${common[@]}" "$@"
	printf '\n'
	cat <<'SCRIPT'
postconf -M 'submission/inet=submission inet n - n - - smtpd'
postconf -P 'submission/inet/syslog_name=postfix/submission' \
	'submission/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject'
postconf -F '*/*/chroot = n'
mkdir -p /etc/postfix/sasl /srv/sink
printf '%s\n' 'pwcheck_method: auxprop' 'auxprop_plugin: sasldb' \
	'sasldb_path: /etc/sasldb2' 'mech_list: PLAIN LOGIN' > /etc/postfix/sasl/smtpd.conf
printf alice-pw | saslpasswd2 -p -c -f /etc/sasldb2 -u lab.test alice
printf bob-pw | saslpasswd2 -p -c -f /etc/sasldb2 -u lab.test bob
chown root:postfix /etc/sasldb2
chmod 0640 /etc/sasldb2
chown postfix /srv/sink
# the sink: everything relayed to 127.0.0.2:25 ends here, one file per message
systemd-run --quiet --unit=smtp-sink /usr/sbin/smtp-sink -u postfix -h sink.lab.test \
	-d '/srv/sink/%Y%m%d%H%M%S.' 127.0.0.2:25 256
SCRIPT
}
