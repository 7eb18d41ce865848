#!/bin/bash
# test_package.sh - `dpkg-buildpackage -us -uc -b` in a clean clone builds
# the Debian package, and the package holds what an operator needs and
# depends on nothing the daemon does not.
#
# Needs no root (Rules-Requires-Root: no) and no daemon.  The clone is of
# this repository's HEAD (committed work only), in a temporary directory;
# the build generates vmlinux.h from this host's BTF, and the BPF object in
# sentineld is CO-RE.  Checked: the file list (dpkg-deb -c) is exactly the
# expected one; every runtime dependency (dpkg-deb -f Depends) is the
# package of a shared library the binaries load (no Postfix, no lab or test
# tools); the configuration and the logrotate snippet are conffiles; the
# maintainer scripts neither enable nor start the service on install, and
# try-restart it on upgrade and stop it on removal; the version is the
# Makefile's; the unpacked binaries run and accept the shipped
# configuration.  lintian, when installed, must find no error.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

for tool in git dpkg-buildpackage dh dpkg-deb; do
	if ! command -v "$tool" > /dev/null; then
		skip "Debian package" "$tool is not installed (scripts/deps.sh installs it)"
		exit 0
	fi
done
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	skip "Debian package" "no kernel BTF at /sys/kernel/btf/vmlinux to generate vmlinux.h from"
	exit 0
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

git clone -q --no-local . "$WORK/smtp-sentinel" 2> "$WORK/clone.log" ||
	{ fail "a clean clone of HEAD" "$(cat "$WORK/clone.log")"; exit 1; }
check "the clone is HEAD" test "$(git -C "$WORK/smtp-sentinel" rev-parse HEAD)" = "$(git rev-parse HEAD)"
start=$(date +%s)
(cd "$WORK/smtp-sentinel" && dpkg-buildpackage -us -uc -b) > "$WORK/build.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	fail "dpkg-buildpackage -us -uc -b builds the package" "$(tail -n 30 "$WORK/build.log")"
	exit 1
fi
version=$(sed -n 's/^VERSION := //p' Makefile)
arch=$(dpkg --print-architecture)
DEB=$WORK/smtp-sentinel_${version}_${arch}.deb
check "dpkg-buildpackage -us -uc -b builds smtp-sentinel_${version}_$arch.deb ($(($(date +%s) - start)) s)" \
	test -s "$DEB"
[ -s "$DEB" ] || { fail "the package's version is the Makefile's ($version)" "$(ls "$WORK")"; exit 1; }
check "the package's version is the Makefile's" test "$(dpkg-deb -f "$DEB" Version)" = "$version"
# test_systemd.sh (after this one) installs this very package into its
# container: it is left in build/package/ with the commit it was built from.
mkdir -p build/package && rm -f build/package/*.deb &&
	cp "$DEB" build/package/ && git rev-parse HEAD > build/package/commit

# ---- contents --------------------------------------------------------------
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' | LC_ALL=C sort > "$WORK/files"
LC_ALL=C sort > "$WORK/want" <<'FILES'
/etc/logrotate.d/smtp-sentinel
/etc/smtp-sentinel/sentinel.conf
/lib/systemd/system/smtp-sentinel.service
/usr/bin/sentinel-report
/usr/bin/sentinelctl
/usr/sbin/sentineld
/usr/share/bash-completion/completions/sentinel-report
/usr/share/bash-completion/completions/sentinelctl
/usr/share/doc/smtp-sentinel/changelog.gz
/usr/share/doc/smtp-sentinel/copyright
/usr/share/man/man1/sentinel-report.1.gz
/usr/share/man/man1/sentinelctl.1.gz
/usr/share/man/man5/sentinel.conf.5.gz
/usr/share/man/man8/sentineld.8.gz
/usr/share/smtp-sentinel/grafana/smtp-sentinel.json
/usr/share/smtp-sentinel/smtp-sentinel.rules.yml
FILES
if cmp -s "$WORK/want" "$WORK/files"; then
	pass "the package holds the programs, unit, config, logrotate, rules, dashboard, man pages and completion"
else
	fail "the package holds exactly the expected files" "$(diff "$WORK/want" "$WORK/files")"
fi
dpkg-deb -e "$DEB" "$WORK/control"
check "the configuration and the logrotate snippet are conffiles" test \
	"$(LC_ALL=C sort "$WORK/control/conffiles" | tr '\n' ' ')" = \
	"/etc/logrotate.d/smtp-sentinel /etc/smtp-sentinel/sentinel.conf "

# ---- dependencies: the shared libraries the binaries load, nothing else ----
dpkg-deb -x "$DEB" "$WORK/root"
depends=$(dpkg-deb -f "$DEB" Depends)
for b in usr/sbin/sentineld usr/bin/sentinelctl usr/bin/sentinel-report; do
	ldd "$WORK/root/$b" | awk '$3 ~ /^\// { print $3 }'
done | sort -u | while read -r lib; do
	dpkg -S "$(readlink -f "$lib")" 2> /dev/null || dpkg -S "$lib" 2> /dev/null
done | cut -d: -f1 | sort -u > "$WORK/lib-packages"
extra=""
for d in $(echo "$depends" | tr ',|' '\n\n' | awk '{ print $1 }' | sed 's/:.*//' | sort -u); do
	grep -qx "$d" "$WORK/lib-packages" || extra="$extra $d"
done
if [ -n "$depends" ] && [ -z "$extra" ]; then
	pass "every runtime dependency is a shared library the binaries load ($depends)"
else
	fail "every runtime dependency is a shared library the binaries load" \
		"Depends: $depends; not a library package:$extra"
fi
check "libbpf is a dependency" sh -c "echo '$depends' | grep -q 'libbpf1'"
check "Postfix is recommended, not required" test "$(dpkg-deb -f "$DEB" Recommends)" = postfix

# ---- the service is not enabled or started by the install -----------------
# postinst run against recording stubs of deb-systemd-helper and friends:
# STATE is new (never installed), enabled or disabled (by the admin).
run_postinst() {	# run_postinst STATE ARGS...: the stub calls, one per line
	local state=$1
	shift
	rm -rf "$WORK/stub"
	mkdir "$WORK/stub"
	for c in deb-systemd-helper deb-systemd-invoke systemctl; do
		cat > "$WORK/stub/$c" <<STUB
#!/bin/sh
echo "$c \$*" >> "$WORK/stub/calls"
[ "\$1" = --quiet ] && shift
case "\$1" in
debian-installed) [ "$state" != new ] ;;
was-enabled) [ "$state" != disabled ] ;;	# true when it knows nothing, as the real one
*) exit 0 ;;
esac
STUB
		chmod +x "$WORK/stub/$c"
	done
	: > "$WORK/stub/calls"
	PATH="$WORK/stub:$PATH" sh "$WORK/control/postinst" "$@" > /dev/null 2>&1
	cat "$WORK/stub/calls"
}
check "a fresh install does not enable the unit" sh -c \
	"! echo '$(run_postinst new configure "")' | grep -q 'deb-systemd-helper enable'"
check "an upgrade keeps the unit enabled if the admin enabled it" sh -c \
	"echo '$(run_postinst enabled configure 0.0.9)' | grep -q 'deb-systemd-helper enable smtp-sentinel.service'"
check "and disabled if the admin disabled it" sh -c \
	"! echo '$(run_postinst disabled configure 0.0.9)' | grep -q 'deb-systemd-helper enable'"
check "postinst starts nothing on install; on upgrade it restarts a running sentineld" sh -c \
	"! grep -Eq 'deb-systemd-invoke (start|restart|\\\$_dh_action)' '$WORK/control/postinst' &&
	 grep -q \"deb-systemd-invoke try-restart 'smtp-sentinel.service'\" '$WORK/control/postinst'"
check "prerm stops sentineld on removal" \
	grep -q 'deb-systemd-invoke stop smtp-sentinel.service' "$WORK/control/prerm"

# ---- the unpacked programs run ---------------------------------------------
check_config() { "$WORK/root/usr/sbin/sentineld" --check-config -c "$1" > /dev/null; }
check "the packaged sentineld accepts the packaged configuration" \
	check_config "$WORK/root/etc/smtp-sentinel/sentinel.conf"
check "the packaged sentinel-report and sentinelctl print the version" sh -c \
	"[ \"\$('$WORK/root/usr/bin/sentinel-report' -V)\" = 'sentinel-report $version' ] &&
	 [ \"\$('$WORK/root/usr/bin/sentinelctl' -V)\" = 'sentinelctl $version' ]"
check "the unit starts the packaged sentineld with the packaged configuration" \
	grep -qx 'ExecStart=/usr/sbin/sentineld .*-c /etc/smtp-sentinel/sentinel.conf.*' \
	"$WORK/root/lib/systemd/system/smtp-sentinel.service"

if command -v lintian > /dev/null; then
	if lintian --fail-on error "$WORK"/smtp-sentinel_*.changes > "$WORK/lintian.out" 2>&1; then
		pass "lintian finds no error ($(grep -c '^W:' "$WORK/lintian.out") warnings)"
	else
		fail "lintian finds no error" "$(cat "$WORK/lintian.out")"
	fi
else
	skip "lintian" "not installed (about 130 packages: not in scripts/deps.sh)"
fi
exit $((FAILED > 0))
