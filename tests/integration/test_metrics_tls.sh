#!/bin/bash
# test_metrics_tls.sh - /metrics over TLS with basic authentication, as a
# Prometheus server would scrape it.
#
# As root (sentineld needs BPF to start): a self-signed certificate made by
# openssl for 127.0.0.1, a password file made by htpasswd -B, and curl as
# the TLS client verifying the certificate (--cacert, no -k).  Plain HTTP
# to the TLS port gets no answer, TLS 1.1 is refused, no credentials, a
# wrong password and an unknown user get 401 with a Basic challenge, the
# right password gets 200 and a page promtool accepts; guessing beyond the
# check budget gets 429 while the scraper that proved itself still gets
# 200; no password reaches the log.  Before that: a missing, a
# world-readable and a mismatched key, a malformed password file are all
# refused with exit status 2 and the file named, both by --check-config
# and by a real start.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

PASSWORD='correct horse: battery'	# a ':' and a blank: curl and MHD must split at the first ':'
WRONG='Tr0ub4dor&3'

if [ "$(id -u)" -ne 0 ]; then
	skip "metrics over TLS" "needs root (CI runs as root)"
	exit 0
fi
for tool in openssl htpasswd curl promtool; do
	command -v "$tool" >/dev/null || { fail "$tool is installed (scripts/deps.sh)"; exit 1; }
done
daemon_work

# --- the files, as an operator makes them -------------------------------------
cert() {	# cert KEY CERT
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 2 -subj /CN=sentinel-test -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$1" -out "$2" 2>/dev/null
}
cert "$WORK/metrics.key" "$WORK/metrics.crt" || { fail "openssl makes a certificate"; exit 1; }
cert "$WORK/other.key" "$WORK/other.crt"
chmod 0600 "$WORK/metrics.key" "$WORK/other.key"
htpasswd -cbB -C 5 "$WORK/metrics.passwd" prometheus "$PASSWORD" 2>/dev/null &&
htpasswd -bB -C 5 "$WORK/metrics.passwd" grafana 'another one' 2>/dev/null ||
	{ fail "htpasswd makes a bcrypt password file"; exit 1; }

URL=https://127.0.0.1:$PORT/metrics
conf() {	# conf KEY PASSWD > file
	daemon_conf <<CONF
[metrics]
tls_cert = $WORK/metrics.crt
tls_key = $1
basic_auth_file = $2
[maillog]
path = none
CONF
}
conf "$WORK/metrics.key" "$WORK/metrics.passwd" > "$WORK/sentinel.conf"

# --- refused at start ----------------------------------------------------------
# refused NAME KEY PASSWD EXPECTED-TEXT: --check-config and a real start both exit 2
refused() {
	local out rc
	conf "$2" "$3" > "$WORK/bad.conf"
	out=$("$DAEMON" -c "$WORK/bad.conf" --check-config 2>&1); rc=$?
	if [ "$rc" -eq 2 ] && [[ $out == *"$4"* ]]; then pass "--check-config refuses $1"
	else fail "--check-config refuses $1" "status $rc: $out"; fi
	out=$(timeout 20 "$DAEMON" -c "$WORK/bad.conf" 2>&1); rc=$?
	if [ "$rc" -eq 2 ] && [[ $out == *"$4"* ]]; then pass "sentineld does not start with $1"
	else fail "sentineld does not start with $1" "status $rc: $out"; fi
}
refused "a missing key" "$WORK/missing.key" "$WORK/metrics.passwd" \
	"tls_key $WORK/missing.key: No such file or directory"
cp -p "$WORK/metrics.key" "$WORK/open.key"; chmod 0644 "$WORK/open.key"
refused "a key others can read" "$WORK/open.key" "$WORK/metrics.passwd" \
	"tls_key $WORK/open.key: mode 0644 lets others read it"
refused "a key that is not the certificate's" "$WORK/other.key" "$WORK/metrics.passwd" \
	"tls_cert $WORK/metrics.crt, tls_key $WORK/other.key: "
cp "$WORK/metrics.passwd" "$WORK/md5.passwd"
htpasswd -bm "$WORK/md5.passwd" legacy 'md5 hash' 2>/dev/null
refused "an MD5 password file line" "$WORK/metrics.key" "$WORK/md5.passwd" \
	"$WORK/md5.passwd:3: not a bcrypt hash (make one with htpasswd -B)"
out=$("$DAEMON" -c "$WORK/sentinel.conf" --check-config 2>&1); rc=$?
check "--check-config accepts the good files" [ "$rc" -eq 0 ]

# --- served --------------------------------------------------------------------
daemon_start --cacert "$WORK/metrics.crt" -u "prometheus:$PASSWORD" "$URL"
pass "sentineld serves https with the operator's certificate"

code() {	# code CURL-ARGS...: the HTTP status, 000 without an answer
	curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' --max-time 5 "$@"
}
got=$(code "http://127.0.0.1:$PORT/metrics")
check "plain HTTP to the TLS port gets no HTTP answer (got $got)" [ "$got" = 000 ]
got=$(code --cacert "$WORK/metrics.crt" --tls-max 1.1 "$URL")
check "TLS 1.1 is refused (got $got)" [ "$got" = 000 ]
got=$(code --cacert "$WORK/other.crt" -u "prometheus:$PASSWORD" "$URL")
check "a client trusting another certificate does not connect (got $got)" [ "$got" = 000 ]

got=$(code --cacert "$WORK/metrics.crt" "$URL")
check "TLS without credentials gets 401 (got $got)" [ "$got" = 401 ]
if grep -qi '^WWW-Authenticate: Basic realm="smtp-sentinel"' "$WORK/headers"; then
	pass "the 401 carries a Basic challenge"
else fail "the 401 carries a Basic challenge" "$(cat "$WORK/headers")"; fi
if grep -q smtp_sentinel_ "$WORK/body"; then fail "the 401 tells nothing of the metrics"
else pass "the 401 tells nothing of the metrics"; fi
got=$(code --cacert "$WORK/metrics.crt" -u "prometheus:$WRONG" "$URL")
check "a wrong password gets 401 (got $got)" [ "$got" = 401 ]
got=$(code --cacert "$WORK/metrics.crt" -u "grafana:$PASSWORD" "$URL")
check "another user's password gets 401 (got $got)" [ "$got" = 401 ]
got=$(code --cacert "$WORK/metrics.crt" -u "root:$PASSWORD" "$URL")
check "an unknown user gets 401 (got $got)" [ "$got" = 401 ]
got=$(code --cacert "$WORK/metrics.crt" "https://127.0.0.1:$PORT/")
check "the index page needs the password too (got $got)" [ "$got" = 401 ]

got=$(code --cacert "$WORK/metrics.crt" -u "prometheus:$PASSWORD" "$URL")
check "the right password gets 200 (got $got)" [ "$got" = 200 ]
check "the page has sentineld's metrics" grep -q '^smtp_sentinel_' "$WORK/body"
if promtool check metrics < "$WORK/body" > "$WORK/promtool.out" 2>&1; then
	pass "promtool check metrics accepts the page scraped over TLS"
else fail "promtool check metrics accepts the page scraped over TLS" "$(cat "$WORK/promtool.out")"; fi
sleep 2.5	# the checks above spent the budget of bcrypt checks (2 a second, 4 at once)
got=$(code --cacert "$WORK/metrics.crt" -u "grafana:another one" "$URL")
check "a second user of the file gets 200 (got $got)" [ "$got" = 200 ]

# --- a guesser is bounded; the scraper is not locked out --------------------------
sleep 2.5
codes=""
for i in 1 2 3 4 5 6 7 8; do
	codes="$codes $(code --cacert "$WORK/metrics.crt" -u "prometheus:guess$i" "$URL")"
done
if [[ $codes == " 401 401 401 401 429"* ]] && [[ $codes != *200* ]]; then
	pass "eight quick guesses: 401 then 429 beyond the check budget ($codes)"
else fail "eight quick guesses: 401 then 429 beyond the check budget" "$codes"; fi
grep -qi '^Retry-After: 1' "$WORK/headers" && pass "the 429 says Retry-After" ||
	fail "the 429 says Retry-After" "$(cat "$WORK/headers")"
got=$(code --cacert "$WORK/metrics.crt" -u "prometheus:$PASSWORD" "$URL")
check "meanwhile the scraper's remembered password gets 200 (got $got)" [ "$got" = 200 ]
sleep 2.5
got=$(code --cacert "$WORK/metrics.crt" -u "prometheus:guess9" "$URL")
check "after a pause a guess is checked again: 401 (got $got)" [ "$got" = 401 ]

# --- the log ---------------------------------------------------------------------
daemon_stop; rc=$?
check "sentineld stops cleanly (status $rc)" [ "$rc" -eq 0 ]
if grep -q "metrics on https://127.0.0.1:$PORT/metrics, basic authentication" "$WORK/daemon.log"; then
	pass "the log says https and basic authentication"
else fail "the log says https and basic authentication" "$(cat "$WORK/daemon.log")"; fi
if grep -q "authentication failed for user 'prometheus' from 127.0.0.1" "$WORK/daemon.log"; then
	pass "a failed login is logged with user and address"
else fail "a failed login is logged with user and address" "$(cat "$WORK/daemon.log")"; fi
if grep -qF -e "$PASSWORD" -e "$WRONG" -e guess -e "another one" "$WORK/daemon.log"; then
	fail "no password reaches the log" "$(cat "$WORK/daemon.log")"
else pass "no password reaches the log"; fi

[ "$FAILED" -eq 0 ]
