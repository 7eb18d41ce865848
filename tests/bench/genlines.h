/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * genlines.h - what the maillog generators (genlog.c, genrelay.c) share:
 * their random numbers and the header of an RFC 3164 syslog line.
 *
 * The numbers are splitmix64 from a seed (gen_seed()), so the same seed
 * writes the same bytes.  A line's header is "Nov 27 02:05:13 HOST
 * PROG[PID]: ", its time in UTC, as Debian's rsyslog writes Postfix's lines.
 */
#ifndef SENTINEL_GENLINES_H
#define SENTINEL_GENLINES_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

static uint64_t rng_state;

static inline void gen_seed(uint64_t seed)
{
	rng_state = seed;
}

static inline uint64_t rnd(void)	/* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 0 .. n-1 (0 for n 0, drawing nothing) */
static inline unsigned below(unsigned n)
{
	return n ? (unsigned)(rnd() % n) : 0;
}

/* [0, 1) */
static inline double unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* "Nov 27 02:05:13": t in UTC, as an RFC 3164 timestamp. */
static inline void gen_stamp(char *buf, size_t cap, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, cap, "%b %e %H:%M:%S", &tm);
}

/* A line's header, "STAMP HOST PROG[PID]: " ("PROG: " for a pid < 0), into
 * buf; its length, as snprintf() returns it. */
static inline int gen_header(char *buf, size_t cap, const char *stamp, const char *host,
			     const char *prog, long pid)
{
	if (pid < 0)
		return snprintf(buf, cap, "%s %s %s: ", stamp, host, prog);
	return snprintf(buf, cap, "%s %s %s[%ld]: ", stamp, host, prog, pid);
}

#endif
