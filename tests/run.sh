#!/bin/sh
# run.sh - run every test suite and print one summary line.
#
#   tests/run.sh UNIT_TEST_BINARY...
#
# Unit tests are cmocka binaries (built under ASan/UBSan); integration tests
# are tests/integration/test_*.sh (root, real BPF).  The last line is
# "N passed, N failed, N skipped"; the exit status is non-zero on any failure.
set -u
cd "$(dirname "$0")/.." || exit 1

passed=0 failed=0 skipped=0 status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() {
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

for t in "$@"; do
	echo "== $t"
	# cmocka's TAP output: "ok N - name" / "not ok N - name"
	CMOCKA_MESSAGE_OUTPUT=TAP SENTINEL_EXPO_OUT=build/expo-sample.txt "$t" > "$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $t exited with status $rc"
		failed=$((failed + 1))
	fi
done

# The unit tests leave a realistic exposition sample: promtool must accept it.
if [ -f build/expo-sample.txt ]; then
	if promtool check metrics < build/expo-sample.txt; then
		echo "PASS: promtool accepts the unit-test exposition sample"
		passed=$((passed + 1))
	else
		echo "FAIL: promtool rejects the unit-test exposition sample"
		failed=$((failed + 1))
	fi
fi

# The alert rules: well-formed, and firing on the series sentineld exports.
if promtool check rules scripts/prometheus/smtp-sentinel.rules.yml; then
	echo "PASS: promtool check rules accepts the alert rules"
	passed=$((passed + 1))
else
	echo "FAIL: promtool check rules rejects scripts/prometheus/smtp-sentinel.rules.yml"
	failed=$((failed + 1))
fi
if (cd tests/prometheus && promtool test rules rules_test.yml); then
	echo "PASS: the alert rules fire as tests/prometheus/rules_test.yml expects"
	passed=$((passed + 1))
else
	echo "FAIL: promtool test rules tests/prometheus/rules_test.yml"
	failed=$((failed + 1))
fi

# Real Postfix lines from public sources (tests/data/corpus): the share of
# their fields the parser extracts as Postfix writes them must not drop
# (99.3 % of the Postfix lines' fields on 2026-12-07; 95 % is the target).
echo "== tests/corpus.py"
if python3 tests/corpus.py --min "${CORPUS_MIN:-99}" > "$log" 2>&1; then
	cat "$log"
	echo "PASS: the parser extracts at least ${CORPUS_MIN:-99} % of the corpus's fields"
	passed=$((passed + 1))
else
	cat "$log"
	echo "FAIL: tests/corpus.py: below ${CORPUS_MIN:-99} % of the corpus's fields (-v lists the misses)"
	failed=$((failed + 1))
fi

# A short libFuzzer run over the line parsers (make fuzz runs it longer).
if [ -x build/fuzz_maillog ]; then
	echo "== build/fuzz_maillog (${FUZZ_SECONDS:-10} s)"
	mkdir -p build/fuzz-corpus
	if build/fuzz_maillog -max_total_time="${FUZZ_SECONDS:-10}" -max_len=4096 \
		build/fuzz-corpus tests/fuzz/corpus > "$log" 2>&1; then
		tail -n 3 "$log"
		echo "PASS: the maillog parsers survive ${FUZZ_SECONDS:-10} s of libFuzzer"
		passed=$((passed + 1))
	else
		tail -n 40 "$log"
		echo "FAIL: libFuzzer found a crash in the maillog parsers"
		failed=$((failed + 1))
	fi
fi

for t in tests/integration/test_*.sh; do
	echo "== $t"
	"$t" > "$log" 2>&1
	rc=$?
	cat "$log"
	count
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL: ' "$log"; then
		echo "FAIL: $t exited with status $rc"
		failed=$((failed + 1))
	fi
done

[ "$failed" -eq 0 ] || status=1
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
