#!/bin/bash
# maillog_bench.sh - the maillog parsers against the runbook's pipeline.
#
#   tests/bench/maillog_bench.sh            (BENCH_LOG_SIZE=1G by default)
#
# Generates a Postfix maillog of BENCH_LOG_SIZE bytes with build/genlog
# (seed 1; build/bench-maillog-SIZE.log, with the exact per-user counts
# beside it in .counts; reused when present), reads it once into the page
# cache, then times on it, each MAILLOG_BENCH_ROUNDS times (default 3, the median
# is printed):
#   grep -c sasl_username
#   grep sasl_username | sed 's/.*sasl_username=//' | sort | uniq -c
#       in the default locale (as inherited) and with LC_ALL=C
#   build/parse_bench (syslog_parse + postfix_parse over every line), one
#       thread and as many threads as CPUs (at most 2 here)
#   build/sentinel-report (the whole report: parsing, the message table,
#       per-identity aggregation; the answer the pipeline gets wrong)
#   pflogsumm, once (it reads ~25 MB/s)
# and prints MB/s (10^6 bytes a second, wall clock) for each, the ratios
# parse_bench / pipeline and sentinel-report / pipeline, and
# sentinel-report's peak RSS (by /usr/bin/time -f %M, else python3's
# getrusage of its child), which the message table bounds, not the file.
# The pipeline runs as several processes at once, so the fair comparison
# for the parser is with the threaded parse_bench; the one-thread figure
# is what a serial report tool gets.  Needs no root; build/genlog,
# build/parse_bench and build/sentinel-report must be built (make bench
# does).
set -u
cd "$(dirname "$0")/../.." || exit 1

SIZE=${BENCH_LOG_SIZE:-1G}
ROUNDS=${MAILLOG_BENCH_ROUNDS:-3}
LOG=build/bench-maillog-$SIZE.log

for tool in build/genlog build/parse_bench build/sentinel-report; do
	[ -x "$tool" ] || { echo "maillog_bench: $tool missing: make $tool" >&2; exit 1; }
done
if [ ! -s "$LOG" ]; then
	echo "maillog_bench: generating $LOG"
	build/genlog -s 1 -c "$LOG.counts" "$SIZE" > "$LOG.tmp" && mv "$LOG.tmp" "$LOG" ||
		{ rm -f "$LOG.tmp"; exit 1; }
fi
BYTES=$(stat -c %s "$LOG")
cat "$LOG" > /dev/null

# median wall seconds of ROUNDS runs of "$@", output discarded
seconds() {
	local i t0 t1
	for ((i = 0; i < ROUNDS; i++)); do
		t0=$(date +%s.%N)
		"$@" > /dev/null || { echo "maillog_bench: failed: $*" >&2; exit 1; }
		t1=$(date +%s.%N)
		echo "$t1 - $t0" | bc -l
	done | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

mbps() {
	echo "$BYTES / $1 / 1000000" | bc -l | xargs printf '%.0f'
}

# GNU grep stops at the first match when its output is /dev/null: a pipe
grep_count() {
	grep -c sasl_username "$LOG" | cat
}

pipeline() {
	grep sasl_username "$LOG" | sed 's/.*sasl_username=//' | sort | uniq -c
}

DEFAULT_LOCALE=$(locale 2>/dev/null | sed -n 's/^LC_COLLATE=//p' | tr -d '"')
t_grep=$(seconds grep_count)
t_pipe=$(seconds pipeline)
t_pipe_c=$(LC_ALL=C seconds pipeline)
t_parse=$(seconds build/parse_bench -q "$LOG")
JOBS=$(nproc)
[ "$JOBS" -gt 2 ] && JOBS=2
t_parse_j=$(seconds build/parse_bench -j "$JOBS" -q "$LOG")
t_report=$(seconds build/sentinel-report "$LOG")
# pflogsumm is slow (~25 MB/s): one run is enough to place it
t_pflog=$(ROUNDS=1 seconds pflogsumm --problems_first "$LOG")

# peak resident set of one sentinel-report run, in KiB
report_rss() {
	local out
	if [ -x /usr/bin/time ]; then
		out=$(/usr/bin/time -f %M build/sentinel-report "$LOG" 2>&1 >/dev/null) &&
			echo "$out" | tail -n 1 && return
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' build/sentinel-report "$LOG" &&
			return
	fi
	echo "?"
}
rss_report=$(report_rss)

m_grep=$(mbps "$t_grep")
m_pipe=$(mbps "$t_pipe")
m_pipe_c=$(mbps "$t_pipe_c")
m_parse=$(mbps "$t_parse")
m_parse_j=$(mbps "$t_parse_j")
m_report=$(mbps "$t_report")
m_pflog=$(mbps "$t_pflog")

printf 'maillog_bench: %s (%s bytes, %s lines), median of %s, %s cpus\n' "$LOG" \
	"$BYTES" "$(build/parse_bench -q "$LOG" | cut -d' ' -f3)" "$ROUNDS" "$(nproc)"
printf '  %-44s %6s MB/s\n' "grep -c sasl_username" "$m_grep" \
	"grep|sed|sort|uniq -c  (locale ${DEFAULT_LOCALE:-?})" "$m_pipe" \
	"grep|sed|sort|uniq -c  (LC_ALL=C)" "$m_pipe_c" \
	"parse_bench (syslog_parse + postfix_parse)" "$m_parse" \
	"parse_bench -j $JOBS" "$m_parse_j" \
	"sentinel-report (per-identity report)" "$m_report" \
	"pflogsumm (one run)" "$m_pflog"
ratio() {
	echo "$1 / $2" | bc -l | xargs printf '%.2f'
}
printf '  parse_bench / pipeline:      %s (default locale), %s (LC_ALL=C)\n' \
	"$(ratio "$m_parse" "$m_pipe")" "$(ratio "$m_parse" "$m_pipe_c")"
printf '  parse_bench -j %s / pipeline: %s (default locale), %s (LC_ALL=C)\n' "$JOBS" \
	"$(ratio "$m_parse_j" "$m_pipe")" "$(ratio "$m_parse_j" "$m_pipe_c")"
printf '  sentinel-report / pipeline:  %s (default locale), %s (LC_ALL=C)\n' \
	"$(ratio "$m_report" "$m_pipe")" "$(ratio "$m_report" "$m_pipe_c")"
printf '  sentinel-report / pflogsumm: %s\n' "$(ratio "$m_report" "$m_pflog")"
printf '  sentinel-report peak RSS:    %s KiB\n' "$rss_report"
