#!/bin/sh
# deps.sh - install the Debian packages smtp-sentinel builds and tests with.
#
# Idempotent and quick: one dpkg-query when everything is present; apt-get
# runs only for what is missing (as root; otherwise it says what to install).
# Used by `make run`, `make test` and `make bench`.  The last line is for
# the operations files' tests: the Debian package (dpkg-buildpackage,
# debhelper), logrotate, bash completion, and jq for the dashboard.
# GnuTLS and libxcrypt: TLS and bcrypt for /metrics; openssl and htpasswd
# (apache2-utils) make the certificate and password file of its test.
set -eu

PACKAGES="
clang llvm gcc make pkg-config
libbpf-dev bpftool libelf-dev zlib1g-dev
libpcap-dev libcmocka-dev libmicrohttpd-dev libinih-dev uthash-dev libjansson-dev libmnl-dev
libsystemd-dev systemd-journal-remote
libgnutls28-dev libcrypt-dev openssl apache2-utils
prometheus
postfix sasl2-bin libsasl2-modules swaks
iproute2 curl procps gzip bc time pflogsumm
systemd-container debootstrap
cppcheck clang-tidy libclang-rt-dev
dpkg-dev debhelper logrotate bash-completion jq python3
"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing" >&2
	echo "deps.sh: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix: install it unconfigured; the lab (scripts/lab) runs instances of
# its own and never touches /etc/postfix's.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# The prometheus and postfix packages would start servers of their own; we
# need promtool and Postfix's programs.  policy-rc.d keeps package scripts
# from starting services.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 0755 "$policy"
	own_policy=1
fi
trap '[ "$own_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "deps.sh: done"
