// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * parse_bench - syslog_parse() + postfix_parse() over a whole maillog.
 *
 *	parse_bench [-r REF] [-j THREADS] [-q] FILE
 *
 * Maps FILE, splits it into lines, parses every line's syslog header and
 * Postfix record (reference time REF, default now), counts records by
 * kind, and prints the throughput: MB/s (10^6 bytes) and ns per line,
 * wall clock, mapping and page faults included.  -j splits the file into
 * THREADS (1..64, default 1) pieces at line boundaries parsed in
 * parallel; ns/line stays wall time over all lines.  -q prints only
 * "MBPS NS_PER_LINE LINES".  Lines that fail the syslog header are
 * counted as "no header".  Exit status 1 when FILE cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maillog/postfix.h"
#include "maillog/syslog.h"

#define NKINDS POSTFIX_KIND_COUNT

#define MAXJOBS 64

struct job {
	pthread_t tid;
	const char *p, *end;
	time_t ref;
	unsigned long long kinds[NKINDS], lines, noheader;
};

static void *run(void *arg)
{
	struct job *j = arg;
	struct syslog_line sl;
	struct postfix_record rec;

	for (const char *p = j->p; p < j->end; j->lines++) {
		const char *nl = memchr(p, '\n', (size_t)(j->end - p));
		size_t len = (size_t)((nl ? nl : j->end) - p);

		if (syslog_parse(&sl, p, len, j->ref) == SYSLOG_OK)
			j->kinds[postfix_parse(&rec, sl.program, sl.msg, NULL)]++;
		else
			j->noheader++;
		p += len + 1;
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct job jobs[MAXJOBS];
	unsigned long long kinds[NKINDS] = { 0 }, lines = 0, noheader = 0;
	time_t ref = time(NULL);
	const char *p, *end, *map;
	double t0, t1, mbps, ns;
	struct stat st;
	int opt, fd, quiet = 0, njobs = 1;

	while ((opt = getopt(argc, argv, "r:j:q")) != -1) {
		switch (opt) {
		case 'r': ref = (time_t)strtoll(optarg, NULL, 0); break;
		case 'j': njobs = atoi(optarg); break;
		case 'q': quiet = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || njobs < 1 || njobs > MAXJOBS)
		goto usage;
	t0 = now();
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "parse_bench: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	if (st.st_size == 0) {
		fprintf(stderr, "parse_bench: %s: empty\n", argv[optind]);
		return 1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "parse_bench: mmap %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	madvise((void *)map, (size_t)st.st_size, MADV_SEQUENTIAL);
	end = map + st.st_size;
	p = map;
	for (int i = 0; i < njobs; i++) {	/* pieces end after a newline */
		const char *cut = map + (size_t)st.st_size / (size_t)njobs * (size_t)(i + 1);
		const char *nl = cut < end ? memchr(cut, '\n', (size_t)(end - cut)) : NULL;

		jobs[i].p = p;
		jobs[i].end = i == njobs - 1 || !nl ? end : nl + 1;
		jobs[i].ref = ref;
		p = jobs[i].end;
		if (i > 0 && pthread_create(&jobs[i].tid, NULL, run, &jobs[i]) != 0) {
			fprintf(stderr, "parse_bench: pthread_create failed\n");
			return 1;
		}
	}
	run(&jobs[0]);
	for (int i = 0; i < njobs; i++) {
		if (i > 0)
			pthread_join(jobs[i].tid, NULL);
		lines += jobs[i].lines;
		noheader += jobs[i].noheader;
		for (int k = 0; k < NKINDS; k++)
			kinds[k] += jobs[i].kinds[k];
	}
	t1 = now();
	munmap((void *)map, (size_t)st.st_size);
	close(fd);
	mbps = (double)st.st_size / (t1 - t0) / 1e6;
	ns = (t1 - t0) * 1e9 / (double)(lines ? lines : 1);
	if (quiet) {
		printf("%.0f %.1f %llu\n", mbps, ns, lines);
		return 0;
	}
	printf("parse_bench: %lld bytes, %llu lines in %.3f s: %.0f MB/s, %.1f ns/line\n",
	       (long long)st.st_size, lines, t1 - t0, mbps, ns);
	printf("  %-12s %llu\n", "no header", noheader);
	for (int k = 0; k < NKINDS; k++)
		if (kinds[k])
			printf("  %-12s %llu\n", postfix_kind_name((enum postfix_kind)k), kinds[k]);
	return 0;
usage:
	fprintf(stderr, "usage: parse_bench [-r REF] [-j THREADS] [-q] FILE\n");
	return 2;
}
