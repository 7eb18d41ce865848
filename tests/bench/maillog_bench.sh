#!/bin/bash
# maillog_bench.sh - sentinel-report and sentineld's maillog ingest against
# the runbook's pipeline and against each other, in one run.
#
#   tests/bench/maillog_bench.sh
#
# Logs (build/genlog, seed 1; build/bench-MIX-SIZE.log, reused when present):
#   sasl     genlog's default mix: one line in 18 carries sasl_username=
#   inbound  genlog -m inbound: a relay that mostly receives, one in 185
# at each size of BENCH_SIZES (default "100M 1G").  Each is read once into
# the page cache, then timed MAILLOG_BENCH_ROUNDS times (default 5; the
# median is printed), the commands of one log taking turns round by round so
# that they share whatever else the machine is doing:
#   grep sasl_username | sed 's/.*sasl_username=//' | sort | uniq -c
#       (the runbook's pipeline) in the default locale (as inherited) and
#       with LC_ALL=C
#   build/sentinel-report LOG        (the whole per-identity report)
#   build/sentinel-report --json LOG (on the largest logs)
# and prints MB/s (10^6 bytes a second, wall clock) and the ratio
# report / pipeline (above 1: the report is faster).  On the largest log of
# each mix also: parse_bench (syslog_parse + postfix_parse over every line,
# one thread and two: the report's parsing without its hand-off between
# threads and its tables) and its ratio to that log's pipeline, and on the
# largest sasl log --json against text (time and peak RSS, by
# /usr/bin/time -f %M, else python3's getrusage of its child), pflogsumm
# once (it reads ~25 MB/s), and, when BENCH_BASELINE names another
# sentinel-report binary (an older commit's: git worktree add /tmp/old
# COMMIT; make -C /tmp/old build/sentinel-report), that binary in the same
# rounds, so that a change in the pflogsumm ratio can be told from the
# machine's noise.
# Then, as root, sentineld's own ingest rate: build/sentineld replays
# build/genrelay's day of a relay (about 930 000 lines) from
# [maillog] start = beginning with scripts/sentinel.conf as shipped (only
# paths, ports, start and source = file changed, as test_replay.sh does):
# lines a second from its "ready" (it then reads the backlog) to the end of
# the first scrape (one every 20 ms; the daemon answers it between batches)
# whose smtp_sentinel_maillog_lines_total has them all, and from its start
# (start-up included: BPF, postconf; test_replay.sh's figure).  It attaches sentineld's BPF programs,
# so run this under the integration tests' lock like them:
#   flock /tmp/sentinel-it.lock make bench
# MAILLOG_BENCH_INGEST=0 leaves sentineld out (then no lock is needed: the
# rest touches no port and no kernel hook).
# The load average is printed before and after: the machine may be shared.
# Needs build/genlog, build/genrelay, build/parse_bench, build/sentinel-report
# and build/sentineld (make bench builds them).  BENCH_KEEP_LOGS=1 keeps
# the generated logs (several GB); they are deleted otherwise.
set -u
cd "$(dirname "$0")/../.." || exit 1

SIZES=${BENCH_SIZES:-100M 1G}
ROUNDS=${MAILLOG_BENCH_ROUNDS:-5}
BASELINE=${BENCH_BASELINE:-}
REPORT=build/sentinel-report
TMPD=$(mktemp -d /tmp/maillog-bench.XXXXXX)
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	rm -rf "$TMPD"
	if [ -z "${BENCH_KEEP_LOGS:-}" ]; then
		for size in $SIZES; do
			rm -f "build/bench-sasl-$size.log" "build/bench-inbound-$size.log"
		done
	fi
}
trap cleanup EXIT

for tool in build/genlog build/genrelay build/parse_bench "$REPORT"; do
	[ -x "$tool" ] || { echo "maillog_bench: $tool missing: make $tool" >&2; exit 1; }
done
LARGEST=$(for s in $SIZES; do echo "$s"; done | sort -h | tail -n 1)

# timed LABEL CMD...: one run, output discarded, its wall seconds appended to LABEL
timed() {
	local label=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	"$@" > /dev/null || { echo "maillog_bench: failed: $*" >&2; exit 1; }
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l >> "$TMPD/$label"
}

median() {
	sort -g "$TMPD/$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

mbps() {	# BYTES SECONDS
	echo "$1 / $2 / 1000000" | bc -l | xargs printf '%.0f'
}

ratio() {
	echo "$1 / $2" | bc -l | xargs printf '%.2f'
}

# peak resident set of one run of "$@", in KiB
peak_rss() {
	local out
	if [ -x /usr/bin/time ]; then
		out=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null) && echo "$out" | tail -n 1 && return
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@" && return
	fi
	echo "?"
}

pipeline() {
	grep sasl_username "$1" | sed 's/.*sasl_username=//' | sort | uniq -c
}
pipeline_c() {
	LC_ALL=C pipeline "$1"
}

DEFAULT_LOCALE=$(locale 2>/dev/null | sed -n 's/^LC_COLLATE=//p' | tr -d '"')
echo "maillog_bench: $(nproc) cpus, median of $ROUNDS, locale ${DEFAULT_LOCALE:-?}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-8s %5s %11s %12s %12s %8s %8s %7s\n' mix size lines "pipe MB/s" "pipe C MB/s" \
	"report" "ratio" "ratio C"
for mix in sasl inbound; do
	for size in $SIZES; do
		log=build/bench-$mix-$size.log
		if [ ! -s "$log" ]; then
			if ! build/genlog -s 1 -m "$mix" "$size" > "$log.tmp"; then
				rm -f "$log.tmp"
				exit 1
			fi
			mv "$log.tmp" "$log"
		fi
		cat "$log" > /dev/null
		bytes=$(stat -c %s "$log")
		key=$mix-$size
		for ((r = 0; r < ROUNDS; r++)); do
			timed "pipe-$key" pipeline "$log"
			timed "pipec-$key" pipeline_c "$log"
			timed "report-$key" "$REPORT" "$log"
			if [ "$size" = "$LARGEST" ]; then
				timed "json-$key" "$REPORT" --json "$log"
				[ -n "$BASELINE" ] && [ "$mix" = sasl ] &&
					timed "base-$key" "$BASELINE" "$log"
			fi
		done
		m_pipe=$(mbps "$bytes" "$(median "pipe-$key")")
		m_pipec=$(mbps "$bytes" "$(median "pipec-$key")")
		m_rep=$(mbps "$bytes" "$(median "report-$key")")
		printf '  %-8s %5s %11s %12s %12s %8s %8s %7s\n' "$mix" "$size" \
			"$(grep -c '' "$log")" "$m_pipe" "$m_pipec" "$m_rep" \
			"$(ratio "$m_rep" "$m_pipe")" "$(ratio "$m_rep" "$m_pipec")"
		if [ "$size" = "$LARGEST" ]; then
			echo "$bytes" > "$TMPD/bytes-$mix"
			echo "$(peak_rss "$REPORT" "$log") $(peak_rss "$REPORT" --json "$log")" \
				> "$TMPD/rss-$mix"
		fi
		[ "$size" = "$LARGEST" ] && continue	# parse_bench reads it below
		[ -n "${BENCH_KEEP_LOGS:-}" ] || rm -f "$log"
	done
done
echo "  (report and pipe: MB/s; ratio: report / pipeline, default locale and LC_ALL=C)"

for mix in sasl inbound; do
	key=$mix-$LARGEST
	read -r rss_text rss_json < "$TMPD/rss-$mix"
	printf '  --json / text (%s %s): time %s (%s s / %s s), peak RSS %s KiB / %s KiB\n' \
		"$mix" "$LARGEST" "$(ratio "$(median "json-$key")" "$(median "report-$key")")" \
		"$(median "json-$key" | xargs printf '%.2f')" \
		"$(median "report-$key" | xargs printf '%.2f')" "$rss_json" "$rss_text"
done

JOBS=$(nproc)
[ "$JOBS" -gt 2 ] && JOBS=2
# The parsers alone (no hand-off between threads, no tables): what is left
# of the report's time once its aggregation is taken out, against the
# pipeline of the same log.
for mix in sasl inbound; do
	log=build/bench-$mix-$LARGEST.log
	bytes=$(cat "$TMPD/bytes-$mix")
	for ((r = 0; r < ROUNDS; r++)); do
		timed "parse-$mix" build/parse_bench -q "$log"
		timed "parse-j-$mix" build/parse_bench -j "$JOBS" -q "$log"
	done
	m_pj=$(mbps "$bytes" "$(median "parse-j-$mix")")
	printf '  parse_bench (%s %s):  %s MB/s one thread, %s MB/s %s threads (%s x the pipeline)\n' \
		"$mix" "$LARGEST" "$(mbps "$bytes" "$(median "parse-$mix")")" "$m_pj" "$JOBS" \
		"$(ratio "$m_pj" "$(mbps "$bytes" "$(median "pipe-$mix-$LARGEST")")")"
	[ "$mix" = sasl ] || [ -n "${BENCH_KEEP_LOGS:-}" ] || rm -f "$log"
done
log=build/bench-sasl-$LARGEST.log
bytes=$(cat "$TMPD/bytes-sasl")
if [ -n "$BASELINE" ]; then
	printf '  this report / %s (sasl %s, same rounds): %s\n' "$BASELINE" "$LARGEST" \
		"$(ratio "$(median "base-sasl-$LARGEST")" "$(median "report-sasl-$LARGEST")")"
fi
if command -v pflogsumm >/dev/null 2>&1; then
	# pflogsumm is slow (~25 MB/s): one run (a long one, which averages
	# the machine's noise out) is enough to place it, against the medians
	# of the report's rounds above (one report run right after it would
	# carry whatever load there was at that moment)
	timed pflog pflogsumm --problems_first "$log"
	printf '  pflogsumm (sasl %s, one run): %s MB/s; sentinel-report / pflogsumm: %s' \
		"$LARGEST" "$(mbps "$bytes" "$(median pflog)")" \
		"$(ratio "$(median pflog)" "$(median "report-sasl-$LARGEST")")"
	[ -n "$BASELINE" ] && printf ', %s / pflogsumm: %s' "$BASELINE" \
		"$(ratio "$(median pflog)" "$(median "base-sasl-$LARGEST")")"
	echo
else
	echo "  pflogsumm: not installed"
fi
[ -n "${BENCH_KEEP_LOGS:-}" ] || rm -f "$log"

# ---- sentineld's own ingest rate ----------------------------------------------
ingest() {
	local port lines t_start t0 t1 n
	if [ "${MAILLOG_BENCH_INGEST:-1}" = 0 ]; then
		echo "  sentineld ingest: SKIP: MAILLOG_BENCH_INGEST=0"
		return
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "  sentineld ingest: SKIP: needs root (sentineld needs BPF)"
		return
	fi
	[ -x build/sentineld ] || { echo "  sentineld ingest: build/sentineld missing"; return; }
	build/genrelay -s 1 -a "$TMPD/stolen" > "$TMPD/mail.log" 2> /dev/null || return
	lines=$(grep -c '' "$TMPD/mail.log")
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	python3 tests/shipped_conf.py scripts/sentinel.conf "$TMPD/sentinel.conf" "$TMPD" "$port"
	chmod 0755 "$TMPD"
	# its log lines with the time each was written: the backlog is read
	# from "ready" on, and its lines are counted in the metrics only once
	# it has all been read
	t_start=$(date +%s.%N)
	build/sentineld -c "$TMPD/sentinel.conf" > /dev/null 2> >(python3 -uc '
import sys, time
for l in sys.stdin:
    print("%.6f %s" % (time.time(), l), end="")' > "$TMPD/daemon.log") &
	DPID=$!
	for ((n = 0; n < 3000; n++)); do
		kill -0 "$DPID" 2> /dev/null || break
		[ "$(curl -fsS "http://127.0.0.1:$port/metrics" 2> /dev/null | awk '
			$1 ~ /^smtp_sentinel_maillog_lines_total/ { n += $2 } END { print n + 0 }')" \
			-ge "$lines" ] && break
		sleep 0.02
	done
	t1=$(date +%s.%N)
	t0=$(awk '$2 == "sentineld:" && $3 == "ready" { print $1; exit }' "$TMPD/daemon.log")
	kill -TERM "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; DPID=
	if [ -z "$t0" ] || [ "$n" -ge 3000 ]; then
		echo "  sentineld ingest: FAIL: $(tail -n 3 "$TMPD/daemon.log")"
		return
	fi
	printf '  sentineld ingest (genrelay day, %s lines, start = beginning): %s lines/s from "ready",\n' \
		"$lines" "$(echo "$lines / ($t1 - $t0)" | bc -l | xargs printf '%.0f')"
	printf '    %s lines/s with its start-up (%.2f s: BPF, postconf) counted\n' \
		"$(echo "$lines / ($t1 - $t_start)" | bc -l | xargs printf '%.0f')" \
		"$(echo "$t0 - $t_start" | bc -l)"
}
ingest
echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
