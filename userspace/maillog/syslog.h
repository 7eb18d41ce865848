/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * syslog.h - split one maillog line into its syslog header and message.
 *
 * syslog_parse() reads one line (line, len: not NUL-terminated, may hold
 * NUL bytes and invalid UTF-8) of the form
 *
 *	TIMESTAMP SP HOSTNAME SP PROGRAM[PID]: SP MESSAGE
 *
 * where "[PID]" is optional and TIMESTAMP is one of
 *
 *	Nov 27 02:05:13                    RFC 3164 (day may be " 7"); local
 *	                                   time of this process (TZ), year from
 *	                                   the caller's reference time
 *	2026-11-27T02:05:13.123456+00:00   RFC 3339 (rsyslog high precision,
 *	2026-11-27T02:05:13Z               Postfix maillog_file), fraction of
 *	2026-11-27T02:05:13+0000           1-9 digits optional; journald
 *	                                   short-iso zone without a colon
 *
 * An RFC 3164 line carries no year: it gets the year that puts it nearest
 * before `ref`: a line more than one month ahead of ref belongs to the
 * previous year (December read in January), a January line read in late
 * December to the next one (a clock slightly ahead at new year).
 *
 * On success the header fields are copied out (NUL-terminated) and msg/
 * msg_len point into the caller's line.  Anything that does not match the
 * grammar (a NUL or control byte in the header, a hostname or program that
 * is too long, an impossible date) returns SYSLOG_UNPARSED and leaves *out
 * unspecified.  The message is not examined at all.
 */
#ifndef SENTINEL_MAILLOG_SYSLOG_H
#define SENTINEL_MAILLOG_SYSLOG_H

#include <stddef.h>
#include <time.h>

#define SYSLOG_HOST_MAX 256	/* bytes with the NUL: a DNS name fits */
#define SYSLOG_PROG_MAX 64

enum syslog_rc { SYSLOG_OK = 0, SYSLOG_UNPARSED = -1 };

struct syslog_line {
	time_t time;			/* UTC */
	long usec;			/* 0..999999 */
	char host[SYSLOG_HOST_MAX];
	char program[SYSLOG_PROG_MAX];	/* "postfix/submission/smtpd" */
	long pid;			/* -1 when the line has none */
	const char *msg;		/* into the caller's line */
	size_t msg_len;
};

int syslog_parse(struct syslog_line *out, const char *line, size_t len, time_t ref);

#endif
